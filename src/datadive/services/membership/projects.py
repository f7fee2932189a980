"""Projects: create, list (own and shared), read, update, archive, soft delete and restore."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.auth.permissions import Action, Role, require
from datadive.db.models import Project, ProjectMember, User
from datadive.db.types import utcnow
from datadive.errors import Conflict
from datadive.schemas.projects import ProjectCreate, ProjectSort, ProjectUpdate
from datadive.services.membership.access import ProjectAccess
from datadive.services.pagination import after_cursor, encode_cursor

DELETION_GRACE = timedelta(days=30)
ARCHIVED_READ_ONLY = "The project is archived; unarchive it before changing it."

ProjectState = Literal["active", "archived", "all"]


@dataclass(frozen=True)
class Member:
    user: User
    role: Role


@dataclass(frozen=True)
class ProjectView:
    project: Project
    role: Role
    members: list[Member]

    @property
    def owner(self) -> User:
        return next(member.user for member in self.members if member.role is Role.OWNER)


async def members_of(session: AsyncSession, project_ids: Sequence[str]) -> dict[str, list[Member]]:
    """Members of many projects in one query, owner first, then by username."""
    rows = await session.execute(
        sa.select(ProjectMember.project_id, ProjectMember.role, User)
        .join(User, User.id == ProjectMember.user_id)
        .where(ProjectMember.project_id.in_(project_ids))
        .order_by(ProjectMember.project_id, ProjectMember.role != Role.OWNER, User.username)
    )
    members: dict[str, list[Member]] = defaultdict(list)
    for project_id, role, user in rows:
        members[project_id].append(Member(user=user, role=Role(role)))
    return members


async def view_project(session: AsyncSession, *, access: ProjectAccess) -> ProjectView:
    assert access.role is not None
    members = await members_of(session, [access.project.id])
    return ProjectView(project=access.project, role=access.role, members=members[access.project.id])


async def create_project(session: AsyncSession, *, owner: User, data: ProjectCreate) -> ProjectView:
    project = Project(title=data.title, description=data.description, owner_id=owner.id)
    session.add(project)
    await session.flush()
    session.add(ProjectMember(project_id=project.id, user_id=owner.id, role=Role.OWNER))
    await session.flush()
    return ProjectView(project=project, role=Role.OWNER, members=[Member(owner, Role.OWNER)])


SORT_COLUMNS = {
    "updated_at": Project.updated_at,
    "created_at": Project.created_at,
    "title": Project.title,
}


async def list_projects(
    session: AsyncSession,
    *,
    user: User,
    search: str | None,
    state: ProjectState,
    role: Role | None,
    sort: ProjectSort,
    limit: int,
    cursor: str | None,
) -> tuple[list[ProjectView], str | None]:
    """A page of the projects the user is a member of, with their members (two queries)."""
    descending = sort.startswith("-")
    field = sort.lstrip("-")
    column = SORT_COLUMNS[field]
    query = (
        sa.select(Project, ProjectMember.role)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .where(ProjectMember.user_id == user.id, Project.deleted_at.is_(None))
    )
    if search:
        query = query.where(Project.title.icontains(search, autoescape=True))
    if state != "all":
        query = query.where(Project.archived.is_(state == "archived"))
    if role is not None:
        query = query.where(ProjectMember.role == role)
    if cursor:
        query = query.where(
            after_cursor(
                column, Project.id, cursor=cursor, descending=descending, is_time=field != "title"
            )
        )
    order = (column.desc(), Project.id.desc()) if descending else (column, Project.id)
    rows = (await session.execute(query.order_by(*order).limit(limit + 1))).all()
    page = rows[:limit]
    members = await members_of(session, [project.id for project, _ in page]) if page else {}
    views = [ProjectView(p, Role(r), members[p.id]) for p, r in page]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1][0]
        next_cursor = encode_cursor(getattr(last, field), last.id)
    return views, next_cursor


async def update_project(
    session: AsyncSession, *, access: ProjectAccess, data: ProjectUpdate
) -> ProjectView:
    project = access.project
    if data.archived is not None:
        require(access.role, Action.PROJECT_ARCHIVE)
    changes_content = data.title is not None or data.description is not None
    if project.archived and changes_content and data.archived is not False:
        raise Conflict(ARCHIVED_READ_ONLY)
    if data.title is not None:
        project.title = data.title
    if data.description is not None:
        project.description = data.description
    if data.archived is not None:
        project.archived = data.archived
    project.updated_at = utcnow()
    await session.flush()
    return await view_project(session, access=access)


async def delete_project(session: AsyncSession, *, access: ProjectAccess) -> None:
    """Soft delete: hidden at once, restorable for DELETION_GRACE, then purged with all it holds."""
    access.project.deleted_at = utcnow()
    await purge_deleted_projects(session)


async def restore_project(session: AsyncSession, *, access: ProjectAccess) -> ProjectView:
    access.project.deleted_at = None
    await session.flush()
    return await view_project(session, access=access)


async def purge_deleted_projects(
    session: AsyncSession, *, grace: timedelta = DELETION_GRACE
) -> int:
    """Delete for good the projects deleted longer ago than `grace`; notebooks, cells, files
    and memberships go with them (foreign keys cascade)."""
    result = await session.execute(
        sa.delete(Project).where(
            Project.deleted_at.is_not(None), Project.deleted_at < utcnow() - grace
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
