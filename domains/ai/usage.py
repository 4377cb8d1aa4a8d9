"""The assistant's usage ledger: one `ai_usage` row per user, UTC day, provider and model, and
the report of it (GET /ai/usage). The rows are kept by the database: storing an answer's message
(with its tokens and estimated cost) adds it to its row in the same statement (an upsert in a
trigger, migration 0013), so concurrent answers add up instead of clashing on the unique key.

The other parts of what the assistant costs and who may use it how much:
- domains/ai/costs.py        the price table and cost estimates
- domains/ai/budget.py       the per-user daily token budget and its reservations
- domains/ai/reservations.py where those reservations are kept (in-process or Redis)
- domains/ai/rate_limit.py   the per-user request rate (`limits`)
- domains/ai/tokens.py       token counting
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.models import UsageLedger
from shared.config.settings import Settings


class UsageService:
    """The ledger of one user's assistant usage (read only: answers add themselves)."""

    def __init__(self, session: AsyncSession, *, settings: Settings, now: datetime | None = None) -> None:
        self.session = session
        self.settings = settings
        self.now = (now or datetime.now(UTC)).astimezone(UTC)

    async def tokens_used_on(self, *, user_id: uuid.UUID, day: date) -> int:
        stmt = select(
            func.coalesce(func.sum(UsageLedger.prompt_tokens + UsageLedger.completion_tokens), 0)
        ).where(UsageLedger.user_id == user_id, UsageLedger.day == day)
        return int((await self.session.execute(stmt)).scalar_one())

    async def report(self, *, user_id: uuid.UUID, days: int) -> dict[str, Any]:
        """The user's usage per day and per model over the last `days` days (today included)."""
        first_day = self.now.date() - timedelta(days=days - 1)
        scope = (UsageLedger.user_id == user_id, UsageLedger.day >= first_day)
        sums = (
            func.sum(UsageLedger.requests).label("requests"),
            func.sum(UsageLedger.prompt_tokens).label("prompt_tokens"),
            func.sum(UsageLedger.completion_tokens).label("completion_tokens"),
            func.sum(UsageLedger.cost_usd).label("cost_usd"),
        )
        per_day = (
            await self.session.execute(
                select(UsageLedger.day, *sums)
                .where(*scope)
                .group_by(UsageLedger.day)
                .order_by(UsageLedger.day)
            )
        ).all()
        per_model = (
            await self.session.execute(
                select(UsageLedger.provider, UsageLedger.model, *sums)
                .where(*scope)
                .group_by(UsageLedger.provider, UsageLedger.model)
                .order_by(UsageLedger.provider, UsageLedger.model)
            )
        ).all()

        def figures(row: Any) -> dict[str, Any]:
            prompt, completion = int(row.prompt_tokens or 0), int(row.completion_tokens or 0)
            return {
                "requests": int(row.requests or 0),
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "estimated_cost_usd": round(float(row.cost_usd or 0), 6),
            }

        day_rows = [{"day": _as_date(r.day).isoformat(), **figures(r)} for r in per_day]
        totals = {
            key: sum(r[key] for r in day_rows)
            for key in ("requests", "prompt_tokens", "completion_tokens", "total_tokens")
        }
        totals["estimated_cost_usd"] = round(sum(r["estimated_cost_usd"] for r in day_rows), 6)
        today = self.now.date().isoformat()
        used_today = next((r["total_tokens"] for r in day_rows if r["day"] == today), 0)
        budget = self.settings.AI_DAILY_TOKEN_BUDGET
        return {
            "days": days,
            "start_day": first_day.isoformat(),
            "end_day": today,
            "per_day": day_rows,
            "per_model": [{"provider": r.provider, "model": r.model, **figures(r)} for r in per_model],
            "totals": totals,
            "today": {
                "day": today,
                "tokens_used": used_today,
                "daily_token_budget": budget if budget > 0 else None,
                "remaining_tokens": max(0, budget - used_today) if budget > 0 else None,
            },
            "rate_limit_per_minute": self.settings.AI_RATE_LIMIT_PER_MINUTE or None,
        }


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
