"""Project members: list, add, change role (including transferring ownership), remove, leave.

A project has exactly one owner at all times: ownership moves only by transfer. A member who
loses the right to run code (removed, left, or made a viewer) loses the project's Jupyter
server at once too (SECURITY.md check 13): the execution backend is told here, with the change,
so that no caller (JSON API or page) can change a role and forget it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from datadive.auth.permissions import Action, Role, is_allowed
from datadive.db.models import ProjectMember
from datadive.db.types import utcnow
from datadive.errors import Conflict, Forbidden, Invalid, NotFound
from datadive.execution.backend import ExecutionBackend
from datadive.schemas.projects import MemberAdd
from datadive.services.identity.accounts import find_user_by_login
from datadive.services.membership.access import ProjectAccess
from datadive.services.membership.projects import Member, members_of

NOT_A_MEMBER = "That user is not a member of this project."


async def list_members(session: AsyncSession, *, access: ProjectAccess) -> list[Member]:
    return (await members_of(session, [access.project.id]))[access.project.id]


async def membership(session: AsyncSession, *, project_id: str, user_id: str) -> ProjectMember:
    found = await session.get(ProjectMember, (project_id, user_id))
    if found is None:
        raise NotFound(NOT_A_MEMBER)
    return found


async def add_member(session: AsyncSession, *, access: ProjectAccess, data: MemberAdd) -> Member:
    if not access.user.email_verified:
        raise Forbidden("Verify your email address before sharing projects.")
    user = await find_user_by_login(session, data.user.strip().casefold())
    if user is None or not user.email_verified:
        raise Invalid.field("user", "there is no account with a verified email by that name")
    if await session.get(ProjectMember, (access.project.id, user.id)) is not None:
        raise Conflict(f"{user.username} is already a member of this project.")
    session.add(ProjectMember(project_id=access.project.id, user_id=user.id, role=data.role))
    access.project.updated_at = utcnow()
    await session.flush()
    return Member(user=user, role=Role(data.role))


async def change_role(
    session: AsyncSession,
    *,
    access: ProjectAccess,
    user_id: str,
    role: Role,
    backend: ExecutionBackend,
) -> list[Member]:
    """Set a member's role; `owner` transfers ownership and makes the old owner an editor."""
    target = await membership(session, project_id=access.project.id, user_id=user_id)
    if target.role == role:
        return await list_members(session, access=access)
    if target.role == Role.OWNER:
        raise Conflict(
            "A project always has one owner: make another member the owner to hand it over."
        )
    if role is Role.OWNER:
        current_owner = await membership(
            session, project_id=access.project.id, user_id=access.project.owner_id
        )
        current_owner.role = Role.EDITOR
        access.project.owner_id = user_id
    could_execute = is_allowed(Role(target.role), Action.NOTEBOOK_EXECUTE)
    target.role = role
    access.project.updated_at = utcnow()
    await session.flush()
    if could_execute and not is_allowed(role, Action.NOTEBOOK_EXECUTE):
        await revoke_jupyter_access(backend, project_id=access.project.id, user_id=user_id)
    return await list_members(session, access=access)


async def remove_member(
    session: AsyncSession, *, access: ProjectAccess, user_id: str, backend: ExecutionBackend
) -> None:
    """Remove a member (owner) or leave (the member themself); the owner cannot be removed."""
    target = await membership(session, project_id=access.project.id, user_id=user_id)
    if target.role == Role.OWNER:
        raise Conflict("The owner cannot leave or be removed; transfer ownership first.")
    await session.delete(target)
    access.project.updated_at = utcnow()
    await session.flush()
    await revoke_jupyter_access(backend, project_id=access.project.id, user_id=user_id)


async def revoke_jupyter_access(
    backend: ExecutionBackend, *, project_id: str, user_id: str
) -> None:
    """Called after the change is flushed and before the request's transaction commits: if the
    commit then fails, the member only has to open JupyterLab again; the other order would
    leave a window where the database says "no" and Jupyter still says "yes"."""
    await backend.revoke(project_id, user_id=user_id)
