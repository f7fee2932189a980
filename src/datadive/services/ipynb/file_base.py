"""What Datadive knows of a notebook's `.ipynb`: the base of the three-way merge that takes
JupyterLab's saves in (`notebooks.file_base`).

Each document Datadive writes carries a *revision* number in its notebook metadata
(`metadata.datadive.revision`), and the cells (id, type, source) of recent revisions are kept
here. JupyterLab keeps notebook metadata when it saves, so a save says which revision it was
made from: its base. That matters when JupyterLab saves over a newer file ("File changed on
disk… Overwrite"): its cells are then compared with what it had loaded, not with what Datadive
wrote since, and Datadive's newer changes are not mistaken for JupyterLab reverting them.

A new revision is made only when the cells' content changes, not for new outputs, so a
revision lives through many runs. Sources are stored once, by hash, for all revisions.
`written` remembers each cell as Datadive last wrote it, so that a write with nothing new
(a draft saved, a JupyterLab save taken in) leaves the file alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

FORMAT = 1
KEEP_REVISIONS = 20
SOURCE_KEY_LENGTH = 24


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class BaseCell:
    """One cell of a revision: its Datadive id, its nbformat type and source as in the file,
    and its nbformat id in the file when that is not the Datadive id."""

    id: str
    cell_type: str
    source: str
    file_id: str | None = None

    @property
    def content(self) -> tuple[str, str]:
        return (self.cell_type, self.source)


@dataclass(frozen=True)
class Revision:
    number: int
    cells: tuple[BaseCell, ...]

    def same_cells(self, cells: Iterable[BaseCell]) -> bool:
        return [(c.id, c.content) for c in self.cells] == [(c.id, c.content) for c in cells]


EMPTY_REVISION = Revision(number=0, cells=())


@dataclass(frozen=True)
class FileBase:
    # SHA-256 of the file as Datadive last wrote it or took it in (None: no file known).
    sha256: str | None = None
    # Each cell as Datadive last wrote it (a hash of the cell in the document: source,
    # metadata, outputs), in order; None for a cell it never wrote. When the next document's
    # cells are the same, there is nothing to write.
    written: tuple[tuple[str, str | None], ...] = ()
    # Recent revisions, oldest first; the last is the one the file on disk stands for.
    revisions: tuple[Revision, ...] = field(default=())

    def revision(self, number: int) -> Revision | None:
        return next((r for r in self.revisions if r.number == number), None)

    @property
    def current(self) -> int:
        """The revision the file on disk stands for (0: none yet)."""
        return self.revisions[-1].number if self.revisions else 0

    @property
    def current_revision(self) -> Revision:
        return self.revision(self.current) or EMPTY_REVISION

    def base_of(self, file_revision: int | None) -> Revision:
        """The revision a file was made from. A file that names none is taken as the one on
        disk; one whose revision is no longer kept, as the oldest kept (an older base can
        only make more conflicts, never lose a change made in Datadive)."""
        if file_revision is None:
            return self.current_revision
        found = self.revision(file_revision)
        if found is not None:
            return found
        return self.revisions[0] if self.revisions else EMPTY_REVISION

    def next_number(self) -> int:
        return max((r.number for r in self.revisions), default=0) + 1

    def with_revision(self, revision: Revision) -> FileBase:
        """This base with `revision` added (or replaced) as the current one, keeping the newest
        KEEP_REVISIONS."""
        kept = [r for r in self.revisions if r.number != revision.number] + [revision]
        return replace(self, revisions=tuple(kept[-KEEP_REVISIONS:]))

    def to_json(self) -> dict[str, Any]:
        sources: dict[str, str] = {}

        def key_of(source: str) -> str:
            key = sha256_of(source.encode())[:SOURCE_KEY_LENGTH]
            sources[key] = source
            return key

        revisions = []
        for revision in self.revisions:
            cells = []
            for cell in revision.cells:
                row = [cell.id, cell.cell_type, key_of(cell.source)]
                if cell.file_id is not None:
                    row.append(cell.file_id)
                cells.append(row)
            revisions.append({"number": revision.number, "cells": cells})
        return {
            "format": FORMAT,
            "sha256": self.sha256,
            "written": [list(pair) for pair in self.written],
            "revisions": revisions,
            "sources": sources,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> FileBase:
        """The stored base; an empty one for none, or for one in a format this code does not
        know (then every cell counts as added on both sides: at worst a conflict, no loss)."""
        if not data or data.get("format") != FORMAT:
            return cls()
        try:
            sources: Mapping[str, str] = data["sources"]
            revisions = tuple(
                Revision(
                    number=int(revision["number"]),
                    cells=tuple(
                        BaseCell(
                            id=row[0],
                            cell_type=row[1],
                            source=sources[row[2]],
                            file_id=row[3] if len(row) > 3 else None,
                        )
                        for row in revision["cells"]
                    ),
                )
                for revision in data["revisions"]
            )
            return cls(
                sha256=data.get("sha256"),
                written=tuple((str(i), h) for i, h in data.get("written", [])),
                revisions=revisions,
            )
        except (KeyError, IndexError, TypeError, ValueError):
            return cls()
