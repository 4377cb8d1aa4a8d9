"""A user's insight settings: the facts they stated (memory), else the service's defaults."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.memory.repository import current_facts_with_relevance
from domains.insights.schemas import SEVERITY_RANK, Language, Severity
from shared.config.settings import Settings


@dataclass(frozen=True, slots=True)
class InsightPreferences:
    dead_stock_days: int
    digest_enabled: bool
    digest_hour: int  # UTC
    language: Language
    min_severity: Severity
    facts_used: tuple[dict[str, Any], ...] = ()


def _int_in(value: Any, low: int, high: int) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


async def load_preferences(
    session: AsyncSession, *, user_id: uuid.UUID, settings: Settings
) -> InsightPreferences:
    """One read of the user's current facts (the memory domain's query); a fact that does not
    parse is ignored rather than breaking the digest."""
    facts = {
        f.kind: f
        for f in await current_facts_with_relevance(session, user_id=user_id, terms=[], note_limit=0)
        if f.kind != "note"
    }
    used: list[dict[str, Any]] = []

    def value(kind: str) -> Any:
        fact = facts.get(kind)
        if fact is None:
            return None
        used.append({"id": fact.id, "kind": kind, "value": fact.value, "text": fact.text})
        return fact.value

    days = _int_in(value("dead_stock_threshold"), 1, 3650)
    hour = _int_in(value("digest_hour"), 0, 23)
    enabled = value("digest_enabled")
    language = value("language")
    severity = value("insights_min_severity")
    return InsightPreferences(
        dead_stock_days=days if days is not None else settings.DEAD_STOCK_DAYS,
        digest_enabled=enabled if isinstance(enabled, bool) else True,
        digest_hour=hour if hour is not None else settings.INSIGHTS_DIGEST_HOUR,
        language=language if language in ("en", "de") else settings.INSIGHTS_LANGUAGE,
        min_severity=severity if severity in SEVERITY_RANK else settings.INSIGHTS_MIN_SEVERITY,
        facts_used=tuple(used),
    )
