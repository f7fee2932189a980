"""Cells of a notebook: create from a template, code or markdown; apply or draft inputs; edit
code; move; delete; upgrade to a newer template version. Changing a cell marks the later cells
that use what it defines `stale`."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.cell_templates import dataflow
from datadive.cell_templates.rendering import render
from datadive.cell_templates.spec import TemplateSpec
from datadive.cell_templates.values import check_values
from datadive.db.base import table_of
from datadive.db.models import Cell, CellTemplate, User
from datadive.db.types import utcnow
from datadive.errors import Conflict, Invalid
from datadive.schemas.cells import CellCreate, CellUpdate, Placement
from datadive.services.authoring import cell_status, positions
from datadive.services.authoring.cell_templates import get_template, newest_version, spec_of
from datadive.services.authoring.notebook_events import record_event
from datadive.services.authoring.notebooks import ensure_writable
from datadive.services.membership.access import CellAccess, NotebookAccess

RAN = frozenset({"ok", "error"})
# Cells whose outputs came from code that has changed since: those that ran, and those that
# were stale already or not run since a restart (they show outputs of an earlier run).
STALE_ABLE = RAN | {"stale"}
MAX_DRAFT_KEYS = 200


@dataclass(frozen=True)
class CellView:
    cell: Cell
    template: CellTemplate | None
    index: int

    @property
    def spec(self) -> TemplateSpec | None:
        return spec_of(self.template) if self.template is not None else None

    @property
    def defines(self) -> list[str]:
        if self.cell.kind == "template" and self.spec is not None:
            return dataflow.template_defines(self.spec, self.cell.inputs or {})
        if self.cell.kind == "code":
            return dataflow.code_defines(self.cell.source)
        return []

    @property
    def dataframes(self) -> list[str]:
        if self.cell.kind == "template" and self.spec is not None:
            return dataflow.template_dataframes(self.spec, self.cell.inputs or {})
        return self.defines

    @property
    def uses(self) -> set[str]:
        if self.cell.kind == "template" and self.spec is not None:
            return dataflow.template_uses(self.spec, self.cell.inputs or {})
        if self.cell.kind == "code":
            return dataflow.code_uses(self.cell.source)
        return set()


async def load_cells(session: AsyncSession, *, notebook_id: str) -> list[CellView]:
    """Every cell of the notebook, in order, with its template: one query."""
    rows = await session.execute(
        sa.select(Cell, CellTemplate)
        .outerjoin(CellTemplate, CellTemplate.id == Cell.template_id)
        .where(Cell.notebook_id == notebook_id)
        .order_by(Cell.position, Cell.id)
    )
    return [CellView(cell, template, index) for index, (cell, template) in enumerate(rows)]


@functools.cache
def cell_with_index() -> sa.Executable:
    """A cell (`:cell_id`), its template, and how many cells come before it. Built once: the
    statement is the same for every cell, and building it costs more than running it."""
    earlier = table_of(Cell).alias("earlier")
    index = (
        sa.select(sa.func.count())
        .where(
            earlier.c.notebook_id == Cell.notebook_id,
            sa.or_(
                earlier.c.position < Cell.position,
                sa.and_(earlier.c.position == Cell.position, earlier.c.id < Cell.id),
            ),
        )
        .scalar_subquery()
    )
    return (
        sa.select(Cell, CellTemplate, index)
        .outerjoin(CellTemplate, CellTemplate.id == Cell.template_id)
        .where(Cell.id == sa.bindparam("cell_id"))
    )


async def load_cell(session: AsyncSession, *, cell_id: str) -> CellView | None:
    """One cell with its template and its place in the notebook, without reading the other
    cells (their outputs can be megabytes): one query."""
    row = (await session.execute(cell_with_index(), {"cell_id": cell_id})).one_or_none()
    return None if row is None else CellView(row[0], row[1], row[2])


def view_of(views: Sequence[CellView], cell_id: str) -> CellView:
    return next(view for view in views if view.cell.id == cell_id)


async def placement_key(
    session: AsyncSession, *, views: Sequence[CellView], place: Placement, moving: str | None = None
) -> tuple[str, int]:
    """The ordering key for the new place, and the cell's index there."""
    others = [view.cell for view in views if view.cell.id != moving]
    if place.before is not None or place.after is not None:
        anchor_id = place.before if place.before is not None else place.after
        field = "before" if place.before is not None else "after"
        index = next((i for i, cell in enumerate(others) if cell.id == anchor_id), None)
        if index is None:
            raise Invalid.field(field, "is not another cell of this notebook")
        slot = index if place.before is not None else index + 1
    elif place.position is not None:
        slot = min(place.position, len(others))
    else:
        slot = len(others)
    low = others[slot - 1].position if slot > 0 else None
    high = others[slot].position if slot < len(others) else None
    key = positions.key_between(low, high)
    if len(key) > positions.LONGEST_KEY:
        for cell, fresh in zip(others, positions.spread_keys(len(others) + 1), strict=False):
            cell.position = fresh
        await session.flush()
        return await placement_key(session, views=views, place=place, moving=moving)
    return key, slot


def rendered(spec: TemplateSpec, given: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    values = check_values(spec, given)
    return values, render(spec, values)


async def create_cell(
    session: AsyncSession, *, access: NotebookAccess, data: CellCreate, user: User, max_cells: int
) -> CellView:
    ensure_writable(access.project)
    views = await load_cells(session, notebook_id=access.notebook.id)
    if len(views) >= max_cells:
        raise Conflict(f"A notebook holds at most {max_cells} cells; start a new notebook.")
    cell = Cell(notebook_id=access.notebook.id, kind=data.kind, outputs=[], status="idle")
    template = None
    if data.kind == "template":
        if data.template_id is None:
            raise Invalid.field("template_id", "is required for a template cell")
        if data.source is not None:
            raise Invalid.field("source", "comes from the template; give inputs instead")
        template = await get_template(session, user=user, template_id=data.template_id)
        cell.inputs, cell.source = rendered(spec_of(template), data.inputs or {})
        cell.template_id, cell.template_version = template.id, template.version
    else:
        if data.template_id is not None or data.inputs is not None:
            field = "template_id" if data.template_id is not None else "inputs"
            raise Invalid.field(field, f"a {data.kind} cell has no template")
        cell.source = data.source or ""
    cell.position, index = await placement_key(session, views=views, place=data)
    session.add(cell)
    await session.flush()
    await cells_changed(session, access.notebook.id, "created", cell.id)
    return CellView(cell, template, index)


async def cells_changed(
    session: AsyncSession,
    notebook_id: str,
    change: str,
    cell_id: str,
    *,
    origin: str | None = None,
) -> None:
    """Tell open pages (later cells may have become stale too); `origin` says where the change
    came from when not from Datadive (`jupyterlab`)."""
    data = {"change": change, "cell_id": cell_id}
    if origin is not None:
        data["origin"] = origin
    record_event(session, notebook_id=notebook_id, kind="cells", data=data)


def mark_stale_after(views: Sequence[CellView], changed: CellView, names: set[str]) -> None:
    """Cells after `changed` that use any of `names` (directly or through each other) and
    have run become stale, naming `changed` as the reason."""
    stale_names = set(names)
    for view in views[changed.index + 1 :]:
        if view.uses & stale_names:
            if view.cell.status in STALE_ABLE:
                view.cell.status = "stale"
                view.cell.status_reason = cell_status.after(changed.cell.id)
            stale_names |= set(view.defines)


def set_source(cell: Cell, source: str, *, kind: str | None = None) -> None:
    """Code written by hand. A template cell becomes a code cell: the form is gone, the code
    stays. `kind` turns code into text or back (a JupyterLab save)."""
    if cell.kind == "template" or kind is not None:
        cell.kind = kind or "code"
        cell.template_id = cell.template_version = None
        cell.inputs = cell.draft_inputs = None
    cell.source = source


def mark_edited(cell: Cell) -> None:
    """The cell itself changed since it ran."""
    if cell.status in STALE_ABLE:
        cell.status, cell.status_reason = "stale", cell_status.EDITED


async def update_cell(session: AsyncSession, *, access: CellAccess, data: CellUpdate) -> CellView:
    ensure_writable(access.project)
    views = await load_cells(session, notebook_id=access.notebook.id)
    view = view_of(views, access.cell.id)
    cell = view.cell
    before = set(view.defines)
    if data.draft_inputs is not None:
        if cell.kind != "template":
            raise Invalid.field("draft_inputs", "only template cells have inputs")
        if len(data.draft_inputs) > MAX_DRAFT_KEYS:
            raise Invalid.field("draft_inputs", "has too many entries")
        cell.draft_inputs = data.draft_inputs
    if data.inputs is not None:
        if cell.kind != "template" or view.spec is None:
            raise Invalid.field("inputs", "only template cells have inputs")
        cell.inputs, cell.source = rendered(view.spec, data.inputs)
        cell.draft_inputs = None
    if data.source is not None:
        set_source(cell, data.source)
    changed = data.inputs is not None or data.source is not None
    if changed:
        mark_edited(cell)
        refreshed = CellView(cell, None if cell.kind != "template" else view.template, view.index)
        mark_stale_after(views, refreshed, before | set(refreshed.defines))
    cell.updated_at = utcnow()
    await session.flush()
    await cells_changed(session, access.notebook.id, "updated", cell.id)
    return CellView(cell, view.template if cell.kind == "template" else None, view.index)


async def move_cell(session: AsyncSession, *, access: CellAccess, place: Placement) -> CellView:
    ensure_writable(access.project)
    views = await load_cells(session, notebook_id=access.notebook.id)
    access.cell.position, index = await placement_key(
        session, views=views, place=place, moving=access.cell.id
    )
    await session.flush()
    await cells_changed(session, access.notebook.id, "moved", access.cell.id)
    return CellView(
        view_of(views, access.cell.id).cell, view_of(views, access.cell.id).template, index
    )


async def delete_cell(session: AsyncSession, *, access: CellAccess) -> None:
    ensure_writable(access.project)
    views = await load_cells(session, notebook_id=access.notebook.id)
    view = view_of(views, access.cell.id)
    mark_stale_after(views, view, set(view.defines))
    await session.delete(access.cell)
    await session.flush()
    await cells_changed(session, access.notebook.id, "deleted", access.cell.id)


async def upgrade_cell(session: AsyncSession, *, access: CellAccess) -> CellView:
    """Re-make a template cell from the newest version of its template, keeping its inputs."""
    ensure_writable(access.project)
    views = await load_cells(session, notebook_id=access.notebook.id)
    view = view_of(views, access.cell.id)
    if view.template is None:
        raise Invalid.field("template", "only template cells can be upgraded")
    newest = await newest_version(session, view.template)
    if newest.version == view.template.version:
        return view
    known = {item.name for item in spec_of(newest).inputs}
    kept = {k: v for k, v in (view.cell.inputs or {}).items() if k in known}
    view.cell.inputs, view.cell.source = rendered(spec_of(newest), kept)
    view.cell.template_id, view.cell.template_version = newest.id, newest.version
    mark_edited(view.cell)
    await session.flush()
    await cells_changed(session, access.notebook.id, "updated", view.cell.id)
    return CellView(view.cell, newest, view.index)


async def dataframe_choices(
    session: AsyncSession, *, access: CellAccess, input_name: str
) -> list[str]:
    """Tables defined by the cells before this one, for a `dataframe` input."""
    views = await load_cells(session, notebook_id=access.notebook.id)
    view = view_of(views, access.cell.id)
    spec = view.spec
    item = spec.input(input_name) if spec is not None else None
    if item is None or item.type != "dataframe":
        raise Invalid.field("input", f"`{input_name}` is not a dataframe input of this cell")
    names: list[str] = []
    for earlier in views[: view.index]:
        names.extend(name for name in earlier.dataframes if name not in names)
    return names
