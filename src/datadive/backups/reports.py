"""What `datadive backup` and `datadive restore` print: progress on stderr, a summary."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from datadive.backups.create import BackupMade
from datadive.backups.manifest import BLOBS_FOLDER, WORKSPACES_FOLDER
from datadive.backups.restore import Restored


class ProgressLines:
    """`what: done/total`, at most about once a second, and always the last one."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self.shown_at = 0.0

    def __call__(self, what: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - self.shown_at >= 1.0:
            self.shown_at = now
            self.write(f"{what}: {done}/{total}")


def backup_lines(made: BackupMade) -> tuple[list[str], list[str]]:
    """(summary lines for stdout, warnings for stderr)."""
    manifest = made.manifest
    names = manifest.files
    parts = [
        f"{sum(name.startswith(f'{BLOBS_FOLDER}/') for name in names)} stored files",
        f"{sum(name.startswith(f'{WORKSPACES_FOLDER}/') for name in names)} workspace files",
    ]
    if manifest.includes_database:
        parts.insert(0, f"the database (schema revision {manifest.schema_revision or 'none'})")
    warnings = [
        f"warning: the store lacks {key}, which a file row points at; the backup has the rest"
        for key in manifest.missing_blobs
    ]
    return [f"Backed up {', '.join(parts)} to {made.folder}"], warnings


def restore_lines(restored: Restored, data_dir: Path) -> list[str]:
    manifest = restored.manifest
    lines = [
        f"Restored the backup of {manifest.created_at} (Datadive {manifest.datadive_version}) "
        f"into {data_dir}"
    ]
    lines += [f"Moved aside what was there: {path}" for path in restored.moved_aside]
    if restored.schema_note:
        lines.append(f"Note: {restored.schema_note}")
    return lines
