"""Engine and session factory. Created in the app lifespan (or a script), never at import."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shared.config.settings import Settings
from shared.database import sqlite_driver


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run while one writer writes; busy_timeout waits instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _with_query(url: str, **params: str) -> str:
    separator = "&" if "?" in url else "?"
    return url + separator + "&".join(f"{key}={value}" for key, value in params.items())


def create_engine(settings: Settings, **overrides: Any) -> AsyncEngine:
    url: Any = settings.DATABASE_URL
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if settings.is_sqlite:
        path = settings.sqlite_path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        kwargs = {}
        parsed = make_url(url)
        if parsed.drivername == "sqlite+aiosqlite":  # one thread round trip per statement
            url = parsed.set(drivername=f"sqlite+{sqlite_driver.DRIVER}")
    else:
        kwargs.update(
            pool_size=settings.DATABASE_POOL_SIZE,
            max_overflow=settings.DATABASE_MAX_OVERFLOW,
            pool_recycle=1800,
            connect_args={
                "server_settings": {
                    # date_trunc and "today" must mean UTC whatever the server's timezone is.
                    "timezone": "UTC",
                    # The service's statements add up rollup rows and index ranges: parallel
                    # workers cost more to start than they save there (a year of best sellers by
                    # product at 1M pairs: 21 ms with two workers, ~10 ms without; EXPLAIN ANALYZE
                    # in docs/benchmarks.md). Scans of every row are not on a request's path.
                    "max_parallel_workers_per_gather": "0",
                }
            },
        )
        if settings.DATABASE_PGBOUNCER:
            # pgbouncer (transaction pooling) hands each transaction a different server
            # connection, so named prepared statements must not be cached or reused.
            kwargs["connect_args"].update(
                statement_cache_size=0,
                prepared_statement_name_func=lambda: f"__asyncpg_{uuid.uuid4()}__",
            )
            url = _with_query(url, prepared_statement_cache_size="0")
    kwargs.update(overrides)
    engine = create_async_engine(url, **kwargs)
    if settings.is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
