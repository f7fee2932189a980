"""Project files as plain files under `data/` in the project's Jupyter working folder (local
backend), both ways: uploads, renames, copies and deletes are mirrored into the folder, and
`sync_workspace_files` takes what kernel code wrote there back into the store.

Workspace copies are real copies (a copy-on-write clone where the filesystem offers one),
never hard links: kernel code that overwrites `data/survey.csv` must not change the stored
blob, which other files and projects may share.

A small manifest per project (outside the workspace, in the data dir) remembers what was put
in the folder (path → hash, size, modification time), so a sync hashes only files that changed,
and deletes a file's row only when a file it had put there is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import secrets
import shutil
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from datadive.db.engine import Database
from datadive.db.models import File, Project
from datadive.errors import DatadiveError
from datadive.execution.backend import ExecutionBackend
from datadive.execution.local import LocalBackend
from datadive.schemas.files import WORKSPACE_FOLDER
from datadive.services.data_files.file_paths import normalize_path
from datadive.services.data_files.files import release_blobs, store_file
from datadive.storage.base import FileStore, hash_file

log = logging.getLogger(__name__)
FICLONE = 0x40049409  # Linux ioctl: share the blocks, copy on write
Manifest = dict[str, list[Any]]  # path -> [sha256, size, mtime_ns]
STATE_FOLDER = "workspace-files"  # in the data dir: one manifest per project


def clone_or_copy(source: Path, target: Path) -> None:
    """Copy `source` to `target` in one step (a partial file renamed into place)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    try:
        with source.open("rb") as src, partial.open("wb") as dst:
            try:
                fcntl.ioctl(dst.fileno(), FICLONE, src.fileno())
            except OSError:
                shutil.copyfileobj(src, dst, 1024 * 1024)
        partial.chmod(0o644)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def stat_of(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns


def scan_folder(root: Path) -> dict[str, Path]:
    """Regular files under `root` by normalized path; hidden names, symlinks and names that
    are not safe project paths are skipped."""
    found: dict[str, Path] = {}
    if not root.is_dir():
        return found
    for folder, folders, names in os.walk(root, followlinks=False):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in names:
            path = Path(folder) / name
            if name.startswith(".") or path.is_symlink() or not path.is_file():
                continue
            relative = path.relative_to(root).as_posix()
            try:
                if normalize_path(relative) == relative:
                    found[relative] = path
            except DatadiveError:
                continue
    return found


class WorkspaceFiles:
    def __init__(
        self,
        *,
        database: Database,
        store: FileStore,
        backend: ExecutionBackend,
        state_dir: Path,
        quota_bytes: int,
    ) -> None:
        self.database = database
        self.store = store
        self.backend = backend
        self.state_dir = state_dir
        self.quota_bytes = quota_bytes
        self.locks: dict[str, asyncio.Lock] = {}
        # Projects whose rows and folder this process has compared once: later syncs skip
        # the database while the folder is as the manifest says (see `folder_as_left`).
        self.reconciled: set[str] = set()

    def folder(self, project_id: str) -> Path | None:
        """The project's `data/` folder, or None when the backend keeps no local workspace."""
        if not isinstance(self.backend, LocalBackend):
            return None
        return self.backend.workspace(project_id) / WORKSPACE_FOLDER

    def lock(self, project_id: str) -> asyncio.Lock:
        return self.locks.setdefault(project_id, asyncio.Lock())

    def manifest_path(self, project_id: str) -> Path:
        return self.state_dir / f"{project_id}.json"

    def read_manifest(self, project_id: str) -> Manifest:
        try:
            data = json.loads(self.manifest_path(project_id).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def write_manifest(self, project_id: str, manifest: Manifest) -> None:
        target = self.manifest_path(project_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
        partial.write_text(json.dumps(manifest), "utf-8")
        os.replace(partial, target)

    def inside(self, root: Path, path: str) -> Path:
        target = (root / path).resolve()
        if not target.is_relative_to(root.resolve()):
            raise ValueError(f"{path!r} is not inside {root}")
        return target

    async def _put_in_folder(self, root: Path, manifest: Manifest, row: File) -> None:
        target = self.inside(root, row.path)
        local = self.store.local_path(row.storage_key)
        if local is not None:
            await asyncio.to_thread(clone_or_copy, local, target)
        else:
            await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
            await self.store.copy_to(row.storage_key, target)
        manifest[row.path] = [row.sha256, *stat_of(target)]

    def _remove_from_folder(self, root: Path, manifest: Manifest, path: str) -> None:
        manifest.pop(path, None)
        target = self.inside(root, path)
        if target.is_file() and not target.is_symlink():
            target.unlink()
        # Drop folders the file leaves empty, up to data/ itself.
        folder = target.parent
        while folder != root.resolve() and folder.is_relative_to(root.resolve()):
            with contextlib.suppress(OSError):
                folder.rmdir()
            folder = folder.parent

    async def mirror(self, project_id: str, *, removed: list[str], file_ids: list[str]) -> None:
        """After a commit: take `removed` paths out of the folder and put the files with
        `file_ids` in. Failures are logged: the store stays the source of truth."""
        root = self.folder(project_id)
        if root is None:
            return
        async with self.lock(project_id):
            manifest = await asyncio.to_thread(self.read_manifest, project_id)
            try:
                for path in removed:
                    await asyncio.to_thread(self._remove_from_folder, root, manifest, path)
                async with self.database.new_session() as session:
                    rows = (
                        await session.scalars(sa.select(File).where(File.id.in_(file_ids)))
                    ).all()
                for row in rows:
                    await self._put_in_folder(root, manifest, row)
            except (OSError, ValueError) as exc:
                log.warning("could not update the workspace of %s: %s", project_id, exc)
            finally:
                await asyncio.to_thread(self.write_manifest, project_id, manifest)

    async def sync_workspace_files(self, project_id: str) -> None:
        """Bring files written by kernel code under `data/` into the store and the files
        table, drop rows whose file was deleted there, and put back files the folder lacks.

        Call after each run. A file that cannot be taken (content that does not match its
        name, over the quota) is left in the folder and logged. Once this process has compared
        a project's rows with its folder, a folder still as the manifest describes it is taken
        for in step (nothing to read or write): a row whose file never reached the folder (a
        failed mirror in another process) is put back at the next sync that finds a change, or
        after a restart."""
        root = self.folder(project_id)
        if root is None:
            return
        released: list[str] = []
        async with self.lock(project_id):
            if project_id in self.reconciled and await asyncio.to_thread(
                self.folder_as_left, project_id, root
            ):
                return  # most runs write no files: no query, no hashing
            manifest = await asyncio.to_thread(self.read_manifest, project_id)
            try:
                released = await self._sync(project_id, root, manifest)
            finally:
                await asyncio.to_thread(self.write_manifest, project_id, manifest)
            self.reconciled.add(project_id)
        await release_blobs(database=self.database, store=self.store, keys=released)

    def folder_as_left(self, project_id: str, root: Path) -> bool:
        """The folder holds exactly the files the manifest lists, each with the size and
        modification time it had when it was put there or taken."""
        if not self.manifest_path(project_id).is_file():
            return False
        manifest = self.read_manifest(project_id)
        on_disk = scan_folder(root)
        if on_disk.keys() != manifest.keys():
            return False
        try:
            return all(list(stat_of(path)) == manifest[name][1:] for name, path in on_disk.items())
        except OSError:
            return False

    async def _sync(self, project_id: str, root: Path, manifest: Manifest) -> list[str]:
        on_disk = await asyncio.to_thread(scan_folder, root)
        released: list[str] = []
        missing: list[File] = []
        async with self.database.transaction() as session:
            project = await session.get(Project, project_id)
            if project is None or project.deleted_at is not None or project.archived:
                return released
            rows = {
                row.path: row
                for row in (
                    await session.scalars(sa.select(File).where(File.project_id == project_id))
                ).all()
            }
            for path, row in rows.items():
                if path in on_disk:
                    continue
                if path in manifest:  # it was in the folder, and kernel code deleted it
                    manifest.pop(path)
                    released.append(row.storage_key)
                    await session.delete(row)
                else:
                    missing.append(row)
            await session.flush()
            for path, file_path in on_disk.items():
                size, mtime = await asyncio.to_thread(stat_of, file_path)
                known = manifest.get(path)
                current = rows.get(path)
                stored = current.sha256 if current is not None else None
                if known is not None and known == [stored, size, mtime]:
                    continue
                digest = await asyncio.to_thread(hash_file, file_path)
                if stored == digest:
                    manifest[path] = [digest, size, mtime]
                    continue
                try:
                    # Every check comes before the first write: a refusal leaves nothing behind.
                    change = await store_file(
                        session,
                        project_id=project_id,
                        path=path,
                        source=file_path,
                        sha256=digest,
                        size=size,
                        store=self.store,
                        overwrite=True,
                        quota_bytes=self.quota_bytes,
                    )
                except DatadiveError as exc:
                    log.warning("not taking data/%s of %s: %s", path, project_id, exc.detail)
                    continue
                released.extend(change.released_keys)
                manifest[path] = [digest, size, mtime]
        for row in missing:
            try:
                await self._put_in_folder(root, manifest, row)
            except (OSError, ValueError) as exc:
                log.warning("could not restore data/%s of %s: %s", row.path, project_id, exc)
        return released
