"""Blobs of a remote store kept on this machine for reading (previews, table reads), so that
previewing a large file twice downloads it once.

Blobs never change (the key is the hash of the bytes), so a cached copy never goes stale; the
cache only has to stay within its size. Each reader gets its own hard link to the cached copy,
so that a copy dropped to make room stays readable to whoever is reading it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

from datadive.storage.base import check_key

Download = Callable[[str, Path], Coroutine[Any, Any, None]]
SizeOf = Callable[[str], Coroutine[Any, Any, int]]
SCRATCH_PREFIX = ".read-"
# A reader's own folder older than this was left by a process that stopped mid-read.
STALE_SCRATCH_SECONDS = 24 * 3600


class ReadCache:
    def __init__(self, folder: Path, *, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes

    def path_for(self, key: str) -> Path:
        return self.folder / check_key(key).replace("/", "-")

    @contextlib.asynccontextmanager
    async def local_copy(
        self, key: str, *, size_of: SizeOf, download: Download, suffix: str = ""
    ) -> AsyncIterator[Path]:
        """The blob as a file named `file<suffix>`, for as long as the context lasts. On a
        miss, `download(key, target)` fetches it (replacing `target` in one step, as
        `FileStore.copy_to` does); a blob larger than the whole cache
        (`size_of(key)`) is fetched for this reader alone."""
        self.folder.mkdir(parents=True, exist_ok=True)
        # Inside the cache folder, so that a hard link to the cached copy is always possible.
        with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, dir=self.folder) as scratch:
            reader = Path(scratch) / f"file{suffix}"
            cached = self.path_for(key)
            if not self._share(cached, reader):
                await self._fetch(key, cached, reader, size_of=size_of, download=download)
            yield reader

    async def _fetch(
        self, key: str, cached: Path, reader: Path, *, size_of: SizeOf, download: Download
    ) -> None:
        if await size_of(key) > self.max_bytes:
            await download(key, reader)
            return
        await download(key, cached)  # replaces in one step: readers never see half a copy
        if not self._share(cached, reader):  # dropped at once by another reader's trim
            await download(key, reader)
        await asyncio.to_thread(self.trim, keep=cached)

    @staticmethod
    def _share(cached: Path, reader: Path) -> bool:
        """Give `reader` the cached copy; False when there is none."""
        try:
            os.link(cached, reader)
        except FileNotFoundError:
            return False
        except OSError:  # a filesystem without hard links
            try:
                shutil.copyfile(cached, reader)
            except FileNotFoundError:
                return False
        with contextlib.suppress(FileNotFoundError):
            # Recently used: dropped last. An explicit time, finer than the file system's clock.
            now = time.time_ns()
            os.utime(cached, ns=(now, now))
        return True

    def trim(self, *, keep: Path) -> None:
        """Drop the least recently used copies until the cache fits its size, and the readers'
        folders that a stopped process left behind."""
        entries = []
        stale = time.time() - STALE_SCRATCH_SECONDS
        for path in self.folder.iterdir():
            if path.name.startswith(SCRATCH_PREFIX):
                with contextlib.suppress(FileNotFoundError):
                    if path.stat().st_mtime < stale:
                        shutil.rmtree(path, ignore_errors=True)
                continue
            if path.name.startswith("."):
                continue
            with contextlib.suppress(FileNotFoundError):
                info = path.stat()
                entries.append((info.st_mtime_ns, info.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            if path == keep:
                continue
            path.unlink(missing_ok=True)
            total -= size
