"""Project pages: the list (also the home page), create, settings, archive, delete with
confirmation, restore. The same services and permission checks as /api/v1/projects."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from datadive.api.deps import BackendDep, DbSession
from datadive.api.permissions import ProjectPermission
from datadive.auth.permissions import Action, is_allowed
from datadive.auth.principal import Principal
from datadive.db.models import Project
from datadive.errors import DatadiveError, Invalid
from datadive.schemas.projects import ProjectCreate, ProjectSort, ProjectUpdate
from datadive.schemas.text import OneLine
from datadive.services.membership import projects
from datadive.services.membership.access import ProjectAccess, project_access
from datadive.web.deps import FormFields, MaybeSignedIn, SignedIn
from datadive.web.forms import Form, failure_status, parse, pick, require_filled, settle
from datadive.web.navigation import redirect
from datadive.web.project_page import project_url, server_status, show_project, show_rejected_form
from datadive.web.rendering import render, render_page
from datadive.web.routes.accounts import show_sign_in

router = APIRouter()

PAGE_SIZE = 50
PROJECT_FIELDS = ("title", "description")
SORTS: dict[str, str] = {"-updated_at": "Recently changed", "title": "Title (A to Z)"}

Search = Annotated[OneLine | None, Query(max_length=200)]
State = Annotated[Literal["active", "archived"], Query()]
Cursor = Annotated[OneLine | None, Query(max_length=500)]
Deleted = Annotated[OneLine | None, Query(max_length=64)]
ReadAccess = Annotated[ProjectAccess, Depends(ProjectPermission(Action.PROJECT_READ))]
UpdateAccess = Annotated[ProjectAccess, Depends(ProjectPermission(Action.PROJECT_UPDATE))]
ArchiveAccess = Annotated[ProjectAccess, Depends(ProjectPermission(Action.PROJECT_ARCHIVE))]
DeleteAccess = Annotated[ProjectAccess, Depends(ProjectPermission(Action.PROJECT_DELETE))]
RestoreAccess = Annotated[
    ProjectAccess, Depends(ProjectPermission(Action.PROJECT_DELETE, include_deleted=True))
]


async def just_deleted(
    session: AsyncSession, principal: Principal, project_id: str | None
) -> Project | None:
    """The project named by `?deleted=`, if the caller deleted it and may still restore it."""
    if not project_id:
        return None
    try:
        access = await project_access(
            session,
            user=principal.user,
            project_id=project_id,
            action=Action.PROJECT_DELETE,
            include_deleted=True,
        )
    except DatadiveError:
        return None
    return access.project if access.project.deleted_at is not None else None


async def show_projects(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    *,
    q: str | None = None,
    state: Literal["active", "archived"] = "active",
    sort: ProjectSort = "-updated_at",
    cursor: str | None = None,
    deleted: str | None = None,
    form: Form | None = None,
    fragment: str | None = None,
    status_code: int = 200,
) -> Response:
    views, next_cursor = await projects.list_projects(
        session,
        user=principal.user,
        search=q.strip() if q and q.strip() else None,
        state=state,
        role=None,
        sort=sort,
        limit=PAGE_SIZE,
        cursor=cursor,
    )
    context = {
        "views": views,
        "q": q or "",
        "state": state,
        "sort": sort,
        "sorts": SORTS,
        "next_cursor": next_cursor,
        "deleted": await just_deleted(session, principal, deleted),
        "form": form or Form(),
    }
    return render_page(
        request, "pages/projects.html", context, fragment=fragment, status_code=status_code
    )


@router.get("/")
async def home(
    request: Request, session: DbSession, principal: MaybeSignedIn, deleted: Deleted = None
) -> Response:
    """Your projects, or the sign-in page for someone not signed in."""
    if principal is None:
        return show_sign_in(request, Form(values={"next": "/"}))
    return await show_projects(request, session, principal, deleted=deleted)


@router.get("/projects")
async def list_projects(
    request: Request,
    session: DbSession,
    principal: SignedIn,
    q: Search = None,
    state: State = "active",
    sort: ProjectSort = "-updated_at",
    cursor: Cursor = None,
    deleted: Deleted = None,
) -> Response:
    return await show_projects(
        request,
        session,
        principal,
        q=q,
        state=state,
        sort=sort,
        cursor=cursor,
        deleted=deleted,
        fragment="partials/_project_list.html",
    )


@router.post("/projects")
async def create_project(
    request: Request, values: FormFields, session: DbSession, principal: SignedIn
) -> Response:
    try:
        require_filled(values, "title")
        data = parse(ProjectCreate, pick(values, PROJECT_FIELDS))
        view = await projects.create_project(session, owner=principal.user, data=data)
    except DatadiveError as error:
        await settle(session, error, principal.user)
        form = Form.rejected(values, error, fields=PROJECT_FIELDS)
        return await show_projects(
            request,
            session,
            principal,
            form=form,
            fragment="partials/_project_create_form.html",
            status_code=failure_status(error),
        )
    return redirect(request, project_url(view.project.id))


@router.get("/projects/{project_id}")
async def project_page(
    request: Request,
    principal: SignedIn,
    session: DbSession,
    backend: BackendDep,
    access: ReadAccess,
) -> Response:
    return await show_project(request, session, backend, access)


@router.post("/projects/{project_id}/settings")
async def change_settings(
    request: Request,
    principal: SignedIn,
    values: FormFields,
    session: DbSession,
    backend: BackendDep,
    access: UpdateAccess,
) -> Response:
    """Rename the project or change its description."""
    try:
        require_filled(values, "title")
        data = parse(ProjectUpdate, pick(values, PROJECT_FIELDS))
        await projects.update_project(session, access=access, data=data)
    except DatadiveError as error:
        return await show_rejected_form(
            request,
            session,
            backend,
            access,
            error=error,
            form_key="settings",
            values=values,
            fields=PROJECT_FIELDS,
            section="settings",
        )
    return redirect(request, project_url(access.project.id) + "?notice=saved")


@router.post("/projects/{project_id}/archive")
async def archive_project(
    request: Request, principal: SignedIn, session: DbSession, access: ArchiveAccess
) -> Response:
    await projects.update_project(session, access=access, data=ProjectUpdate(archived=True))
    # The page says it is archived; no notice on top of that.
    return redirect(request, project_url(access.project.id))


@router.post("/projects/{project_id}/unarchive")
async def unarchive_project(
    request: Request, principal: SignedIn, session: DbSession, access: ArchiveAccess
) -> Response:
    await projects.update_project(session, access=access, data=ProjectUpdate(archived=False))
    return redirect(request, project_url(access.project.id) + "?notice=unarchived")


def show_delete(
    request: Request, project: Project, form: Form, *, status_code: int = 200
) -> Response:
    return render_page(
        request,
        "pages/project_delete.html",
        {"project": project, "form": form},
        fragment="partials/_project_delete_form.html",
        status_code=status_code,
    )


@router.get("/projects/{project_id}/delete")
async def confirm_delete_page(
    request: Request, principal: SignedIn, access: DeleteAccess
) -> Response:
    return show_delete(request, access.project, Form())


@router.post("/projects/{project_id}/delete")
async def delete_project(
    request: Request,
    principal: SignedIn,
    values: FormFields,
    session: DbSession,
    access: DeleteAccess,
) -> Response:
    """Typing the title confirms; the project can be restored for 30 days."""
    try:
        typed = values.get("confirm_title", "").strip()
        if typed != access.project.title.strip():
            raise Invalid.field("confirm_title", "does not match; type it exactly as shown")
        await projects.delete_project(session, access=access)
    except DatadiveError as error:
        await settle(session, error, principal.user, access.project)
        form = Form.rejected(values, error, fields=("confirm_title",))
        return show_delete(request, access.project, form, status_code=failure_status(error))
    return redirect(request, f"/projects?deleted={access.project.id}")


@router.post("/projects/{project_id}/restore")
async def restore_project(
    request: Request, principal: SignedIn, session: DbSession, access: RestoreAccess
) -> Response:
    await projects.restore_project(session, access=access)
    return redirect(request, project_url(access.project.id) + "?notice=restored")


@router.get("/projects/{project_id}/server")
async def server_section(
    request: Request, principal: SignedIn, backend: BackendDep, access: ReadAccess
) -> Response:
    """The server status alone, for a page that refreshes it."""
    server = await server_status(backend, access.project.id)
    context = {
        "project": access.project,
        "server": server,
        "can_control": is_allowed(access.role, Action.NOTEBOOK_EXECUTE),
    }
    return render(request, "partials/_project_server.html", context)
