"""The template catalogue: built-ins (rows with no owner, synced from the YAML library) and
users' templates, private or public. Editing makes a new version; cells keep theirs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.cell_templates.library import builtin_templates
from datadive.cell_templates.spec import TemplateSpec
from datadive.cell_templates.validation import load_template
from datadive.db.engine import Database
from datadive.db.models import Cell, CellTemplate, User
from datadive.errors import Conflict, Forbidden, NotFound
from datadive.services.pagination import after_cursor, encode_cursor

NOT_FOUND = "There is no cell template with that id that you can see."


def builtin_id(template: TemplateSpec) -> str:
    """Deterministic, so that every replica inserts the same rows."""
    return str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"datadive:builtin:{template.slug}:{template.version}")
    )


def spec_of(row: CellTemplate) -> TemplateSpec:
    return TemplateSpec.model_validate(
        {
            "slug": row.slug,
            "title": row.title,
            "description": row.description,
            "category": row.category,
            "version": row.version,
            "inputs": row.inputs,
            "outputs": row.outputs,
            "code": row.code,
        }
    )


def row_fields(spec: TemplateSpec) -> dict[str, Any]:
    dumped = spec.model_dump(mode="json", exclude_none=True)
    return {
        key: dumped[key] for key in ("slug", "title", "description", "category", "version", "code")
    } | {
        "inputs": [item.model_dump(mode="json", exclude_none=True) for item in spec.inputs],
        "outputs": [item.model_dump(mode="json") for item in spec.outputs],
    }


async def sync_builtin_templates(database: Database) -> None:
    """Insert the built-in templates (each version once) that the database lacks."""
    wanted = {builtin_id(spec): spec for spec in builtin_templates()}
    try:
        async with database.transaction() as session:
            present = set(
                (
                    await session.scalars(
                        sa.select(CellTemplate.id).where(CellTemplate.id.in_(wanted))
                    )
                ).all()
            )
            session.add_all(
                CellTemplate(id=key, owner_id=None, visibility="public", **row_fields(spec))
                for key, spec in wanted.items()
                if key not in present
            )
    except IntegrityError:
        pass  # another Datadive process inserted them at the same moment


def visible_to(user: User) -> sa.ColumnElement[bool]:
    return sa.or_(
        CellTemplate.owner_id.is_(None),
        CellTemplate.visibility == "public",
        CellTemplate.owner_id == user.id,
    )


def latest_versions() -> sa.ColumnElement[bool]:
    newer = sa.orm.aliased(CellTemplate)
    return ~sa.exists().where(
        newer.slug == CellTemplate.slug,
        newer.owner_id.is_not_distinct_from(CellTemplate.owner_id),
        newer.version > CellTemplate.version,
    )


async def list_templates(
    session: AsyncSession,
    *,
    user: User,
    category: str | None,
    search: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[CellTemplate], str | None]:
    """The newest version of every template the user can use, by slug."""
    query = sa.select(CellTemplate).where(visible_to(user), latest_versions())
    if category:
        query = query.where(CellTemplate.category == category)
    if search:
        query = query.where(
            sa.or_(
                CellTemplate.title.icontains(search, autoescape=True),
                CellTemplate.description.icontains(search, autoescape=True),
            )
        )
    if cursor:
        query = query.where(
            after_cursor(
                CellTemplate.slug, CellTemplate.id, cursor=cursor, descending=False, is_time=False
            )
        )
    rows = (
        await session.scalars(query.order_by(CellTemplate.slug, CellTemplate.id).limit(limit + 1))
    ).all()
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].slug, page[-1].id) if len(rows) > limit else None
    return page, next_cursor


async def get_template(session: AsyncSession, *, user: User, template_id: str) -> CellTemplate:
    row = await session.scalar(
        sa.select(CellTemplate).where(CellTemplate.id == template_id, visible_to(user))
    )
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


async def newest_version(session: AsyncSession, row: CellTemplate) -> CellTemplate:
    newest = await session.scalar(
        sa.select(CellTemplate)
        .where(
            CellTemplate.slug == row.slug,
            CellTemplate.owner_id.is_not_distinct_from(row.owner_id),
        )
        .order_by(CellTemplate.version.desc())
        .limit(1)
    )
    assert newest is not None
    return newest


async def create_template(
    session: AsyncSession, *, user: User, data: dict[str, Any], visibility: str
) -> CellTemplate:
    spec = load_template(data | {"version": 1})
    taken = await session.scalar(
        sa.select(
            sa.exists().where(CellTemplate.owner_id == user.id, CellTemplate.slug == spec.slug)
        )
    )
    if taken:
        raise Conflict(f"You already have a template with the slug {spec.slug}.")
    row = CellTemplate(owner_id=user.id, visibility=visibility, **row_fields(spec))
    session.add(row)
    await session.flush()
    return row


def ensure_own(row: CellTemplate, user: User) -> None:
    if row.owner_id is None:
        raise Forbidden(
            "Built-in templates cannot be changed; copy one into a new template instead."
        )
    if row.owner_id != user.id:
        raise Forbidden("Only the author of a template can change it.")


async def update_template(
    session: AsyncSession,
    *,
    user: User,
    template_id: str,
    changes: dict[str, Any],
    visibility: str | None,
) -> CellTemplate:
    """A new version with the changes; cells made from earlier versions keep them."""
    row = await get_template(session, user=user, template_id=template_id)
    ensure_own(row, user)
    current = await newest_version(session, row)
    merged = spec_of(current).model_dump(mode="json", exclude_none=True) | changes
    merged["slug"] = current.slug
    merged["version"] = current.version + 1
    spec = load_template(merged)
    new = CellTemplate(
        owner_id=user.id, visibility=visibility or current.visibility, **row_fields(spec)
    )
    session.add(new)
    await session.flush()
    return new


async def delete_template(session: AsyncSession, *, user: User, template_id: str) -> None:
    """Remove every version; cells made from it keep their code and become code cells."""
    row = await get_template(session, user=user, template_id=template_id)
    ensure_own(row, user)
    versions = sa.select(CellTemplate.id).where(
        CellTemplate.owner_id == user.id, CellTemplate.slug == row.slug
    )
    await session.execute(
        sa.update(Cell)
        .where(Cell.template_id.in_(versions))
        .values(kind="code", template_id=None, template_version=None, draft_inputs=None)
    )
    await session.execute(sa.delete(CellTemplate).where(CellTemplate.id.in_(versions)))


async def list_categories(session: AsyncSession, *, user: User) -> list[str]:
    """The categories of the templates the user can use, for a filter."""
    rows = await session.scalars(
        sa.select(CellTemplate.category)
        .where(visible_to(user), latest_versions())
        .distinct()
        .order_by(CellTemplate.category)
    )
    return list(rows.all())
