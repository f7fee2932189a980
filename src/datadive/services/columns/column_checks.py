"""A template form checked against the data it names: an unknown column is refused with the
closest match ("There is no column 'belongin' in df. Did you mean 'belonging'?"), and a number
whose input says `range_of: <column input>` is warned about when it lies outside the values
of those columns (a Likert reversal up to 100 on items from 1 to 5).

The columns come from `column_sources`. When they cannot be known (no kernel, no file
profile), or are not certain to be what the cell will see, nothing is refused.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from datadive.cell_templates.spec import COLUMN_TYPES, TemplateInput, TemplateSpec
from datadive.db.models import Notebook
from datadive.errors import FieldError, Invalid
from datadive.services.authoring.cells import CellView
from datadive.services.columns.column_sources import FormColumn, TableColumns, table_columns
from datadive.services.running.run_executor import RunExecutor
from datadive.storage.base import FileStore

# Applying a form waits at most this long for a kernel busy with a cell.
APPLY_ASK_SECONDS = 1.0


def table_name(spec: TemplateSpec, item: TemplateInput, inputs: Mapping[str, Any]) -> str | None:
    """The table a column input picks from, as the form names it."""
    table = spec.table_of(item)
    value = inputs.get(table.name, table.default) if table is not None else None
    return value if isinstance(value, str) and value else None


def chosen_columns(item: TemplateInput, inputs: Mapping[str, Any]) -> list[str]:
    value = inputs.get(item.name, item.default)
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [name for name in value if isinstance(name, str) and name]
    return []


async def known_tables(
    session: AsyncSession,
    executor: RunExecutor,
    *,
    notebook: Notebook,
    views: Sequence[CellView],
    index: int,
    spec: TemplateSpec,
    inputs: Mapping[str, Any],
    store: FileStore | None = None,
    with_ranges: bool = False,
    seconds: float = APPLY_ASK_SECONDS,
) -> dict[str, TableColumns]:
    """The columns of each table the form's column inputs pick from, where they are known.
    `with_ranges`: also the ranges of the columns that `range_of` inputs look at."""
    wanted: dict[str, list[str]] = {}
    for item in spec.inputs:
        table = table_name(spec, item, inputs) if item.type in COLUMN_TYPES else None
        if table is not None:
            wanted.setdefault(table, [])
    if with_ranges:
        for item in spec.inputs:
            source = spec.input(item.range_of) if item.range_of else None
            table = table_name(spec, source, inputs) if source is not None else None
            if source is not None and table is not None:
                wanted[table] += chosen_columns(source, inputs)
    known: dict[str, TableColumns] = {}
    for table, ranges in wanted.items():
        found = await table_columns(
            session,
            executor,
            notebook=notebook,
            views=views,
            index=index,
            table=table,
            store=store,
            ranges=ranges,
            seconds=seconds,
        )
        if found is not None:
            known[table] = found
    return known


def closest(name: str, names: Sequence[str]) -> str | None:
    """The known name a typo most likely meant (case first, then spelling)."""
    same_case = [known for known in names if known.casefold() == name.casefold()]
    if same_case:
        return same_case[0]
    matches = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return matches[0] if matches else None


def unknown_column(name: str, table: TableColumns) -> str:
    message = f"There is no column {name!r} in {table.table}."
    if (match := closest(name, table.names)) is not None:
        message += f" Did you mean {match!r}?"
    return message


def unknown_columns(
    spec: TemplateSpec, inputs: Mapping[str, Any], known: Mapping[str, TableColumns]
) -> list[FieldError]:
    """One error per column input that names a column its table does not have, when the
    table's columns are certain."""
    errors = []
    for item in spec.inputs:
        if item.type not in COLUMN_TYPES:
            continue
        table = known.get(table_name(spec, item, inputs) or "")
        if table is None or not table.certain:
            continue
        names = set(table.names)
        missing = [name for name in chosen_columns(item, inputs) if name not in names]
        if missing:
            message = " ".join(unknown_column(name, table) for name in missing)
            errors.append(FieldError(f"inputs.{item.name}", message))
    return errors


async def refuse_unknown_columns(
    session: AsyncSession,
    executor: RunExecutor,
    *,
    notebook: Notebook,
    views: Sequence[CellView],
    index: int,
    spec: TemplateSpec,
    inputs: Mapping[str, Any],
) -> None:
    """Invalid naming each column input with an unknown column, for a form applied to a cell
    at `index` of the notebook; nothing when the columns cannot be known."""
    known = await known_tables(
        session, executor, notebook=notebook, views=views, index=index, spec=spec, inputs=inputs
    )
    if errors := unknown_columns(spec, inputs, known):
        # The messages themselves, so that the form's alert (and the API) says what to fix.
        raise Invalid(" ".join(error.message for error in errors), errors=errors)


def show_number(value: float) -> str:
    return f"{value:g}"


def range_warnings(
    spec: TemplateSpec, inputs: Mapping[str, Any], known: Mapping[str, TableColumns]
) -> dict[str, str]:
    """`{input: message}` for each number outside the values of the columns its `range_of`
    input names, where those are known."""
    warnings = {}
    for item in spec.inputs:
        source = spec.input(item.range_of) if item.range_of else None
        value = inputs.get(item.name, item.default)
        if source is None or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        table = known.get(table_name(spec, source, inputs) or "")
        if table is None:
            continue
        found = [table.column(name) for name in chosen_columns(source, inputs)]
        ranged = [c for c in found if isinstance(c, FormColumn) and c.low is not None]
        if not ranged:
            continue
        low = min(c.low for c in ranged if c.low is not None)
        high = max(c.high for c in ranged if c.high is not None)
        if low <= value <= high:
            continue
        names = ", ".join(c.name for c in ranged)
        verb = "holds" if len(ranged) == 1 else "hold"
        warnings[item.name] = (
            f"is {show_number(value)}, but {names} in {table.table} {verb} values from "
            f"{show_number(low)} to {show_number(high)} only"
        )
    return warnings
