"""`datadive backup DEST`: workspaces, then the database, then the blobs its file rows use.

Order matters. The workspaces are copied before the database, so a notebook file in the
copy is never newer than the cells in the copy (an older `.ipynb` is merged on its known
revision and then written anew; a newer one would look like edits made in JupyterLab).
Blobs are copied after the database, and only those its file rows point at: blobs are
content-addressed and never change, so each one copied is the one the row means. A blob
deleted between the database copy and its own copy (its file was deleted meanwhile) is
caught: the database is copied again and the blobs the new copy needs are fetched, so that
every file row in the backup has its bytes.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from datadive import __version__
from datadive.backups import postgres
from datadive.backups.folders import copy_workspaces
from datadive.backups.manifest import (
    BLOBS_FOLDER,
    DATABASE_FILE,
    WORKSPACES_FOLDER,
    Entry,
    Manifest,
)
from datadive.backups.sqlite_copy import DatabaseFacts, copy_database, read_facts
from datadive.config import Settings
from datadive.db.engine import Database
from datadive.errors import BackupRefused
from datadive.execution.factory import local_workspaces
from datadive.storage.base import FileStore, key_for
from datadive.storage.factory import build_file_store

Progress = Callable[[str, int, int], None]
SNAPSHOT_ATTEMPTS = 3


def no_progress(_what: str, _done: int, _total: int) -> None:
    return None


@dataclass(frozen=True)
class BackupMade:
    folder: Path
    manifest: Manifest


def prepare_destination(destination: Path, *, data_dir: Path) -> Path:
    """A new or empty folder outside the data dir that can be written."""
    folder = destination.expanduser().resolve()
    if folder.is_relative_to(data_dir):
        raise BackupRefused(
            f"{folder} is inside the data folder {data_dir}: put the backup elsewhere (ideally "
            "on another disk), where it is not lost with the data"
        )
    if folder.exists() and not folder.is_dir():
        raise BackupRefused(f"{folder} is a file: give a new or empty folder for the backup")
    if folder.is_dir() and any(folder.iterdir()):
        raise BackupRefused(
            f"{folder} is not empty: give a new or empty folder, so that no backup is mixed "
            "with another"
        )
    try:
        # Readable by Datadive's user only: it holds every file and the password hashes.
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise BackupRefused(f"{folder} cannot be written: {exc.strerror or exc}") from None
    return folder


async def create_backup(
    settings: Settings,
    destination: Path,
    *,
    files_only: bool = False,
    progress: Progress = no_progress,
) -> BackupMade:
    database = Database(settings.resolved_database_url)
    if database.dialect == "postgresql" and not files_only:
        await database.dispose()
        raise BackupRefused(postgres.backup_instructions(database, destination))
    folder = prepare_destination(destination, data_dir=settings.resolved_data_dir)
    store = build_file_store(settings)
    try:
        manifest = await _fill(
            settings,
            folder=folder,
            database=database,
            store=store,
            files_only=files_only,
            progress=progress,
        )
    except BaseException:
        for entry in folder.iterdir():  # nothing half-made is left to be taken for a backup
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        raise
    finally:
        await store.close()
        await database.dispose()
    return BackupMade(folder=folder, manifest=manifest)


async def _fill(
    settings: Settings,
    *,
    folder: Path,
    database: Database,
    store: FileStore,
    files_only: bool,
    progress: Progress,
) -> Manifest:
    entries: dict[str, Entry] = {}
    workspaces = local_workspaces(settings)
    if workspaces is not None:
        copied = await asyncio.to_thread(
            copy_workspaces, workspaces, folder / WORKSPACES_FOLDER, prefix=WORKSPACES_FOLDER
        )
        entries.update(copied)
        progress("workspace files copied", len(copied), len(copied))
    fetched: dict[str, Entry] = {}
    missing: list[str] = []
    for _attempt in range(SNAPSHOT_ATTEMPTS):
        facts = await _snapshot(folder, database, files_only)
        wanted = sorted({row.storage_key for row in facts.file_rows})
        missing = await _copy_blobs(store, folder, wanted, fetched, progress)
        if not missing:
            break
    # Blobs fetched for an earlier snapshot that the last one no longer uses.
    for key in set(fetched) - set(wanted):
        (folder / BLOBS_FOLDER / key).unlink()
        del fetched[key]
    entries.update({f"{BLOBS_FOLDER}/{key}": entry for key, entry in fetched.items()})
    includes_database = not files_only
    if includes_database:
        copy = folder / DATABASE_FILE
        entries[DATABASE_FILE] = Entry.of_file(copy)
    manifest = Manifest(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        datadive_version=__version__,
        database_kind=database.dialect,
        schema_revision=facts.schema_revision,
        counts=facts.counts,
        files=entries,
        missing_blobs=missing,
        includes_database=includes_database,
    )
    manifest.write(folder)
    return manifest


async def _snapshot(folder: Path, database: Database, files_only: bool) -> DatabaseFacts:
    if files_only:
        return await postgres.read_file_rows(database)
    source = database.sqlite_path
    if source is None:
        raise BackupRefused("the database is in memory: there is nothing on disk to back up")
    copy = folder / DATABASE_FILE
    copy.unlink(missing_ok=True)
    await asyncio.to_thread(copy_database, source, copy)
    return await asyncio.to_thread(read_facts, copy)


async def _copy_blobs(
    store: FileStore, folder: Path, keys: list[str], fetched: dict[str, Entry], progress: Progress
) -> list[str]:
    """Copy the blobs not fetched yet; the keys the store lacks (or holds damaged)."""
    missing: list[str] = []
    todo = [key for key in keys if key not in fetched]
    for done, key in enumerate(todo, start=1):
        target = folder / BLOBS_FOLDER / key
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            await store.copy_to(key, target)
        except FileNotFoundError:
            missing.append(key)
            continue
        entry = await asyncio.to_thread(Entry.of_file, target)
        if key_for(entry.sha256) != key:
            target.unlink()
            missing.append(key)
            continue
        fetched[key] = entry
        progress("stored files copied", done, len(todo))
    return missing
