"""Queries of long-term memory, named by intent. Every function takes the user's id and filters on it."""

from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    Select,
    Text,
    bindparam,
    case,
    delete,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Uuid

from domains.ai.memory.fts import FACTS_FTS_TABLE, MESSAGES_DOCUMENT_COLUMN, MESSAGES_FTS_TABLE, TS_CONFIG
from domains.ai.memory.models import MemoryFact
from domains.ai.models import Conversation, Message, UnansweredQuestion
from shared.database.types import UTCDateTime

# Words that would match nearly every message; the 'simple' text configuration keeps them.
_STOP_WORDS_TEXT = """
a an and are as at be been but by can could did do does for from had has have how i i'm if in into is it
its me my of on or our please show so than that the their them then there these this to up us was we
were what when where which who why will with would you your all any tell give list much many
der die das den dem des ein eine einer eines einem einen und oder aber ist sind war waren bin bist hat
habe hast haben ich du er sie es wir ihr mir mich mein meine meinen meiner zu zum zur im in am an auf aus
bei mit nach von vor für über unter wie was wer wo wann warum welche welcher welches nicht kein keine
noch nur auch so dass als bitte zeig zeige mal gibt viel viele
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
MAX_QUERY_TERMS = 12

# Recall searches only the user's newest RECALL_MESSAGE_BOUND messages: older turns are out of
# recall (recency weighting already ranks them far down: a 6-month-old match counts ~1/64 of
# today's bonus). It bounds the work per answer whatever the length of the history: without it a
# user with 1,700 messages paid ~220 ms per answer for parsing every matching message.
RECALL_MESSAGE_BOUND = 400
# Only the first RECALL_TEXT_CHARS characters of a message are parsed, ranked and returned (a
# snippet shows the first 300): a long answer costs no more than a short one. PostgreSQL's stored
# document (ai_messages.fts_document, migration 0011) is parsed from as many.
RECALL_TEXT_CHARS = 1000


def search_terms(query: str) -> list[str]:
    """Distinct, meaningful words of a query (letters and digits only: safe for tsquery/MATCH)."""
    words = re.findall(r"[^\W_]+", query.lower())
    terms = [w for w in dict.fromkeys(words) if w not in STOP_WORDS and (len(w) >= 3 or w.isdigit())]
    return terms[:MAX_QUERY_TERMS]


@dataclass(frozen=True, slots=True)
class RecalledFact:
    id: int
    kind: str
    value: Any
    text: str
    valid_from: datetime
    relevance: float  # full-text relevance to the recall query, 0.0 when it does not match


@dataclass(frozen=True, slots=True)
class RecalledMessage:
    id: int
    conversation_id: uuid.UUID
    role: str
    content: str
    created_at: datetime
    relevance: float


# ---- facts --------------------------------------------------------------------------------


def _current(user_id: uuid.UUID) -> Select[MemoryFact]:
    return select(MemoryFact).where(MemoryFact.user_id == user_id, MemoryFact.valid_to.is_(None))


@functools.cache
def _facts_statement(dialect: str, *, with_terms: bool) -> Select[Any]:
    """The facts-with-relevance query, built once per dialect (parameters :uid, :note_limit and,
    with terms, :fact_query): a new statement per call cost a cache key computation each time."""
    uid = bindparam("uid", type_=Uuid())
    newest_notes = (
        select(MemoryFact.id)
        .where(MemoryFact.user_id == uid, MemoryFact.valid_to.is_(None), MemoryFact.kind == "note")
        .order_by(MemoryFact.id.desc())
        .limit(bindparam("note_limit", type_=Integer()))
    )
    relevance: Any = literal(0.0, Float())
    statement = select(
        MemoryFact.id, MemoryFact.kind, MemoryFact.value, MemoryFact.text, MemoryFact.valid_from
    ).where(
        MemoryFact.user_id == uid,
        MemoryFact.valid_to.is_(None),
        or_(MemoryFact.kind != "note", MemoryFact.id.in_(newest_notes.scalar_subquery())),
    )
    if with_terms and dialect == "postgresql":
        document = func.to_tsvector(literal_column(f"'{TS_CONFIG}'"), MemoryFact.text)
        query = func.to_tsquery(literal_column(f"'{TS_CONFIG}'"), bindparam("fact_query", type_=Text()))
        relevance = case((document.bool_op("@@")(query), func.ts_rank(document, query)), else_=0.0)
    elif with_terms:
        matches = (
            text(
                f"SELECT rowid AS id, -bm25({FACTS_FTS_TABLE}) AS relevance FROM {FACTS_FTS_TABLE} "
                f"WHERE {FACTS_FTS_TABLE} MATCH :fact_query"
            )
            .columns(id=Integer(), relevance=Float())
            .subquery("fact_matches")
        )
        statement = statement.outerjoin(matches, matches.c.id == MemoryFact.id)
        relevance = func.coalesce(matches.c.relevance, 0.0)
    return statement.add_columns(relevance.label("relevance")).order_by(MemoryFact.id)


async def current_facts_with_relevance(
    session: AsyncSession, *, user_id: uuid.UUID, terms: list[str], note_limit: int = 50
) -> list[RecalledFact]:
    """Every current typed fact (oldest first), then the newest `note_limit` current notes (newest
    first), each with the full-text relevance of its text to any of `terms` (0.0: no match); one
    round trip, plain rows (no ORM objects to track)."""
    dialect = session.get_bind().dialect.name
    parameters: dict[str, Any] = {"uid": user_id, "note_limit": note_limit}
    if terms:
        parameters["fact_query"] = (
            " | ".join(f"{t}:*" for t in terms)
            if dialect == "postgresql"
            else " OR ".join(f'"{t}"*' for t in terms)
        )
    rows = (await session.execute(_facts_statement(dialect, with_terms=bool(terms)), parameters)).all()
    facts = [
        RecalledFact(
            id=r.id,
            kind=r.kind,
            value=r.value,
            text=r.text,
            valid_from=r.valid_from,
            relevance=float(r.relevance or 0.0),
        )
        for r in rows
    ]
    return [*(f for f in facts if f.kind != "note"), *(f for f in reversed(facts) if f.kind == "note")]


async def current_fact_of_kind(session: AsyncSession, *, user_id: uuid.UUID, kind: str) -> MemoryFact | None:
    result = await session.scalars(_current(user_id).where(MemoryFact.kind == kind).limit(1))
    return result.first()


async def current_note_with_text(
    session: AsyncSession, *, user_id: uuid.UUID, note: str
) -> MemoryFact | None:
    result = await session.scalars(
        _current(user_id).where(MemoryFact.kind == "note", MemoryFact.text == note).limit(1)
    )
    return result.first()


async def fact_of_user(session: AsyncSession, *, user_id: uuid.UUID, fact_id: int) -> MemoryFact | None:
    result = await session.scalars(
        select(MemoryFact).where(MemoryFact.id == fact_id, MemoryFact.user_id == user_id)
    )
    return result.first()


async def page_of_facts(
    session: AsyncSession, *, user_id: uuid.UUID, include_history: bool, limit: int, offset: int
) -> tuple[list[MemoryFact], int]:
    condition = [MemoryFact.user_id == user_id]
    if not include_history:
        condition.append(MemoryFact.valid_to.is_(None))
    total = await session.scalar(select(func.count()).select_from(MemoryFact).where(*condition))
    rows = await session.scalars(
        select(MemoryFact)
        .where(*condition)
        .order_by(MemoryFact.valid_from.desc(), MemoryFact.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)


async def all_facts_of_user(session: AsyncSession, *, user_id: uuid.UUID) -> list[MemoryFact]:
    rows = await session.scalars(
        select(MemoryFact).where(MemoryFact.user_id == user_id).order_by(MemoryFact.id)
    )
    return list(rows)


async def latest_user_message_id(
    session: AsyncSession, *, user_id: uuid.UUID, conversation_id: uuid.UUID, content: str
) -> int | None:
    """The stored user message a fact came from, when the assistant has stored it already."""
    return await session.scalar(
        select(Message.id)
        .where(
            Message.user_id == user_id,
            Message.conversation_id == conversation_id,
            Message.role == "user",
            Message.content == content,
        )
        .order_by(Message.id.desc())
        .limit(1)
    )


async def link_facts_to_message(
    session: AsyncSession, *, user_id: uuid.UUID, fact_ids: list[int], message_id: int
) -> None:
    await session.execute(
        update(MemoryFact)
        .where(
            MemoryFact.user_id == user_id,
            MemoryFact.id.in_(fact_ids),
            MemoryFact.source_message_id.is_(None),
        )
        .values(source_message_id=message_id)
    )


# ---- counts, clearing ---------------------------------------------------------------------


async def memory_counts(session: AsyncSession, *, user_id: uuid.UUID) -> dict[str, int]:
    """Conversations, messages, current facts and superseded facts of one user, in one round trip."""

    def count(model: Any, *where: Any) -> Any:
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    row = (
        await session.execute(
            select(
                count(Conversation, Conversation.user_id == user_id).label("conversations"),
                count(Message, Message.user_id == user_id).label("messages"),
                count(MemoryFact, MemoryFact.user_id == user_id, MemoryFact.valid_to.is_(None)).label(
                    "facts"
                ),
                count(MemoryFact, MemoryFact.user_id == user_id, MemoryFact.valid_to.is_not(None)).label(
                    "superseded"
                ),
            )
        )
    ).one()
    return {
        "conversation_count": int(row.conversations),
        "message_count": int(row.messages),
        "fact_count": int(row.facts),
        "superseded_fact_count": int(row.superseded),
    }


async def delete_all_memory(session: AsyncSession, *, user_id: uuid.UUID) -> dict[str, int]:
    """Facts, messages and conversations of this user only; returns how many rows went."""
    facts = await session.execute(delete(MemoryFact).where(MemoryFact.user_id == user_id))
    await session.execute(delete(UnansweredQuestion).where(UnansweredQuestion.user_id == user_id))
    messages = await session.execute(delete(Message).where(Message.user_id == user_id))
    conversations = await session.execute(delete(Conversation).where(Conversation.user_id == user_id))
    return {
        "facts": _rowcount(facts),
        "messages": _rowcount(messages),
        "conversations": _rowcount(conversations),
    }


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def conversations_with_messages(session: AsyncSession, *, user_id: uuid.UUID) -> list[dict[str, Any]]:
    conversations = await session.scalars(
        select(Conversation).where(Conversation.user_id == user_id).order_by(Conversation.created_at)
    )
    by_id: dict[uuid.UUID, dict[str, Any]] = {
        c.id: {
            "id": str(c.id),
            "title": c.title,
            "created_at": c.created_at.isoformat(),
            "updated_at": c.updated_at.isoformat(),
            "messages": [],
        }
        for c in conversations
    }
    messages = await session.scalars(
        select(Message).where(Message.user_id == user_id).order_by(Message.conversation_id, Message.id)
    )
    for m in messages:
        conversation = by_id.get(m.conversation_id)
        if conversation is not None:
            conversation["messages"].append(
                {
                    "id": m.id,
                    "role": m.role,
                    "content": m.content,
                    "intent": m.intent,
                    "language": m.language,
                    "provider": m.provider,
                    "model": m.model,
                    "sources": m.sources,
                    "created_at": m.created_at.isoformat(),
                }
            )
    return list(by_id.values())


# ---- full-text recall ---------------------------------------------------------------------

_UID = bindparam("uid", type_=Uuid())


def message_search_sql_postgresql(*, exclude: bool) -> str:
    """The message search on PostgreSQL, parameters :uid, :query, :limit (and :exclude).

    Resellers all talk about the same words (stock, sales, Nike, StockX), so a term matches a
    large share of everybody's messages while user_id matches a few hundred rows: the search
    stays inside the user's own rows, never the GIN index (with it in reach, asyncpg's reused
    prepared statement got a generic plan that ANDed the user_id index with a GIN scan over
    ~170k entries per common term: 105 ms at 1M messages instead of ~1 ms; see
    docs/benchmarks.md, memory-recall).

    The user's newest RECALL_MESSAGE_BOUND messages are those from `cutoff` on: the created_at
    of the RECALL_MESSAGE_BOUND-th newest, read from the (user_id, created_at) index, so the
    rows read are bounded by a range of that index whatever plan the row estimates lead to
    (an `ORDER BY created_at DESC LIMIT` read all of a long history's rows under a bitmap
    plan). Their parsed documents are stored (fts_document, migration 0011): matching and
    ranking them parses nothing (to_tsvector of the 400 newest took 5-15 ms per recall).
    """
    not_excluded = "AND conversation_id <> :exclude" if exclude else ""
    return f"""
        SELECT m.id, m.conversation_id, m.role, left(m.content, {RECALL_TEXT_CHARS}) AS content,
               m.created_at, ts_rank(m.{MESSAGES_DOCUMENT_COLUMN}, q) AS relevance
        FROM ai_messages m, to_tsquery('{TS_CONFIG}', :query) q
        WHERE m.user_id = :uid {not_excluded}
          AND m.created_at >= coalesce((
              SELECT created_at FROM ai_messages WHERE user_id = :uid {not_excluded}
              ORDER BY created_at DESC OFFSET {RECALL_MESSAGE_BOUND - 1} LIMIT 1
          ), '-infinity')
          AND m.{MESSAGES_DOCUMENT_COLUMN} @@ q
        ORDER BY relevance DESC, m.id DESC LIMIT :limit
    """


def message_search_sql_sqlite(*, exclude: bool) -> str:
    """The message search on SQLite (FTS5), parameters :uid, :query, :limit (and :exclude): the
    same bound as on PostgreSQL, the user's newest RECALL_MESSAGE_BOUND messages (`+m.id` keeps
    the bound a filter: FTS5 drives the search). FTS5 walks only the rowids from the oldest of
    them on (a rowid range it seeks to), not every message of every user holding a common word:
    2-3x faster for the bench user's 2,422 messages (sqlite3, the same rows returned)."""
    not_excluded = "AND conversation_id <> :exclude" if exclude else ""
    newest = (
        f"SELECT id FROM ai_messages WHERE user_id = :uid {not_excluded} "
        f"ORDER BY created_at DESC LIMIT {RECALL_MESSAGE_BOUND}"
    )
    return f"""
        SELECT m.id, m.conversation_id, m.role, substr(m.content, 1, {RECALL_TEXT_CHARS}) AS content,
               m.created_at, -bm25({MESSAGES_FTS_TABLE}) AS relevance
        FROM {MESSAGES_FTS_TABLE} JOIN ai_messages m ON m.id = {MESSAGES_FTS_TABLE}.rowid
        WHERE {MESSAGES_FTS_TABLE} MATCH :query AND m.user_id = :uid
          AND {MESSAGES_FTS_TABLE}.rowid >= (SELECT min(id) FROM ({newest}))
          AND +m.id IN ({newest})
        ORDER BY relevance DESC, m.id DESC LIMIT :limit
    """


async def search_messages(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    terms: list[str],
    limit: int,
    exclude_conversation_id: uuid.UUID | None = None,
) -> list[RecalledMessage]:
    """Among the user's newest RECALL_MESSAGE_BOUND messages (outside `exclude_conversation_id`),
    those matching any term, best match first; content cut to RECALL_TEXT_CHARS characters
    (PostgreSQL: the user's rows by the (user_id, created_at) index, matched there; SQLite: FTS5)."""
    if not terms:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        sql = message_search_sql_postgresql(exclude=bool(exclude_conversation_id))
        query = " | ".join(f"{t}:*" for t in terms)
    else:
        sql = message_search_sql_sqlite(exclude=bool(exclude_conversation_id))
        query = " OR ".join(f'"{t}"*' for t in terms)
    statement = (
        text(sql)
        .bindparams(_UID)
        .columns(conversation_id=Uuid(), created_at=UTCDateTime())
        .bindparams(query=query, uid=user_id, limit=limit)
    )
    if exclude_conversation_id:
        statement = statement.bindparams(bindparam("exclude", exclude_conversation_id, type_=Uuid()))
    rows = await session.execute(statement)
    return [
        RecalledMessage(
            id=r.id,
            conversation_id=r.conversation_id,
            role=r.role,
            content=r.content,
            created_at=r.created_at,
            relevance=float(r.relevance or 0.0),
        )
        for r in rows
    ]
