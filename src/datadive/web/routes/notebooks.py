"""Notebooks on the project page (create, rename, delete); the notebook page is the workspace
(`workspace.py`). The same services and permission checks as /api/v1/…/notebooks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from datadive.api.deps import BackendDep, DbSession
from datadive.api.permissions import NotebookPermission, ProjectPermission
from datadive.auth.permissions import Action
from datadive.errors import DatadiveError
from datadive.schemas.notebooks import NotebookCreate, NotebookUpdate
from datadive.services.authoring import notebooks
from datadive.services.membership.access import NotebookAccess, ProjectAccess
from datadive.web.deps import FormFields, SignedIn
from datadive.web.forms import parse, require_filled
from datadive.web.project_page import (
    as_project_access,
    section_changed,
    show_rejected_form,
)

router = APIRouter()

CreateAccess = Annotated[ProjectAccess, Depends(ProjectPermission(Action.NOTEBOOK_CREATE))]
EditAccess = Annotated[NotebookAccess, Depends(NotebookPermission(Action.NOTEBOOK_EDIT))]
DeleteAccess = Annotated[NotebookAccess, Depends(NotebookPermission(Action.NOTEBOOK_DELETE))]


@router.post("/projects/{project_id}/notebooks")
async def create_notebook(
    request: Request,
    principal: SignedIn,
    values: FormFields,
    session: DbSession,
    backend: BackendDep,
    access: CreateAccess,
) -> Response:
    try:
        require_filled(values, "title")
        data = parse(NotebookCreate, {"title": values["title"]})
        notebook = await notebooks.create_notebook(session, access=access, data=data)
        backend.warm_up_soon(access.project.id, user_id=access.user.id)
    except DatadiveError as error:
        return await show_rejected_form(
            request,
            session,
            backend,
            access,
            error=error,
            form_key="notebook_create",
            values=values,
            fields=("title",),
            section="notebooks",
        )
    return await section_changed(
        request,
        session,
        backend,
        access,
        f"Notebook “{notebook.title}” created.",
        section="notebooks",
    )


@router.post("/notebooks/{notebook_id}/rename")
async def rename_notebook(
    request: Request,
    principal: SignedIn,
    values: FormFields,
    session: DbSession,
    backend: BackendDep,
    access: EditAccess,
) -> Response:
    project_access = as_project_access(access)
    try:
        require_filled(values, "title")
        data = parse(NotebookUpdate, {"title": values["title"]})
        notebook = await notebooks.update_notebook(session, access=access, data=data)
    except DatadiveError as error:
        return await show_rejected_form(
            request,
            session,
            backend,
            project_access,
            error=error,
            form_key=f"rename:{access.notebook.id}",
            values=values,
            fields=("title",),
            section="notebooks",
        )
    return await section_changed(
        request,
        session,
        backend,
        project_access,
        f"Renamed to “{notebook.title}”.",
        section="notebooks",
    )


@router.post("/notebooks/{notebook_id}/delete")
async def delete_notebook(
    request: Request,
    principal: SignedIn,
    session: DbSession,
    backend: BackendDep,
    access: DeleteAccess,
) -> Response:
    title = access.notebook.title
    await notebooks.delete_notebook(session, access=access)
    await session.flush()
    return await section_changed(
        request,
        session,
        backend,
        as_project_access(access),
        f"Notebook “{title}” deleted.",
        section="notebooks",
    )
