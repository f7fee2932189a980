"""Load a project (or notebook) together with the caller's role in one query, then check the
action against the permission table."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.auth.permissions import Action, Role, require
from datadive.db.models import Cell, File, Notebook, Project, ProjectMember, Run, User


@dataclass(frozen=True)
class ProjectAccess:
    project: Project
    role: Role | None
    user: User


@dataclass(frozen=True)
class NotebookAccess:
    notebook: Notebook
    project: Project
    role: Role | None
    user: User


def _role_of(user: User) -> sa.ScalarSelect[str]:
    return (
        sa.select(ProjectMember.role)
        .where(ProjectMember.project_id == Project.id, ProjectMember.user_id == user.id)
        .scalar_subquery()
    )


async def project_access(
    session: AsyncSession,
    *,
    user: User,
    project_id: str,
    action: Action,
    include_deleted: bool = False,
) -> ProjectAccess:
    query = sa.select(Project, _role_of(user)).where(Project.id == project_id)
    if not include_deleted:
        query = query.where(Project.deleted_at.is_(None))
    row = (await session.execute(query)).one_or_none()
    role = Role(row[1]) if row is not None and row[1] is not None else None
    require(role, action)
    assert row is not None
    return ProjectAccess(project=row[0], role=role, user=user)


async def notebook_access(
    session: AsyncSession, *, user: User, notebook_id: str, action: Action
) -> NotebookAccess:
    row = (
        await session.execute(
            sa.select(Notebook, Project, _role_of(user))
            .join(Project, Project.id == Notebook.project_id)
            .where(Notebook.id == notebook_id, Project.deleted_at.is_(None))
        )
    ).one_or_none()
    role = Role(row[2]) if row is not None and row[2] is not None else None
    require(role, action, resource="notebook")
    assert row is not None
    return NotebookAccess(notebook=row[0], project=row[1], role=role, user=user)


@dataclass(frozen=True)
class CellAccess:
    cell: Cell
    notebook: Notebook
    project: Project
    role: Role | None
    user: User


async def cell_access(
    session: AsyncSession, *, user: User, cell_id: str, action: Action
) -> CellAccess:
    row = (
        await session.execute(
            sa.select(Cell, Notebook, Project, _role_of(user))
            .join(Notebook, Notebook.id == Cell.notebook_id)
            .join(Project, Project.id == Notebook.project_id)
            .where(Cell.id == cell_id, Project.deleted_at.is_(None))
        )
    ).one_or_none()
    role = Role(row[3]) if row is not None and row[3] is not None else None
    require(role, action, resource="cell")
    assert row is not None
    return CellAccess(cell=row[0], notebook=row[1], project=row[2], role=role, user=user)


async def run_access(session: AsyncSession, *, user: User, run_id: str, action: Action) -> Run:
    row = (
        await session.execute(
            sa.select(Run, _role_of(user))
            .join(Notebook, Notebook.id == Run.notebook_id)
            .join(Project, Project.id == Notebook.project_id)
            .where(Run.id == run_id, Project.deleted_at.is_(None))
        )
    ).one_or_none()
    require(
        Role(row[1]) if row is not None and row[1] is not None else None, action, resource="run"
    )
    assert row is not None
    run: Run = row[0]
    return run


@dataclass(frozen=True)
class FileAccess:
    file: File
    project: Project
    role: Role | None
    user: User


async def file_access(
    session: AsyncSession, *, user: User, file_id: str, action: Action
) -> FileAccess:
    row = (
        await session.execute(
            sa.select(File, Project, _role_of(user))
            .join(Project, Project.id == File.project_id)
            .where(File.id == file_id, Project.deleted_at.is_(None))
        )
    ).one_or_none()
    role = Role(row[2]) if row is not None and row[2] is not None else None
    require(role, action, resource="file")
    assert row is not None
    return FileAccess(file=row[0], project=row[1], role=role, user=user)
