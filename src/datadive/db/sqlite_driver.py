"""aiosqlite with one thread hop per statement.

aiosqlite runs each call on the connection's own thread and hands the result back to the event
loop; SQLAlchemy's adapter makes four such calls per query (open a cursor, execute, fetch the
rows, close the cursor) and one more for every commit and for the rollback that returns a
connection to the pool. Each hop wakes two threads: about 0.25 ms on a small virtual machine,
more than SQLite needs for the statement itself. Here a statement is executed, its rows
fetched and its cursor closed in one call, and a commit or rollback with no transaction open
(SQLite opens one at the first write) costs nothing.

SQLAlchemy's own aiosqlite dialect still drives the connection (`async_creator`), so SQL,
types, errors and pooling are unchanged.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import aiosqlite

Description = tuple[tuple[Any, ...], ...] | None


def _statement(
    connection: sqlite3.Connection, sql: str, parameters: Any, many: bool
) -> tuple[Description, int, int | None, list[Any]]:
    """Run on the connection's thread: execute, fetch every row, close the cursor."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneHopCursor:
    """The part of `aiosqlite.Cursor` that SQLAlchemy uses; each `execute` is one hop and the
    rows wait here to be fetched."""

    def __init__(self, connection: OneHopConnection) -> None:
        self._connection = connection
        self._rows: deque[Any] = deque()
        self.description: Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def __aenter__(self) -> OneHopCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def _run(self, sql: str, parameters: Any, *, many: bool) -> OneHopCursor:
        connection = self._connection
        result = await connection._execute(  # type: ignore[no-untyped-call]
            lambda: _statement(connection._conn, sql, parameters, many)
        )
        self.description, self.rowcount, self.lastrowid, rows = result
        self._rows = deque(rows)
        return self

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> OneHopCursor:
        return await self._run(sql, () if parameters is None else parameters, many=False)

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> OneHopCursor:
        return await self._run(sql, parameters, many=True)

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(self.arraysize if size is None else size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        self._rows.clear()  # the sqlite3 cursor was closed on its thread already


class OneHopConnection(aiosqlite.Connection):
    def cursor(self) -> OneHopCursor:  # type: ignore[override]
        return OneHopCursor(self)

    async def commit(self) -> None:
        # Read from the event loop: SQLAlchemy never commits while a statement of the same
        # connection is running, so nothing changes it meanwhile.
        if self._connection is not None and self._connection.in_transaction:
            await super().commit()

    async def rollback(self) -> None:
        if self._connection is not None and self._connection.in_transaction:
            await super().rollback()


def connector(connect: Callable[[], sqlite3.Connection]) -> OneHopConnection:
    """A connection that `connect` opens on its thread; awaiting it starts the thread."""
    connection = OneHopConnection(connect, iter_chunk_size=64)
    connection._thread.daemon = True  # as SQLAlchemy's dialect does for aiosqlite
    return connection
