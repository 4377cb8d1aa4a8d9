"""Words a user teaches the assistant, and the questions it did not understand.

A taught word is a memory fact of kind "term:<word>" whose value is what it means: listed and
removable here, in GET /ai/memory and the widget's memory panel; the built-in engine reads it
as its meaning from then on. Questions answered with unknown words (or names with no record)
are kept per user, so the owner sees what to teach.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.memory.factory import build_memory
from domains.ai.memory.models import MemoryFact
from domains.ai.memory.savepoint import memory_savepoint
from domains.ai.models import UnansweredQuestion
from domains.ai.schemas import TaughtWord, UnansweredOut
from domains.ai.understanding.parser import Parser
from domains.ai.understanding.teaching import MAX_TERM_LENGTH, meaning_problems, term_kind
from domains.ai.understanding.vocabulary import load_vocabulary
from shared.api.schemas import Page
from shared.config.settings import Settings
from shared.error_handling.errors import NotFound, ValidationFailed

logger = structlog.get_logger(__name__)
TERM = "term:"


def _taught(fact: MemoryFact) -> TaughtWord:
    return TaughtWord(
        id=fact.id,
        term=fact.kind.removeprefix(TERM),
        means=str(fact.value),
        text=fact.text,
        created_at=fact.created_at,
    )


def _current_terms(user_id: uuid.UUID) -> Any:
    return (
        MemoryFact.user_id == user_id,
        MemoryFact.kind.startswith(TERM),
        MemoryFact.valid_to.is_(None),
    )


async def list_words(
    *, session: AsyncSession, user_id: uuid.UUID, limit: int, offset: int
) -> Page[TaughtWord]:
    where = _current_terms(user_id)
    total = await session.scalar(select(func.count()).select_from(MemoryFact).where(*where))
    rows = await session.scalars(
        select(MemoryFact).where(*where).order_by(MemoryFact.kind).limit(limit).offset(offset)
    )
    return Page[TaughtWord](
        items=[_taught(f) for f in rows], total=int(total or 0), limit=limit, offset=offset
    )


async def teach_word(
    *, session: AsyncSession, settings: Settings, user_id: uuid.UUID, term: str, means: str
) -> TaughtWord:
    """Store a word once its meaning is understood; a word taught again gets the new meaning."""
    vocabulary = await load_vocabulary(session)
    taught = {
        f.kind.removeprefix(TERM): str(f.value)
        for f in await session.scalars(select(MemoryFact).where(*_current_terms(user_id)))
        if f.kind.removeprefix(TERM) != term_kind(term).removeprefix(TERM)
    }
    problems = meaning_problems(Parser(vocabulary, taught=taught), means, now=datetime.now(UTC))
    if problems:
        words = ", ".join(f"'{w}'" for w in problems)
        raise ValidationFailed(
            f"The meaning is not understood: {words}",
            code="meaning_not_understood",
            details=[{"field": "means", "message": f"not understood: {words}", "type": "value_error"}],
        )
    memory = build_memory(session, settings)
    async with memory_savepoint(session):
        fact = await memory.remember(
            user_id=user_id, kind=term_kind(term), value=means, text=f"{term} = {means}"
        )
    stored = await session.get(MemoryFact, fact.id)
    assert stored is not None
    logger.info("vocabulary_taught", user_id=str(user_id), term=term)
    return _taught(stored)


async def forget_word(*, session: AsyncSession, user_id: uuid.UUID, word_id: int) -> None:
    fact = await session.scalar(select(MemoryFact).where(MemoryFact.id == word_id, *_current_terms(user_id)))
    if fact is None:
        raise NotFound(f"Taught word {word_id} not found", code="word_not_found")
    await session.delete(fact)
    await session.flush()


async def record_unanswered(
    *,
    session: AsyncSession,
    user_id: uuid.UUID,
    conversation_id: uuid.UUID | None,
    question: str,
    interpretation: dict[str, Any],
) -> None:
    """Keep a question that was not (fully) understood; nothing for understood ones."""
    understood = interpretation.get("understood", "full")
    if understood == "full":
        return
    words = [
        *interpretation.get("unknown_terms", []),
        *(t.get("term", "") for t in interpretation.get("no_record", [])),
    ]
    session.add(
        UnansweredQuestion(
            user_id=user_id,
            conversation_id=conversation_id,
            question=question,
            unknown_terms=[w for w in words if w],
            understood=str(understood)[:10],
        )
    )


async def list_unanswered(
    *, session: AsyncSession, user_id: uuid.UUID, limit: int, offset: int
) -> Page[UnansweredOut]:
    where = UnansweredQuestion.user_id == user_id
    total = await session.scalar(select(func.count()).select_from(UnansweredQuestion).where(where))
    rows = await session.scalars(
        select(UnansweredQuestion)
        .where(where)
        .order_by(UnansweredQuestion.id.desc())
        .limit(limit)
        .offset(offset)
    )
    items = [
        UnansweredOut(
            id=r.id,
            question=r.question,
            unknown_terms=list(r.unknown_terms),
            understood="none" if r.understood == "none" else "partial",
            conversation_id=r.conversation_id,
            created_at=r.created_at,
        )
        for r in rows
    ]
    return Page[UnansweredOut](items=items, total=int(total or 0), limit=limit, offset=offset)


__all__ = [
    "MAX_TERM_LENGTH",
    "forget_word",
    "list_unanswered",
    "list_words",
    "record_unanswered",
    "teach_word",
]
