"""A running cell's progress: status and outputs saved as they come, each change recorded as
a notebook event so that open pages follow it."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.db.base import table_of
from datadive.db.engine import Database
from datadive.db.models import Cell
from datadive.db.types import utcnow
from datadive.services.authoring.notebook_events import record_event

SAVE_EVERY_SECONDS = 0.3
Outputs = list[dict[str, Any]]


def output_change(sent: Sequence[dict[str, Any]], now: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """What a client that has `sent` must do to have `now`: append to one stream output, or
    replace the outputs from an index on. Streams that only grew send only the new text."""
    index = 0
    while index < min(len(sent), len(now)) and sent[index] == now[index]:
        index += 1
    if index == len(sent) - 1 == len(now) - 1:
        before, after = sent[index], now[index]
        if (
            before.get("output_type") == after.get("output_type") == "stream"
            and before.get("name") == after.get("name")
            and after["text"].startswith(before["text"])
        ):
            return {"index": index, "text": after["text"][len(before["text"]) :]}
    return {"index": index, "outputs": list(now[index:])}


def json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


async def save_progress(
    session: AsyncSession,
    *,
    notebook_id: str,
    cell_id: str,
    values: dict[str, Any],
    outputs: Outputs | None,
    sent: Outputs,
) -> Outputs:
    """Write a cell's new values and record what changed; returns the outputs clients now
    have (`sent` when `outputs` is None)."""
    cells = table_of(Cell)
    if "status" in values:  # a cell that runs, or has run, is no longer stale for a reason
        values = {**values, "status_reason": None}
    await session.execute(sa.update(cells).where(cells.c.id == cell_id).values(**values))
    if outputs is not None and (outputs != sent or not outputs):
        change = output_change(sent, outputs)
        record_event(
            session, notebook_id=notebook_id, kind="outputs", data={"cell_id": cell_id, **change}
        )
        # The collector changes its outputs in place; keep what was sent as it was.
        sent = copy.deepcopy(outputs)
    if "status" in values:
        status_data = {"cell_ids": [cell_id], "status": values["status"]}
        for name in ("execution_count", "started_at", "finished_at"):
            if name in values:
                status_data[name] = json_value(values[name])
        record_event(session, notebook_id=notebook_id, kind="cell-status", data=status_data)
    return sent


async def start_cell(session: AsyncSession, *, notebook_id: str, cell_id: str) -> None:
    """Mark a cell running with no outputs yet."""
    await save_progress(
        session,
        notebook_id=notebook_id,
        cell_id=cell_id,
        values={"status": "running", "outputs": [], "started_at": utcnow(), "finished_at": None},
        outputs=[],
        sent=[],
    )


Finally = Callable[[AsyncSession], Awaitable[None]]


class CellProgress:
    """Saves one cell's run, at most every SAVE_EVERY_SECONDS while outputs stream in. A
    change that comes too soon after a save is saved when the interval is up, so that output
    followed by silence (print, then a long computation) shows at once, not at the end."""

    def __init__(
        self, database: Database, *, notebook_id: str, cell_id: str, started: bool = False
    ) -> None:
        """`started`: the cell was marked running (`start_cell`) a moment ago."""
        self.database = database
        self.notebook_id = notebook_id
        self.cell_id = cell_id
        self.saved_at = time.monotonic() if started else 0.0
        self.sent: Outputs = []
        self.latest: Outputs = []
        self.lock = asyncio.Lock()  # one save at a time: events must follow each other
        self.catch_up: asyncio.Task[None] | None = None
        self.catching_up = False

    async def started(self) -> None:
        async with self.lock:
            self.saved_at = time.monotonic()
            async with self.database.transaction() as session:
                await start_cell(session, notebook_id=self.notebook_id, cell_id=self.cell_id)

    async def outputs_changed(self, outputs: Outputs) -> None:
        self.latest = outputs
        wait = self.saved_at + SAVE_EVERY_SECONDS - time.monotonic()
        if wait <= 0 and not self.catching_up:
            await self._save({"outputs": list(outputs)}, outputs=outputs)
        elif self.catch_up is None:
            self.catch_up = asyncio.get_running_loop().create_task(self._save_later(wait))

    async def _save_later(self, wait: float) -> None:
        await asyncio.sleep(max(wait, 0))
        self.catching_up = True  # from here on it must not be cancelled: it writes
        try:
            await self._save({"outputs": list(self.latest)}, outputs=self.latest)
        finally:
            self.catch_up, self.catching_up = None, False

    async def finished(
        self,
        *,
        status: str,
        outputs: Outputs | None = None,
        execution_count: int | None = None,
        then: Finally | None = None,
    ) -> None:
        """Save the cell's end; `then` writes more in the same transaction (the run's end)."""
        pending = self.catch_up
        if pending is not None:
            if self.catching_up:
                await pending
            else:
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pending
                self.catch_up = None
        values: dict[str, Any] = {"status": status, "finished_at": utcnow()}
        if outputs is not None:
            values |= {"outputs": list(outputs), "execution_count": execution_count}
        await self._save(values, outputs=outputs, then=then)

    async def _save(
        self, values: dict[str, Any], *, outputs: Outputs | None, then: Finally | None = None
    ) -> None:
        async with self.lock:
            self.saved_at = time.monotonic()
            async with self.database.transaction() as session:
                self.sent = await save_progress(
                    session,
                    notebook_id=self.notebook_id,
                    cell_id=self.cell_id,
                    values=values,
                    outputs=outputs,
                    sent=self.sent,
                )
                if then is not None:
                    await then(session)
