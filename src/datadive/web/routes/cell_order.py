"""The order of the cells: one place up or down (buttons, keyboard), or dropped before or
after another cell (drag and drop in `js/notebook.js`). The same service as
POST /api/v1/cells/{id}/move."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from datadive.api.deps import DbSession
from datadive.errors import Invalid
from datadive.schemas.cells import CellMove, Placement
from datadive.services.authoring import cells
from datadive.web.deps import FormFields, SignedIn
from datadive.web.forms import parse
from datadive.web.notebook_page import CellEditAccess, cells_changed

router = APIRouter()


@router.post("/cells/{cell_id}/move")
async def move_cell(
    request: Request,
    principal: SignedIn,
    values: FormFields,
    session: DbSession,
    access: CellEditAccess,
) -> Response:
    """`direction` up or down: before the previous cell, after the next (nothing at either
    end). Else `before` or `after` another cell: where it was dropped."""
    direction = values.get("direction")
    views = await cells.load_cells(session, notebook_id=access.notebook.id)
    index = cells.view_of(views, access.cell.id).index
    if direction is None:
        dropped = {key: values[key] for key in ("before", "after") if values.get(key)}
        place: Placement | None = parse(CellMove, dropped)
    elif direction in {"up", "down"}:
        neighbour = index - 1 if direction == "up" else index + 1
        place = None
        if 0 <= neighbour < len(views):
            other = views[neighbour].cell.id
            place = Placement(before=other) if direction == "up" else Placement(after=other)
    else:
        raise Invalid.field("direction", "must be up or down")
    message = f"Cell {index + 1} stays where it is."
    if place is not None:
        moved = await cells.move_cell(session, access=access, place=place)
        message = f"Cell {index + 1} was moved; it is now cell {moved.index + 1}."
    return await cells_changed(request, session, access, message, cell_id=access.cell.id)
