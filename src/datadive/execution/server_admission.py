"""Letting one more project server start: within the bounds, by stopping the least recently
used idle server when need be (see `server_bounds` for the choice).

One start is admitted at a time, so that two requests never both take the last place; the
start itself (seconds) runs after admission, its place held meanwhile (a starting server counts,
and counts as busy).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from datadive.execution.backend import ServerHandle
from datadive.execution.server_bounds import (
    ServerBounds,
    ServerUse,
    read_server_use,
    room_for_one_more,
    server_to_stop,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerSeat:
    """A running server, as admission needs to know it."""

    project_id: str
    started_by: str | None
    started_at: datetime
    handle: ServerHandle
    unused: bool = False  # warm-started and not used since (see `warm_pool`)


def no_runs() -> Collection[str]:
    return frozenset()


class ServerAdmission:
    def __init__(
        self,
        bounds: ServerBounds,
        *,
        running: Callable[[], Sequence[ServerSeat]],
        stop: Callable[[str], Awaitable[None]],
    ) -> None:
        self.bounds = bounds
        self.running = running
        self.stop = stop
        self.lock = asyncio.Lock()
        self.starting: dict[str, str | None] = {}  # project id → who starts it
        # The projects with a run of Datadive's in progress (set by the run executor).
        self.projects_running: Callable[[], Collection[str]] = no_runs
        # Told of each server stopped to make room (the run executor forgets its kernels).
        self.server_stopped: Callable[[str], Awaitable[None]] | None = None

    @asynccontextmanager
    async def admit(self, project_id: str, *, user_id: str | None) -> AsyncIterator[None]:
        """Hold a place for the project's server while it starts; ServersBusy when there is
        none to be had."""
        async with self.lock:
            await self._make_room(user_id)
            self.starting[project_id] = user_id
        try:
            yield
        finally:
            self.starting.pop(project_id, None)

    @asynccontextmanager
    async def admit_if_room(self, project_id: str, *, user_id: str | None) -> AsyncIterator[bool]:
        """As `admit`, for a start nobody waits for (a warm start): a place is held only when
        one is free; no server is stopped for it. Yields whether it was."""
        async with self.lock:
            room = room_for_one_more(self._started_by(), user_id=user_id, bounds=self.bounds)
            if room:
                self.starting[project_id] = user_id
        try:
            yield room
        finally:
            if room:
                self.starting.pop(project_id, None)

    async def _make_room(self, user_id: str | None) -> None:
        # The servers are asked how they are used only when one would have to give way.
        while not room_for_one_more(self._started_by(), user_id=user_id, bounds=self.bounds):
            victim = server_to_stop(await self._uses(), user_id=user_id, bounds=self.bounds)
            if victim is None:
                return
            log.info("stopping the idle server of project %s to make room", victim.project_id)
            await self.stop(victim.project_id)
            if self.server_stopped is not None:
                await self.server_stopped(victim.project_id)

    def _started_by(self) -> list[str | None]:
        return [seat.started_by for seat in self.running()] + list(self.starting.values())

    async def _uses(self) -> list[ServerUse]:
        in_runs = set(self.projects_running())
        seats = list(self.running())
        uses = list(
            await asyncio.gather(
                *(
                    read_server_use(
                        seat.handle,
                        project_id=seat.project_id,
                        started_by=seat.started_by,
                        started_at=seat.started_at,
                        running_a_run=seat.project_id in in_runs,
                        unused=seat.unused,
                    )
                    for seat in seats
                )
            )
        )
        now = datetime.now(UTC)
        uses += [ServerUse(p, who, now, busy=True) for p, who in self.starting.items()]
        return uses
