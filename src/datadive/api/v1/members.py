"""/api/v1/projects/{project_id}/members: who works on a project, and in which role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from datadive.api.deps import BackendDep, DbSession
from datadive.api.permissions import IdPath, MemberPermission, ProjectPermission
from datadive.auth.permissions import Action, Role
from datadive.schemas.projects import MemberAdd, MemberPublic, MemberUpdate, UserSummary
from datadive.services.membership import members
from datadive.services.membership.access import ProjectAccess
from datadive.services.membership.projects import Member

router = APIRouter(prefix="/projects/{project_id}/members", tags=["members"])


def to_public(member: Member) -> MemberPublic:
    return MemberPublic(user=UserSummary.model_validate(member.user), role=member.role.value)


@router.get("", response_model=list[MemberPublic])
async def list_members(
    session: DbSession,
    access: Annotated[ProjectAccess, Depends(ProjectPermission(Action.MEMBERS_READ))],
) -> list[MemberPublic]:
    """Everyone in the project, owner first (not paginated: projects have few members)."""
    return [to_public(m) for m in await members.list_members(session, access=access)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=MemberPublic)
async def add_member(
    data: MemberAdd,
    session: DbSession,
    access: Annotated[ProjectAccess, Depends(ProjectPermission(Action.MEMBERS_MANAGE))],
) -> MemberPublic:
    """Add an existing user with a verified email, by username or email, as editor or viewer."""
    return to_public(await members.add_member(session, access=access, data=data))


@router.patch("/{user_id}", response_model=list[MemberPublic])
async def change_member_role(
    user_id: IdPath,
    data: MemberUpdate,
    session: DbSession,
    backend: BackendDep,
    access: Annotated[
        ProjectAccess,
        Depends(MemberPermission(Action.MEMBERS_MANAGE, own_action=Action.MEMBERS_MANAGE)),
    ],
) -> list[MemberPublic]:
    """Change a role. `owner` transfers ownership: the previous owner becomes an editor."""
    changed = await members.change_role(
        session, access=access, user_id=user_id, role=Role(data.role), backend=backend
    )
    return [to_public(m) for m in changed]


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(
    user_id: IdPath,
    session: DbSession,
    backend: BackendDep,
    access: Annotated[
        ProjectAccess,
        Depends(MemberPermission(Action.MEMBERS_MANAGE, own_action=Action.MEMBERS_LEAVE)),
    ],
) -> None:
    """Remove a member (owner), or leave the project (your own user id). Their access to the
    project's Jupyter server ends with it."""
    await members.remove_member(session, access=access, user_id=user_id, backend=backend)
