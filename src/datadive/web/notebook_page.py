"""The notebook workspace, shared by the routes that show or change it (`web/routes/workspace.py`
and the modules it gathers): who may do what there, what a cell and the cell list render
from, and the answers after a change."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from datadive.api.permissions import CellPermission, NotebookPermission
from datadive.auth.permissions import Action, is_allowed
from datadive.cell_templates.spec import TemplateSpec
from datadive.db.engine import Database
from datadive.db.models import CellTemplate, Notebook
from datadive.errors import DatadiveError, Invalid
from datadive.schemas.cells import CellUpdate
from datadive.schemas.files import WORKSPACE_FOLDER
from datadive.services.authoring import cells
from datadive.services.authoring.cell_status import describe_status
from datadive.services.authoring.cell_templates import spec_of
from datadive.services.authoring.cells import CellView
from datadive.services.data_files import files
from datadive.services.membership.access import (
    CellAccess,
    NotebookAccess,
    ProjectAccess,
    cell_access,
)
from datadive.web.cell_forms import Pairs, build_fields
from datadive.web.error_explanations import Definer, Definitions
from datadive.web.forms import Form, failure_status
from datadive.web.navigation import redirect
from datadive.web.outputs import output_pieces
from datadive.web.rendering import is_htmx, render, toast_headers

ReadAccess = Annotated[NotebookAccess, Depends(NotebookPermission(Action.NOTEBOOK_READ))]
EditAccess = Annotated[NotebookAccess, Depends(NotebookPermission(Action.NOTEBOOK_EDIT))]
ExecuteAccess = Annotated[NotebookAccess, Depends(NotebookPermission(Action.NOTEBOOK_EXECUTE))]
CellReadAccess = Annotated[CellAccess, Depends(CellPermission(Action.NOTEBOOK_READ))]
CellEditAccess = Annotated[CellAccess, Depends(CellPermission(Action.NOTEBOOK_EDIT))]
CellExecuteAccess = Annotated[CellAccess, Depends(CellPermission(Action.NOTEBOOK_EXECUTE))]

KIND_LABELS = {"template": "Template", "code": "Code", "markdown": "Text"}
MAX_FILE_CHOICES = 1000


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


async def project_file_paths(
    session: AsyncSession, access: NotebookAccess | CellAccess
) -> list[str]:
    """The project's files as the kernel opens them (`data/<path>`), for `file` inputs;
    none for who may not edit (the form is read-only for them)."""
    if not abilities(access)["can_edit"]:
        return []
    project = ProjectAccess(project=access.project, role=access.role, user=access.user)
    found, _ = await files.list_files(session, access=project, limit=MAX_FILE_CHOICES, cursor=None)
    return sorted(f"{WORKSPACE_FOLDER}/{file.path}" for file in found)


def title_of(view: CellView) -> str:
    return (
        view.template.title if view.template is not None else f"{KIND_LABELS[view.cell.kind]} cell"
    )


def definitions_around(views: Sequence[CellView], view: CellView) -> Callable[[], Definitions]:
    """Which other cells define which names, for explaining a NameError in `view` (asked
    only then: reading every cell's names costs a parse of its code)."""

    def definitions() -> Definitions:
        found: dict[str, list[Definer]] = {}
        for other in views:
            if other.cell.id == view.cell.id:
                continue
            definer = Definer(
                number=other.index + 1,
                title=title_of(other),
                status=other.cell.status,
                before=other.index < view.index,
            )
            for name in other.defines:
                found.setdefault(name, []).append(definer)
        return found

    return definitions


def cell_context(
    views: Sequence[CellView],
    view: CellView,
    *,
    file_paths: Sequence[str] = (),
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
            files=file_paths,
            pairs=pairs,
            error=error,
        )
        if spec is not None
        else []
    )
    cell = view.cell

    def number_of(cell_id: str) -> int | None:  # asked only of a stale cell, about its cause
        return next((other.index + 1 for other in views if other.cell.id == cell_id), None)

    return {
        "view": view,
        "title": title_of(view),
        "status": describe_status(
            cell.status, cell.status_reason, cell.outputs, number_of=number_of
        ),
        "total": len(views),
        "pieces": output_pieces(
            view.cell.outputs or [], definitions=definitions_around(views, view)
        ),
        "kind_label": KIND_LABELS[view.cell.kind],
        "code_form": form or Form(),
        "fields": fields,
        "inputs_message": error.detail if error is not None and pairs is not None else "",
    }


async def cells_context(
    session: AsyncSession, access: NotebookAccess | CellAccess
) -> dict[str, Any]:
    views = await cells.load_cells(session, notebook_id=access.notebook.id)
    paths = await project_file_paths(session, access)
    return {
        **abilities(access),
        "project": access.project,
        "cells": [cell_context(views, view, file_paths=paths) for view in views],
    }


async def template_spec(session: AsyncSession, access: CellAccess, *, field: str) -> TemplateSpec:
    """The cell's template, for the routes that take its form (`field` names the refusal).
    Only that row is read: the other cells (and their outputs) are not needed for it."""
    template_id = access.cell.template_id if access.cell.kind == "template" else None
    template = await session.get(CellTemplate, template_id) if template_id else None
    if template is None:
        raise Invalid.field(field, "only template cells have a form")
    return spec_of(template)


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


async def cells_changed(
    request: Request,
    session: AsyncSession,
    access: NotebookAccess | CellAccess,
    message: str,
    *,
    cell_id: str | None = None,
    focus: str | None = None,
    edit: str | None = None,
) -> Response:
    """After cells were added, moved or deleted: htmx gets the new cell list at once (with a
    toast; `focus` names the cell whose title takes the focus, `edit` the one whose code
    editor opens and takes it), a plain form goes back to the notebook at `cell_id`."""
    if not is_htmx(request):
        return redirect(request, notebook_url(access.notebook, cell_id))
    context = {**await cells_context(session, access), "focus_cell": focus, "edit_cell": edit}
    return render(request, "partials/_cells.html", context, headers=toast_headers(message))


async def render_cell(
    request: Request,
    session: AsyncSession,
    access: CellAccess,
    *,
    form: Form | None = None,
    pairs: Pairs | None = None,
    error: DatadiveError | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """One cell as `_cell.html` shows it; after `error`, with what the user sent."""
    views = await cells.load_cells(session, notebook_id=access.notebook.id)
    view = cells.view_of(views, access.cell.id)
    paths = await project_file_paths(session, access)
    context = {
        **cell_context(views, view, file_paths=paths, form=form, pairs=pairs, error=error),
        **abilities(access),
    }
    status_code = failure_status(error) if error is not None else 200
    return render(request, "partials/_cell.html", context, status_code=status_code, headers=headers)


async def update_apart(database: Database, access: CellAccess, data: CellUpdate) -> CellAccess:
    """Save a cell's code or inputs in a transaction of its own, committed before a run
    started next reads the cell (the request's transaction commits only after the route).
    Returns the access with the cell as saved: the caller's copy is from before the change,
    and a run must run the code as it is now."""
    async with database.transaction() as session:
        fresh = await cell_access(
            session, user=access.user, cell_id=access.cell.id, action=Action.NOTEBOOK_EDIT
        )
        if data.source is None or data.source != fresh.cell.source:
            await cells.update_cell(session, access=fresh, data=data)
    return fresh


def posted_source(values: dict[str, str]) -> str | None:
    # Browsers send textarea line breaks as CRLF; the kernel and the .ipynb want LF.
    source = values.get("source")
    return None if source is None else source.replace("\r\n", "\n")
