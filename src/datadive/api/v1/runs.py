"""/api/v1/…/execute and /runs: run cells on the project's Jupyter server.

A run goes on when the client disconnects; `?wait=` holds the answer until it has finished (200)
or the time is up (202, follow `GET /runs/{id}`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.api.deps import CurrentPrincipal, DatabaseDep, DbSession, ExecutorDep
from datadive.api.permissions import (
    CellPermission,
    NotebookPermission,
    ProjectPermission,
    RunPermission,
)
from datadive.api.v1.cells import to_public as cell_public
from datadive.auth.permissions import Action
from datadive.auth.principal import Principal
from datadive.db.engine import Database
from datadive.db.models import Notebook, Run
from datadive.errors import Invalid
from datadive.schemas.runs import (
    FINISHED,
    KernelControl,
    KernelControlled,
    NotebookRunRequest,
    RunPublic,
)
from datadive.services.membership.access import CellAccess, NotebookAccess, ProjectAccess
from datadive.services.running import runs
from datadive.services.running.run_executor import RunAnswer

router = APIRouter(tags=["runs"])

WaitParam = Annotated[
    float, Query(ge=0, le=300, description="Seconds to wait for the run to finish.")
]


async def end_request_transaction(session: AsyncSession) -> None:
    """Commit the request's transaction before waiting for a run: it only checked the caller
    and their access, and held open it kept a database connection for as long as the run
    went on (with forty runs waiting at once, PostgreSQL's pool was used up)."""
    await session.commit()


async def run_answer(
    database: Database,
    principal: Principal,
    run_id: str,
    response: Response,
    finished_here: RunAnswer | None,
) -> RunPublic:
    """The run and its cells: as this process committed them when it has just finished the
    run for a waiting request, read afresh otherwise."""
    if finished_here is not None:
        run, views = finished_here.run, finished_here.cells
    else:
        async with database.new_session() as session:
            run, views = await runs.read_run(session, user=principal.user, run_id=run_id)
    finished = run.status in FINISHED
    response.status_code = status.HTTP_200_OK if finished else status.HTTP_202_ACCEPTED
    return RunPublic(
        id=run.id,
        notebook_id=run.notebook_id,
        cell_id=run.cell_id,
        scope=run.scope,
        status=run.status,
        error=run.error,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        cells=[cell_public(view) for view in views],
    )


@router.post("/cells/{cell_id}/execute", response_model=RunPublic, status_code=202)
async def execute_cell(
    response: Response,
    database: DatabaseDep,
    executor: ExecutorDep,
    principal: CurrentPrincipal,
    access: Annotated[CellAccess, Depends(CellPermission(Action.NOTEBOOK_EXECUTE))],
    session: DbSession,
    wait: WaitParam = 0,
) -> RunPublic:
    """Run one cell. Answers 202 with the queued run, or 200 with the finished run and cell."""
    run_id = await executor.start_cell_run(access=access)
    await end_request_transaction(session)
    finished_here = await executor.wait(run_id, wait)
    return await run_answer(database, principal, run_id, response, finished_here)


@router.post("/notebooks/{notebook_id}/execute", response_model=RunPublic, status_code=202)
async def execute_notebook(
    response: Response,
    database: DatabaseDep,
    executor: ExecutorDep,
    principal: CurrentPrincipal,
    access: Annotated[NotebookAccess, Depends(NotebookPermission(Action.NOTEBOOK_EXECUTE))],
    session: DbSession,
    data: Annotated[NotebookRunRequest | None, Body()] = None,
    wait: WaitParam = 0,
) -> RunPublic:
    """Run every cell in order, or from `from_cell` on; an error stops the rest."""
    run_id = await executor.start_notebook_run(
        access=access, from_cell=data.from_cell if data else None
    )
    await end_request_transaction(session)
    finished_here = await executor.wait(run_id, wait)
    return await run_answer(database, principal, run_id, response, finished_here)


@router.get("/runs/{run_id}", response_model=RunPublic)
async def read_run(
    response: Response,
    database: DatabaseDep,
    executor: ExecutorDep,
    principal: CurrentPrincipal,
    run: Annotated[Run, Depends(RunPermission(Action.NOTEBOOK_READ))],
    session: DbSession,
    wait: WaitParam = 0,
) -> RunPublic:
    """A run and its cells (200 when finished, 202 while it goes on)."""
    await end_request_transaction(session)
    finished_here = await executor.wait(run.id, wait)
    return await run_answer(database, principal, run.id, response, finished_here)


@router.post("/projects/{project_id}/kernel/{action}", response_model=KernelControlled)
async def control_kernel(
    action: Literal["interrupt", "restart"],
    data: KernelControl,
    session: DbSession,
    executor: ExecutorDep,
    access: Annotated[ProjectAccess, Depends(ProjectPermission(Action.NOTEBOOK_EXECUTE))],
) -> KernelControlled:
    """Interrupt the running cell of a notebook, or restart its kernel (variables are lost)."""
    notebook = await session.get(Notebook, data.notebook_id)
    if notebook is None or notebook.project_id != access.project.id:
        raise Invalid.field("notebook_id", "is not a notebook of this project")
    done = await executor.control_kernel(notebook=notebook, action=action)
    if not done:
        return KernelControlled(done=False, detail="The notebook has no running kernel.")
    verb = "interrupted" if action == "interrupt" else "restarted"
    return KernelControlled(done=True, detail=f"The kernel was {verb}.")
