"""The notebook workspace: the cells with their code and outputs, run buttons, kernel control,
adding code and text cells, editing code, moving cells. The same services, executor and
permission dependencies as /api/v1/cells, /execute and /kernel.

Run requests answer at once (the run goes on in the executor); the page learns what happens
from the notebook's event stream and fetches the changed cells again (`js/notebook.js`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from datadive.api.deps import BackendDep, DatabaseDep, DbSession, ExecutorDep, SettingsDep
from datadive.api.permissions import CellPermission, NotebookPermission
from datadive.auth.permissions import Action, is_allowed, require
from datadive.auth.principal import Principal
from datadive.db.engine import Database
from datadive.db.models import Notebook
from datadive.errors import DatadiveError, Invalid
from datadive.schemas.cells import CellCreate, CellUpdate, Placement
from datadive.services import cells
from datadive.services.access import CellAccess, NotebookAccess, cell_access
from datadive.services.cells import CellView
from datadive.web.cell_forms import Pairs, build_fields, form_pairs, posted_inputs
from datadive.web.deps import FormFields, SignedIn
from datadive.web.forms import Form, failure_status, parse, settle
from datadive.web.navigation import redirect
from datadive.web.outputs import output_pieces
from datadive.web.project_page import server_status
from datadive.web.rendering import is_htmx, render, toast_headers

router = APIRouter()

ReadAccess = Annotated[NotebookAccess, Depends(NotebookPermission(Action.NOTEBOOK_READ))]
EditAccess = Annotated[NotebookAccess, Depends(NotebookPermission(Action.NOTEBOOK_EDIT))]
ExecuteAccess = Annotated[NotebookAccess, Depends(NotebookPermission(Action.NOTEBOOK_EXECUTE))]
CellReadAccess = Annotated[CellAccess, Depends(CellPermission(Action.NOTEBOOK_READ))]
CellEditAccess = Annotated[CellAccess, Depends(CellPermission(Action.NOTEBOOK_EDIT))]
CellExecuteAccess = Annotated[CellAccess, Depends(CellPermission(Action.NOTEBOOK_EXECUTE))]

KIND_LABELS = {"template": "Template", "code": "Code", "markdown": "Text"}


def abilities(access: NotebookAccess | CellAccess) -> dict[str, Any]:
    """The notebook, and what the page offers this role; the routes check again."""
    open_project = not access.project.archived
    return {
        "notebook": access.notebook,
        "can_edit": open_project and is_allowed(access.role, Action.NOTEBOOK_EDIT),
        "can_run": open_project and is_allowed(access.role, Action.NOTEBOOK_EXECUTE),
    }


def tables_before(views: Sequence[CellView], view: CellView) -> list[str]:
    """Tables the cells before `view` define, for its `dataframe` inputs (the same rule as
    `cells.dataframe_choices`, from the views already loaded)."""
    names: list[str] = []
    for earlier in views[: view.index]:
        names.extend(name for name in earlier.dataframes if name not in names)
    return names


def cell_context(
    views: Sequence[CellView],
    view: CellView,
    *,
    form: Form | None = None,
    pairs: Pairs | None = None,
    error: DatadiveError | None = None,
) -> dict[str, Any]:
    spec = view.spec if view.cell.kind == "template" else None
    fields = (
        build_fields(
            spec,
            saved=view.cell.draft_inputs or view.cell.inputs,
            tables=tables_before(views, view),
            pairs=pairs,
            error=error,
        )
        if spec is not None
        else []
    )
    return {
        "view": view,
        "total": len(views),
        "pieces": output_pieces(view.cell.outputs or []),
        "kind_label": KIND_LABELS[view.cell.kind],
        "code_form": form or Form(),
        "fields": fields,
        "inputs_message": error.detail if error is not None and pairs is not None else "",
    }


async def cells_context(
    session: AsyncSession, access: NotebookAccess | CellAccess
) -> dict[str, Any]:
    views = await cells.load_cells(session, notebook_id=access.notebook.id)
    return {
        **abilities(access),
        "project": access.project,
        "cells": [cell_context(views, view) for view in views],
    }


def placement(after: str | None) -> dict[str, Any]:
    """Where the add-cell controls put a cell: after a given cell, or first."""
    return {"after": after} if after else {"position": 0}


def notebook_url(notebook: Notebook, cell_id: str | None = None) -> str:
    return f"/notebooks/{notebook.id}" + (f"#cell-{cell_id}" if cell_id else "")


def done(
    request: Request, notebook: Notebook, message: str, cell_id: str | None = None
) -> Response:
    """htmx: nothing to swap (the event stream brings the changes), only a toast; otherwise
    back to the notebook."""
    if is_htmx(request):
        return Response(status_code=204, headers=toast_headers(message))
    return redirect(request, notebook_url(notebook, cell_id))


async def render_cell(
    request: Request,
    session: AsyncSession,
    access: CellAccess,
    *,
    form: Form | None = None,
    pairs: Pairs | None = None,
    error: DatadiveError | None = None,
) -> Response:
    """One cell as `_cell.html` shows it; after `error`, with what the user sent."""
    views = await cells.load_cells(session, notebook_id=access.notebook.id)
    view = cells.view_of(views, access.cell.id)
    context = {
        **cell_context(views, view, form=form, pairs=pairs, error=error),
        **abilities(access),
    }
    status_code = failure_status(error) if error is not None else 200
    return render(request, "partials/_cell.html", context, status_code=status_code)


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


@router.post("/notebooks/{notebook_id}/cells")
async def add_cell(
    request: Request,
    principal: SignedIn,
    values: FormFields,
    session: DbSession,
    settings: SettingsDep,
    access: EditAccess,
) -> Response:
    kind = values.get("kind", "code")
    data = parse(CellCreate, {"kind": kind, "source": "", **placement(values.get("after"))})
    if data.kind == "template":
        raise Invalid.field("kind", "choose code or text here")
    view = await cells.create_cell(
        session,
        access=access,
        data=data,
        user=principal.user,
        max_cells=settings.max_cells_per_notebook,
    )
    label = KIND_LABELS[view.cell.kind].lower()
    if is_htmx(request):
        return render(
            request,
            "partials/_cells.html",
            await cells_context(session, access),
            headers=toast_headers(f"A {label} cell was added."),
        )
    return redirect(request, notebook_url(access.notebook, view.cell.id))


async def update_apart(
    database: Database, principal: Principal, cell_id: str, data: CellUpdate
) -> None:
    """Save a cell's code or inputs in a transaction of its own, committed before a run
    started next reads the cell (the request's transaction commits only after the route)."""
    async with database.transaction() as session:
        access = await cell_access(
            session, user=principal.user, cell_id=cell_id, action=Action.NOTEBOOK_EDIT
        )
        if data.source is None or data.source != access.cell.source:
            await cells.update_cell(session, access=access, data=data)


def posted_source(values: dict[str, str]) -> str | None:
    # Browsers send textarea line breaks as CRLF; the kernel and the .ipynb want LF.
    source = values.get("source")
    return None if source is None else source.replace("\r\n", "\n")


@router.post("/cells/{cell_id}/code")
async def save_code(
    request: Request,
    principal: SignedIn,
    values: FormFields,
    session: DbSession,
    access: CellEditAccess,
) -> Response:
    source = posted_source(values)
    try:
        if access.cell.kind == "template":
            raise Invalid.field("source", "of a template cell comes from its form")
        data = parse(CellUpdate, {"source": source if source is not None else ""})
        await cells.update_cell(session, access=access, data=data)
    except DatadiveError as error:
        await settle(session, error, principal.user)
        access = await cell_access(
            session, user=principal.user, cell_id=access.cell.id, action=Action.NOTEBOOK_READ
        )
        form = Form.rejected({"source": source or ""}, error, fields=("source",))
        return await render_cell(request, session, access, form=form, error=error)
    return done(request, access.notebook, "The code was saved.", access.cell.id)


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
        await update_apart(database, principal, access.cell.id, CellUpdate(source=source))
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


@router.post("/cells/{cell_id}/move")
async def move_cell(
    request: Request,
    principal: SignedIn,
    values: FormFields,
    session: DbSession,
    access: CellEditAccess,
) -> Response:
    """One place up or down: before the previous cell, after the next."""
    direction = values.get("direction")
    if direction not in {"up", "down"}:
        raise Invalid.field("direction", "must be up or down")
    views = await cells.load_cells(session, notebook_id=access.notebook.id)
    index = cells.view_of(views, access.cell.id).index
    neighbour = index - 1 if direction == "up" else index + 1
    if 0 <= neighbour < len(views):
        other = views[neighbour].cell.id
        place = Placement(before=other) if direction == "up" else Placement(after=other)
        await cells.move_cell(session, access=access, place=place)
    if is_htmx(request):
        return render(
            request,
            "partials/_cells.html",
            await cells_context(session, access),
            headers=toast_headers(f"The cell was moved {direction}."),
        )
    return redirect(request, notebook_url(access.notebook, access.cell.id))


@router.post("/cells/{cell_id}/inputs")
async def apply_inputs(
    request: Request,
    principal: SignedIn,
    database: DatabaseDep,
    session: DbSession,
    executor: ExecutorDep,
    access: CellEditAccess,
) -> Response:
    """Apply a template cell's form (the code is made anew); "Apply and run" runs it next.
    Bad values come back next to their fields, with everything the user typed."""
    pairs = await form_pairs(request)
    then_run = ("then", "run") in pairs
    if then_run:
        require(access.role, Action.NOTEBOOK_EXECUTE)
    view = cells.view_of(
        await cells.load_cells(session, notebook_id=access.notebook.id), access.cell.id
    )
    if view.cell.kind != "template" or view.spec is None:
        raise Invalid.field("inputs", "only template cells have a form")
    inputs = posted_inputs(view.spec, pairs)
    try:
        await update_apart(database, principal, access.cell.id, CellUpdate(inputs=inputs))
    except DatadiveError as error:
        return await render_cell(request, session, access, pairs=pairs, error=error)
    if then_run:
        await executor.start_cell_run(access=access)
    message = "Applied; the cell is queued to run." if then_run else "The form was applied."
    return done(request, access.notebook, message, access.cell.id)


@router.post("/cells/{cell_id}/draft")
async def save_draft(
    request: Request, principal: SignedIn, session: DbSession, access: CellEditAccess
) -> Response:
    """Keep a template form as it is being typed (not checked, not applied), so that a
    reload or another device shows it; "Apply" or running applies it."""
    pairs = await form_pairs(request)
    view = cells.view_of(
        await cells.load_cells(session, notebook_id=access.notebook.id), access.cell.id
    )
    if view.cell.kind != "template" or view.spec is None:
        raise Invalid.field("draft_inputs", "only template cells have a form")
    draft = posted_inputs(view.spec, pairs)
    await cells.update_cell(session, access=access, data=CellUpdate(draft_inputs=draft))
    return Response(status_code=204)
