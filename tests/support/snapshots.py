"""Everything Datadive keeps, read back: every row of every table, and the files of the data
folder, to show that a refused request changed nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.base import Base

Rows = dict[str, list[tuple[Any, ...]]]


async def database_rows(app: FastAPI, *, ignore: Iterable[str] = ()) -> Rows:
    """Every row of every table, in a stable order. `ignore` names columns (`table.column`)
    that may change without anybody changing anything, such as when a token was last used."""
    skipped = set(ignore)
    rows: Rows = {}
    async with app.state.database.new_session() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if f"{table.name}.{c.name}" not in skipped]
            result = await session.execute(sa.select(*columns))
            rows[table.name] = sorted((tuple(row) for row in result), key=repr)
    return rows


def stored_files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The names (tables, files) whose content differs: an assertion message that says where
    to look."""
    return [
        name for name in sorted(before.keys() | after.keys()) if before.get(name) != after.get(name)
    ]


@dataclass(frozen=True)
class Stored:
    rows: Rows
    files: dict[str, bytes]


async def everything_stored(app: FastAPI, *, ignore: Iterable[str] = ()) -> Stored:
    """The app's database rows (see `database_rows` for `ignore`) and its data folder."""
    folder = app.state.settings.resolved_data_dir
    return Stored(await database_rows(app, ignore=ignore), stored_files(folder))


def changes(before: Stored, after: Stored) -> list[str]:
    """What differs between two snapshots: `table <name>` and `file <path>`."""
    return [f"table {name}" for name in changed(before.rows, after.rows)] + [
        f"file {name}" for name in changed(before.files, after.files)
    ]
