"""The per-user request rate of the assistant: at most `AI_RATE_LIMIT_PER_MINUTE` questions per
user in any 60 seconds (0 switches it off).

Counted by the `limits` library, as the login throttle is (domains/auth/throttle.py): in this
process, or in Redis when `REDIS_URL` is set, so every worker counts together. Its moving
window is one atomic Lua script on Redis and a locked step in memory, so a burst of simultaneous
requests admits exactly the limit. If Redis is unreachable, questions are served without the
limit and a warning is logged: a safeguard's store must not lock every user out.
"""

from __future__ import annotations

import uuid

import structlog
from limits import RateLimitItemPerMinute

from shared.config.settings import Settings
from shared.error_handling.errors import RateLimited
from shared.rate_limits import LimitsStore

logger = structlog.get_logger(__name__)

KEY_PREFIX = "soleflip:ai:requests"
NAMESPACE = "ai-requests"


class RequestRateLimit:
    """Each user's questions per minute, for every assistant endpoint that answers."""

    def __init__(self, settings: Settings) -> None:
        self.store = LimitsStore(settings, key_prefix=KEY_PREFIX)
        self.limiter = self.store.limiter

    async def enforce(self, *, user_id: uuid.UUID, per_minute: int) -> None:
        """Count one question; RateLimited (429 with Retry-After) when it is over `per_minute`.

        `per_minute` is passed per call (not fixed at start-up) since the setting is read per request."""
        if per_minute <= 0:
            return
        item = RateLimitItemPerMinute(per_minute, namespace=NAMESPACE)
        key = str(user_id)
        try:
            if await self.limiter.hit(item, key):
                return
            retry_after = await self.store.seconds_until_allowed(item, key)
        except Exception as exc:  # Redis down: serve rather than lock everyone out
            logger.warning("ai_rate_limiter_unavailable", error=type(exc).__name__)
            return
        raise RateLimited(
            f"Too many assistant requests: at most {per_minute} per minute; try again in {retry_after} s",
            retry_after_seconds=retry_after,
        )

    async def aclose(self) -> None:
        await self.store.aclose()
