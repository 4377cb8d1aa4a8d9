"""What the assistant costs and who may use it how much: the usage ledger, the per-user daily
token budget and the per-user request rate limit.

- Ledger: one `ai_usage` row per user, UTC day, provider and model (upserted, so concurrent
  requests add up instead of clashing on the unique key).
- Budget: `AI_DAILY_TOKEN_BUDGET` tokens per user and UTC day, over every provider (the
  built-in engine's tokens are counted too, at zero cost). 0 switches the budget off.
  Concurrent requests cannot overshoot it by more than one request: each admitted request
  holds a reservation of `AI_MAX_TOKENS` tokens (in the rate limiter's store: in-process, or
  Redis) until its usage is committed; a request is admitted only while tokens used today plus
  the reservations of the answers still running stay below the budget (see `admit`).
- Rate limit: `AI_RATE_LIMIT_PER_MINUTE` requests per user in a fixed one-minute window,
  in-process by default, in Redis when `REDIS_URL` is set (so several workers share it).
  0 switches the limit off.

Token counting lives in domains/ai/tokens.py.
"""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol, cast

import anyio
import structlog
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.models import UsageLedger
from shared.config.settings import Settings
from shared.error_handling.errors import RateLimited

logger = structlog.get_logger(__name__)

# --- prices --------------------------------------------------------------------------------

# USD per 1M tokens (input, output), list prices; matched by the longest model-name prefix.
# Estimates for budgeting, not invoices. The built-in engine costs nothing.
PRICES_PER_MILLION: dict[str, tuple[Decimal, Decimal]] = {
    "gpt-5-nano": (Decimal("0.05"), Decimal("0.40")),
    "gpt-5-mini": (Decimal("0.25"), Decimal("2.00")),
    "gpt-5": (Decimal("1.25"), Decimal("10.00")),
    "gpt-4o-mini": (Decimal("0.15"), Decimal("0.60")),
    "gpt-4o": (Decimal("2.50"), Decimal("10.00")),
    "gpt-4.1-nano": (Decimal("0.10"), Decimal("0.40")),
    "gpt-4.1-mini": (Decimal("0.40"), Decimal("1.60")),
    "gpt-4.1": (Decimal("2.00"), Decimal("8.00")),
    "gpt-4-turbo": (Decimal("10.00"), Decimal("30.00")),
    "gpt-4": (Decimal("30.00"), Decimal("60.00")),
    "gpt-3.5-turbo": (Decimal("0.50"), Decimal("1.50")),
    "o4-mini": (Decimal("1.10"), Decimal("4.40")),
    "claude-3-5-haiku": (Decimal("0.80"), Decimal("4.00")),
    "claude-3-haiku": (Decimal("0.25"), Decimal("1.25")),
    "claude-haiku-4": (Decimal("1.00"), Decimal("5.00")),
    "claude-3-5-sonnet": (Decimal("3.00"), Decimal("15.00")),
    "claude-3-7-sonnet": (Decimal("3.00"), Decimal("15.00")),
    "claude-sonnet-4": (Decimal("3.00"), Decimal("15.00")),
    "claude-3-opus": (Decimal("15.00"), Decimal("75.00")),
    "claude-opus-4": (Decimal("15.00"), Decimal("75.00")),
}
# A model we have no price for is estimated at its provider's mid-range model.
PROVIDER_DEFAULT_PRICES: dict[str, tuple[Decimal, Decimal]] = {
    "openai": PRICES_PER_MILLION["gpt-4o"],
    "anthropic": PRICES_PER_MILLION["claude-sonnet-4"],
}
# USD per 1M prompt tokens served from OpenAI's automatic prompt cache (list prices; a model
# not named here: half its input price). Anthropic bills a cache read at 0.1x and a cache write
# at 1.25x the input price, for every model.
CACHED_INPUT_PER_MILLION: dict[str, Decimal] = {
    "gpt-5-nano": Decimal("0.005"),
    "gpt-5-mini": Decimal("0.025"),
    "gpt-5": Decimal("0.125"),
    "gpt-4o-mini": Decimal("0.075"),
    "gpt-4o": Decimal("1.25"),
    "gpt-4.1-nano": Decimal("0.025"),
    "gpt-4.1-mini": Decimal("0.10"),
    "gpt-4.1": Decimal("0.50"),
    "o4-mini": Decimal("0.275"),
}
ANTHROPIC_CACHE_READ = Decimal("0.1")
ANTHROPIC_CACHE_WRITE = Decimal("1.25")
FREE_PROVIDERS = frozenset({"builtin"})
MILLION = Decimal(1_000_000)
COST_PLACES = Decimal("0.000001")


def price_per_million(provider: str, model: str) -> tuple[Decimal, Decimal]:
    if provider in FREE_PROVIDERS:
        return Decimal(0), Decimal(0)
    name = model.lower()
    for prefix in sorted(PRICES_PER_MILLION, key=len, reverse=True):
        if name.startswith(prefix):
            return PRICES_PER_MILLION[prefix]
    return PROVIDER_DEFAULT_PRICES.get(provider, (Decimal(0), Decimal(0)))


def cache_prices_per_million(provider: str, model: str) -> tuple[Decimal, Decimal]:
    """(cache read, cache write) USD per 1M prompt tokens."""
    input_price, _output = price_per_million(provider, model)
    if provider == "anthropic":
        return input_price * ANTHROPIC_CACHE_READ, input_price * ANTHROPIC_CACHE_WRITE
    name = model.lower()
    for prefix in sorted(CACHED_INPUT_PER_MILLION, key=len, reverse=True):
        if name.startswith(prefix) and provider not in FREE_PROVIDERS:
            return CACHED_INPUT_PER_MILLION[prefix], input_price
    return input_price / 2, input_price


def estimate_cost_usd(
    *,
    provider: str,
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    cached_tokens: int = 0,
    cache_write_tokens: int = 0,
) -> Decimal:
    """Estimated USD cost of one call, to 6 places. cached_tokens and cache_write_tokens are the
    parts of prompt_tokens read from / written to the provider's prompt cache."""
    input_price, output_price = price_per_million(provider, model)
    read_price, write_price = cache_prices_per_million(provider, model)
    uncached = max(0, prompt_tokens - cached_tokens - cache_write_tokens)
    cost = (
        input_price * uncached
        + read_price * cached_tokens
        + write_price * cache_write_tokens
        + output_price * completion_tokens
    ) / MILLION
    return cost.quantize(COST_PLACES, rounding=ROUND_HALF_UP)


# --- ledger and budget -----------------------------------------------------------------------


def seconds_until_next_utc_day(now: datetime) -> int:
    tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return max(1, math.ceil((tomorrow - now).total_seconds()))


# A reservation outlives a request that never released it (a crashed worker, a stream whose
# generator never started) by at most this long.
RESERVATION_SECONDS = 900
IN_FLIGHT_RETRY_SECONDS = 10


def reservation_tokens(settings: Settings) -> int:
    """Tokens one request reserves while it runs: `AI_MAX_TOKENS` (its history and answer cap)."""
    return max(1, settings.AI_MAX_TOKENS)


class BudgetHold:
    """One admitted request's reservation; release() once its usage is committed (idempotent)."""

    def __init__(self, store: RateLimiter, key: str, reservation_id: str) -> None:
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


class UsageService:
    """The ledger of one user's assistant usage; reads and upserts `ai_usage` (flushes, never commits)."""

    def __init__(self, session: AsyncSession, *, settings: Settings, now: datetime | None = None) -> None:
        self.session = session
        self.settings = settings
        self.now = (now or datetime.now(UTC)).astimezone(UTC)

    async def tokens_used_on(self, *, user_id: uuid.UUID, day: date) -> int:
        stmt = select(
            func.coalesce(func.sum(UsageLedger.prompt_tokens + UsageLedger.completion_tokens), 0)
        ).where(UsageLedger.user_id == user_id, UsageLedger.day == day)
        return int((await self.session.execute(stmt)).scalar_one())

    async def check_budget(self, *, user_id: uuid.UUID) -> None:
        """RateLimited (429, retry at UTC midnight) when today's tokens reached the daily budget."""
        hold = await self.admit(user_id=user_id, reservations=None)
        assert hold is None

    async def admit(self, *, user_id: uuid.UUID, reservations: RateLimiter | None) -> BudgetHold | None:
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
        hold: BudgetHold | None = None
        reserved_before = 0
        if reservations is not None:
            amount = reservation_tokens(self.settings)
            key = f"budget:{user_id}:{self.now.date().isoformat()}"
            try:
                reservation_id, reserved = await reservations.reserve(
                    key, tokens=amount, ttl_seconds=RESERVATION_SECONDS
                )
            except Exception as exc:  # Redis down: the committed usage alone decides
                logger.warning("ai_budget_reservation_unavailable", error=type(exc).__name__)
            else:
                hold = BudgetHold(reservations, key, reservation_id)
                reserved_before = max(0, reserved - amount)
        used = await self.tokens_used_on(user_id=user_id, day=self.now.date())
        if used + reserved_before >= budget:
            if hold is not None:
                await hold.release()
            if used >= budget:
                raise RateLimited(
                    f"Daily AI token budget of {budget} tokens used up ({used} used today); "
                    "it resets at 00:00 UTC",
                    retry_after_seconds=seconds_until_next_utc_day(self.now),
                    code="token_budget_exceeded",
                )
            raise RateLimited(
                f"Daily AI token budget of {budget} tokens nearly used up ({used} used today, "
                "more reserved by answers still running); try again when they are done",
                retry_after_seconds=min(IN_FLIGHT_RETRY_SECONDS, seconds_until_next_utc_day(self.now)),
                code="token_budget_exceeded",
            )
        return hold

    async def record(
        self,
        *,
        user_id: uuid.UUID,
        provider: str,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        cached_tokens: int = 0,
        cache_write_tokens: int = 0,
    ) -> Decimal:
        """Add one request to today's ledger row; returns its estimated cost in USD (the cached
        part of the prompt priced as the provider bills it)."""
        cost = estimate_cost_usd(
            provider=provider,
            model=model,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cached_tokens=cached_tokens,
            cache_write_tokens=cache_write_tokens,
        )
        values = {
            "user_id": user_id,
            "day": self.now.date(),
            "provider": provider[:20],
            "model": (model or provider)[:100],
            "requests": 1,
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "cost_usd": cost,
        }
        dialect = self.session.bind.dialect.name if self.session.bind is not None else "sqlite"
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
        table = cast(Table, UsageLedger.__table__)
        stmt = insert(table).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.user_id, table.c.day, table.c.provider, table.c.model],
            set_={
                "requests": table.c.requests + stmt.excluded.requests,
                "prompt_tokens": table.c.prompt_tokens + stmt.excluded.prompt_tokens,
                "completion_tokens": table.c.completion_tokens + stmt.excluded.completion_tokens,
                "cost_usd": table.c.cost_usd + stmt.excluded.cost_usd,
            },
        )
        await self.session.execute(stmt)
        return cost

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


# --- rate limiting ---------------------------------------------------------------------------

WINDOW_SECONDS = 60


class RateLimiter(Protocol):
    """Per-user request counts, and the token reservations of the daily budget."""

    async def hit(self, key: str, *, limit: int) -> RateDecision: ...

    async def reserve(self, key: str, *, tokens: int, ttl_seconds: int) -> tuple[str, int]:
        """Add a reservation of `tokens` under `key`; returns its id and the tokens reserved
        under `key` now (this one included; expired ones dropped)."""
        ...

    async def release(self, key: str, reservation_id: str) -> None: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    count: int
    retry_after_seconds: int


def _window_position(now: float) -> tuple[int, int]:
    """The current fixed window's number and the whole seconds left in it (at least 1)."""
    window = int(now // WINDOW_SECONDS)
    left = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
    return window, left


class InProcessRateLimiter:
    """Fixed one-minute windows per key, in this process's memory."""

    def __init__(self, clock: Any = time.time) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window, count)
        self._reserved: dict[str, dict[str, tuple[int, float]]] = {}  # key -> id -> (tokens, expires)

    async def hit(self, key: str, *, limit: int) -> RateDecision:
        window, left = _window_position(self._clock())
        current_window, count = self._counts.get(key, (window, 0))
        count = count + 1 if current_window == window else 1
        self._counts[key] = (window, count)
        if len(self._counts) > 10_000:  # forget keys of past windows
            self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
        return RateDecision(allowed=count <= limit, count=count, retry_after_seconds=left)

    async def reserve(self, key: str, *, tokens: int, ttl_seconds: int) -> tuple[str, int]:
        # No await in here: check and add are one step for this process's event loop.
        now = self._clock()
        held = {
            rid: (amount, expires)
            for rid, (amount, expires) in self._reserved.get(key, {}).items()
            if expires > now
        }
        reservation_id = uuid.uuid4().hex
        held[reservation_id] = (tokens, now + ttl_seconds)
        self._reserved[key] = held
        return reservation_id, sum(amount for amount, _ in held.values())

    async def release(self, key: str, reservation_id: str) -> None:
        held = self._reserved.get(key)
        if held is not None:
            held.pop(reservation_id, None)
            if not held:
                del self._reserved[key]

    async def aclose(self) -> None:
        self._counts.clear()
        self._reserved.clear()


class RedisRateLimiter:
    """Fixed one-minute windows per key in Redis (INCR + EXPIRE), shared by every worker."""

    def __init__(self, url: str, *, clock: Any = time.time, prefix: str = "soleflip:ai:rate") -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url)
        self._clock = clock
        self._prefix = prefix

    async def hit(self, key: str, *, limit: int) -> RateDecision:
        window, left = _window_position(self._clock())
        redis_key = f"{self._prefix}:{key}:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(redis_key)
            pipe.expire(redis_key, WINDOW_SECONDS * 2)
            count, _ = await pipe.execute()
        return RateDecision(allowed=int(count) <= limit, count=int(count), retry_after_seconds=left)

    async def reserve(self, key: str, *, tokens: int, ttl_seconds: int) -> tuple[str, int]:
        """A sorted set per key: member "<id>:<tokens>", score = expiry; one MULTI/EXEC."""
        now = self._clock()
        redis_key = f"{self._prefix}:{key}"
        reservation_id = uuid.uuid4().hex
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(redis_key, "-inf", now)
            pipe.zadd(redis_key, {f"{reservation_id}:{tokens}": now + ttl_seconds})
            pipe.zrange(redis_key, 0, -1)
            pipe.expire(redis_key, ttl_seconds * 2)
            _, _, members, _ = await pipe.execute()
        reserved = sum(int(m.rsplit(b":", 1)[1]) for m in members)
        return f"{reservation_id}:{tokens}", reserved

    async def release(self, key: str, reservation_id: str) -> None:
        await self._redis.zrem(f"{self._prefix}:{key}", reservation_id)

    async def aclose(self) -> None:
        await self._redis.aclose()


def build_rate_limiter(settings: Settings) -> RateLimiter:
    if settings.REDIS_URL:
        return RedisRateLimiter(settings.REDIS_URL)
    return InProcessRateLimiter()


async def enforce_rate_limit(limiter: RateLimiter, *, user_id: uuid.UUID, settings: Settings) -> None:
    """RateLimited (429 with Retry-After) when the user sent more than the per-minute limit."""
    limit = settings.AI_RATE_LIMIT_PER_MINUTE
    if limit <= 0:
        return
    try:
        decision = await limiter.hit(f"user:{user_id}", limit=limit)
    except Exception as exc:  # Redis down: serve rather than lock everyone out
        logger.warning("ai_rate_limiter_unavailable", error=type(exc).__name__)
        return
    if not decision.allowed:
        raise RateLimited(
            f"Too many assistant requests: at most {limit} per minute; try again in "
            f"{decision.retry_after_seconds} s",
            retry_after_seconds=decision.retry_after_seconds,
        )
