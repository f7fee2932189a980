"""What the column pickers and form checks of a template form need from a request: where the
form's cell is (an existing cell, or a new one after another), and the refusal of unknown
columns when a cell's form is applied (`services/columns/column_checks.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.api.deps import DbSession
from datadive.cell_templates.spec import COLUMN_TYPES, TemplateSpec
from datadive.errors import Invalid
from datadive.schemas.text import OneLine
from datadive.services.authoring import cells
from datadive.services.authoring.cell_templates import get_template, spec_of
from datadive.services.authoring.cells import CellView
from datadive.services.columns.column_checks import refuse_unknown_columns
from datadive.services.columns.column_sources import FormColumn, TableColumns
from datadive.services.membership.access import CellAccess, NotebookAccess
from datadive.services.running.run_executor import RunExecutor
from datadive.web.deps import SignedIn
from datadive.web.notebook_page import EditAccess

IdQuery = Annotated[OneLine, Query(max_length=64)]


@dataclass(frozen=True)
class FormPlace:
    """The notebook's cells, the index the form's cell has (or will have) among them, and
    its template (None when the request names none)."""

    views: list[CellView]
    index: int
    spec: TemplateSpec | None


async def form_place(
    principal: SignedIn,
    session: DbSession,
    access: EditAccess,
    *,
    cell: IdQuery = "",
    after: IdQuery = "",
    template: IdQuery = "",
) -> FormPlace:
    """`cell`: the form of that cell; `after` (with `template`): the add-cell form of a new
    cell after that one (first when empty)."""
    views = await cells.load_cells(session, notebook_id=access.notebook.id)
    by_id = {view.cell.id: view for view in views}
    if cell:
        if cell not in by_id:
            raise Invalid.field("cell", "is not a cell of this notebook")
        view = by_id[cell]
        return FormPlace(views, view.index, view.spec if view.cell.kind == "template" else None)
    if after and after not in by_id:
        raise Invalid.field("after", "is not a cell of this notebook")
    index = by_id[after].index + 1 if after else 0
    spec = None
    if template:
        spec = spec_of(await get_template(session, user=principal.user, template_id=template))
    return FormPlace(views, index, spec)


def offered(found: TableColumns | None, levels: Sequence[str]) -> list[FormColumn]:
    """The columns a picker offers: those of the levels asked for, and those of unknown level
    (a column whose level nobody knows may well be the right one)."""
    if found is None:
        return []
    wanted = set(levels)
    return [c for c in found.columns if not wanted or c.level is None or c.level in wanted]


async def check_columns(
    session: AsyncSession,
    executor: RunExecutor,
    *,
    access: CellAccess | NotebookAccess,
    spec: TemplateSpec,
    inputs: dict[str, Any],
    after: str = "",
) -> None:
    """Refuse a form that names a column its table does not have (when that is known), naming
    the closest match: a cell's form (`access` to the cell), or the add-cell form of a new
    cell `after` another (`access` to the notebook)."""
    if not any(item.type in COLUMN_TYPES for item in spec.inputs):
        return  # before reading the cells: most forms pick no columns
    views = await cells.load_cells(session, notebook_id=access.notebook.id)
    if isinstance(access, CellAccess):
        index = cells.view_of(views, access.cell.id).index
    else:
        index = next((view.index + 1 for view in views if view.cell.id == after), 0)
    await refuse_unknown_columns(
        session,
        executor,
        notebook=access.notebook,
        views=views,
        index=index,
        spec=spec,
        inputs=inputs,
    )
