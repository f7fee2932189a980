"""Running from the workspace: one cell, every cell or from a cell on, and interrupting or
restarting the kernel. Requests answer at once; the run goes on in the executor."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from starlette.responses import Response

from datadive.api.deps import DatabaseDep, DbSession, ExecutorDep
from datadive.schemas.cells import CellUpdate
from datadive.web.deps import FormFields, SignedIn
from datadive.web.forms import parse
from datadive.web.notebook_page import (
    CellExecuteAccess,
    ExecuteAccess,
    done,
    posted_source,
    update_apart,
)

router = APIRouter()


@router.post("/cells/{cell_id}/run")
async def run_cell(
    request: Request,
    principal: SignedIn,
    values: FormFields,
    database: DatabaseDep,
    executor: ExecutorDep,
    access: CellExecuteAccess,
) -> Response:
    """Run one cell; edited code sent along is saved first."""
    source = posted_source(values)
    if source is not None and access.cell.kind != "template":
        # Checked like the editor's save: text the cell may not hold is a 422, not a 500.
        access = await update_apart(database, access, parse(CellUpdate, {"source": source}))
    await executor.start_cell_run(access=access)
    return done(request, access.notebook, "The cell is queued to run.", access.cell.id)


@router.post("/notebooks/{notebook_id}/run")
async def run_notebook(
    request: Request,
    principal: SignedIn,
    values: FormFields,
    session: DbSession,
    executor: ExecutorDep,
    access: ExecuteAccess,
) -> Response:
    """Run every cell, or from `from_cell` on; an error stops the rest."""
    from_cell = values.get("from_cell") or None
    await executor.start_notebook_run(access=access, from_cell=from_cell)
    message = "The notebook is queued to run." if from_cell is None else "Running from here."
    return done(request, access.notebook, message, from_cell)


@router.post("/notebooks/{notebook_id}/kernel/{action}")
async def control_kernel(
    request: Request,
    action: Literal["interrupt", "restart"],
    principal: SignedIn,
    session: DbSession,
    executor: ExecutorDep,
    access: ExecuteAccess,
) -> Response:
    ran = await executor.control_kernel(notebook=access.notebook, action=action)
    verb = "interrupted" if action == "interrupt" else "restarted"
    message = f"The kernel was {verb}." if ran else "The notebook has no running kernel."
    return done(request, access.notebook, message)
