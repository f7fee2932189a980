"""The notebook workspace: the page with its cells, code and outputs, and the fragments its
script fetches again. What changes the notebook lives in the modules gathered here: cells
added, edited and deleted (`cell_edits`), their order (`cell_order`), template forms
(`cell_inputs`), runs and kernel control (`notebook_runs`). They use the same services,
executor and permission dependencies as /api/v1/cells, /execute and /kernel.

Run requests answer at once (the run goes on in the executor); the page learns what happens
from the notebook's event stream and fetches the changed cells again (`js/notebook.js`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from datadive.api.deps import BackendDep, DbSession
from datadive.web.deps import SignedIn
from datadive.web.notebook_page import (
    CellReadAccess,
    ReadAccess,
    cells_context,
    render_cell,
)
from datadive.web.project_page import server_status
from datadive.web.rendering import render
from datadive.web.routes import (
    cell_edits,
    cell_inputs,
    cell_order,
    cell_outputs,
    notebook_runs,
    table_downloads,
)

router = APIRouter()


@router.get("/notebooks/{notebook_id}")
async def notebook_page(
    request: Request,
    principal: SignedIn,
    session: DbSession,
    backend: BackendDep,
    access: ReadAccess,
) -> Response:
    """The workspace. `event_seq` is read (with the access check) before the cells, so the
    page's event stream starts no later than what it shows and misses nothing."""
    context = await cells_context(session, access)
    context["after"] = access.notebook.event_seq
    # Reading the status starts nothing; JupyterLab is offered once the server runs.
    server = await server_status(backend, access.project.id) if context["can_run"] else None
    if context["can_run"] and not (server and server.running):
        # A run is likely next: with a warm pool, its server starts now (none stops for it).
        backend.warm_up_soon(access.project.id, user_id=access.user.id)
    context["jupyterlab"] = bool(server and server.running)
    return render(request, "pages/notebook.html", context)


@router.get("/notebooks/{notebook_id}/cells")
async def cell_list(
    request: Request, principal: SignedIn, session: DbSession, access: ReadAccess
) -> Response:
    return render(request, "partials/_cells.html", await cells_context(session, access))


@router.get("/cells/{cell_id}")
async def cell_fragment(
    request: Request, principal: SignedIn, session: DbSession, access: CellReadAccess
) -> Response:
    return await render_cell(request, session, access)


for part in (cell_edits, cell_order, cell_inputs, cell_outputs, notebook_runs, table_downloads):
    router.include_router(part.router)
