"""A consistent copy of a live SQLite database with SQLite's online backup API.

Datadive runs SQLite in WAL mode: the copy is read in one step inside one read transaction,
so it holds every transaction committed before it started and none after, while Datadive
keeps writing (writers are not blocked by a reader in WAL mode)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datadive.errors import BackupRefused

SCHEMA_TABLE = "alembic_version"


@dataclass(frozen=True)
class FileRow:
    project_id: str
    path: str
    storage_key: str
    sha256: str
    size: int
    # The project is not deleted: its workspace gets the file under `data/` on restore.
    in_live_project: bool = True


def file_row(row: Sequence[Any]) -> FileRow:
    """From (project_id, path, storage_key, sha256, size, project not deleted)."""
    project_id, path, storage_key, sha256, size, live = row
    return FileRow(project_id, path, storage_key, sha256, int(size), in_live_project=bool(live))


@dataclass(frozen=True)
class DatabaseFacts:
    schema_revision: str | None
    counts: dict[str, int]
    file_rows: list[FileRow]


@contextlib.contextmanager
def _open(path: Path, *, read_only: bool) -> Iterator[sqlite3.Connection]:
    uri = f"{path.resolve().as_uri()}?mode={'ro' if read_only else 'rwc'}"
    connection = sqlite3.connect(uri, uri=True)
    try:
        yield connection
    finally:
        connection.close()


def copy_database(source: Path, target: Path) -> None:
    """Copy the live database at `source` into the new file `target`."""
    if not source.is_file():
        raise BackupRefused(f"there is no database at {source}: nothing to back up")
    target.parent.mkdir(parents=True, exist_ok=True)
    with _open(source, read_only=True) as live, _open(target, read_only=False) as copy:
        live.execute("PRAGMA busy_timeout=5000")
        live.backup(copy)  # pages=-1: all in one step, one consistent snapshot
        # The copy is one self-contained file, whatever the source's journal mode.
        copy.execute("PRAGMA journal_mode=DELETE")


def read_facts(path: Path) -> DatabaseFacts:
    """Check the copy (`PRAGMA integrity_check`) and read what the manifest records."""
    try:
        with _open(path, read_only=True) as copy:
            verdict = [row[0] for row in copy.execute("PRAGMA integrity_check")]
            if verdict != ["ok"]:
                raise BackupRefused(
                    f"the database copy {path} fails SQLite's integrity check: "
                    + "; ".join(verdict[:3])
                )
            tables = [
                row[0]
                for row in copy.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            counts = {
                table: copy.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
                for table in tables
                if table != SCHEMA_TABLE
            }
            revision = None
            if SCHEMA_TABLE in tables:
                row = copy.execute(f"SELECT version_num FROM {SCHEMA_TABLE}").fetchone()  # noqa: S608
                revision = row[0] if row else None
            rows: list[FileRow] = []
            if "files" in tables:
                rows = [
                    file_row(row)
                    for row in copy.execute(
                        "SELECT f.project_id, f.path, f.storage_key, f.sha256, f.size, "
                        "p.deleted_at IS NULL FROM files f JOIN projects p ON p.id = f.project_id"
                    )
                ]
    except sqlite3.DatabaseError as exc:
        raise BackupRefused(f"the database copy {path} cannot be read: {exc}") from None
    return DatabaseFacts(schema_revision=revision, counts=counts, file_rows=rows)
