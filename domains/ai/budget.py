"""The per-user daily token budget: `AI_DAILY_TOKEN_BUDGET` tokens per user and UTC day, over
every provider (the built-in engine's tokens are counted too, at zero cost). 0 switches it off.

Concurrent requests cannot overshoot it by more than one request: each admitted request holds a
reservation of `AI_MAX_TOKENS` tokens (domains/ai/reservations.py: in-process, or Redis) until
its usage is committed; a request is admitted only while tokens used today plus the
reservations of the answers still running stay below the budget (see `DailyTokenBudget.admit`).
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta

import anyio
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.reservations import ReservationStore
from domains.ai.usage import UsageService
from shared.config.settings import Settings
from shared.error_handling.errors import RateLimited

logger = structlog.get_logger(__name__)

# A reservation outlives a request that never released it (a crashed worker, a stream whose
# generator never started) by at most this long.
RESERVATION_SECONDS = 900
IN_FLIGHT_RETRY_SECONDS = 10


def seconds_until_next_utc_day(now: datetime) -> int:
    tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return max(1, math.ceil((tomorrow - now).total_seconds()))


def reservation_tokens(settings: Settings) -> int:
    """Tokens one request reserves while it runs: `AI_MAX_TOKENS` (its history and answer cap)."""
    return max(1, settings.AI_MAX_TOKENS)


class BudgetHold:
    """One admitted request's reservation; release() once its usage is committed (idempotent)."""

    def __init__(self, store: ReservationStore, key: str, reservation_id: str) -> None:
        self.store = store
        self.key = key
        self.reservation_id = reservation_id
        self.released = False

    async def release(self) -> None:
        if self.released:
            return
        # Shielded: a client that leaves mid-stream cancels the request's clean-up, and a
        # cancelled release would hold the tokens for RESERVATION_SECONDS. `released` is set
        # only once the store has been asked, so a release that did not happen can be retried.
        with anyio.CancelScope(shield=True):
            try:
                await self.store.release(self.key, self.reservation_id)
            except Exception as exc:  # it expires by itself (RESERVATION_SECONDS)
                logger.warning("ai_budget_release_failed", error=type(exc).__name__)
        self.released = True


class DailyTokenBudget:
    """Admits one user's requests under today's token budget (reads the ledger, never writes)."""

    def __init__(self, session: AsyncSession, *, settings: Settings, now: datetime | None = None) -> None:
        self.settings = settings
        self.now = (now or datetime.now(UTC)).astimezone(UTC)
        self.ledger = UsageService(session, settings=settings, now=self.now)

    async def check(self, *, user_id: uuid.UUID) -> None:
        """RateLimited (429, retry at UTC midnight) when today's tokens reached the daily budget."""
        hold = await self.admit(user_id=user_id, reservations=None)
        assert hold is None

    async def admit(self, *, user_id: uuid.UUID, reservations: ReservationStore | None) -> BudgetHold | None:
        """Admit one request under the daily budget, or raise RateLimited (429).

        With a reservation store, the request first reserves `AI_MAX_TOKENS` tokens, then reads
        today's committed usage; it is admitted only if usage plus the reservations made before
        its own stay below the budget. The caller releases the hold after the request's usage is
        committed (or after it failed). Reserving before reading closes the race with a request
        that commits and releases in between: its tokens are then in the usage read.
        Bound: today's tokens end below budget + the tokens of the last admitted request,
        as long as no request uses more than its reservation (see docs/reliability.md).
        """
        budget = self.settings.AI_DAILY_TOKEN_BUDGET
        if budget <= 0:
            return None
        hold, reserved_before = await self._reserve(user_id, reservations)
        used = await self.ledger.tokens_used_on(user_id=user_id, day=self.now.date())
        if used + reserved_before >= budget:
            if hold is not None:
                await hold.release()
            raise self._refusal(budget=budget, used=used)
        return hold

    async def _reserve(
        self, user_id: uuid.UUID, reservations: ReservationStore | None
    ) -> tuple[BudgetHold | None, int]:
        """This request's hold, and the tokens reserved before it by answers still running."""
        if reservations is None:
            return None, 0
        amount = reservation_tokens(self.settings)
        key = f"budget:{user_id}:{self.now.date().isoformat()}"
        try:
            reservation_id, reserved = await reservations.reserve(
                key, tokens=amount, ttl_seconds=RESERVATION_SECONDS
            )
        except Exception as exc:  # Redis down: the committed usage alone decides
            logger.warning("ai_budget_reservation_unavailable", error=type(exc).__name__)
            return None, 0
        return BudgetHold(reservations, key, reservation_id), max(0, reserved - amount)

    def _refusal(self, *, budget: int, used: int) -> RateLimited:
        if used >= budget:
            return RateLimited(
                f"Daily AI token budget of {budget} tokens used up ({used} used today); "
                "it resets at 00:00 UTC",
                retry_after_seconds=seconds_until_next_utc_day(self.now),
                code="token_budget_exceeded",
            )
        return RateLimited(
            f"Daily AI token budget of {budget} tokens nearly used up ({used} used today, "
            "more reserved by answers still running); try again when they are done",
            retry_after_seconds=min(IN_FLIGHT_RETRY_SECONDS, seconds_until_next_utc_day(self.now)),
            code="token_budget_exceeded",
        )
