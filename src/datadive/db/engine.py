"""The async engine and session factory, built from a database URL (never at import time)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from datadive.db import sqlite_driver
from datadive.db.event_log import forget_pending_events, write_pending_events
from datadive.db.notifications import PostgresListener, Wakeups
from datadive.errors import ConfigurationError, DatadiveError

DATABASE_SETTING = "DATADIVE_DATABASE_URL"
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
CONNECT_TIMEOUT_SECONDS = 5
# PostgreSQL connections kept open, and how many more a burst may open. With SQLAlchemy's
# default (5), every request beyond the fifth at once opened a connection and closed it after:
# a new server process, TLS negotiation and statements prepared anew each time, which made
# `GET /projects` with 10 clients 20 times slower (bench/load.py). 20 + 20 stays well inside
# PostgreSQL's default of 100 connections.
POOL_SIZE = 20
POOL_OVERFLOW = 20


def to_async_url(url: str) -> URL:
    """Accept plain `sqlite:///…` / `postgresql://…` URLs and pick the async driver for them."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError:
        raise ConfigurationError(f"{DATABASE_SETTING}: {url!r} is not a database URL") from None
    backend = "postgresql" if parsed.get_backend_name() == "postgres" else parsed.get_backend_name()
    if backend not in ASYNC_DRIVERS:
        raise ConfigurationError(
            f"{DATABASE_SETTING}: unsupported database {backend!r}; use sqlite:/// or postgresql://"
        )
    return parsed.set(drivername=ASYNC_DRIVERS[backend])


def display_url(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL never corrupts the database and loses nothing when Datadive crashes;
    # only a power cut or OS crash can undo the last commits. FULL would wait for the disk
    # (fsync) on every commit: about 1 ms each here, 5 ms at the 95th percentile.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Notebooks a transaction recorded events for; their streams are woken when it commits.
PENDING_WAKEUPS = "notebook_wakeups"
# Notebooks whose cells a transaction edited; `edit_listeners` hear of them when it commits.
PENDING_EDITS = "notebook_edits"


class Database:
    """One engine, its session factory, and the wake-ups for notebook event streams."""

    def __init__(self, url: str) -> None:
        self.url = to_async_url(url)
        networked = self.dialect == "postgresql"
        engine_args: dict[str, Any]
        if networked:
            engine_args = {
                "connect_args": {"timeout": CONNECT_TIMEOUT_SECONDS},
                "pool_size": POOL_SIZE,
                "max_overflow": POOL_OVERFLOW,
            }
        else:
            # One thread hop per statement instead of four (see `sqlite_driver`).
            engine_args = {"async_creator": self._open_sqlite}
        # Pre-ping only where connections can go stale (a server restart), not for a local file.
        self.engine: AsyncEngine = create_async_engine(
            self.url, pool_pre_ping=networked, **engine_args
        )
        if self.dialect == "sqlite":
            sa.event.listen(self.engine.sync_engine, "connect", _enable_sqlite_pragmas)
        self.wakeups = Wakeups()
        self.edit_listeners: list[Callable[[set[str]], None]] = []
        self.listener: PostgresListener | None = None
        # A session class of our own, so that commit hooks apply to this database only.
        session_class = type("DatadiveSession", (Session,), {})
        sa.event.listen(session_class, "before_commit", write_pending_events)
        sa.event.listen(session_class, "after_commit", self._after_commit)
        sa.event.listen(session_class, "after_rollback", self._after_rollback)
        self.sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=session_class
        )

    def _open_sqlite(self) -> sqlite_driver.OneHopConnection:
        """What SQLAlchemy's aiosqlite dialect would open for the URL, with one thread hop per
        statement."""
        args, kwargs = self.engine.dialect.create_connect_args(self.engine.url)
        connect: Callable[..., sqlite3.Connection] = sqlite3.connect
        return sqlite_driver.connector(lambda: connect(*args, **kwargs))

    def _after_commit(self, session: Session) -> None:
        self.wakeups.wake(session.info.pop(PENDING_WAKEUPS, ()))
        edited = session.info.pop(PENDING_EDITS, None)
        if edited:
            for listener in self.edit_listeners:
                listener(edited)

    def _after_rollback(self, session: Session) -> None:
        forget_pending_events(session)
        session.info.pop(PENDING_WAKEUPS, None)
        session.info.pop(PENDING_EDITS, None)

    async def start_listening(self) -> None:
        """Follow events committed by other processes (PostgreSQL only)."""
        if self.dialect == "postgresql" and self.listener is None:
            dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self.listener = PostgresListener(dsn, self.wakeups)
            self.listener.start()

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @property
    def sqlite_path(self) -> Path | None:
        """The database file, for an on-disk SQLite database."""
        if self.dialect != "sqlite" or self.url.database in (None, "", ":memory:"):
            return None
        return Path(str(self.url.database))

    def new_session(self) -> AsyncSession:
        return self.sessions()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on any error, except
        a domain error raised with `keep_changes=True`, whose writes are committed first."""
        async with self.sessions() as session:
            try:
                yield session
            except DatadiveError as exc:
                if exc.keep_changes:
                    await session.commit()
                else:
                    await session.rollback()
                raise
            except BaseException:
                await session.rollback()
                raise
            else:
                await session.commit()

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A connection; failing to connect becomes one line naming the setting and the reason."""
        folder = self.sqlite_path.parent if self.sqlite_path is not None else None
        if folder is not None and not folder.is_dir():
            # Said before trying: a failed aiosqlite connect leaves its thread finishing late.
            raise ConfigurationError(
                f"{DATABASE_SETTING}: cannot connect to {display_url(self.url)}: "
                f"the folder {folder} does not exist"
            )
        connection = self.engine.connect()
        try:
            await connection.start()
        except (OSError, sa.exc.DBAPIError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise ConfigurationError(
                f"{DATABASE_SETTING}: cannot connect to {display_url(self.url)}: {reason}"
            ) from None
        try:
            yield connection
        finally:
            await connection.close()

    async def check_reachable(self) -> None:
        async with self.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))

    async def dispose(self) -> None:
        if self.listener is not None:
            await self.listener.stop()
            self.listener = None
        await self.engine.dispose()
