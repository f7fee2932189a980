"""Blobs in a local folder: `<root>/sha256/ab/ab12…`, written to a temporary file in the same
folder and renamed into place, so a reader sees the whole blob or none."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

from datadive.storage.base import CHUNK_SIZE, FileStore, check_key, hash_file, key_for


class LocalFileStore(FileStore):
    def __init__(self, root: Path) -> None:
        self.root = root.expanduser().resolve()

    def path_of(self, key: str) -> Path:
        return self.root / check_key(key)

    def local_path(self, key: str) -> Path | None:
        return self.path_of(key)

    async def put(self, source: Path, *, sha256: str | None = None) -> str:
        return await asyncio.to_thread(self._put, source, sha256)

    def _put(self, source: Path, sha256: str | None) -> str:
        key = key_for(sha256 or hash_file(source))
        target = self.path_of(key)
        if target.is_file():
            return key
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
        try:
            # A copy, never a link: `source` may be a workspace file kernel code changes later.
            shutil.copyfile(source, partial)
            # Blobs never change in place: hard links into workspaces must not see edits.
            partial.chmod(0o444)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        return key

    async def read(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        source = await asyncio.to_thread(path.open, "rb")
        try:
            while chunk := await asyncio.to_thread(source.read, chunk_size):
                yield chunk
        finally:
            source.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path_of(key).unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path_of(key).is_file)

    async def size(self, key: str) -> int:
        return (await asyncio.to_thread(self.path_of(key).stat)).st_size
