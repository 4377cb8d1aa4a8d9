"""Login throttling: failed logins per account and per client address, in a moving window.

Counts live in the `limits` library's storage: in this process, or in Redis when `REDIS_URL`
is set, so every worker sees every failure. (`limits` rather than our own counters: its moving
window is one atomic Lua script on Redis and the same algorithm in memory.)

- Before the password is checked, an account or a client that already has the maximum of
  failures in the window is refused: 429 `login_throttled` with Retry-After, whatever the
  password (a correct password must not be a way to test guesses during a lockout).
- A failed login adds one failure to both; a successful one clears the account's failures
  (not the client's: one valid account must not reset a guessing client).
- Logins running at the same moment are checked before any of them is counted, so a burst can
  pass the limit by the number of logins in flight (each still costs a bcrypt check).
- If Redis is unreachable, logins go on unthrottled and a warning is logged: the store of a
  safeguard must not lock every user out.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from fastapi import FastAPI
from limits import RateLimitItem, RateLimitItemPerSecond

from shared.config.settings import Settings
from shared.error_handling.errors import RateLimited
from shared.rate_limits import LimitsStore

logger = structlog.get_logger(__name__)

KEY_PREFIX = "soleflip:login"


@dataclass(frozen=True, slots=True)
class _Rule:
    name: str  # "account" or "client": part of the key and of the log line
    item: RateLimitItem


class LoginThrottle:
    def __init__(self, settings: Settings) -> None:
        self.store = LimitsStore(settings, key_prefix=KEY_PREFIX)
        self.limiter = self.store.limiter
        window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
        self.rules = [
            _Rule(name, RateLimitItemPerSecond(limit, window, namespace=f"login-{name}"))
            for name, limit in (
                ("account", settings.LOGIN_MAX_FAILURES_PER_ACCOUNT),
                ("client", settings.LOGIN_MAX_FAILURES_PER_CLIENT),
            )
            if limit > 0
        ]

    def _keys(self, *, account: str, client: str) -> list[tuple[_Rule, str]]:
        values = {"account": account.strip().lower(), "client": client}
        return [(rule, values[rule.name]) for rule in self.rules]

    async def check(self, *, account: str, client: str) -> None:
        """RateLimited (429, Retry-After) when the account or the client is locked out."""
        for rule, key in self._keys(account=account, client=client):
            try:
                if await self.limiter.test(rule.item, key):
                    continue
                retry_after = await self.store.seconds_until_allowed(rule.item, key)
            except Exception as exc:
                logger.warning("login_throttle_unavailable", error=type(exc).__name__)
                return
            logger.warning("login_throttled", by=rule.name, retry_after_seconds=retry_after)
            raise RateLimited(
                f"Too many failed logins for this {rule.name}; try again in {retry_after} s",
                retry_after_seconds=retry_after,
                code="login_throttled",
            )

    async def failed(self, *, account: str, client: str) -> None:
        for rule, key in self._keys(account=account, client=client):
            try:
                await self.limiter.hit(rule.item, key)
            except Exception as exc:
                logger.warning("login_throttle_unavailable", error=type(exc).__name__)

    async def succeeded(self, *, account: str) -> None:
        for rule, key in self._keys(account=account, client=""):
            if rule.name == "account":
                try:
                    await self.limiter.clear(rule.item, key)
                except Exception as exc:
                    logger.warning("login_throttle_unavailable", error=type(exc).__name__)

    async def aclose(self) -> None:
        await self.store.aclose()


def login_throttle_for(app: FastAPI) -> LoginThrottle:
    """The app's throttle, made on first use (one per worker; shared through Redis when set)."""
    throttle: LoginThrottle | None = getattr(app.state, "login_throttle", None)
    if throttle is None:
        throttle = LoginThrottle(app.state.settings)
        app.state.login_throttle = throttle
    return throttle


async def login_throttle_shutdown(app: FastAPI) -> None:
    throttle: LoginThrottle | None = getattr(app.state, "login_throttle", None)
    if throttle is not None:
        await throttle.aclose()
