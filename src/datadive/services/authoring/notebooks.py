"""Notebooks of a project: create (with a unique .ipynb path), list, read, rename, archive,
delete, duplicate."""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.db.ids import new_id
from datadive.db.lengths import column_length, fitted
from datadive.db.models import Cell, Notebook, Project
from datadive.db.types import utcnow
from datadive.errors import Conflict
from datadive.schemas.notebooks import NotebookCreate, NotebookStatus, NotebookUpdate
from datadive.services.membership.access import NotebookAccess, ProjectAccess
from datadive.services.membership.projects import ARCHIVED_READ_ONLY

MAX_SLUG_LENGTH = 60
COPY_SUFFIX = " (copy)"


def slug_for(title: str) -> str:
    """`Pilot study: t-tests (v2)` → `pilot-study-t-tests-v2`; ASCII only, never empty."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:MAX_SLUG_LENGTH].rstrip("-") or "notebook"


async def unique_path(session: AsyncSession, *, project_id: str, title: str) -> str:
    # At the project's top level: Jupyter starts a kernel in its notebook's folder, so that
    # `pd.read_csv("data/survey.csv")` finds the project's files.
    base = slug_for(title)
    taken = set(
        (
            await session.scalars(
                sa.select(Notebook.path).where(
                    Notebook.project_id == project_id, Notebook.path.startswith(base)
                )
            )
        ).all()
    )
    path, number = f"{base}.ipynb", 2
    while path in taken:
        path, number = f"{base}-{number}.ipynb", number + 1
    return path


def ensure_writable(project: Project) -> None:
    if project.archived:
        raise Conflict(ARCHIVED_READ_ONLY)


async def create_notebook(
    session: AsyncSession, *, access: ProjectAccess, data: NotebookCreate
) -> Notebook:
    ensure_writable(access.project)
    notebook = Notebook(
        project_id=access.project.id,
        title=data.title,
        path=await unique_path(session, project_id=access.project.id, title=data.title),
    )
    session.add(notebook)
    await session.flush()
    return notebook


async def list_notebooks(
    session: AsyncSession,
    *,
    access: ProjectAccess,
    status: NotebookStatus | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Notebook], str | None]:
    """Oldest first (ids are time-ordered); `cursor` is the id of the last notebook shown."""
    query = sa.select(Notebook).where(Notebook.project_id == access.project.id)
    if status is not None:
        query = query.where(Notebook.status == status)
    if cursor:
        query = query.where(Notebook.id > cursor)
    found = list((await session.scalars(query.order_by(Notebook.id).limit(limit + 1))).all())
    page = found[:limit]
    return page, page[-1].id if len(found) > limit else None


async def update_notebook(
    session: AsyncSession, *, access: NotebookAccess, data: NotebookUpdate
) -> Notebook:
    """Rename or archive. The .ipynb path stays, so open kernels and links keep working."""
    ensure_writable(access.project)
    notebook = access.notebook
    if data.title is not None:
        notebook.title = data.title
    if data.status is not None:
        notebook.status = data.status
    notebook.updated_at = utcnow()
    await session.flush()
    return notebook


async def delete_notebook(session: AsyncSession, *, access: NotebookAccess) -> None:
    ensure_writable(access.project)
    await session.delete(access.notebook)


async def duplicate_notebook(
    session: AsyncSession, *, access: NotebookAccess, title: str | None
) -> Notebook:
    """A copy with all cells (inputs, code and outputs), under a new title and path."""
    ensure_writable(access.project)
    original = access.notebook
    new_title = title or fitted(original.title, COPY_SUFFIX, limit=column_length(Notebook.title))
    copy = Notebook(
        project_id=original.project_id,
        title=new_title,
        path=await unique_path(session, project_id=original.project_id, title=new_title),
        kernel_name=original.kernel_name,
    )
    session.add(copy)
    await session.flush()
    copied = [
        "position",
        "kind",
        "template_id",
        "template_version",
        "inputs",
        "draft_inputs",
        "source",
        "outputs",
        "execution_count",
    ]
    cells = (await session.scalars(sa.select(Cell).where(Cell.notebook_id == original.id))).all()
    session.add_all(
        Cell(id=new_id(), notebook_id=copy.id, **{name: getattr(cell, name) for name in copied})
        for cell in cells
    )
    await session.flush()
    return copy


async def project_notebook_ids(session: AsyncSession, *, project_id: str) -> list[str]:
    query = sa.select(Notebook.id).where(Notebook.project_id == project_id)
    return list(await session.scalars(query))
