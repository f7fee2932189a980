"""Files of a project: list, upload, rename/move, delete, copy to another project.

Bytes live in the FileStore under a content-addressed key; a `File` row gives them a path in
a project. Several rows (in one project or many) can share a blob: a blob is deleted only when
no row points at it any more, after the transaction that dropped the last row has committed
(`release_blobs`). The project's quota counts every row's size, shared or not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.db.engine import Database
from datadive.db.models import File
from datadive.db.types import utcnow
from datadive.errors import Conflict, TooLarge
from datadive.services.authoring.notebooks import ensure_writable
from datadive.services.data_files.file_paths import normalize_path, parent_folders, target_path
from datadive.services.data_files.file_previews import file_metadata
from datadive.services.membership.access import FileAccess, ProjectAccess
from datadive.storage.base import FileStore
from datadive.storage.sniffing import content_type_for, sniff_format

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    """Bytes received into a temporary file, hashed and counted on the way in."""

    temp_path: Path
    size: int
    sha256: str
    filename: str | None


@dataclass
class FileChange:
    """What a change did, for the work that follows its commit: blobs that may have lost
    their last reference, and the paths to take out of (or put into) a workspace."""

    file: File | None = None
    released_keys: list[str] = field(default_factory=list)
    removed_paths: list[str] = field(default_factory=list)


def describe_bytes(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{count} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


async def project_usage(session: AsyncSession, *, project_id: str) -> int:
    used = await session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(File.size), 0)).where(File.project_id == project_id)
    )
    return int(used or 0)


async def check_quota(
    session: AsyncSession, *, project_id: str, adding: int, freeing: int, quota_bytes: int
) -> None:
    used = await project_usage(session, project_id=project_id)
    if used - freeing + adding > quota_bytes:
        left = max(quota_bytes - used, 0)
        raise TooLarge(
            f"This project uses {describe_bytes(used)} of its {describe_bytes(quota_bytes)} "
            f"quota ({describe_bytes(left)} left); the file needs {describe_bytes(adding)}. "
            "Delete files you no longer need, or ask the administrator for more space."
        )


async def occupant(
    session: AsyncSession, *, project_id: str, path: str, overwrite: bool, moving: str | None = None
) -> File | None:
    """The file that `path` would replace (only with `overwrite`); Conflict when the path is
    taken by a file that may not be replaced, or by a folder, or runs through a file."""
    existing = await session.scalar(
        sa.select(File).where(File.project_id == project_id, File.path == path)
    )
    if existing is not None and existing.id != moving and not overwrite:
        raise Conflict(f"There is already a file at {path!r}; send overwrite=true to replace it.")
    blocking = await session.scalar(
        sa.select(File.path)
        .where(
            File.project_id == project_id,
            sa.or_(File.path.in_(parent_folders(path)), File.path.startswith(f"{path}/")),
        )
        .limit(1)
    )
    if blocking is not None:
        raise Conflict(
            f"{path!r} cannot be used: {blocking!r} is in the way (a file and a folder "
            "cannot have the same name)."
        )
    return existing if existing is not None and existing.id != moving else None


async def list_files(
    session: AsyncSession, *, access: ProjectAccess, limit: int, cursor: str | None
) -> tuple[list[File], str | None]:
    """Oldest first (ids are time-ordered); `cursor` is the id of the last file shown."""
    query = sa.select(File).where(File.project_id == access.project.id)
    if cursor:
        query = query.where(File.id > cursor)
    found = list((await session.scalars(query.order_by(File.id).limit(limit + 1))).all())
    page = found[:limit]
    return page, page[-1].id if len(found) > limit else None


async def store_file(
    session: AsyncSession,
    *,
    project_id: str,
    path: str,
    source: Path,
    sha256: str,
    size: int,
    store: FileStore,
    overwrite: bool,
    quota_bytes: int,
) -> FileChange:
    """Check, store and record the file at `source` as `path` (shared by uploads and the
    workspace sync). Raises UnsupportedContent, Conflict or TooLarge before storing."""
    file_format = await asyncio.to_thread(sniff_format, source, name=path)
    replaced = await occupant(session, project_id=project_id, path=path, overwrite=overwrite)
    await check_quota(
        session,
        project_id=project_id,
        adding=size,
        freeing=replaced.size if replaced else 0,
        quota_bytes=quota_bytes,
    )
    key = await store.put(source, sha256=sha256)
    change = FileChange()
    row = replaced or File(project_id=project_id, path=path)
    if replaced is not None and replaced.storage_key != key:
        change.released_keys.append(replaced.storage_key)
    row.size, row.sha256, row.storage_key = size, sha256, key
    row.content_type = content_type_for(path)
    row.file_metadata = await file_metadata(source, file_format=file_format, path=path)
    row.updated_at = utcnow()
    if replaced is None:
        session.add(row)
    await session.flush()
    change.file = row
    return change


async def upload_file(
    session: AsyncSession,
    *,
    access: ProjectAccess,
    store: FileStore,
    upload: Upload,
    requested_path: str | None,
    overwrite: bool,
    quota_bytes: int,
) -> FileChange:
    ensure_writable(access.project)
    path = target_path(requested=requested_path, filename=upload.filename)
    return await store_file(
        session,
        project_id=access.project.id,
        path=path,
        source=upload.temp_path,
        sha256=upload.sha256,
        size=upload.size,
        store=store,
        overwrite=overwrite,
        quota_bytes=quota_bytes,
    )


async def move_file(
    session: AsyncSession, *, access: FileAccess, new_path: str, overwrite: bool
) -> FileChange:
    """Rename, or move into folders. The file keeps its id, bytes and metadata."""
    ensure_writable(access.project)
    file = access.file
    path = normalize_path(new_path)
    change = FileChange(file=file)
    if path == file.path:
        return change
    replaced = await occupant(
        session, project_id=file.project_id, path=path, overwrite=overwrite, moving=file.id
    )
    if replaced is not None:
        change.released_keys.append(replaced.storage_key)
        await session.delete(replaced)
        await session.flush()
    change.removed_paths.append(file.path)
    file.path = path
    file.updated_at = utcnow()
    await session.flush()
    return change


async def delete_file(session: AsyncSession, *, access: FileAccess) -> FileChange:
    ensure_writable(access.project)
    await session.delete(access.file)
    await session.flush()
    return FileChange(released_keys=[access.file.storage_key], removed_paths=[access.file.path])


async def copy_file(
    session: AsyncSession,
    *,
    access: FileAccess,
    target: ProjectAccess,
    path: str | None,
    overwrite: bool,
    quota_bytes: int,
) -> FileChange:
    """A new file in `target` (any project the caller may upload to) sharing the same blob."""
    ensure_writable(target.project)
    source = access.file
    new_path = normalize_path(path) if path is not None else source.path
    replaced = await occupant(
        session, project_id=target.project.id, path=new_path, overwrite=overwrite
    )
    await check_quota(
        session,
        project_id=target.project.id,
        adding=source.size,
        freeing=replaced.size if replaced else 0,
        quota_bytes=quota_bytes,
    )
    change = FileChange()
    row = replaced or File(project_id=target.project.id, path=new_path)
    if replaced is not None and replaced.storage_key != source.storage_key:
        change.released_keys.append(replaced.storage_key)
    row.size, row.sha256, row.storage_key = source.size, source.sha256, source.storage_key
    row.content_type = source.content_type
    row.file_metadata = dict(source.file_metadata)
    row.updated_at = utcnow()
    if replaced is None:
        session.add(row)
    await session.flush()
    change.file = row
    return change


async def release_blobs(*, database: Database, store: FileStore, keys: Iterable[str]) -> None:
    """Delete the blobs no file row points at any more. Call after the commit that dropped
    the rows; a blob still (or again) referenced is kept."""
    for key in dict.fromkeys(keys):
        async with database.transaction() as session:
            referenced = await session.scalar(
                sa.select(File.id).where(File.storage_key == key).limit(1)
            )
        if referenced is None:
            try:
                await store.delete(key)
            except Exception:  # a blob left behind costs space, not data
                log.warning("could not delete blob %s", key, exc_info=True)
