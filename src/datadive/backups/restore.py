"""`datadive restore SRC`: prove the backup intact, stage everything beside its final place,
then move it in with renames. A failure before the moves leaves the data dir as it was."""

from __future__ import annotations

import asyncio
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from datadive.backups import postgres
from datadive.backups.create import Progress, no_progress
from datadive.backups.folders import place_in_workspace
from datadive.backups.in_use import data_dir_to_myself
from datadive.backups.manifest import (
    BLOBS_FOLDER,
    DATABASE_FILE,
    WORKSPACES_FOLDER,
    Manifest,
)
from datadive.backups.placing import Placement, aside_name, has_content, remove_tree
from datadive.backups.sqlite_copy import FileRow, read_facts
from datadive.config import Settings
from datadive.db.engine import Database
from datadive.db.schema import UPGRADE_COMMAND, head_revision, revisions_oldest_first
from datadive.errors import BackupRefused, DatadiveError
from datadive.execution.factory import local_workspaces
from datadive.services.data_files.workspace_files import STATE_FOLDER as WORKSPACE_STATE
from datadive.startup import ensure_data_dir
from datadive.storage.base import FileStore
from datadive.storage.factory import build_file_store
from datadive.storage.local import LocalFileStore

SHOWN_PROBLEMS = 5


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    moved_aside: list[Path]
    schema_note: str | None


def open_backup(source: Path) -> tuple[Path, Manifest]:
    folder = source.expanduser().resolve()
    if not folder.is_dir():
        raise BackupRefused(f"{folder} is not a folder: give the folder `datadive backup` wrote")
    return folder, Manifest.read(folder)


def check_backup(
    folder: Path, manifest: Manifest, *, files_only: bool, progress: Progress = no_progress
) -> list[FileRow]:
    """Every file as the manifest says, and every file row with its blob; the file rows."""
    problems = manifest.problems(
        folder, checked=lambda done, total: progress("files checked", done, total)
    )
    if problems:
        shown = "; ".join(problems[:SHOWN_PROBLEMS])
        more = f" (and {len(problems) - SHOWN_PROBLEMS} more)" if len(problems) > 5 else ""
        raise BackupRefused(
            f"the backup in {folder} is damaged, nothing was restored: {len(problems)} "
            f"file(s) do not match its manifest: {shown}{more}"
        )
    if files_only or not manifest.includes_database:
        return []
    rows = read_facts(folder / DATABASE_FILE).file_rows
    present = {name.removeprefix(f"{BLOBS_FOLDER}/") for name in manifest.files}
    lacking = {row.storage_key for row in rows} - present - set(manifest.missing_blobs)
    if lacking:
        raise BackupRefused(
            f"the backup in {folder} is incomplete, nothing was restored: {len(lacking)} "
            f"stored file(s) its database needs are not in it (e.g. {sorted(lacking)[0]})"
        )
    return rows


def check_schema(manifest: Manifest) -> str | None:
    """Refuse a database from a newer Datadive; a note when it needs an upgrade."""
    revision = manifest.schema_revision
    if revision is None or revision == head_revision():
        return None
    if revision not in revisions_oldest_first():
        raise BackupRefused(
            f"the backup's database is at schema revision {revision}, which this Datadive "
            f"(expecting {head_revision()}) does not know: restore it with the Datadive "
            f"version that made it ({manifest.datadive_version}) or a newer one"
        )
    return (
        f"the restored database is at schema revision {revision}, older than this Datadive's "
        f"{head_revision()}: `datadive serve` upgrades it (keeping a copy), or run "
        f"`{UPGRADE_COMMAND}`"
    )


async def restore_backup(
    settings: Settings,
    source: Path,
    *,
    force: bool = False,
    files_only: bool = False,
    progress: Progress = no_progress,
) -> Restored:
    folder, manifest = await asyncio.to_thread(open_backup, source)
    database = Database(settings.resolved_database_url)
    store = build_file_store(settings)
    try:
        target_db = _target_database(database, folder, manifest, files_only=files_only)
        note = None if files_only else check_schema(manifest)
        rows = await asyncio.to_thread(
            check_backup, folder, manifest, files_only=files_only, progress=progress
        )
        if files_only:
            rows = await _live_file_rows(database)
        data_dir = ensure_data_dir(settings)
        with data_dir_to_myself(data_dir):
            moved = await _restore(
                settings,
                folder=folder,
                manifest=manifest,
                store=store,
                rows=rows,
                target_db=target_db,
                force=force,
                progress=progress,
            )
    finally:
        await store.close()
        await database.dispose()
    return Restored(manifest=manifest, moved_aside=moved, schema_note=note)


async def _live_file_rows(database: Database) -> list[FileRow]:
    """The file rows of the database restored beforehand (from its dump)."""
    try:
        return (await postgres.read_file_rows(database)).file_rows
    except BackupRefused as exc:
        raise BackupRefused(
            f"{exc.detail}: restore it from its dump first, then run "
            "`datadive restore --files-only`"
        ) from None


def _target_database(
    database: Database, folder: Path, manifest: Manifest, *, files_only: bool
) -> Path | None:
    if files_only:
        return None
    if not manifest.includes_database:
        raise BackupRefused(
            f"the backup in {folder} holds no database (it was made with --files-only): "
            "restore the database from its dump, then run `datadive restore --files-only`"
        )
    if database.dialect == "postgresql":
        raise BackupRefused(postgres.restore_instructions(database, folder))
    if database.sqlite_path is None:
        raise BackupRefused("the configured database is in memory: configure a SQLite file")
    return database.sqlite_path


async def _restore(
    settings: Settings,
    *,
    folder: Path,
    manifest: Manifest,
    store: FileStore,
    rows: list[FileRow],
    target_db: Path | None,
    force: bool,
    progress: Progress,
) -> list[Path]:
    data_dir = settings.resolved_data_dir
    workspaces = local_workspaces(settings)
    local_root = store.root if isinstance(store, LocalFileStore) else None
    targets = [path for path in (target_db, local_root, workspaces) if path is not None]
    occupied = [path for path in targets if has_content(path)]
    if occupied and not force:
        raise BackupRefused(
            f"{occupied[0]} already holds data: restore into an empty data dir, or add --force "
            "to move what is there aside (kept in a `replaced-by-restore-…` folder beside it)"
        )
    token = secrets.token_hex(4)
    stage = data_dir / f".restoring-{token}"
    staged_db = target_db.with_name(f".{target_db.name}.restoring-{token}") if target_db else None
    placement = Placement(aside_name=aside_name())
    try:
        stage.mkdir()
        blobs = [name for name in manifest.files if name.startswith(f"{BLOBS_FOLDER}/")]
        if local_root is not None and local_root.is_relative_to(data_dir):
            await asyncio.to_thread(_stage_blobs, folder, blobs, stage / "files", progress)
            placement.add(stage / "files", local_root)
        else:  # a store elsewhere: content-addressed, so adding blobs changes no file
            await _put_blobs(folder, blobs, store, progress)
        if workspaces is not None:
            await asyncio.to_thread(
                _stage_workspaces, folder, manifest, rows, stage / WORKSPACES_FOLDER
            )
            placement.add(stage / WORKSPACES_FOLDER, workspaces)
            # What the old workspaces held, per project: it would mislead the next sync.
            placement.clear.append(data_dir / WORKSPACE_STATE)
        if target_db is not None and staged_db is not None:
            await asyncio.to_thread(shutil.copyfile, folder / DATABASE_FILE, staged_db)
            placement.clear += [
                target_db.with_name(f"{target_db.name}-{end}") for end in ("wal", "shm")
            ]
            placement.add(staged_db, target_db)  # last: the database says it is all there
        await asyncio.to_thread(placement.apply)
    except (OSError, DatadiveError) as exc:
        detail = exc.detail if isinstance(exc, DatadiveError) else str(exc)
        raise BackupRefused(f"the restore failed, nothing was changed: {detail}") from None
    finally:
        remove_tree(stage)
        if staged_db is not None:
            staged_db.unlink(missing_ok=True)
    return placement.moved_aside


def _stage_blobs(folder: Path, blobs: list[str], target: Path, progress: Progress) -> None:
    target.mkdir()
    for done, name in enumerate(blobs, start=1):
        copy = target / name.removeprefix(f"{BLOBS_FOLDER}/")
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / name, copy)
        copy.chmod(0o444)  # as the store keeps them: blobs never change in place
        progress("stored files restored", done, len(blobs))


async def _put_blobs(folder: Path, blobs: list[str], store: FileStore, progress: Progress) -> None:
    for done, name in enumerate(blobs, start=1):
        await store.put(folder / name, sha256=name.rsplit("/", 1)[-1])
        progress("stored files restored", done, len(blobs))


def _stage_workspaces(folder: Path, manifest: Manifest, rows: list[FileRow], target: Path) -> None:
    """The workspace files the manifest lists (and so were verified), then each live
    project's stored files under its `data/`."""
    target.mkdir()
    prefix = f"{WORKSPACES_FOLDER}/"
    for name in manifest.files:
        if name.startswith(prefix):
            copy = target / name.removeprefix(prefix)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / name, copy)
    for row in rows:
        blob = folder / BLOBS_FOLDER / row.storage_key
        if row.in_live_project and f"{BLOBS_FOLDER}/{row.storage_key}" in manifest.files:
            place_in_workspace(target, project_id=row.project_id, path=row.path, blob=blob)
