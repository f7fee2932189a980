"""Runs: requests to execute a cell or a notebook, stored so that they outlive the request
that made them. The work itself is done by `run_executor.RunExecutor`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.auth.permissions import Action
from datadive.db.models import Cell, Run, User
from datadive.db.types import utcnow
from datadive.errors import Conflict, Invalid
from datadive.services.access import CellAccess, NotebookAccess, run_access
from datadive.services.cells import CellView, load_cells
from datadive.services.notebook_events import record_event
from datadive.services.notebooks import ensure_writable

ACTIVE = ("queued", "starting", "running")
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
    session: AsyncSession, *, notebook_id: str, cell_ids: Sequence[str], status: str
) -> None:
    if not cell_ids:
        return
    await session.execute(sa.update(Cell).where(Cell.id.in_(cell_ids)).values(status=status))
    await record_event(
        session,
        notebook_id=notebook_id,
        kind="cell-status",
        data={"cell_ids": list(cell_ids), "status": status},
    )


async def ensure_no_active_run(session: AsyncSession, *, notebook_id: str) -> None:
    busy = await session.scalar(
        sa.select(sa.exists().where(Run.notebook_id == notebook_id, Run.status.in_(ACTIVE)))
    )
    if busy:
        raise Conflict("This notebook is already running; wait for it or interrupt it first.")


async def queue_run(
    session: AsyncSession,
    *,
    notebook_id: str,
    cell_ids: list[str],
    user: User,
    scope: str,
    cell_id: str | None,
    worker_id: str,
) -> Run:
    run = Run(
        notebook_id=notebook_id,
        cell_id=cell_id,
        scope=scope,
        status="queued",
        requested_by_id=user.id,
        worker_id=worker_id,
        heartbeat_at=utcnow(),
    )
    session.add(run)
    await session.flush()
    await set_cells_status(session, notebook_id=notebook_id, cell_ids=cell_ids, status="queued")
    await record_event(session, notebook_id=notebook_id, kind="run", data=run_event(run))
    return run


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
    await record_event(session, notebook_id=run.notebook_id, kind="run", data=run_event(run))
    return run


async def finish_run(session: AsyncSession, *, run_id: str, status: str, error: str | None) -> None:
    """End a run; its cells still queued or running go back to idle (outputs stay)."""
    run = await session.get(Run, run_id)
    if run is None or run.status not in ACTIVE:
        return
    run.status, run.error, run.finished_at = status, error, utcnow()
    await session.flush()
    left = (
        await session.scalars(
            sa.select(Cell.id).where(
                Cell.notebook_id == run.notebook_id, Cell.status.in_(("queued", "running"))
            )
        )
    ).all()
    await set_cells_status(session, notebook_id=run.notebook_id, cell_ids=left, status="idle")
    await record_event(session, notebook_id=run.notebook_id, kind="run", data=run_event(run))


async def start_cell_run(session: AsyncSession, *, access: CellAccess, worker_id: str) -> Run:
    ensure_writable(access.project)
    await ensure_no_active_run(session, notebook_id=access.notebook.id)
    return await queue_run(
        session,
        notebook_id=access.notebook.id,
        cell_ids=[access.cell.id],
        user=access.user,
        scope="cell",
        cell_id=access.cell.id,
        worker_id=worker_id,
    )


async def start_notebook_run(
    session: AsyncSession, *, access: NotebookAccess, from_cell: str | None, worker_id: str
) -> Run:
    ensure_writable(access.project)
    await ensure_no_active_run(session, notebook_id=access.notebook.id)
    views = await load_cells(session, notebook_id=access.notebook.id)
    start = 0
    if from_cell is not None:
        start = next((v.index for v in views if v.cell.id == from_cell), -1)
        if start < 0:
            raise Invalid.field("from_cell", "is not a cell of this notebook")
    return await queue_run(
        session,
        notebook_id=access.notebook.id,
        cell_ids=[v.cell.id for v in views[start:]],
        user=access.user,
        scope="from_cell" if from_cell else "all",
        cell_id=from_cell,
        worker_id=worker_id,
    )


async def run_cells(session: AsyncSession, *, run: Run) -> list[CellView]:
    """The cells a run covers, in notebook order."""
    views = await load_cells(session, notebook_id=run.notebook_id)
    if run.scope == "cell":
        return [v for v in views if v.cell.id == run.cell_id]
    if run.scope == "from_cell":
        start = next((v.index for v in views if v.cell.id == run.cell_id), len(views))
        return list(views[start:])
    return list(views)


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
