"""The daily digest job: APScheduler runs `run_due_digests` every few minutes; each run builds
today's digest for every user whose digest hour has come and who has none yet, then hands the
digest to delivery in the background.

Exactly one digest per user and UTC day, with any number of workers or app instances:
- the database decides: (user_id, digest_date) is unique, a second insert is refused;
- with REDIS_URL a lock per user and day (SET NX with expiry) lets only one worker do the work.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domains.auth.service import AuthService
from domains.insights.delivery import deliver_digest
from domains.insights.repository import InsightRepository
from domains.insights.service import InsightService
from shared.config.settings import Settings

logger = structlog.get_logger(__name__)

LOCK_PREFIX = "soleflip:insights:digest"
LOCK_SECONDS = 26 * 3600  # past the day: a later worker of the same day finds it taken
# A delivery pending this long was cut off (its worker stopped): a later run takes it over.
# Far above the longest retry sequence (attempts x (timeout + backoff of at most 300 s)).
STALLED_DELIVERY_AFTER = timedelta(hours=2)


def lock_key(user_id: uuid.UUID, day: date) -> str:
    return f"{LOCK_PREFIX}:{user_id}:{day.isoformat()}"


@dataclass
class DigestRunner:
    """Builds the due digests; one per process (the app's lifespan or `make worker`)."""

    sessionmaker: async_sessionmaker[AsyncSession]
    settings: Settings
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    redis: Any = None  # redis.asyncio.Redis when REDIS_URL is set
    deliveries: set[asyncio.Task[None]] = field(default_factory=set)

    @classmethod
    def from_settings(
        cls, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
    ) -> DigestRunner:
        redis = None
        if settings.REDIS_URL:
            import redis.asyncio as redis_asyncio

            redis = redis_asyncio.from_url(settings.REDIS_URL)
        return cls(sessionmaker=sessionmaker, settings=settings, redis=redis)

    async def _lock(self, user_id: uuid.UUID, day: date) -> bool:
        if self.redis is None:
            return True
        return bool(await self.redis.set(lock_key(user_id, day), "1", nx=True, ex=LOCK_SECONDS))

    async def _unlock(self, user_id: uuid.UUID, day: date) -> None:
        if self.redis is not None:
            await self.redis.delete(lock_key(user_id, day))

    async def run_due_digests(self) -> list[int]:
        """Build today's due digests; the ids of those this run stored."""
        now = self.clock().astimezone(UTC)
        today = now.date()
        async with self.sessionmaker() as session:
            users = await AuthService(session, self.settings).active_users()
            done = await InsightRepository(session).users_with_digest_on(day=today)
        built = []
        for user_id, email in users:
            if user_id in done:
                continue
            digest_id = await self._digest_for(user_id, email, now)
            if digest_id is not None:
                built.append(digest_id)
        await self._resume_stalled_deliveries(now, dict(users))
        return built

    async def _resume_stalled_deliveries(self, now: datetime, emails: dict[uuid.UUID, str]) -> None:
        before = now - STALLED_DELIVERY_AFTER
        async with self.sessionmaker() as session:
            repo = InsightRepository(session)
            claimed: dict[tuple[int, uuid.UUID], set[int]] = {}
            for delivery_id, digest_id, user_id in await repo.stalled_deliveries(before=before):
                if user_id in emails and await repo.claim_stalled_delivery(
                    delivery_id=delivery_id, before=before, now=now
                ):
                    claimed.setdefault((digest_id, user_id), set()).add(delivery_id)
            await session.commit()
        for (digest_id, user_id), ids in claimed.items():
            logger.info("digest_delivery_resumed", digest_id=digest_id, deliveries=len(ids))
            self._deliver(digest_id, user_id, emails[user_id], only=ids)

    def _deliver(self, digest_id: int, user_id: uuid.UUID, email: str, only: set[int] | None = None) -> None:
        task = asyncio.create_task(
            deliver_digest(
                self.sessionmaker,
                self.settings,
                digest_id=digest_id,
                user_id=user_id,
                user_email=email,
                only=only,
            )
        )
        self.deliveries.add(task)
        task.add_done_callback(self.deliveries.discard)

    async def _digest_for(self, user_id: uuid.UUID, email: str, now: datetime) -> int | None:
        async with self.sessionmaker() as session:
            service = InsightService(session, settings=self.settings, now=now, sessionmaker=self.sessionmaker)
            preferences = await service.preferences(user_id)
            if not preferences.digest_enabled or now.hour < preferences.digest_hour:
                return None
            if not await self._lock(user_id, now.date()):
                return None
            try:
                digest = await service.build_digest(user_id=user_id, preferences=preferences)
                await session.commit()
            except Exception:
                await self._unlock(user_id, now.date())  # let the next run try again
                logger.exception("digest_failed", user_id=str(user_id))
                return None
        if digest is None:
            return None
        self._deliver(digest.id, user_id, email)
        return digest.id

    async def wait_for_deliveries(self) -> None:
        if self.deliveries:
            await asyncio.gather(*self.deliveries, return_exceptions=True)

    async def close(self) -> None:
        for task in list(self.deliveries):
            task.cancel()
        await asyncio.gather(*self.deliveries, return_exceptions=True)
        if self.redis is not None:
            await self.redis.aclose()


def start_scheduler(runner: DigestRunner) -> AsyncIOScheduler:
    """An APScheduler job running the due digests now and every INSIGHTS_SCHEDULER_INTERVAL_SECONDS;
    one run at a time per process (max_instances=1, missed runs coalesced)."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        runner.run_due_digests,
        IntervalTrigger(seconds=runner.settings.INSIGHTS_SCHEDULER_INTERVAL_SECONDS, timezone=UTC),
        id="insights-daily-digest",
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    scheduler.start()
    return scheduler


def scheduler_in_app(settings: Settings) -> bool:
    """auto: the app runs the job on the embedded SQLite default (not under tests); with
    PostgreSQL, `make worker` runs it."""
    if settings.INSIGHTS_SCHEDULER == "auto":
        return settings.is_sqlite and settings.ENVIRONMENT != "test"
    return settings.INSIGHTS_SCHEDULER == "on"


async def insights_startup(app: Any) -> None:
    app.state.insights_scheduler = None
    if not scheduler_in_app(app.state.settings):
        return
    runner = DigestRunner.from_settings(app.state.sessionmaker, app.state.settings)
    app.state.insights_runner = runner
    app.state.insights_scheduler = start_scheduler(runner)


async def insights_shutdown(app: Any) -> None:
    scheduler = getattr(app.state, "insights_scheduler", None)
    if scheduler is not None:
        scheduler.shutdown(wait=False)
        await app.state.insights_runner.close()
