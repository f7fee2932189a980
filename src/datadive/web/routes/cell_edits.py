"""Adding code and text cells, editing a cell's code, deleting a cell (the same service as
DELETE /api/v1/cells/{id}). Template cells are added through `cell_picker`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from datadive.api.deps import DbSession, SettingsDep
from datadive.auth.permissions import Action
from datadive.errors import DatadiveError, Invalid
from datadive.schemas.cells import CellCreate, CellUpdate
from datadive.services.authoring import cells
from datadive.services.membership.access import cell_access
from datadive.web.deps import FormFields, SignedIn
from datadive.web.forms import Form, parse, settle
from datadive.web.notebook_page import (
    KIND_LABELS,
    CellEditAccess,
    EditAccess,
    cells_changed,
    done,
    placement,
    posted_source,
    render_cell,
)

router = APIRouter()


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
    message = f"A {label} cell was added."
    return await cells_changed(
        request, session, access, message, cell_id=view.cell.id, edit=view.cell.id
    )


@router.post("/cells/{cell_id}/code")
async def save_code(
    request: Request,
    principal: SignedIn,
    values: FormFields,
    session: DbSession,
    access: CellEditAccess,
) -> Response:
    source = posted_source(values)
    cell_id = access.cell.id  # a rollback expires the loaded cell
    try:
        if access.cell.kind == "template":
            raise Invalid.field("source", "of a template cell comes from its form")
        data = parse(CellUpdate, {"source": source if source is not None else ""})
        await cells.update_cell(session, access=access, data=data)
    except DatadiveError as error:
        await settle(session, error, principal.user)
        access = await cell_access(
            session, user=principal.user, cell_id=cell_id, action=Action.NOTEBOOK_READ
        )
        form = Form.rejected({"source": source or ""}, error, fields=("source",))
        return await render_cell(request, session, access, form=form, error=error)
    return done(request, access.notebook, "The code was saved.", access.cell.id)


@router.post("/cells/{cell_id}/delete")
async def delete_cell(
    request: Request, principal: SignedIn, session: DbSession, access: CellEditAccess
) -> Response:
    """Delete a cell (the page asks first). The focus goes to the cell that took its place,
    else to the one before it."""
    views = await cells.load_cells(session, notebook_id=access.notebook.id)
    index = cells.view_of(views, access.cell.id).index
    rest = [view.cell.id for view in views if view.cell.id != access.cell.id]
    focus = rest[min(index, len(rest) - 1)] if rest else None
    await cells.delete_cell(session, access=access)
    message = f"Cell {index + 1} was deleted."
    return await cells_changed(request, session, access, message, cell_id=focus, focus=focus)
