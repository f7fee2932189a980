"""The storage seam. Blobs are content-addressed: the key is derived from the SHA-256 of the
bytes, so the same bytes are stored once however many files (or projects) hold them.

Which file rows point at a blob is the database's business; a store only keeps bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
import tempfile
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from pathlib import Path

CHUNK_SIZE = 1024 * 1024
_KEY = re.compile(r"^sha256/[0-9a-f]{2}/[0-9a-f]{64}$")


def key_for(sha256: str) -> str:
    """`sha256/ab/ab12…`: a two-character fan-out keeps folders small on a local disk."""
    digest = sha256.lower()
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError("not a SHA-256 hex digest")
    return f"sha256/{digest[:2]}/{digest}"


def is_valid_key(key: str) -> bool:
    return bool(_KEY.match(key))


def check_key(key: str) -> str:
    # Keys come from our own database, but a store never trusts a key to stay in its root.
    if not is_valid_key(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


class FileStore(ABC):
    """Bytes by key. Every method is async; blocking work runs in a thread."""

    @abstractmethod
    async def put(self, source: Path, *, sha256: str | None = None) -> str:
        """Store the bytes of the file at `source` (left in place) and return their key.

        `sha256`, when the caller already hashed the file while receiving it, saves reading
        it twice. Storing bytes that are already there is cheap and changes nothing. Readers
        never see a partly written blob."""

    @abstractmethod
    def read(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        """The blob's bytes, streamed in chunks. FileNotFoundError if there is no such blob."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the blob; no error when it is already gone."""

    @abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abstractmethod
    async def size(self, key: str) -> int:
        """The blob's size in bytes; FileNotFoundError if there is no such blob."""

    def local_path(self, key: str) -> Path | None:
        """The blob as a file on this machine (read-only by convention), or None when the
        store is remote. Lets the local backend hard-link files into a workspace."""
        return None

    async def read_bytes(self, key: str) -> bytes:
        """The whole blob in memory: for small blobs only (tests, previews of a few KiB)."""
        return b"".join([chunk async for chunk in self.read(key)])

    @contextlib.asynccontextmanager
    async def local_copy(self, key: str, *, suffix: str = "") -> AsyncIterator[Path]:
        """The blob as a file on this machine to read while the context lasts: in place
        for a local store, else a downloaded copy named `file<suffix>`. FileNotFoundError if
        there is no such blob."""
        in_place = self.local_path(key)
        if in_place is not None:
            yield in_place
            return
        with tempfile.TemporaryDirectory(prefix="datadive-read-") as folder:
            copy = Path(folder) / f"file{suffix}"
            await self.copy_to(key, copy)
            yield copy

    async def copy_to(self, key: str, target: Path) -> None:
        """Write the blob to `target` (replaced in one step)."""
        partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
        try:
            with partial.open("wb") as sink:
                async for chunk in self.read(key):
                    sink.write(chunk)
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)

    async def close(self) -> None:  # noqa: B027 - most stores hold nothing to close
        """Release connections; called when the app shuts down."""
