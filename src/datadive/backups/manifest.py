"""`manifest.json`: what a backup holds, and the SHA-256 of every file in it, so that a
restore can prove the copy intact before it touches anything."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from datadive.errors import BackupRefused
from datadive.storage.base import hash_file, is_valid_key

MANIFEST_NAME = "manifest.json"
FORMAT = 1
DATABASE_FILE = "database/datadive.sqlite3"
BLOBS_FOLDER = "blobs"
WORKSPACES_FOLDER = "workspaces"


@dataclass(frozen=True)
class Entry:
    sha256: str
    size: int

    @classmethod
    def of_file(cls, path: Path) -> Entry:
        return cls(sha256=hash_file(path), size=path.stat().st_size)


@dataclass
class Manifest:
    created_at: str
    datadive_version: str
    database_kind: str
    schema_revision: str | None
    # Rows per table in the copied database (SQLite), or of `files` only (PostgreSQL).
    counts: dict[str, int]
    # Every file of the backup but this one, by its path in the backup (always `/`).
    files: dict[str, Entry] = field(default_factory=dict)
    # Storage keys that file rows point at but the live store lacked when the copy was made.
    missing_blobs: list[str] = field(default_factory=list)
    includes_database: bool = True
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    def write(self, folder: Path) -> None:
        partial = folder / f".{MANIFEST_NAME}.{secrets.token_hex(4)}.partial"
        partial.write_text(self.to_json(), "utf-8")
        os.replace(partial, folder / MANIFEST_NAME)

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST_NAME
        if not path.is_file():
            raise BackupRefused(
                f"{folder} is not a Datadive backup (it has no {MANIFEST_NAME}); "
                "give the folder that `datadive backup` wrote"
            )
        try:
            data: dict[str, Any] = json.loads(path.read_text("utf-8"))
            if data.get("format") != FORMAT:
                raise BackupRefused(
                    f"{path} is in backup format {data.get('format')!r}; this Datadive reads "
                    f"format {FORMAT}: restore with the Datadive version that made it"
                )
            files = {name: Entry(**entry) for name, entry in data.pop("files").items()}
            return cls(files=files, **data)
        except BackupRefused:
            raise
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise BackupRefused(f"{path} cannot be read ({exc}): the backup is damaged") from None

    def problems(
        self, folder: Path, *, checked: Callable[[int, int], None] | None = None
    ) -> list[str]:
        """What does not match: files missing, of another size, or with other bytes.
        `checked(done, total)` hears of the progress."""
        found: list[str] = []
        for done, (name, entry) in enumerate(sorted(self.files.items()), start=1):
            if checked is not None:
                checked(done, len(self.files))
            relative = PurePosixPath(name)
            if relative.is_absolute() or ".." in relative.parts:
                found.append(f"{name}: not a path inside the backup")
                continue
            path = folder.joinpath(*relative.parts)
            key = name.removeprefix(f"{BLOBS_FOLDER}/")
            if key != name and not (is_valid_key(key) and key.endswith(entry.sha256)):
                found.append(f"{name}: not a storage key matching its SHA-256")
            elif path.is_symlink() or not path.is_file():
                found.append(f"{name}: missing")
            elif path.stat().st_size != entry.size:
                found.append(f"{name}: {path.stat().st_size} bytes, expected {entry.size}")
            elif hash_file(path) != entry.sha256:
                found.append(f"{name}: its SHA-256 does not match the manifest")
        return found
