"""Route dependencies that load the object a route works on and `require` the route's action.

Each project-scoped route takes exactly one of these; the authorization-matrix test finds
them on the routes and checks every role against `auth.permissions.PERMISSIONS`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from datadive.api.deps import CurrentPrincipal, DbSession
from datadive.auth.permissions import Action, require
from datadive.db.models import Run
from datadive.schemas.text import OneLine
from datadive.services.membership.access import (
    CellAccess,
    FileAccess,
    NotebookAccess,
    ProjectAccess,
    cell_access,
    file_access,
    notebook_access,
    project_access,
    run_access,
)

IdPath = Annotated[OneLine, Path(min_length=1, max_length=64)]


class ProjectPermission:
    """`/projects/{project_id}/…`: the project and the caller's role, checked for `action`."""

    def __init__(self, action: Action, *, include_deleted: bool = False) -> None:
        self.action = action
        self.include_deleted = include_deleted

    async def __call__(
        self, project_id: IdPath, session: DbSession, principal: CurrentPrincipal
    ) -> ProjectAccess:
        return await project_access(
            session,
            user=principal.user,
            project_id=project_id,
            action=self.action,
            include_deleted=self.include_deleted,
        )


class MemberPermission:
    """`/projects/{project_id}/members/{user_id}`: `action` on others, `own_action` on oneself."""

    def __init__(self, action: Action, *, own_action: Action) -> None:
        self.action = action
        self.own_action = own_action

    async def __call__(
        self, project_id: IdPath, user_id: IdPath, session: DbSession, principal: CurrentPrincipal
    ) -> ProjectAccess:
        access = await project_access(
            session, user=principal.user, project_id=project_id, action=Action.PROJECT_READ
        )
        require(access.role, self.own_action if user_id == principal.user.id else self.action)
        return access


class NotebookPermission:
    """`/notebooks/{notebook_id}/…`: the notebook, its project and the caller's role."""

    def __init__(self, action: Action) -> None:
        self.action = action

    async def __call__(
        self, notebook_id: IdPath, session: DbSession, principal: CurrentPrincipal
    ) -> NotebookAccess:
        return await notebook_access(
            session, user=principal.user, notebook_id=notebook_id, action=self.action
        )


class CellPermission:
    """`/cells/{cell_id}/…`: the cell, its notebook and project, and the caller's role."""

    def __init__(self, action: Action) -> None:
        self.action = action

    async def __call__(
        self, cell_id: IdPath, session: DbSession, principal: CurrentPrincipal
    ) -> CellAccess:
        return await cell_access(session, user=principal.user, cell_id=cell_id, action=self.action)


class RunPermission:
    """`/runs/{run_id}`: the run, if the caller may `action` its notebook."""

    def __init__(self, action: Action) -> None:
        self.action = action

    async def __call__(
        self, run_id: IdPath, session: DbSession, principal: CurrentPrincipal
    ) -> Run:
        return await run_access(session, user=principal.user, run_id=run_id, action=self.action)


class FilePermission:
    """`/files/{file_id}/…`: the file, its project and the caller's role."""

    def __init__(self, action: Action) -> None:
        self.action = action

    async def __call__(
        self, file_id: IdPath, session: DbSession, principal: CurrentPrincipal
    ) -> FileAccess:
        return await file_access(session, user=principal.user, file_id=file_id, action=self.action)


PERMISSION_DEPENDENCIES = (
    RunPermission,
    ProjectPermission,
    MemberPermission,
    NotebookPermission,
    CellPermission,
    FilePermission,
)
