"""Runs: requests to execute a cell or a notebook, stored so that they outlive the request
that made them. The work itself is done by `run_executor.RunExecutor`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.auth.permissions import Action
from datadive.db.base import table_of
from datadive.db.ids import new_id
from datadive.db.models import Cell, Run, User
from datadive.db.models.runs import ACTIVE_RUN_STATUSES, ONE_ACTIVE_RUN
from datadive.db.types import utcnow
from datadive.errors import Conflict, Invalid
from datadive.schemas.text import escape_nul
from datadive.services.authoring import cell_status
from datadive.services.authoring.cells import STALE_ABLE, CellView, load_cell, load_cells
from datadive.services.authoring.notebook_events import record_event
from datadive.services.authoring.notebooks import ensure_writable
from datadive.services.membership.access import CellAccess, NotebookAccess, run_access
from datadive.services.running.run_progress import start_cell

ACTIVE = ACTIVE_RUN_STATUSES
ALREADY_RUNNING = "This notebook is already running; wait for it or interrupt it first."
CRASHED = "Datadive stopped while this run was going on; run the cells again."


def run_event(run: Run) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "status": run.status,
        "scope": run.scope,
        "cell_id": run.cell_id,
        "error": run.error,
    }


async def set_cells_status(
    session: AsyncSession,
    *,
    notebook_id: str,
    cell_ids: Sequence[str],
    status: str,
    reason: str | None = None,
) -> None:
    if not cell_ids:
        return
    cells = table_of(Cell)
    await session.execute(
        sa.update(cells).where(cells.c.id.in_(cell_ids)).values(status=status, status_reason=reason)
    )
    record_event(
        session,
        notebook_id=notebook_id,
        kind="cell-status",
        data={"cell_ids": list(cell_ids), "status": status},
    )


async def mark_not_run_since_restart(
    session: AsyncSession,
    *,
    notebook_ids: Sequence[str],
    except_ids: Sequence[str] = (),
) -> None:
    """The notebooks' kernels restarted (or stopped): the cells that ran keep their outputs,
    but the variables those made are gone, so they say so instead of `ok`."""
    ran = await session.execute(
        sa.select(Cell.notebook_id, Cell.id).where(
            Cell.notebook_id.in_(notebook_ids),
            Cell.status.in_(STALE_ABLE),
            Cell.id.not_in(except_ids),
        )
    )
    by_notebook: dict[str, list[str]] = {}
    for notebook_id, cell_id in ran:
        by_notebook.setdefault(notebook_id, []).append(cell_id)
    for notebook_id, cell_ids in by_notebook.items():
        await set_cells_status(
            session,
            notebook_id=notebook_id,
            cell_ids=cell_ids,
            status="idle",
            reason=cell_status.RESTART,
        )


@dataclass(frozen=True)
class QueuedCell:
    cell: Cell
    index: int | None  # in the notebook; None when not looked up (a run of one cell)


@dataclass(frozen=True)
class QueuedRun:
    run: Run
    cells: list[QueuedCell]  # the cells it covers, in notebook order
    # The first cell was marked running in the same transaction (its kernel was ready).
    first_started: bool


async def queue_run(
    session: AsyncSession,
    *,
    notebook_id: str,
    cells: list[QueuedCell],
    user: User,
    scope: str,
    cell_id: str | None,
    worker_id: str,
    start_now: bool = False,
) -> QueuedRun:
    """Store a run of `cells`. With `start_now` (the notebook's kernel is ready) it is
    `running` at once and its first code cell too: one transaction fewer before the kernel
    gets the code."""
    now = utcnow()
    run = Run(
        id=new_id(),
        created_at=now,
        updated_at=now,
        notebook_id=notebook_id,
        cell_id=cell_id,
        scope=scope,
        status="running" if start_now else "queued",
        started_at=now if start_now else None,
        requested_by_id=user.id,
        worker_id=worker_id,
        heartbeat_at=now,
    )
    runs = table_of(Run)
    try:
        # A plain INSERT (the object stays out of the session): the ORM's flush costs more.
        await session.execute(
            sa.insert(runs).values({column.key: getattr(run, column.key) for column in runs.c})
        )
    except sa.exc.IntegrityError as exc:
        if ONE_ACTIVE_RUN not in str(exc.orig) and "runs.notebook_id" not in str(exc.orig):
            raise
        raise Conflict(ALREADY_RUNNING) from None
    cell_ids = [queued.cell.id for queued in cells]
    first_started = start_now and bool(cells) and cells[0].cell.kind != "markdown"
    if first_started:
        await start_cell(session, notebook_id=notebook_id, cell_id=cell_ids[0])
    await set_cells_status(
        session,
        notebook_id=notebook_id,
        cell_ids=cell_ids[1:] if first_started else cell_ids,
        status="queued",
    )
    record_event(session, notebook_id=notebook_id, kind="run", data=run_event(run))
    return QueuedRun(run=run, cells=cells, first_started=first_started)


async def set_run_status(
    session: AsyncSession, *, run_id: str, status: str, **values: Any
) -> Run | None:
    """Move an unfinished run on (`starting`, `running`); None when it has finished already."""
    run = await session.get(Run, run_id)
    if run is None or run.status not in ACTIVE:
        return None
    run.status = status
    for name, value in values.items():
        setattr(run, name, value)
    await session.flush()
    record_event(session, notebook_id=run.notebook_id, kind="run", data=run_event(run))
    return run


async def record_start_step(session: AsyncSession, *, run_id: str, step: str) -> None:
    """Tell the notebook's viewers what starting the server is doing now (the run's event
    with `step`); nothing when the run is no longer starting."""
    run = await session.get(Run, run_id)
    if run is not None and run.status == "starting":
        data = run_event(run) | {"step": step}
        record_event(session, notebook_id=run.notebook_id, kind="run", data=data)


async def finish_run(
    session: AsyncSession,
    *,
    run_id: str,
    status: str,
    error: str | None,
    left: Sequence[str] | None = None,
) -> Run | None:
    """End a run; its cells still queued or running go back to idle (outputs stay). `left`
    names them when the caller knows (the run's own cells it did not get to). Returns the
    ended run; None when it had ended already."""
    runs = table_of(Run)
    row = (
        await session.execute(
            sa.update(runs)
            .where(runs.c.id == run_id, runs.c.status.in_(ACTIVE))
            .values(
                status=status,
                error=None if error is None else escape_nul(error),
                finished_at=utcnow(),
            )
            .returning(*runs.c)
        )
    ).one_or_none()
    if row is None:
        return None  # gone, or finished already
    run = Run(**row._mapping)  # as stored; not tracked by the session
    if left is None:
        left = (
            await session.scalars(
                sa.select(Cell.id).where(
                    Cell.notebook_id == run.notebook_id, Cell.status.in_(("queued", "running"))
                )
            )
        ).all()
    await set_cells_status(session, notebook_id=run.notebook_id, cell_ids=left, status="idle")
    record_event(session, notebook_id=run.notebook_id, kind="run", data=run_event(run))
    return run


async def start_cell_run(
    session: AsyncSession, *, access: CellAccess, worker_id: str, start_now: bool = False
) -> QueuedRun:
    """A run of the cell the caller's access was checked on (no need to read it again)."""
    ensure_writable(access.project)
    return await queue_run(
        session,
        notebook_id=access.notebook.id,
        cells=[QueuedCell(access.cell, index=None)],
        user=access.user,
        scope="cell",
        cell_id=access.cell.id,
        worker_id=worker_id,
        start_now=start_now,
    )


async def start_notebook_run(
    session: AsyncSession,
    *,
    access: NotebookAccess,
    from_cell: str | None,
    worker_id: str,
    start_now: bool = False,
) -> QueuedRun:
    ensure_writable(access.project)
    views = await load_cells(session, notebook_id=access.notebook.id)
    start = 0
    if from_cell is not None:
        start = next((v.index for v in views if v.cell.id == from_cell), -1)
        if start < 0:
            raise Invalid.field("from_cell", "is not a cell of this notebook")
    return await queue_run(
        session,
        notebook_id=access.notebook.id,
        cells=[QueuedCell(view.cell, view.index) for view in views[start:]],
        user=access.user,
        scope="from_cell" if from_cell else "all",
        cell_id=from_cell,
        worker_id=worker_id,
        start_now=start_now,
    )


async def run_cells(session: AsyncSession, *, run: Run) -> list[CellView]:
    """The cells a run covers, in notebook order."""
    if run.scope == "cell":
        if run.cell_id is None:  # the cell was deleted (the run keeps its record)
            return []
        view = await load_cell(session, cell_id=run.cell_id)
        return [] if view is None else [view]
    views = await load_cells(session, notebook_id=run.notebook_id)
    if run.scope == "from_cell":
        start = next((v.index for v in views if v.cell.id == run.cell_id), len(views))
        return list(views[start:])
    return list(views)


async def cell_index(session: AsyncSession, *, cell_id: str) -> int | None:
    """Where a cell stands in its notebook (0 for the first), or None when it is gone."""
    view = await load_cell(session, cell_id=cell_id)
    return None if view is None else view.index


async def read_run(session: AsyncSession, *, user: User, run_id: str) -> tuple[Run, list[CellView]]:
    run = await run_access(session, user=user, run_id=run_id, action=Action.NOTEBOOK_READ)
    return run, await run_cells(session, run=run)


async def beat(session: AsyncSession, *, run_ids: Sequence[str]) -> None:
    """Say that this process still carries out these runs."""
    if run_ids:
        await session.execute(
            sa.update(Run).where(Run.id.in_(run_ids)).values(heartbeat_at=utcnow())
        )


async def fail_abandoned_runs(
    session: AsyncSession,
    *,
    worker_id: str,
    silent_for: timedelta,
    worker_gone: Callable[[str], bool],
) -> list[str]:
    """Unfinished runs of other processes that died end as errors, and their cells are idle
    again (outputs saved so far stay). A process counts as dead when `worker_gone` says so, or
    when it has not said anything (`beat`) for `silent_for`."""
    cutoff = utcnow() - silent_for
    others = (
        await session.execute(
            sa.select(Run.id, Run.worker_id, Run.heartbeat_at).where(
                Run.status.in_(ACTIVE),
                sa.or_(Run.worker_id.is_(None), Run.worker_id != worker_id),
            )
        )
    ).all()
    abandoned = [
        run_id
        for run_id, worker, heartbeat in others
        if worker is None or heartbeat is None or heartbeat < cutoff or worker_gone(worker)
    ]
    for run_id in abandoned:
        await finish_run(session, run_id=run_id, status="error", error=CRASHED)
    return abandoned
