"""Moving a fully staged restore into place: each staged folder or file replaces its target
with one rename, and what was there is moved aside (kept, never deleted)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


def has_content(path: Path) -> bool:
    """A file, or a folder holding at least one file (however deep)."""
    if path.is_file():
        return True
    return path.is_dir() and any(child.is_file() for child in path.rglob("*"))


@dataclass
class Placement:
    """Pairs of (staged, target), applied in order; `aside` collects what they replace."""

    aside_name: str
    moves: list[tuple[Path, Path]] = field(default_factory=list)
    # Targets to move aside without a replacement (the old database's WAL files, stale state).
    clear: list[Path] = field(default_factory=list)
    moved_aside: list[Path] = field(default_factory=list)

    def add(self, staged: Path, target: Path) -> None:
        self.moves.append((staged, target))

    def _rename(self, source: Path, target: Path, done: list[tuple[Path, Path]]) -> None:
        os.replace(source, target)
        done.append((source, target))

    def _put_aside(self, target: Path, done: list[tuple[Path, Path]]) -> None:
        if not (target.exists() or target.is_symlink()):
            return
        # Beside the target (same filesystem, so a rename), in one folder per restore.
        folder = target.parent / self.aside_name
        folder.mkdir(exist_ok=True)
        if (folder / target.name).exists():
            raise FileExistsError(f"{folder / target.name} is in the way")
        self._rename(target, folder / target.name, done)
        self.moved_aside.append(folder / target.name)

    def apply(self) -> None:
        """All the renames, or (when one fails) none: those made are undone."""
        done: list[tuple[Path, Path]] = []
        try:
            for target in self.clear:
                self._put_aside(target, done)
            for staged, target in self.moves:
                self._put_aside(target, done)
                target.parent.mkdir(parents=True, exist_ok=True)
                self._rename(staged, target, done)
        except OSError:
            for source, target in reversed(done):
                os.replace(target, source)
            self.moved_aside.clear()
            raise


def aside_name() -> str:
    return f"replaced-by-restore-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def remove_tree(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
