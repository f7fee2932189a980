"""/api/v1/…/cells: the cells of a notebook."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from datadive.api.deps import DbSession, SettingsDep
from datadive.api.permissions import CellPermission, NotebookPermission
from datadive.auth.permissions import Action
from datadive.schemas.cells import (
    CellCreate,
    CellMove,
    CellPublic,
    CellUpdate,
    Choices,
    TemplateRef,
)
from datadive.schemas.text import OneLine
from datadive.services.authoring import cells
from datadive.services.membership.access import CellAccess, NotebookAccess

router = APIRouter(tags=["cells"])

NotebookReader = Annotated[NotebookAccess, Depends(NotebookPermission(Action.NOTEBOOK_READ))]
NotebookEditor = Annotated[NotebookAccess, Depends(NotebookPermission(Action.NOTEBOOK_EDIT))]
CellReader = Annotated[CellAccess, Depends(CellPermission(Action.NOTEBOOK_READ))]
CellEditor = Annotated[CellAccess, Depends(CellPermission(Action.NOTEBOOK_EDIT))]


def to_public(view: cells.CellView) -> CellPublic:
    cell, template = view.cell, view.template
    return CellPublic(
        id=cell.id,
        notebook_id=cell.notebook_id,
        index=view.index,
        kind=cell.kind,
        template=TemplateRef(
            id=template.id, slug=template.slug, version=template.version, title=template.title
        )
        if template is not None
        else None,
        inputs=cell.inputs,
        draft_inputs=cell.draft_inputs,
        source=cell.source,
        outputs=cell.outputs or [],
        execution_count=cell.execution_count,
        status=cell.status,
        status_reason=cell.status_reason,
        defines=view.defines,
        started_at=cell.started_at,
        finished_at=cell.finished_at,
        created_at=cell.created_at,
        updated_at=cell.updated_at,
    )


@router.get("/notebooks/{notebook_id}/cells", response_model=list[CellPublic])
async def list_cells(session: DbSession, access: NotebookReader) -> list[CellPublic]:
    """Every cell in order (one query; a notebook holds at most a few thousand cells)."""
    return [to_public(v) for v in await cells.load_cells(session, notebook_id=access.notebook.id)]


@router.post(
    "/notebooks/{notebook_id}/cells", status_code=status.HTTP_201_CREATED, response_model=CellPublic
)
async def create_cell(
    data: CellCreate, session: DbSession, access: NotebookEditor, settings: SettingsDep
) -> CellPublic:
    """A template cell (`template_id` and `inputs`), a code or a markdown cell (`source`),
    at the end or at `before` / `after` / `position`."""
    view = await cells.create_cell(
        session,
        access=access,
        data=data,
        user=access.user,
        max_cells=settings.max_cells_per_notebook,
    )
    return to_public(view)


@router.get("/cells/{cell_id}", response_model=CellPublic)
async def read_cell(session: DbSession, access: CellReader) -> CellPublic:
    view = await cells.load_cell(session, cell_id=access.cell.id)
    assert view is not None  # the access check just read it, in this transaction
    return to_public(view)


@router.patch("/cells/{cell_id}", response_model=CellPublic)
async def update_cell(data: CellUpdate, session: DbSession, access: CellEditor) -> CellPublic:
    return to_public(await cells.update_cell(session, access=access, data=data))


@router.delete("/cells/{cell_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_cell(session: DbSession, access: CellEditor) -> None:
    await cells.delete_cell(session, access=access)


@router.post("/cells/{cell_id}/move", response_model=CellPublic)
async def move_cell(data: CellMove, session: DbSession, access: CellEditor) -> CellPublic:
    """`{"before": id}`, `{"after": id}` or `{"position": n}`; only this cell's row changes."""
    return to_public(await cells.move_cell(session, access=access, place=data))


@router.post("/cells/{cell_id}/upgrade", response_model=CellPublic)
async def upgrade_cell(session: DbSession, access: CellEditor) -> CellPublic:
    """Re-make a template cell from the newest version of its template."""
    return to_public(await cells.upgrade_cell(session, access=access))


@router.get("/cells/{cell_id}/choices/{input_name}", response_model=Choices)
async def read_choices(
    input_name: Annotated[OneLine, Path(max_length=64)], session: DbSession, access: CellReader
) -> Choices:
    """For a `dataframe` input: the tables that the cells before this one define."""
    names = await cells.dataframe_choices(session, access=access, input_name=input_name)
    return Choices(input=input_name, choices=names)
