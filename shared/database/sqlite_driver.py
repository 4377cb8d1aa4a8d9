"""SQLAlchemy's aiosqlite dialect with one thread round trip per statement.

aiosqlite runs sqlite3 in a thread of its own; every awaited call is a round trip to it (a queue
put, the thread's wake-up, a loop wake-up on the way back). SQLAlchemy's adapter makes four per
statement: create the cursor, execute, fetch the rows, close. On this machine a round trip costs
60-80 us against ~1 us for sqlite3 to answer a small statement, so a `SELECT 1` through the
stock dialect took 0.36 ms and an assistant turn (7 statements) spent ~2 ms waiting on the
thread. Here a statement's cursor is made, executed, fetched and closed in one function run in
aiosqlite's thread (`SELECT 1` through a session: 0.20 ms; the assistant at demo scale in
docs/benchmarks.md). Everything else (connections, transactions, server-side cursors, errors)
is the stock dialect's. A hand-written adapter because no maintained driver does this: SQLAlchemy
ships only this dialect for asyncio SQLite.

`create_engine` (shared/database/engine.py) picks it for `sqlite+aiosqlite` URLs; the URL users
write stays the same.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)

DRIVER = "aiosqlite_onehop"

_Outcome = tuple[Any, int, int | None, list[Any]]


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement runs in a single call into aiosqlite's thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No aiosqlite cursor up front (that is a round trip of its own): each statement opens
        # and closes a sqlite3 cursor inside its one call.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    def close(self) -> None:
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        return None  # the sqlite3 cursor is closed already; the rows are buffered

    def _run(self, many: bool, operation: Any, parameters: Any) -> _Outcome:
        """In aiosqlite's thread: the whole statement, rows and all."""
        cursor: sqlite3.Cursor = self._connection._conn.cursor()
        try:
            if many:
                cursor.executemany(operation, parameters)
            elif parameters is None:
                cursor.execute(operation)
            else:
                cursor.execute(operation, parameters)
            rows = cursor.fetchall() if cursor.description else []
            return cursor.description, cursor.rowcount, cursor.lastrowid, rows
        finally:
            cursor.close()

    async def _call(self, many: bool, operation: Any, parameters: Any) -> None:
        async with self._adapt_connection._execute_mutex:
            outcome: _Outcome = await self._connection._execute(self._run, many, operation, parameters)
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._call(False, operation, parameters)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._call(True, operation, seq_of_parameters)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor  # type: ignore[assignment]  # a subclass of the stock cursor


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        stock = super().connect(*arg, **kw)
        return OneHopConnection(self, stock._connection)


class OneHopDialect(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> OneHopDBAPI:
        return OneHopDBAPI(__import__("aiosqlite"), __import__("sqlite3"))


registry.register(f"sqlite.{DRIVER}", __name__, "OneHopDialect")
