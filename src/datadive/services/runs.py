"""Runs: requests to execute a cell or a notebook, stored so that they outlive the request
that made them. The work itself is done by `run_executor.RunExecutor`."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.auth.permissions import Action
from datadive.db.models import Cell, Run, User
from datadive.db.types import utcnow
from datadive.errors import Conflict, Invalid
from datadive.services.access import CellAccess, NotebookAccess, run_access
from datadive.services.cells import CellView, load_cells
from datadive.services.notebooks import ensure_writable

ACTIVE = ("queued", "starting", "running")
CRASHED = "Datadive stopped while this run was going on; run the cells again."


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
) -> Run:
    run = Run(
        notebook_id=notebook_id,
        cell_id=cell_id,
        scope=scope,
        status="queued",
        requested_by_id=user.id,
    )
    session.add(run)
    if cell_ids:
        await session.execute(sa.update(Cell).where(Cell.id.in_(cell_ids)).values(status="queued"))
    await session.flush()
    return run


async def start_cell_run(session: AsyncSession, *, access: CellAccess) -> Run:
    ensure_writable(access.project)
    await ensure_no_active_run(session, notebook_id=access.notebook.id)
    return await queue_run(
        session,
        notebook_id=access.notebook.id,
        cell_ids=[access.cell.id],
        user=access.user,
        scope="cell",
        cell_id=access.cell.id,
    )


async def start_notebook_run(
    session: AsyncSession, *, access: NotebookAccess, from_cell: str | None
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


async def fail_unfinished_runs(session: AsyncSession) -> Sequence[str]:
    """At start-up: runs that a stopped Datadive left unfinished end as errors, and their
    cells are idle again (outputs saved so far stay)."""
    unfinished = (await session.scalars(sa.select(Run).where(Run.status.in_(ACTIVE)))).all()
    for run in unfinished:
        run.status, run.error, run.finished_at = "error", CRASHED, utcnow()
        await session.execute(
            sa.update(Cell)
            .where(Cell.notebook_id == run.notebook_id, Cell.status.in_(("queued", "running")))
            .values(status="idle")
        )
    return [run.id for run in unfinished]
