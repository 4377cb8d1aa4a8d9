"""Test harness: every database test runs on the embedded SQLite and, when
TEST_POSTGRES_URL is set (CI always sets it), on PostgreSQL too.

The schema is made by the Alembic migrations, as in production. Tables are emptied
after each test; the fee schedules seeded by the migration are restored.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domains.auth.models import User
from domains.models import Base
from main import create_app
from shared.config.settings import Settings
from shared.database.migrations import upgrade_to_head
from tests.factories import auth_headers_for, make_user

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "").strip()
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
# Rows the migrations seed; restored after every test instead of being truncated away.
SEEDED_TABLES = ("fee_schedules",)


def _reset_postgres(url: str) -> None:
    """Drop and recreate the public schema so the migrations run from scratch."""
    import psycopg

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:  # CI must fail here, not skip
        raise RuntimeError(f"TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {exc}") from exc
    with conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def test_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "test",
        "AUTO_MIGRATE": False,
        "JWT_SECRET": "test-secret-key-that-is-long-enough-for-hs256",
        "LOG_LEVEL": "WARNING",
        "OPENAI_API_KEY": "",
        "ANTHROPIC_API_KEY": "",
        "MEMORI_PROVIDER": "auto",
        "REDIS_URL": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "soleflip-test.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = POSTGRES_URL
        if url.startswith("postgresql://"):
            url = "postgresql+asyncpg://" + url.removeprefix("postgresql://")
        _reset_postgres(url)
    upgrade_to_head(url)
    return url


@pytest.fixture(scope="session")
def backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(test_settings(database_url))
    async with application.router.lifespan_context(application):
        yield application


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def _seeded_rows(app: FastAPI) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    async with app.state.engine.connect() as conn:
        for table in SEEDED_TABLES:
            result = await conn.execute(Base.metadata.tables[table].select())
            rows[table] = [dict(r._mapping) for r in result]
    return rows


@pytest_asyncio.fixture(loop_scope="session")
async def clean_app(app: FastAPI, _seeded_rows: dict[str, list[dict[str, Any]]]) -> AsyncIterator[FastAPI]:
    """The app, with every table emptied (and seeded rows restored) after the test."""
    yield app
    # Failed logins of one test must not throttle the next one's (same app, same client address).
    app.state._state.pop("login_throttle", None)
    engine = app.state.engine
    tables = list(reversed(Base.metadata.sorted_tables))
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await conn.execute(table.delete())
        for table_name, rows in _seeded_rows.items():
            if rows:
                await conn.execute(Base.metadata.tables[table_name].insert(), rows)
                if engine.dialect.name == "postgresql":
                    # The restored rows carry explicit ids: move the sequence past them.
                    await conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "
                            f"(SELECT max(id) FROM {table_name}))"
                        )
                    )


@pytest_asyncio.fixture(loop_scope="session")
async def db(clean_app: FastAPI) -> AsyncIterator[AsyncSession]:
    """A session for arranging data and checking results; commit what the API must see."""
    async with clean_app.state.sessionmaker() as session:
        yield session


@pytest_asyncio.fixture(loop_scope="session")
async def client(clean_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=clean_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest_asyncio.fixture(loop_scope="session")
async def user(db: AsyncSession) -> User:
    created = await make_user(db, email="staff@example.com")
    await db.commit()
    return created


@pytest.fixture
def auth(app: FastAPI, user: User) -> dict[str, str]:
    """Authorization header of `user`."""
    return auth_headers_for(app, user)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of PostgreSQL-only behaviour are deselected on the SQLite leg, not skipped."""
    keep, drop = [], []
    for item in items:
        on_sqlite = "[sqlite" in item.nodeid
        (drop if on_sqlite and item.get_closest_marker("postgresql_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CI") and not POSTGRES_URL:
        raise pytest.UsageError("CI must run the PostgreSQL leg: set TEST_POSTGRES_URL")
