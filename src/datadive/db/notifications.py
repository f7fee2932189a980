"""Wake-ups for notebook event streams, inside one process and across processes.

Events themselves live in the database (`notebook_events`); a wake-up only says "notebook N
has new events, read them". A transaction that recorded events wakes this process's waiters
when it commits; on PostgreSQL it also sends `NOTIFY`, and every Datadive process LISTENs, so
a stream served by one process follows runs carried out by another. With SQLite (one process)
the in-process wake-ups are all there is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

import asyncpg

log = logging.getLogger(__name__)

CHANNEL = "datadive_notebook_events"
RECONNECT_SECONDS = 1.0


class Wakeups:
    """One asyncio.Event per watched notebook, replaced each time it fires."""

    def __init__(self) -> None:
        self.events: dict[str, asyncio.Event] = {}

    def waiter(self, notebook_id: str) -> asyncio.Event:
        """Take this before reading events, then wait on it: nothing can slip in between."""
        event = self.events.get(notebook_id)
        if event is None:
            event = self.events[notebook_id] = asyncio.Event()
        return event

    def wake(self, notebook_ids: Iterable[str]) -> None:
        for notebook_id in notebook_ids:
            event = self.events.pop(notebook_id, None)
            if event is not None:
                event.set()


class PostgresListener:
    """Keeps one LISTEN connection open (reconnecting after a loss) and turns notifications
    into wake-ups."""

    def __init__(self, dsn: str, wakeups: Wakeups) -> None:
        self.dsn = dsn
        self.wakeups = wakeups
        self.task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._listen(), name="pg listen")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    def _notified(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        self.wakeups.wake([payload])

    async def _listen(self) -> None:
        while True:
            try:
                connection = await asyncpg.connect(self.dsn)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("cannot LISTEN for notebook events: %s", exc)
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            try:
                await self._follow(connection)
                log.warning("lost the LISTEN connection for notebook events; reconnecting")
            finally:
                self.listening.clear()
                with contextlib.suppress(Exception):
                    await connection.close()

    async def _follow(self, connection: asyncpg.Connection) -> None:
        """Return when the connection is lost."""
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _connection: lost.set())
        await connection.add_listener(CHANNEL, self._notified)
        self.listening.set()
        # Streams re-read the database after a reconnect, so nothing committed while
        # disconnected is lost: wake everyone once.
        self.wakeups.wake(list(self.wakeups.events))
        await lost.wait()
