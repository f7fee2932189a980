"""Where a form learns the columns of a table: the notebook's running kernel, or, before
anything ran, the stored profile of the file that the import cell defining the table reads.

Nothing is started to find out. The kernel is asked first (labels and levels from
`df.attrs["datadive"]`, levels guessed from dtypes otherwise); when it runs no such table,
the cells before the form are walked back to the template cell that defines the table and
whose `file` input names a project file, and that file's metadata gives the columns (with a
`.qsf` input, `file_previews.with_definition` adds the question texts and levels from the
survey definition too).

`certain` says whether the list is exactly what the cell will see, so that an unknown column
may be refused: not when a cell in between that may change the table has not run (kernel), or
anything but the import cell touches the table in between (file).
"""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.db.models import File, Notebook
from datadive.errors import DatadiveError
from datadive.files import preview
from datadive.files.metadata import FORMATS
from datadive.schemas.files import WORKSPACE_FOLDER
from datadive.services.authoring.cells import CellView
from datadive.services.data_files.file_previews import with_definition
from datadive.services.running.kernel_variables import ASK_SECONDS, table_facts
from datadive.services.running.run_executor import RunExecutor
from datadive.storage.base import FileStore

# The formats that hold a table: all that files are read as, but a survey definition.
TABLE_FORMATS = (set(FORMATS) - {"qsf"}) | {"qualtrics"}


@dataclass(frozen=True)
class FormColumn:
    """A column as a form shows it. `low`/`high`: the smallest and largest value it holds
    (or has a value label for), when asked for and known."""

    name: str
    label: str | None = None
    level: str | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class TableColumns:
    table: str
    columns: tuple[FormColumn, ...]
    # "kernel", or the project path of the file whose profile the columns come from.
    origin: str
    certain: bool

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> FormColumn | None:
        return next((column for column in self.columns if column.name == name), None)


@dataclass(frozen=True)
class Import:
    """The cell that reads the table from a project file, and the files it names."""

    view: CellView
    table_file: File
    qsf_file: File | None
    # Only the import cell touches the table between it and the form.
    alone: bool


async def table_columns(
    session: AsyncSession,
    executor: RunExecutor,
    *,
    notebook: Notebook,
    views: Sequence[CellView],
    index: int,
    table: str,
    store: FileStore | None = None,
    ranges: Sequence[str] = (),
    seconds: float = ASK_SECONDS,
) -> TableColumns | None:
    """The columns of `table` as a cell at `index` (in `views`) can use them; None when they
    cannot be known. `store` lets the file profile read the files (`.qsf` labels, `ranges`);
    without it only the stored metadata is used."""
    facts = await table_facts(
        executor, notebook=notebook, table=table, ranges=ranges, seconds=seconds
    )
    if facts is not None:
        columns = tuple(
            FormColumn(f["name"], f["label"], f["measurement"], f.get("min"), f.get("max"))
            for f in facts
        )
        return TableColumns(table, columns, "kernel", kernel_is_current(views, index, table))
    found = await import_of(session, notebook=notebook, views=views, index=index, table=table)
    if found is None:
        return None
    metadata = found.table_file.file_metadata or {}
    if store is not None and (found.qsf_file is not None or ranges):
        metadata = await read_files(found, store=store, ranges=ranges) or metadata
    described = file_columns(metadata, sheet=sheet_of(found.view))
    if described is None:
        return None
    certain = found.alone and plain_header(metadata, found.view)
    return TableColumns(table, described, found.table_file.path, certain)


def may_change(view: CellView, table: str) -> bool:
    """Whether a cell may change what `table` holds: it defines it, or it is code using it."""
    if table in view.defines:
        return True
    return view.cell.kind == "code" and table in view.uses


def kernel_is_current(views: Sequence[CellView], index: int, table: str) -> bool:
    """The kernel's table is what the cell at `index` will see when every cell before it that
    may change the table has run since its last change, and none from it on has run since
    (the kernel's table may be that cell's own result: a renamed column is gone from it)."""
    changing = [view for view in views if may_change(view, table)]
    return all(view.cell.status == "ok" for view in changing if view.index < index) and all(
        view.cell.status == "idle" for view in changing if view.index >= index
    )


async def import_of(
    session: AsyncSession,
    *,
    notebook: Notebook,
    views: Sequence[CellView],
    index: int,
    table: str,
) -> Import | None:
    """The nearest template cell before `index` that defines `table` from a project file.
    Cells that rework the table (template cells that take it and give it back, code that
    reads it) are stepped over; any other cell defining it ends the search."""
    alone = True
    for view in reversed(views[:index]):
        if not may_change(view, table):
            continue
        spec = view.spec if view.cell.kind == "template" else None
        if spec is None:
            # Code that reworks the table (`df["total"] = …`) keeps its columns, mostly.
            if not code_reads(view.cell.source, table):
                return None
            alone = False
            continue
        if table not in view.defines:
            return None
        inputs = view.cell.inputs or {}
        paths = [project_path(inputs.get(item.name)) for item in spec.inputs if item.type == "file"]
        files = await files_at(session, project_id=notebook.project_id, paths=paths)
        tables = [file for file in files if file_format(file) in TABLE_FORMATS]
        if tables:
            qsf = next((file for file in files if file_format(file) == "qsf"), None)
            return Import(view, tables[0], qsf, alone)
        if table not in view.uses:
            return None
        alone = False
    return None


def code_reads(source: str, name: str) -> bool:
    """Whether code reads the variable `name` (not only assigns it)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(
        isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
        for node in ast.walk(tree)
    )


def project_path(value: Any) -> str | None:
    """A `file` input's value (`data/<path>`, as the kernel opens it) as a project path."""
    if not isinstance(value, str):
        return None
    path = PurePosixPath(value)
    if path.parts[:1] != (WORKSPACE_FOLDER,) or len(path.parts) < 2:
        return None
    return str(PurePosixPath(*path.parts[1:]))


async def files_at(
    session: AsyncSession, *, project_id: str, paths: Sequence[str | None]
) -> list[File]:
    wanted = [path for path in paths if path]
    if not wanted:
        return []
    found = await session.scalars(
        sa.select(File).where(File.project_id == project_id, File.path.in_(wanted))
    )
    by_path = {file.path: file for file in found}
    return [by_path[path] for path in wanted if path in by_path]


def file_format(file: File) -> str:
    metadata = file.file_metadata or {}
    return "" if "problem" in metadata else str(metadata.get("format", ""))


def sheet_of(view: CellView) -> str | None:
    sheet = (view.cell.inputs or {}).get("sheet")
    return sheet if isinstance(sheet, str) and sheet else None


def plain_header(metadata: Mapping[str, Any], view: CellView) -> bool:
    """Whether the file's column names are the table's: not when the import reads another
    header row, or renames the columns of a legacy Qualtrics export."""
    header_row = (view.cell.inputs or {}).get("header_row")
    qualtrics = metadata.get("qualtrics")
    legacy = isinstance(qualtrics, dict) and qualtrics.get("export") != "three_header_rows"
    return header_row in (None, 1) and not legacy


def file_columns(
    metadata: Mapping[str, Any], *, sheet: str | None = None
) -> tuple[FormColumn, ...] | None:
    """Columns from file metadata (and a preview's profile, when it holds one)."""
    described: Any = metadata.get("columns")
    if sheet is not None:
        sheets = metadata.get("sheets") or []
        chosen = next((s for s in sheets if isinstance(s, dict) and s.get("name") == sheet), None)
        if chosen is None:
            return None
        described = chosen.get("schema")
    if not isinstance(described, list) or not described:
        return None
    profile = metadata.get("profile") or {}
    profiles = {p.get("name"): p for p in profile.get("columns") or [] if isinstance(p, dict)}
    columns = []
    for column in described:
        if not isinstance(column, dict) or not isinstance(column.get("name"), str):
            continue
        low, high = value_range(column, profiles.get(column["name"]) or {})
        label = column.get("label")
        level = column.get("measurement")
        columns.append(
            FormColumn(
                column["name"],
                label if isinstance(label, str) and label.strip() else None,
                level if isinstance(level, str) else None,
                low,
                high,
            )
        )
    return tuple(columns)


def value_range(
    column: Mapping[str, Any], profile: Mapping[str, Any]
) -> tuple[float | None, float | None]:
    """The smallest and largest number among the profiled values and the labelled values."""
    found = [profile.get("min"), profile.get("max")]
    found += [
        pair.get("value") for pair in column.get("value_labels") or [] if isinstance(pair, dict)
    ]
    numbers = [
        float(value)
        for value in found
        if isinstance(value, int | float) and not isinstance(value, bool)
    ]
    return (min(numbers), max(numbers)) if numbers else (None, None)


async def read_files(
    found: Import, *, store: FileStore, ranges: Sequence[str]
) -> dict[str, Any] | None:
    """The table file's metadata with the `.qsf` read in, and its preview's profile when
    `ranges` are wanted; None when the stored bytes cannot be read."""
    metadata = dict(found.table_file.file_metadata or {})
    table_suffix = PurePosixPath(found.table_file.path).suffix
    try:
        async with store.local_copy(found.table_file.storage_key, suffix=table_suffix) as data:
            if found.qsf_file is not None and metadata.get("format") == "qualtrics":
                async with store.local_copy(found.qsf_file.storage_key, suffix=".qsf") as qsf:
                    metadata = await with_definition(data, qsf, metadata)
            if ranges:
                shown = await asyncio.to_thread(
                    preview,
                    data,
                    str(metadata.get("format")),
                    metadata=metadata,
                    rows=0,
                    sheet=sheet_of(found.view),
                )
                metadata = {**metadata, "profile": shown.get("profile")}
    except (DatadiveError, FileNotFoundError, OSError):
        return None
    return metadata
