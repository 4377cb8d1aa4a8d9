"""Where the daily token budget keeps the reservations of the answers still running: in this
process, or in Redis when `REDIS_URL` is set (so every worker sees every running answer).

A reservation is a number of tokens held under a key (one per user and UTC day) until it is
released or expires. `limits` (used for the request rate) counts hits; it cannot hold and give
back amounts, hence this small store.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Protocol

from shared.config.settings import Settings

# The prefix these keys had when the store shared a class with the rate limiter: workers of both
# versions see each other's reservations during a rolling deploy.
REDIS_KEY_PREFIX = "soleflip:ai:rate"


class ReservationStore(Protocol):
    async def reserve(self, key: str, *, tokens: int, ttl_seconds: int) -> tuple[str, int]:
        """Add a reservation of `tokens` under `key`; returns its id and the tokens reserved
        under `key` now (this one included; expired ones dropped)."""
        ...

    async def release(self, key: str, reservation_id: str) -> None: ...

    async def aclose(self) -> None: ...


class InProcessReservations:
    """Reservations in this process's memory (one worker)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._reserved: dict[str, dict[str, tuple[int, float]]] = {}  # key -> id -> (tokens, expires)

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
        self._reserved.clear()


class RedisReservations:
    """Reservations in Redis, shared by every worker: a sorted set per key, member
    "<id>:<tokens>", score = expiry; added and summed in one MULTI/EXEC."""

    def __init__(
        self, url: str, *, clock: Callable[[], float] = time.time, prefix: str = REDIS_KEY_PREFIX
    ) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url)
        self._clock = clock
        self._prefix = prefix

    async def reserve(self, key: str, *, tokens: int, ttl_seconds: int) -> tuple[str, int]:
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


def build_reservation_store(settings: Settings) -> ReservationStore:
    if settings.REDIS_URL:
        return RedisReservations(settings.REDIS_URL)
    return InProcessReservations()
