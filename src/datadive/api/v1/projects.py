"""/api/v1/projects: the caller's projects and those shared with them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from datadive.api.deps import BackendDep, CurrentPrincipal, DbSession
from datadive.api.permissions import ProjectPermission
from datadive.auth.permissions import Action, Role
from datadive.schemas.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from datadive.schemas.projects import (
    MemberPublic,
    MemberRole,
    ProjectCreate,
    ProjectPublic,
    ProjectSort,
    ProjectUpdate,
    UserSummary,
)
from datadive.schemas.text import OneLine
from datadive.services.membership import projects
from datadive.services.membership.access import ProjectAccess

router = APIRouter(tags=["projects"])


def to_public(view: projects.ProjectView) -> ProjectPublic:
    return ProjectPublic(
        id=view.project.id,
        title=view.project.title,
        description=view.project.description,
        archived=view.project.archived,
        owner=UserSummary.model_validate(view.owner),
        role=view.role.value,
        members=[
            MemberPublic(user=UserSummary.model_validate(m.user), role=m.role.value)
            for m in view.members
        ],
        created_at=view.project.created_at,
        updated_at=view.project.updated_at,
    )


@router.get("/projects", response_model=Page[ProjectPublic])
async def list_projects(
    session: DbSession,
    principal: CurrentPrincipal,
    q: Annotated[OneLine | None, Query(max_length=200, description="Words in the title.")] = None,
    state: Annotated[projects.ProjectState, Query(description="Archived or not.")] = "active",
    role: Annotated[MemberRole | None, Query(description="Only where you have this role.")] = None,
    sort: ProjectSort = "-updated_at",
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[ProjectPublic]:
    """Your projects and those shared with you, with their members."""
    views, next_cursor = await projects.list_projects(
        session,
        user=principal.user,
        search=q,
        state=state,
        role=Role(role) if role else None,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[to_public(view) for view in views], next_cursor=next_cursor)


@router.post("/projects", status_code=status.HTTP_201_CREATED, response_model=ProjectPublic)
async def create_project(
    data: ProjectCreate, session: DbSession, principal: CurrentPrincipal
) -> ProjectPublic:
    return to_public(await projects.create_project(session, owner=principal.user, data=data))


@router.get("/projects/{project_id}", response_model=ProjectPublic)
async def read_project(
    session: DbSession,
    access: Annotated[ProjectAccess, Depends(ProjectPermission(Action.PROJECT_READ))],
) -> ProjectPublic:
    return to_public(await projects.view_project(session, access=access))


@router.patch("/projects/{project_id}", response_model=ProjectPublic)
async def update_project(
    data: ProjectUpdate,
    session: DbSession,
    access: Annotated[ProjectAccess, Depends(ProjectPermission(Action.PROJECT_UPDATE))],
) -> ProjectPublic:
    """Change title or description (editors and owner); `archived` is the owner's."""
    return to_public(await projects.update_project(session, access=access, data=data))


@router.delete("/projects/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_project(
    session: DbSession,
    backend: BackendDep,
    access: Annotated[ProjectAccess, Depends(ProjectPermission(Action.PROJECT_DELETE))],
) -> None:
    """Delete the project: gone at once for everyone, restorable by the owner for 30 days.
    Its Jupyter server is stopped (kernels and their variables are gone)."""
    await projects.delete_project(session, access=access)
    await backend.stop(access.project.id)


@router.post("/projects/{project_id}/restore", response_model=ProjectPublic)
async def restore_project(
    session: DbSession,
    access: Annotated[
        ProjectAccess, Depends(ProjectPermission(Action.PROJECT_DELETE, include_deleted=True))
    ],
) -> ProjectPublic:
    """Undo a deletion within 30 days."""
    return to_public(await projects.restore_project(session, access=access))
