"""The three-way merge of a notebook file saved outside Datadive (JupyterLab) into Datadive's
cells: pure functions on the file, the base (what Datadive had written) and the cells.

For each cell, comparing the file ("theirs") and Datadive ("ours") with the base says who
changed it. A change made on one side only is taken; a change made on both sides to different
content is a conflict, and nothing is lost: Datadive's cell stays and JupyterLab's version is
offered in a new cell right after it. A cell deleted on one side and changed on the other is
kept. The order follows the side that moved cells (Datadive's when both did), and cells added
on the other side keep their place after the cell they followed there.

Cells are matched by nbformat id, which Datadive writes as its cell id. JupyterLab gives a
pasted cell a new id but copies its metadata, `metadata.datadive.cell_id` included: such a cell
is new, unless the cell it names is gone from the file (cut and paste: a move).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from datadive.db.ids import ID_LENGTH
from datadive.services.ipynb.file_base import BaseCell, Revision

# nbformat's own rule for cell ids, and no shorter than 8 (what nbformat itself makes): such
# an id can become the Datadive id of a cell made in JupyterLab, so the file needs no rewrite.
ADOPTABLE_ID = re.compile(rf"[A-Za-z0-9_-]{{8,{ID_LENGTH}}}")

Change = Literal["kept", "updated", "created", "conflict"]


class NotANotebook(ValueError):
    """The file is not JSON, or not an nbformat 4 notebook: nothing is taken from it."""


@dataclass(frozen=True)
class FileCell:
    file_id: str | None
    # `metadata.datadive.cell_id`: the Datadive cell it was written for (or copied from).
    claimed_id: str | None
    cell_type: str
    source: str

    @property
    def content(self) -> tuple[str, str]:
        return (self.cell_type, self.source)


@dataclass(frozen=True)
class FileNotebook:
    cells: tuple[FileCell, ...]
    # The revision Datadive wrote into it (None when absent or written for another notebook).
    revision: int | None


def _text(value: Any) -> str:
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        value = "".join(value)
    if not isinstance(value, str):
        raise NotANotebook("a cell's source is not text")
    if "\x00" in value:
        # Python refuses it in code, and PostgreSQL cannot store it in text.
        raise NotANotebook("a cell's source holds a NUL character (U+0000)")
    return value


def read_file_notebook(data: bytes, *, notebook_id: str) -> FileNotebook:
    """The cells of an `.ipynb` file; NotANotebook when it is not one."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotANotebook(f"not JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("nbformat") != 4:
        raise NotANotebook("not an nbformat 4 notebook")
    raw_cells = document.get("cells")
    if not isinstance(raw_cells, list):
        raise NotANotebook("it has no list of cells")
    cells = []
    for raw in raw_cells:
        if not isinstance(raw, dict) or raw.get("cell_type") not in {"code", "markdown", "raw"}:
            raise NotANotebook("a cell is not a code, markdown or raw cell")
        metadata = raw.get("metadata")
        ours = metadata.get("datadive") if isinstance(metadata, dict) else None
        claimed = ours.get("cell_id") if isinstance(ours, dict) else None
        file_id = raw.get("id")
        cells.append(
            FileCell(
                file_id=file_id if isinstance(file_id, str) else None,
                claimed_id=claimed if isinstance(claimed, str) else None,
                cell_type=raw["cell_type"],
                source=_text(raw.get("source", "")),
            )
        )
    metadata = document.get("metadata")
    ours = metadata.get("datadive") if isinstance(metadata, dict) else None
    revision = None
    if isinstance(ours, dict) and ours.get("notebook_id") == notebook_id:
        number = ours.get("revision")
        revision = number if isinstance(number, int) and not isinstance(number, bool) else None
    return FileNotebook(cells=tuple(cells), revision=revision)


def cell_type_of(kind: str) -> str:
    """The nbformat cell type of a Datadive cell kind (template cells are code)."""
    return "markdown" if kind == "markdown" else "code"


@dataclass(frozen=True)
class OurCell:
    """A Datadive cell as the merge sees it."""

    id: str
    kind: str  # template | code | markdown
    source: str

    @property
    def cell_type(self) -> str:
        return cell_type_of(self.kind)

    @property
    def content(self) -> tuple[str, str]:
        return (self.cell_type, self.source)


@dataclass(frozen=True)
class MergedCell:
    """One cell of the notebook after the merge. `change` says what becomes of it: `kept`
    (as Datadive has it), `updated` (JupyterLab's source, and its kind: code or markdown),
    `created` (new, from JupyterLab), `conflict` (new: JupyterLab's version of `conflict_of`,
    which keeps Datadive's)."""

    id: str
    kind: str
    source: str
    change: Change
    conflict_of: str | None = None


@dataclass(frozen=True)
class Merge:
    cells: tuple[MergedCell, ...]
    deleted: tuple[str, ...]
    # The file's cells, in Datadive's ids: what JupyterLab now holds (the next base).
    taken_in: tuple[BaseCell, ...]

    @property
    def conflicts(self) -> tuple[MergedCell, ...]:
        return tuple(cell for cell in self.cells if cell.change == "conflict")

    def changes_anything(self, ours: Sequence[OurCell]) -> bool:
        return (
            bool(self.deleted)
            or [c.id for c in self.cells] != [c.id for c in ours]
            or any(c.change != "kept" for c in self.cells)
        )

    def matches_file(self, file: FileNotebook) -> bool:
        """Whether the file already shows the merged notebook (ids, types and sources), so
        that writing it again would change nothing JupyterLab shows."""
        merged = [(c.id, cell_type_of(c.kind), c.source) for c in self.cells]
        shown = [(c.file_id, c.cell_type, c.source) for c in file.cells]
        return merged == shown


def kind_for(cell_type: str) -> str:
    """The Datadive kind of a cell JupyterLab made or changed (raw cells become notes)."""
    return "code" if cell_type == "code" else "markdown"


def conflict_source(cell_type: str, source: str, number: int) -> str:
    note = f"JupyterLab's conflicting version of cell {number} (cell {number} keeps Datadive's)"
    if cell_type == "code":
        return f"# {note}\n{source}"
    return f"*{note}:*\n\n{source}"


def match_file_cells(
    file: FileNotebook, base: Revision, ours: Sequence[OurCell]
) -> list[str | None]:
    """For each file cell, the Datadive cell it stands for (None: a new cell)."""
    by_file_id = {cell.file_id or cell.id: cell.id for cell in base.cells}
    known = {cell.id for cell in base.cells} | {cell.id for cell in ours}
    our_ids = {cell.id for cell in ours}
    matched: list[str | None] = [None] * len(file.cells)
    taken: set[str] = set()
    for index, cell in enumerate(file.cells):
        if cell.file_id is None:
            continue
        target = by_file_id.get(cell.file_id)
        if target is None and cell.file_id in our_ids:
            target = cell.file_id
        if target is not None and target not in taken:
            matched[index] = target
            taken.add(target)
    # Cut and paste: a pasted cell names a cell that is no longer in the file.
    claimants: dict[str, list[int]] = defaultdict(list)
    for index, cell in enumerate(file.cells):
        claimed = cell.claimed_id
        if matched[index] is None and claimed in known and claimed not in taken:
            claimants[claimed].append(index)
    for claimed, indexes in claimants.items():
        if len(indexes) == 1:
            matched[indexes[0]] = claimed
            taken.add(claimed)
    return matched


def _moved(order: Sequence[str], base_order: Sequence[str]) -> bool:
    """Whether `order` puts the cells it shares with the base in another order."""
    shared = set(order) & set(base_order)
    return [i for i in order if i in shared] != [i for i in base_order if i in shared]


def _weave(skeleton: list[str], other_order: Sequence[str], include: Collection[str]) -> list[str]:
    """`skeleton` with each cell of `include` missing from it put after the cell it follows in
    `other_order` (at the start when it follows none)."""
    result = list(skeleton)
    anchor: str | None = None
    for cell_id in other_order:
        if cell_id in result:
            anchor = cell_id
        elif cell_id in include:
            result.insert(result.index(anchor) + 1 if anchor is not None else 0, cell_id)
            anchor = cell_id
    return result


class _Ids:
    """Ids for new cells: the nbformat id JupyterLab gave the cell when it can be a Datadive
    id that no other cell has (then the file needs no rewrite), else a new one."""

    def __init__(self, unavailable: set[str], new_id: Callable[[], str]) -> None:
        self.unavailable = unavailable
        self.new_id = new_id

    def for_new_cell(self, wanted: str | None) -> str:
        if wanted is not None and ADOPTABLE_ID.fullmatch(wanted) and wanted not in self.unavailable:
            chosen = wanted
        else:
            chosen = self.new_id()
        self.unavailable.add(chosen)
        return chosen


@dataclass
class _Decisions:
    results: dict[str, MergedCell]
    # Datadive cells that JupyterLab changed too, with JupyterLab's version.
    conflicts: dict[str, FileCell]
    deleted: list[str]


def _decide(
    theirs: Mapping[str, FileCell],
    created: Collection[str],
    base_cells: Mapping[str, BaseCell],
    our_cells: Mapping[str, OurCell],
) -> _Decisions:
    decided = _Decisions(results={}, conflicts={}, deleted=[])
    results = decided.results
    for cell_id, cell in theirs.items():
        before, now = base_cells.get(cell_id), our_cells.get(cell_id)
        if cell_id in created or now is None:
            # New in JupyterLab; or deleted in Datadive, and kept only if changed in JupyterLab.
            if cell_id in created or before is None or cell.content != before.content:
                results[cell_id] = MergedCell(
                    cell_id, kind_for(cell.cell_type), cell.source, "created"
                )
            continue
        they_changed = before is None or cell.content != before.content
        we_changed = before is None or now.content != before.content
        if they_changed and cell.content != now.content and not we_changed:
            results[cell_id] = MergedCell(cell_id, kind_for(cell.cell_type), cell.source, "updated")
            continue
        results[cell_id] = MergedCell(cell_id, now.kind, now.source, "kept")
        if they_changed and cell.content != now.content:
            decided.conflicts[cell_id] = cell
    for cell_id, now in our_cells.items():
        if cell_id in theirs:
            continue
        before = base_cells.get(cell_id)
        if before is None or now.content != before.content:
            # Added in Datadive since the base, or changed there and deleted in JupyterLab.
            results[cell_id] = MergedCell(cell_id, now.kind, now.source, "kept")
        else:
            decided.deleted.append(cell_id)
    return decided


def merge_notebook(
    *,
    file: FileNotebook,
    base: Revision,
    ours: Sequence[OurCell],
    taken_elsewhere: Collection[str],
    new_id: Callable[[], str],
) -> Merge:
    """Merge `file` into `ours`, `base` being what the file was made from.

    `taken_elsewhere`: ids of cells of other notebooks (a new cell cannot take such an id);
    `new_id` makes an id for a new cell whose nbformat id cannot be its Datadive id."""
    base_cells = {cell.id: cell for cell in base.cells}
    our_cells = {cell.id: cell for cell in ours}
    matched = match_file_cells(file, base, ours)
    ids = _Ids(
        set(base_cells) | set(our_cells) | set(taken_elsewhere) | {m for m in matched if m},
        new_id,
    )
    theirs: dict[str, FileCell] = {}
    created: set[str] = set()
    taken_in: list[BaseCell] = []
    for cell, match in zip(file.cells, matched, strict=True):
        cell_id = match
        if cell_id is None or (cell_id not in our_cells and cell_id in taken_elsewhere):
            # New; or a cell deleted in Datadive whose id went to a cell elsewhere since.
            cell_id = ids.for_new_cell(cell.file_id)
            created.add(cell_id)
        theirs[cell_id] = cell
        file_id = cell.file_id if cell.file_id != cell_id else None
        taken_in.append(BaseCell(cell_id, cell.cell_type, cell.source, file_id=file_id))
    decided = _decide(theirs, created, base_cells, our_cells)

    file_order, our_order = list(theirs), [cell.id for cell in ours]
    base_order = [cell.id for cell in base.cells]
    if _moved(file_order, base_order) and not _moved(our_order, base_order):
        order = _weave([i for i in file_order if i in decided.results], our_order, decided.results)
    else:
        order = _weave([i for i in our_order if i in decided.results], file_order, decided.results)

    merged: list[MergedCell] = []
    for cell_id in order:
        merged.append(decided.results[cell_id])
        if (version := decided.conflicts.get(cell_id)) is not None:
            merged.append(
                MergedCell(
                    ids.for_new_cell(None),
                    kind_for(version.cell_type),
                    conflict_source(version.cell_type, version.source, len(merged)),
                    "conflict",
                    conflict_of=cell_id,
                )
            )
    return Merge(cells=tuple(merged), deleted=tuple(decided.deleted), taken_in=tuple(taken_in))
