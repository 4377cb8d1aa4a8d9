"""The daily digest job: exactly one digest per user and day with racing workers, the users'
settings (on/off, hour), and APScheduler actually running it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.auth.models import User
from domains.insights.models import InsightDigest
from domains.insights.scheduler import DigestRunner, lock_key, scheduler_in_app, start_scheduler
from shared.config.settings import Settings
from shared.database.engine import create_engine, create_sessionmaker
from tests.conftest import test_settings as settings_for
from tests.factories import make_brand, make_item, make_product, make_user, now_utc
from tests.insights.test_detectors import remember
from tests.reliability.test_limits_concurrency import redis_url

TODAY = now_utc().date()


def at(hour: int, minute: int = 0) -> Callable[[], datetime]:
    moment = datetime.combine(TODAY, time(hour, minute), tzinfo=UTC)
    return lambda: moment


def runner_settings(app: FastAPI, **overrides: Any) -> Settings:
    settings: Settings = app.state.settings
    return settings.model_copy(update={"INSIGHTS_DIGEST_HOUR": 0, **overrides})


@asynccontextmanager
async def second_worker(app: FastAPI, settings: Settings, **kwargs: Any) -> AsyncIterator[DigestRunner]:
    """A runner with its own engine and pool: another worker process, as far as the database sees."""
    engine = create_engine(settings)
    runner = DigestRunner(sessionmaker=create_sessionmaker(engine), settings=settings, **kwargs)
    try:
        yield runner
    finally:
        await runner.close()
        await engine.dispose()


async def digests_per_user(db: AsyncSession) -> dict[uuid.UUID, int]:
    rows = await db.execute(select(InsightDigest.user_id, func.count()).group_by(InsightDigest.user_id))
    return {user_id: count for user_id, count in rows.all()}


async def some_business(db: AsyncSession, users: int) -> list[User]:
    product = await make_product(db, brand=await make_brand(db))
    # Past the 60-day line since yesterday as the runners' clocks see it (today 00:00-21:00), at
    # whatever time of day the tests run (days_ago(61.5) left the window after 21:00 UTC).
    await make_item(db, product=product, purchased_at=at(9)() - timedelta(days=61.5))
    made = [await make_user(db) for _ in range(users)]
    await db.commit()
    return made


async def race(app: FastAPI, settings: Settings, **kwargs: Any) -> tuple[list[int], list[int]]:
    first = DigestRunner(sessionmaker=app.state.sessionmaker, settings=settings, **kwargs)
    redis_kwargs = dict(kwargs)
    if "redis" in kwargs:  # each worker has its own connection
        import redis.asyncio as redis_asyncio

        redis_kwargs["redis"] = redis_asyncio.from_url(settings.REDIS_URL or "")
    async with second_worker(app, settings, **redis_kwargs) as second:
        built = await asyncio.gather(first.run_due_digests(), second.run_due_digests())
    return built[0], built[1]


async def test_two_workers_racing_store_exactly_one_digest_per_user(app: FastAPI, db: AsyncSession) -> None:
    users = await some_business(db, 4)

    first, second = await race(app, runner_settings(app), clock=at(9))

    assert len(first) + len(second) == 4 and not set(first) & set(second)
    assert await digests_per_user(db) == {u.id: 1 for u in users}
    assert (
        await DigestRunner(app.state.sessionmaker, runner_settings(app), clock=at(22)).run_due_digests() == []
    )


async def test_with_redis_one_worker_takes_each_user_and_the_other_skips(
    app: FastAPI, db: AsyncSession
) -> None:
    url = redis_url()
    import redis.asyncio as redis_asyncio

    users = await some_business(db, 3)
    settings = runner_settings(app, REDIS_URL=url)
    client = redis_asyncio.from_url(url)
    try:
        first, second = await race(app, settings, clock=at(9), redis=client)
        assert len(first) + len(second) == 3
        assert await digests_per_user(db) == {u.id: 1 for u in users}
        for user in users:  # the lock of the day stays taken: a late worker does not even start
            assert await client.exists(lock_key(user.id, TODAY)) == 1
    finally:
        await client.delete(*(lock_key(u.id, TODAY) for u in users))
        await client.aclose()


async def test_digest_on_off_and_hour_from_the_users_memory(app: FastAPI, db: AsyncSession) -> None:
    quiet, late, default = await some_business(db, 3)
    await remember(db, quiet, "digest_enabled", False)
    await remember(db, late, "digest_hour", 20)
    settings = runner_settings(app, INSIGHTS_DIGEST_HOUR=7)

    assert await DigestRunner(app.state.sessionmaker, settings, clock=at(6, 59)).run_due_digests() == []
    await DigestRunner(app.state.sessionmaker, settings, clock=at(10)).run_due_digests()
    assert await digests_per_user(db) == {default.id: 1}
    await DigestRunner(app.state.sessionmaker, settings, clock=at(20, 5)).run_due_digests()
    assert await digests_per_user(db) == {default.id: 1, late.id: 1}


async def test_the_scheduler_runs_the_job_by_itself(app: FastAPI, db: AsyncSession) -> None:
    (user,) = await some_business(db, 1)
    runner = DigestRunner(
        app.state.sessionmaker, runner_settings(app, INSIGHTS_SCHEDULER_INTERVAL_SECONDS=3600)
    )
    scheduler = start_scheduler(runner)  # the first run is due at once
    try:
        for _ in range(200):
            if await digests_per_user(db):
                break
            await asyncio.sleep(0.05)
    finally:
        scheduler.shutdown(wait=False)
        await runner.close()
    assert await digests_per_user(db) == {user.id: 1}


@pytest.mark.parametrize(
    ("overrides", "runs_in_app"),
    [
        ({"ENVIRONMENT": "development"}, True),  # the embedded default: the app runs it
        ({"ENVIRONMENT": "test"}, False),
        ({"ENVIRONMENT": "development", "DATABASE_URL": "postgresql+asyncpg://x@h/db"}, False),  # make worker
        ({"ENVIRONMENT": "test", "INSIGHTS_SCHEDULER": "on"}, True),
        ({"ENVIRONMENT": "development", "INSIGHTS_SCHEDULER": "off"}, False),
    ],
)
def test_who_runs_the_scheduler(overrides: dict[str, Any], runs_in_app: bool) -> None:
    settings = settings_for("sqlite+aiosqlite:///var/x.db", **overrides)
    assert scheduler_in_app(settings) is runs_in_app
