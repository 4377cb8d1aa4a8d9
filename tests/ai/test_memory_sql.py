"""The SQL memory backend on a real database: facts, validity, isolation, recall, concurrency."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.memory import service
from domains.ai.memory.factory import build_memory
from domains.ai.memory.models import MemoryFact
from domains.ai.memory.repository import RECALL_MESSAGE_BOUND
from domains.ai.memory.sql_backend import SqlMemory, count_tokens
from domains.ai.models import Message
from domains.auth.models import User
from tests.ai.memory_helpers import make_conversation, make_message
from tests.factories import days_ago, make_user

REMEMBER_45 = "Remember that anything older than 45 days counts as dead stock for me"


def memory_for(app: FastAPI, session: AsyncSession) -> SqlMemory:
    memory = build_memory(session, app.state.settings)
    assert isinstance(memory, SqlMemory)
    return memory


async def test_dead_stock_preference_is_remembered_for_its_user_only(
    clean_app: FastAPI, db: AsyncSession, user: User
) -> None:
    other = await make_user(db, email="other@example.com")
    conversation = await make_conversation(db, user_id=user.id)
    memory = memory_for(clean_app, db)

    saved = await memory.observe_user_message(
        user_id=user.id, conversation_id=conversation.id, text=REMEMBER_45, language="en"
    )
    await db.commit()

    assert [(f.kind, f.value) for f in saved] == [("dead_stock_threshold", 45)]
    mine = await memory.load(user_id=user.id, query="how much dead stock do I have?", token_budget=500)
    assert mine.settings == {"dead_stock_days": 45}
    assert [f.id for f in mine.facts] == [saved[0].id]  # the fact behind the setting, for sources
    theirs = await memory.load(user_id=other.id, query="how much dead stock do I have?", token_budget=500)
    assert theirs.settings == {} and theirs.facts == []

    await service.clear_memory(session=db, settings=clean_app.state.settings, user_id=user.id)
    await db.commit()
    cleared = await memory.load(user_id=user.id, query="dead stock", token_budget=500)
    assert cleared.settings == {} and cleared.facts == []


async def test_german_preference_sets_the_same_default(
    clean_app: FastAPI, db: AsyncSession, user: User
) -> None:
    conversation = await make_conversation(db, user_id=user.id)
    memory = memory_for(clean_app, db)
    await memory.observe_user_message(
        user_id=user.id,
        conversation_id=conversation.id,
        text="Ab jetzt gilt alles über 45 Tage als Ladenhüter",
        language="de",
    )
    await memory.observe_user_message(
        user_id=user.id, conversation_id=conversation.id, text="Zielmarge 25 %", language="de"
    )
    context = await memory.load(user_id=user.id, query="Welche Ladenhüter habe ich?", token_budget=500)
    assert context.settings == {"dead_stock_days": 45, "target_margin_pct": 25.0}


async def test_a_question_with_a_threshold_stores_nothing(
    clean_app: FastAPI, db: AsyncSession, user: User
) -> None:
    conversation = await make_conversation(db, user_id=user.id)
    memory = memory_for(clean_app, db)
    saved = await memory.observe_user_message(
        user_id=user.id,
        conversation_id=conversation.id,
        text="how much dead stock older than 90 days do I have?",
        language="en",
    )
    assert saved == []
    assert await db.scalar(select(func.count()).select_from(MemoryFact)) == 0


async def test_a_newer_statement_replaces_the_older_one_and_keeps_history(
    clean_app: FastAPI, db: AsyncSession, user: User
) -> None:
    conversation = await make_conversation(db, user_id=user.id)
    memory = memory_for(clean_app, db)
    first_message = await make_message(db, conversation=conversation, content=REMEMBER_45)
    [first] = await memory.observe_user_message(
        user_id=user.id, conversation_id=conversation.id, text=REMEMBER_45, language="en"
    )
    [second] = await memory.observe_user_message(
        user_id=user.id, conversation_id=conversation.id, text="treat 90 days as dead stock", language="en"
    )
    # Saying the same again changes nothing: the earlier statement stays the source.
    [again] = await memory.observe_user_message(
        user_id=user.id, conversation_id=conversation.id, text="Treat 90 days as dead stock!", language="en"
    )
    await db.commit()

    assert again.id == second.id
    context = await memory.load(user_id=user.id, query="dead stock", token_budget=500)
    assert context.settings == {"dead_stock_days": 90}
    rows = (await db.scalars(select(MemoryFact).order_by(MemoryFact.id))).all()
    assert [(r.value, r.valid_to is None) for r in rows] == [(45, False), (90, True)]
    assert rows[0].superseded_by == second.id and rows[0].valid_to is not None
    assert rows[0].source_message_id == first_message.id  # the message was stored before observe
    assert first.id == rows[0].id

    current = await service.list_facts(session=db, user_id=user.id, include_history=False, limit=10, offset=0)
    history = await service.list_facts(session=db, user_id=user.id, include_history=True, limit=10, offset=0)
    assert [f.value for f in current.items] == [90]
    assert history.total == 2 and {f.value for f in history.items} == {45, 90}


async def test_after_turn_links_a_fact_to_the_message_stored_later(
    clean_app: FastAPI, db: AsyncSession, user: User
) -> None:
    conversation = await make_conversation(db, user_id=user.id)
    memory = memory_for(clean_app, db)
    [fact] = await memory.observe_user_message(
        user_id=user.id, conversation_id=conversation.id, text="I mostly sell on GOAT", language="en"
    )
    message = await make_message(db, conversation=conversation, content="I mostly sell on GOAT")
    await memory.after_turn(
        user_id=user.id, conversation_id=conversation.id, user_text="I mostly sell on GOAT", answer="Noted."
    )
    await db.commit()
    stored = await db.get(MemoryFact, fact.id)
    assert stored is not None and stored.source_message_id == message.id


async def test_remember_tool_stores_a_typed_fact(clean_app: FastAPI, db: AsyncSession, user: User) -> None:
    memory = memory_for(clean_app, db)
    await memory.remember(user_id=user.id, kind="preferred_platform", value="StockX", text="I sell on StockX")
    context = await memory.load(user_id=user.id, query="fees", token_budget=500)
    assert context.settings == {"preferred_platform": "stockx"}


async def test_recall_prefers_relevant_and_recent_snippets_within_budget(
    clean_app: FastAPI, db: AsyncSession, user: User
) -> None:
    other = await make_user(db, email="other@example.com")
    mine = await make_conversation(db, user_id=user.id)
    theirs = await make_conversation(db, user_id=other.id)
    old = await make_message(
        db,
        conversation=mine,
        content="The Jordan 1 Chicago sold on StockX last spring",
        created_at=days_ago(200),
    )
    recent = await make_message(
        db,
        conversation=mine,
        content="I listed the Jordan 1 Chicago on GOAT yesterday",
        created_at=days_ago(1),
    )
    await make_message(db, conversation=mine, content="Yeezy 350 prices are dropping", created_at=days_ago(1))
    await make_message(db, conversation=theirs, content="My secret Jordan 1 Chicago supplier is Bob")
    for i in range(30):
        await make_message(
            db,
            conversation=mine,
            content=f"Jordan Chicago note number {i} " + "filler " * 40,
            created_at=days_ago(90),
        )
    memory = memory_for(clean_app, db)
    await memory.observe_user_message(
        user_id=user.id,
        conversation_id=mine.id,
        text="Remember that my Chicago pairs are size 10",
        language="en",
    )
    await db.commit()

    context = await memory.load(
        user_id=user.id, query="Where did I list the Jordan 1 Chicago?", token_budget=2000
    )
    joined = "\n".join(context.snippets)
    assert "Bob" not in joined  # never another user's words
    assert "Yeezy" not in joined  # not relevant
    assert context.snippets[0].endswith(recent.content)  # relevant and recent first
    assert any(s.endswith(old.content) for s in context.snippets)
    assert any(f.kind == "note" and "size 10" in f.text for f in context.facts)

    small = await memory.load(
        user_id=user.id, query="Where did I list the Jordan 1 Chicago?", token_budget=60
    )
    used = sum(count_tokens(s) for s in small.snippets)
    assert 0 < used <= 60
    assert len(small.snippets) < len(context.snippets)
    none = await memory.load(user_id=user.id, query="Jordan Chicago", token_budget=0)
    assert none.snippets == []
    # The built-in engine reads no old answers: its recall skips the message search, keeps the facts.
    facts_only = await memory.load(
        user_id=user.id,
        query="Where did I list the Jordan 1 Chicago?",
        token_budget=2000,
        with_messages=False,
    )
    assert facts_only.snippets == [] and facts_only.facts == context.facts


async def test_recall_with_a_long_history_searches_only_the_newest_messages(
    clean_app: FastAPI, db: AsyncSession, user: User
) -> None:
    conversation = await make_conversation(db, user_id=user.id)
    beyond = await make_message(
        db,
        conversation=conversation,
        content="Klekt consignment of the Salomon XT-6 went to the old warehouse",
        created_at=days_ago(120),
    )
    recent = await make_message(
        db,
        conversation=conversation,
        content="Klekt consignment of the Salomon XT-6 paid out today",
        created_at=days_ago(1),
    )
    # With these unrelated turns `recent` is the newest of exactly RECALL_MESSAGE_BOUND messages and
    # `beyond` the next older one: out of recall, although it matches as well.
    filler = [
        {
            "conversation_id": conversation.id,
            "user_id": user.id,
            "role": "user" if i % 2 == 0 else "assistant",
            "content": f"Checked the Nike Dunk Low prices again, round {i}",
            "created_at": days_ago(2) - timedelta(minutes=i),
        }
        for i in range(RECALL_MESSAGE_BOUND - 1)
    ]
    await db.execute(insert(Message), filler)
    await db.commit()

    context = await memory_for(clean_app, db).load(
        user_id=user.id, query="Where is my Klekt consignment of the Salomon?", token_budget=2000
    )
    assert [s for s in context.snippets if "Klekt" in s] == [context.snippets[0]]
    assert context.snippets[0].endswith(recent.content)
    assert not any("old warehouse" in s for s in context.snippets), beyond.content


async def test_recall_leaves_out_the_current_conversation_when_asked(
    clean_app: FastAPI, db: AsyncSession, user: User
) -> None:
    past = await make_conversation(db, user_id=user.id)
    now = await make_conversation(db, user_id=user.id)
    await make_message(db, conversation=past, content="Klekt payout for the Travis Scott was slow")
    await make_message(db, conversation=now, content="Klekt payout question again")
    await db.commit()
    memory = memory_for(clean_app, db)
    context = await memory.load(
        user_id=user.id, query="Klekt payout", token_budget=500, exclude_conversation_id=now.id
    )
    assert len(context.snippets) == 1 and "Travis Scott" in context.snippets[0]


async def test_twenty_users_at_once_each_see_only_their_own_facts(
    clean_app: FastAPI, db: AsyncSession
) -> None:
    users = [await make_user(db, email=f"seller{i}@example.com") for i in range(20)]
    conversations = [await make_conversation(db, user_id=u.id) for u in users]
    await db.commit()
    sessionmaker = clean_app.state.sessionmaker

    async def one(index: int) -> tuple[uuid.UUID, dict[str, object], float]:
        async with sessionmaker() as session:
            memory = build_memory(session, clean_app.state.settings)
            days = 30 + index
            started = time.perf_counter()
            await memory.observe_user_message(
                user_id=users[index].id,
                conversation_id=conversations[index].id,
                text=f"Remember that anything older than {days} days counts as dead stock for me",
                language="en",
            )
            await session.commit()
            context = await memory.load(user_id=users[index].id, query="dead stock", token_budget=500)
            elapsed = time.perf_counter() - started
            await session.commit()
            return users[index].id, context.settings, elapsed

    results = await asyncio.gather(*(one(i) for i in range(20)))
    for index, (user_id, settings, _elapsed) in enumerate(results):
        assert user_id == users[index].id
        assert settings == {"dead_stock_days": 30 + index}
    timings = sorted(r[2] for r in results)
    print(
        f"\nconcurrent observe+load, 20 users: median {timings[10] * 1000:.1f} ms, max {timings[-1] * 1000:.1f} ms"
    )


async def test_measure_overhead_of_observe_and_load(clean_app: FastAPI, db: AsyncSession, user: User) -> None:
    """Not an assertion on speed: prints what memory adds to one answer on this database."""
    conversation = await make_conversation(db, user_id=user.id)
    for i in range(200):
        await make_message(
            db, conversation=conversation, content=f"How did the Jordan 1 sell on StockX, week {i}?"
        )
    await db.commit()
    memory = memory_for(clean_app, db)
    samples: dict[str, list[float]] = {"observe (question)": [], "observe (fact)": [], "load": []}
    for i in range(20):
        started = time.perf_counter()
        await memory.observe_user_message(
            user_id=user.id,
            conversation_id=conversation.id,
            text="how much dead stock do I have?",
            language="en",
        )
        samples["observe (question)"].append(time.perf_counter() - started)
        started = time.perf_counter()
        await memory.observe_user_message(
            user_id=user.id,
            conversation_id=conversation.id,
            text=f"my target margin is {10 + i}%",
            language="en",
        )
        samples["observe (fact)"].append(time.perf_counter() - started)
        started = time.perf_counter()
        context = await memory.load(user_id=user.id, query="How did the Jordan 1 sell?", token_budget=800)
        samples["load"].append(time.perf_counter() - started)
    await db.commit()
    assert context.settings["target_margin_pct"] == 29.0
    dialect = db.get_bind().dialect.name
    report = ", ".join(f"{k} median {sorted(v)[10] * 1000:.2f} ms" for k, v in samples.items())
    print(f"\nmemory overhead on {dialect} (200 messages): {report}")
