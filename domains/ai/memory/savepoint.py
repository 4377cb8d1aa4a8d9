"""Memory writes that may fail without taking the request's transaction with them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession


@asynccontextmanager
async def memory_savepoint(session: AsyncSession) -> AsyncIterator[None]:
    """On PostgreSQL, a SAVEPOINT around memory work: a failed statement aborts the whole
    transaction there, and the answer must still be stored. The error still propagates.

    On SQLite nothing is wrapped: with the driver's transaction handling a SAVEPOINT taken
    before the first write starts the transaction, and its RELEASE commits it, so memory rows
    would outlive a turn that is rolled back later. A failed statement there undoes only
    itself and the transaction goes on (a failed ORM flush still needs the session rolled back).
    """
    if session.get_bind().dialect.name == "postgresql":
        async with session.begin_nested():
            yield
    else:
        yield
