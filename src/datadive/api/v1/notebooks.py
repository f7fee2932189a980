"""/api/v1/…/notebooks: the notebooks of a project."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated, Literal
from urllib.parse import quote

import nbformat
from fastapi import APIRouter, Body, Depends, Query, Response, status

from datadive.api.deps import BackendDep, DbSession, ExecutorDep
from datadive.api.permissions import NotebookPermission, ProjectPermission
from datadive.auth.permissions import Action
from datadive.schemas.notebooks import (
    NotebookCreate,
    NotebookDuplicate,
    NotebookPublic,
    NotebookStatus,
    NotebookUpdate,
)
from datadive.schemas.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from datadive.services.authoring import cells, exports, notebooks
from datadive.services.membership.access import NotebookAccess, ProjectAccess

router = APIRouter(tags=["notebooks"])


@router.get("/projects/{project_id}/notebooks", response_model=Page[NotebookPublic])
async def list_notebooks(
    session: DbSession,
    access: Annotated[ProjectAccess, Depends(ProjectPermission(Action.NOTEBOOK_READ))],
    status_filter: Annotated[NotebookStatus | None, Query(alias="status")] = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[NotebookPublic]:
    found, next_cursor = await notebooks.list_notebooks(
        session, access=access, status=status_filter, limit=limit, cursor=cursor
    )
    return Page(items=[NotebookPublic.model_validate(n) for n in found], next_cursor=next_cursor)


@router.post(
    "/projects/{project_id}/notebooks",
    status_code=status.HTTP_201_CREATED,
    response_model=NotebookPublic,
)
async def create_notebook(
    data: NotebookCreate,
    session: DbSession,
    backend: BackendDep,
    access: Annotated[ProjectAccess, Depends(ProjectPermission(Action.NOTEBOOK_CREATE))],
) -> NotebookPublic:
    """Create an empty notebook; its .ipynb path comes from the title and is unique. With a
    warm pool (`DATADIVE_WARM_POOL`) the project's server starts meanwhile, for the first run."""
    notebook = await notebooks.create_notebook(session, access=access, data=data)
    backend.warm_up_soon(access.project.id, user_id=access.user.id)
    return NotebookPublic.model_validate(notebook)


@router.get("/notebooks/{notebook_id}", response_model=NotebookPublic)
async def read_notebook(
    access: Annotated[NotebookAccess, Depends(NotebookPermission(Action.NOTEBOOK_READ))],
) -> NotebookPublic:
    return NotebookPublic.model_validate(access.notebook)


@router.patch("/notebooks/{notebook_id}", response_model=NotebookPublic)
async def update_notebook(
    data: NotebookUpdate,
    session: DbSession,
    access: Annotated[NotebookAccess, Depends(NotebookPermission(Action.NOTEBOOK_EDIT))],
) -> NotebookPublic:
    """Rename (`title`) or archive (`status`)."""
    notebook = await notebooks.update_notebook(session, access=access, data=data)
    return NotebookPublic.model_validate(notebook)


@router.delete("/notebooks/{notebook_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_notebook(
    session: DbSession,
    executor: ExecutorDep,
    access: Annotated[NotebookAccess, Depends(NotebookPermission(Action.NOTEBOOK_DELETE))],
) -> None:
    """Delete the notebook with its cells and runs; its kernel is shut down (a cell running
    there stops)."""
    await notebooks.delete_notebook(session, access=access)
    await executor.end_kernel(access.notebook)


@router.post(
    "/notebooks/{notebook_id}/duplicate",
    status_code=status.HTTP_201_CREATED,
    response_model=NotebookPublic,
)
async def duplicate_notebook(
    session: DbSession,
    access: Annotated[NotebookAccess, Depends(NotebookPermission(Action.NOTEBOOK_CREATE))],
    data: Annotated[NotebookDuplicate | None, Body()] = None,
) -> NotebookPublic:
    """Copy a notebook with its cells, as `<title> (copy)` unless a title is given."""
    copy = await notebooks.duplicate_notebook(
        session, access=access, title=data.title if data else None
    )
    return NotebookPublic.model_validate(copy)


@router.get(
    "/notebooks/{notebook_id}/export",
    responses={200: {"content": {"text/x-python": {}, "application/x-ipynb+json": {}}}},
)
async def export_notebook(
    session: DbSession,
    access: Annotated[NotebookAccess, Depends(NotebookPermission(Action.NOTEBOOK_READ))],
    export_format: Annotated[Literal["py", "ipynb"], Query(alias="format")] = "ipynb",
) -> Response:
    """The notebook as a Python script (`py`) or a Jupyter notebook (`ipynb`), as a download."""
    views = await cells.load_cells(session, notebook_id=access.notebook.id)
    name = PurePosixPath(access.notebook.path).stem
    if export_format == "py":
        body = exports.export_py(access.notebook, views)
        media_type = "text/x-python; charset=utf-8"
    else:
        body = nbformat.writes(exports.export_ipynb(access.notebook, views))
        media_type = "application/x-ipynb+json"
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}.{export_format}",
            "X-Content-Type-Options": "nosniff",
        },
    )
