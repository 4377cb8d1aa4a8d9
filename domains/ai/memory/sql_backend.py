"""The default memory backend: typed facts and full-text recall in the app's own database.

Writing is cheap by design: extraction is a handful of regular expressions, and the database
is touched only when the message stated something worth keeping.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.memory import repository
from domains.ai.memory.base import FACT_KINDS, FactRef, MemoryContext
from domains.ai.memory.extraction import ExtractedFact, extract_facts, normalize_fact
from domains.ai.memory.models import MemoryFact
from domains.ai.tokens import count_tokens
from shared.config.settings import Settings
from shared.database.base import utcnow

logger = structlog.get_logger(__name__)

RECENCY_HALF_LIFE_DAYS = 30.0  # a snippet a month old counts half as much as one from today
SNIPPET_MAX_CHARS = 300
MESSAGE_CANDIDATES = 40
NOTE_CANDIDATES = 50


def recency_weight(moment: datetime, now: datetime) -> float:
    """1.0 for now, halving every RECENCY_HALF_LIFE_DAYS."""
    age_days = max(0.0, (now - moment).total_seconds() / 86400)
    return math.pow(0.5, age_days / RECENCY_HALF_LIFE_DAYS)


def fact_ref(fact: MemoryFact | repository.RecalledFact) -> FactRef:
    return FactRef(id=fact.id, kind=fact.kind, value=fact.value, text=fact.text)


def fact_line(fact: FactRef) -> str:
    """How a fact is shown to the model."""
    if fact.kind == "note":
        return f"- The user asked to remember: {fact.text}"
    return f"- {fact.kind} = {fact.value} (the user said: {fact.text!r})"


def settings_from(facts: list[FactRef]) -> dict[str, Any]:
    """Tool defaults from current typed facts (dead_stock_days, target_margin_pct, ...)."""
    values: dict[str, Any] = {}
    for fact in facts:
        setting = FACT_KINDS.get(fact.kind)
        if setting is not None:
            values[setting] = fact.value
    return values


class SqlMemory:
    """MemoryBackend over ai_memory_facts and ai_messages, bound to one request's session."""

    name = "sql"

    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self._unlinked: dict[uuid.UUID, list[int]] = {}  # conversation -> facts without source message

    # ---- MemoryBackend ----------------------------------------------------------------------

    async def observe_user_message(
        self, *, user_id: uuid.UUID, conversation_id: uuid.UUID, text: str, language: str
    ) -> list[FactRef]:
        extracted = extract_facts(text)
        if not extracted:
            return []  # the common case: no database work at all
        source = await repository.latest_user_message_id(
            self.session, user_id=user_id, conversation_id=conversation_id, content=text
        )
        saved = [await self._store(user_id, fact, source_message_id=source) for fact in extracted]
        if source is None:
            self._unlinked.setdefault(conversation_id, []).extend(f.id for f in saved)
        logger.info("memory_facts_saved", user_id=str(user_id), kinds=[f.kind for f in saved])
        return saved

    async def load(
        self,
        *,
        user_id: uuid.UUID,
        query: str,
        token_budget: int,
        exclude_conversation_id: uuid.UUID | None = None,
        with_messages: bool = True,
    ) -> MemoryContext:
        now = utcnow()
        terms = repository.search_terms(query)
        # Two round trips: current facts with their notes' relevance, then the message search (one
        # session, one connection: statements on it cannot overlap).
        facts = await repository.current_facts_with_relevance(
            self.session, user_id=user_id, terms=terms, note_limit=NOTE_CANDIDATES
        )
        typed = [fact_ref(f) for f in facts if f.kind != "note"]
        messages = (
            await repository.search_messages(
                self.session,
                user_id=user_id,
                terms=terms,
                limit=MESSAGE_CANDIDATES,
                exclude_conversation_id=exclude_conversation_id,
            )
            if with_messages
            else []
        )

        # Typed facts always come along (they set tool defaults and are cited); they use budget first.
        budget = token_budget - sum(count_tokens(fact_line(f)) for f in typed)
        chosen = list(typed)
        notes = sorted(
            (f for f in facts if f.kind == "note"),
            key=lambda f: (f.relevance + 0.01) * (1 + recency_weight(f.valid_from, now)),
            reverse=True,
        )
        for note in notes:
            cost = count_tokens(fact_line(fact_ref(note)))
            if cost <= budget:
                chosen.append(fact_ref(note))
                budget -= cost

        snippets: list[str] = []
        ranked = sorted(
            (m for m in messages if m.content.strip() != query.strip()),
            key=lambda m: m.relevance * (1 + recency_weight(m.created_at, now)),
            reverse=True,
        )
        for message in ranked:
            snippet = _snippet(message)
            cost = count_tokens(snippet)
            if cost <= budget:
                snippets.append(snippet)
                budget -= cost
        return MemoryContext(settings=settings_from(typed), facts=chosen, snippets=snippets)

    async def after_turn(
        self, *, user_id: uuid.UUID, conversation_id: uuid.UUID, user_text: str, answer: str
    ) -> None:
        # Only bookkeeping: point facts saved before the message was stored at that message.
        pending = self._unlinked.pop(conversation_id, [])
        if not pending:
            return
        source = await repository.latest_user_message_id(
            self.session, user_id=user_id, conversation_id=conversation_id, content=user_text
        )
        if source is not None:
            await repository.link_facts_to_message(
                self.session, user_id=user_id, fact_ids=pending, message_id=source
            )

    # ---- the remember tool of LLM providers -------------------------------------------------

    async def remember(
        self,
        *,
        user_id: uuid.UUID,
        kind: str,
        value: Any,
        text: str,
        conversation_id: uuid.UUID | None = None,
    ) -> FactRef:
        """Store a fact a language model extracted (its `remember` tool); validated like our own."""
        fact = normalize_fact(kind, value, text)
        saved = await self._store(user_id, fact, source_message_id=None)
        if conversation_id is not None:
            self._unlinked.setdefault(conversation_id, []).append(saved.id)
        return saved

    # ---- storing ------------------------------------------------------------------------------

    async def _store(
        self, user_id: uuid.UUID, fact: ExtractedFact, *, source_message_id: int | None
    ) -> FactRef:
        if self.session.get_bind().dialect.name == "sqlite":
            # SQLite serializes writers. A SAVEPOINT would open a read snapshot before the write
            # and fail with "database is locked" instead of waiting for the other writer.
            return await self._supersede_and_insert(user_id, fact, source_message_id)
        # Two requests of the same user may race to replace the same kind; the partial unique
        # index lets one win, the other retries against the winner.
        for attempt in range(3):
            try:
                async with self.session.begin_nested():
                    return await self._supersede_and_insert(user_id, fact, source_message_id)
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _supersede_and_insert(
        self, user_id: uuid.UUID, fact: ExtractedFact, source_message_id: int | None
    ) -> FactRef:
        if fact.kind == "note":
            same = await repository.current_note_with_text(self.session, user_id=user_id, note=fact.text)
            if same is not None:
                return fact_ref(same)
            current = None
        else:
            current = await repository.current_fact_of_kind(self.session, user_id=user_id, kind=fact.kind)
            if current is not None and current.value == fact.value:
                return fact_ref(current)  # nothing new: keep the older statement as the source
        now = utcnow()
        if current is not None:
            current.valid_to = now  # closed first: the unique index allows one current row per kind
            await self.session.flush()
        new = MemoryFact(
            user_id=user_id,
            kind=fact.kind,
            value=fact.value,
            text=fact.text,
            source_message_id=source_message_id,
            valid_from=now,
            created_at=now,
        )
        self.session.add(new)
        await self.session.flush()
        if current is not None:
            current.superseded_by = new.id
            await self.session.flush()
        return fact_ref(new)


def _snippet(message: repository.RecalledMessage) -> str:
    who = "user" if message.role == "user" else "assistant"
    content = " ".join(message.content.split())
    if len(content) > SNIPPET_MAX_CHARS:
        content = content[: SNIPPET_MAX_CHARS - 1].rstrip() + "…"
    return f"[{message.created_at.date().isoformat()} {who}] {content}"
