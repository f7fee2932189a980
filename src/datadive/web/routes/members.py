"""Members on the project page: add, change role, remove, leave. The same services and
permission checks as /api/v1/projects/{id}/members; only the owner sees the controls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from datadive.api.deps import BackendDep, DbSession
from datadive.api.permissions import IdPath, MemberPermission, ProjectPermission
from datadive.auth.permissions import Action, Role
from datadive.errors import DatadiveError
from datadive.execution.backend import ExecutionBackend
from datadive.schemas.projects import MemberAdd, MemberUpdate
from datadive.services.membership import members
from datadive.services.membership.access import ProjectAccess, project_access
from datadive.web.deps import FormFields, SignedIn
from datadive.web.forms import parse, pick, require_filled
from datadive.web.navigation import redirect
from datadive.web.project_page import project_url, show_project, show_rejected_form
from datadive.web.rendering import is_htmx, toast_headers

router = APIRouter(prefix="/projects/{project_id}/members")

ADD_FIELDS = ("user", "role")
ManageAccess = Annotated[ProjectAccess, Depends(ProjectPermission(Action.MEMBERS_MANAGE))]
RoleAccess = Annotated[
    ProjectAccess,
    Depends(MemberPermission(Action.MEMBERS_MANAGE, own_action=Action.MEMBERS_MANAGE)),
]
RemoveAccess = Annotated[
    ProjectAccess,
    Depends(MemberPermission(Action.MEMBERS_MANAGE, own_action=Action.MEMBERS_LEAVE)),
]


async def members_changed(
    request: Request,
    session: AsyncSession,
    backend: ExecutionBackend,
    access: ProjectAccess,
    message: str,
) -> Response:
    """htmx: the members section again (with the caller's role as it is now), and a toast."""
    if not is_htmx(request):
        return redirect(request, project_url(access.project.id, "members"))
    fresh = await project_access(
        session, user=access.user, project_id=access.project.id, action=Action.MEMBERS_READ
    )
    return await show_project(
        request, session, backend, fresh, section="members", headers=toast_headers(message)
    )


@router.post("")
async def add_member(
    request: Request,
    principal: SignedIn,
    values: FormFields,
    session: DbSession,
    backend: BackendDep,
    access: ManageAccess,
) -> Response:
    try:
        require_filled(values, "user")
        data = parse(MemberAdd, {"user": values["user"], "role": values.get("role") or "viewer"})
        member = await members.add_member(session, access=access, data=data)
    except DatadiveError as error:
        return await show_rejected_form(
            request,
            session,
            backend,
            access,
            error=error,
            form_key="member_add",
            values=values,
            fields=ADD_FIELDS,
            section="members",
        )
    return await members_changed(
        request,
        session,
        backend,
        access,
        f"{member.user.username} can now work on this project as {member.role.value}.",
    )


@router.post("/{user_id}/role")
async def change_role(
    request: Request,
    user_id: IdPath,
    principal: SignedIn,
    values: FormFields,
    session: DbSession,
    backend: BackendDep,
    access: RoleAccess,
) -> Response:
    """`owner` hands the project over: the previous owner becomes an editor."""
    try:
        data = parse(MemberUpdate, pick(values, ("role",)))
        await members.change_role(
            session, access=access, user_id=user_id, role=Role(data.role), backend=backend
        )
    except DatadiveError as error:
        return await show_rejected_form(
            request,
            session,
            backend,
            access,
            error=error,
            form_key=f"role:{user_id}",
            values=values,
            fields=ADD_FIELDS,
            section="members",
        )
    return await members_changed(request, session, backend, access, "The role was changed.")


@router.post("/{user_id}/remove")
async def remove_member(
    request: Request,
    user_id: IdPath,
    principal: SignedIn,
    session: DbSession,
    backend: BackendDep,
    access: RemoveAccess,
) -> Response:
    """The owner removes someone, or a member leaves (their own user id)."""
    await members.remove_member(session, access=access, user_id=user_id, backend=backend)
    if user_id == principal.user.id:
        return redirect(request, "/")
    return await members_changed(
        request, session, backend, access, "The member was removed from the project."
    )
