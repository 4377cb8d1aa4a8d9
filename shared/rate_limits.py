"""The store of the `limits` library's counters, shared by every throttle of the app (the login
throttle, the assistant's request rate): in this process, or in Redis when `REDIS_URL` is set,
so every worker counts together.

Each throttle gets its own store (and key prefix); the moving window on top of it is one atomic
Lua script on Redis and the same algorithm, under a lock, in memory.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import ConnectionPool

from shared.config.settings import Settings


class LimitsStore:
    """A `limits` storage and a moving-window limiter on it; closes its Redis connections."""

    def __init__(self, settings: Settings, *, key_prefix: str) -> None:
        # Our own pool, so shut-down can close its connections (limits has no close()).
        self.redis_pool = (
            ConnectionPool.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
            if settings.REDIS_URL
            else None
        )
        self.storage = _storage(settings, self.redis_pool, key_prefix=key_prefix)
        self.limiter = MovingWindowRateLimiter(self.storage)

    async def seconds_until_allowed(self, item: RateLimitItem, key: str) -> int:
        """Whole seconds (at least 1) until the oldest hit in `key`'s window expires."""
        stats = await self.limiter.get_window_stats(item, key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def aclose(self) -> None:
        if self.redis_pool is not None:
            await self.redis_pool.disconnect()


def _storage(settings: Settings, redis_pool: ConnectionPool | None, *, key_prefix: str) -> Storage:
    if settings.REDIS_URL and redis_pool is not None:
        return RedisStorage(
            f"async+{settings.REDIS_URL}",
            implementation="redispy",  # redis-py is already a dependency; coredis is not needed
            key_prefix=key_prefix,
            connection_pool=redis_pool,  # type: ignore[arg-type]  # passed through to redis-py
        )
    return MemoryStorage()
