"""Memory as the user manages it: status, list, delete one fact, clear everything, export.

Each function works on one user's rows only. With the Memori backend the same calls also
cover Memori's tables (its entity for this user), so clear and export are complete.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.memory import repository
from domains.ai.memory.memori_backend import (
    memori_clear_for,
    memori_counts_for,
    memori_coverage,
    memori_export_for,
)
from domains.ai.memory.models import MemoryFact
from domains.ai.memory.schemas import FactOut, MemoryStatus
from shared.api.schemas import Page
from shared.config.settings import Settings
from shared.database.base import utcnow
from shared.error_handling.errors import NotFound

logger = structlog.get_logger(__name__)


def _uses_memori(settings: Settings) -> bool:
    return settings.AI_MEMORY_BACKEND == "memori"


def fact_out(fact: MemoryFact) -> FactOut:
    return FactOut(
        id=fact.id,
        kind=fact.kind,
        value=fact.value,
        text=fact.text,
        source_message_id=fact.source_message_id,
        valid_from=fact.valid_from,
        valid_to=fact.valid_to,
        superseded_by=fact.superseded_by,
        current=fact.valid_to is None,
        created_at=fact.created_at,
    )


async def memory_status(
    *, session: AsyncSession, settings: Settings, user_id: uuid.UUID, provider_name: str | None = None
) -> MemoryStatus:
    """Counts of this user's memory; with Memori also its rows and whether the answering
    provider (`provider_name`) uses it."""
    counts = await repository.memory_counts(session, user_id=user_id)
    memori_counts = None
    coverage = None
    if _uses_memori(settings):
        memori_counts = await memori_counts_for(session, user_id)
        coverage = memori_coverage(provider_name) if provider_name is not None else None
    return MemoryStatus(
        user_id=str(user_id),
        memory_enabled=settings.AI_ASSISTANT_ENABLED,
        backend=settings.AI_MEMORY_BACKEND,
        memori=memori_counts,
        memori_active=coverage.active if coverage else None,
        memori_detail=coverage.detail if coverage else None,
        **counts,
    )


async def list_facts(
    *, session: AsyncSession, user_id: uuid.UUID, include_history: bool, limit: int, offset: int
) -> Page[FactOut]:
    rows, total = await repository.page_of_facts(
        session, user_id=user_id, include_history=include_history, limit=limit, offset=offset
    )
    return Page[FactOut](items=[fact_out(r) for r in rows], total=total, limit=limit, offset=offset)


async def delete_fact(*, session: AsyncSession, user_id: uuid.UUID, fact_id: int) -> None:
    """Forget one fact. Another user's fact id is reported as not found, never as forbidden."""
    fact = await repository.fact_of_user(session, user_id=user_id, fact_id=fact_id)
    if fact is None:
        raise NotFound(f"Memory fact {fact_id} not found")
    await session.delete(fact)
    await session.flush()
    logger.info("memory_fact_deleted", user_id=str(user_id), fact_id=fact_id, kind=fact.kind)


async def clear_memory(*, session: AsyncSession, settings: Settings, user_id: uuid.UUID) -> dict[str, int]:
    """Every fact, conversation and message of this user (and Memori's rows for them)."""
    deleted = await repository.delete_all_memory(session, user_id=user_id)
    if _uses_memori(settings):
        deleted["memori_rows"] = await memori_clear_for(session, user_id)
    logger.info("memory_cleared", user_id=str(user_id), **deleted)
    return deleted


async def export_memory(*, session: AsyncSession, settings: Settings, user_id: uuid.UUID) -> dict[str, Any]:
    facts = await repository.all_facts_of_user(session, user_id=user_id)
    export: dict[str, Any] = {
        "user_id": str(user_id),
        "exported_at": utcnow().isoformat(),
        "backend": settings.AI_MEMORY_BACKEND,
        "facts": [fact_out(f).model_dump(mode="json") for f in facts],
        "conversations": await repository.conversations_with_messages(session, user_id=user_id),
    }
    if _uses_memori(settings):
        export["memori"] = await memori_export_for(session, user_id)
    return export
