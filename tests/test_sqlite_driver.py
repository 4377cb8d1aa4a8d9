"""The embedded database's driver (shared/database/sqlite_driver.py): every statement the
service sends behaves as on the stock aiosqlite dialect, in one call into aiosqlite's thread."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
import pytest_asyncio
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.config.settings import Settings
from shared.database.engine import create_engine, create_sessionmaker

metadata = MetaData()
shoes = Table(
    "shoes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sku", String(20), nullable=False, unique=True),
    Column("pairs", Integer, nullable=False),
)


@pytest_asyncio.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(Settings(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}"))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def thread_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions sent to aiosqlite's thread, in order."""
    calls: list[str] = []
    original: Any = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return calls


async def test_sqlite_urls_get_the_one_call_dialect(engine: AsyncEngine) -> None:
    assert engine.dialect.driver == "aiosqlite_onehop"
    assert engine.url.drivername == "sqlite+aiosqlite_onehop"
    async with engine.connect() as conn:  # the connect-time PRAGMAs ran through it
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1


async def test_a_statement_is_one_call_into_the_thread(engine: AsyncEngine, thread_calls: list[str]) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        await session.execute(select(shoes.c.id))  # the connection is checked out and begun here
        thread_calls.clear()
        await session.execute(
            insert(shoes), [{"sku": "DD1391-100", "pairs": 3}, {"sku": "CW2288-111", "pairs": 1}]
        )
        await session.execute(select(shoes).order_by(shoes.c.id))
        await session.execute(update(shoes).values(pairs=0).where(shoes.c.sku == "DD1391-100"))
        assert thread_calls == ["_run", "_run", "_run"]
        await session.commit()
        assert thread_calls[3] == "commit"  # then the pool's rollback as the connection goes back


async def test_rows_counts_keys_and_returning(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        first = await conn.execute(insert(shoes).values(sku="DD1391-100", pairs=3))
        assert first.inserted_primary_key == (1,)  # from the cursor's lastrowid
        many = await conn.execute(insert(shoes), [{"sku": f"SKU-{n}", "pairs": n} for n in range(5)])
        assert many.rowcount == 5
        returned = await conn.execute(
            insert(shoes).values(sku="FQ8138-002", pairs=7).returning(shoes.c.id, shoes.c.pairs)
        )
        assert returned.one() == (7, 7)
        changed = await conn.execute(update(shoes).values(pairs=shoes.c.pairs + 1).where(shoes.c.pairs >= 3))
        assert changed.rowcount == 4  # 3, 3, 4, 7
        rows = (await conn.execute(select(shoes.c.sku, shoes.c.pairs).order_by(shoes.c.id))).all()
        assert rows[0] == ("DD1391-100", 4) and len(rows) == 7
        assert (await conn.execute(select(shoes.c.id).where(shoes.c.sku == "nope"))).first() is None


async def test_errors_and_rollback_behave_as_the_stock_driver(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        await session.execute(insert(shoes).values(sku="DD1391-100", pairs=1))
        await session.commit()
        with pytest.raises(IntegrityError):
            await session.execute(insert(shoes).values(sku="DD1391-100", pairs=2))
        await session.rollback()
        await session.execute(insert(shoes).values(sku="CW2288-111", pairs=2))
        await session.rollback()  # undone: only the committed row stays
        skus = (await session.execute(select(shoes.c.sku))).scalars().all()
        assert skus == ["DD1391-100"]


async def test_streamed_results_still_use_a_server_side_cursor(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(shoes), [{"sku": f"SKU-{n}", "pairs": n} for n in range(250)])
    async with engine.connect() as conn:
        result = await conn.stream(select(shoes.c.pairs).order_by(shoes.c.id))
        seen = [row.pairs async for row in result]
    assert seen == list(range(250))
