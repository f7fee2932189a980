"""A notebook's `.ipynb` and its cells, both ways: the document Datadive writes for the cells,
and a file saved outside Datadive (JupyterLab) taken into the cells in one transaction.

No Datadive user stands behind a save in JupyterLab: the merge acts for the notebook's project
(refused when the project is archived), and the `cells` events it records say
`"origin": "jupyterlab"` so that open pages, and whoever reads the event stream, can tell.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.db.ids import new_id
from datadive.db.models import Cell, Notebook, Project
from datadive.db.types import utcnow
from datadive.errors import Conflict, NotFound
from datadive.services.authoring import exports, positions
from datadive.services.authoring.cells import (
    CellView,
    cells_changed,
    load_cells,
    mark_edited,
    mark_stale_after,
    set_source,
)
from datadive.services.authoring.notebooks import ensure_writable
from datadive.services.ipynb.file_base import BaseCell, FileBase, Revision, sha256_of
from datadive.services.ipynb.notebook_merge import (
    Merge,
    OurCell,
    cell_type_of,
    merge_notebook,
    read_file_notebook,
)

log = logging.getLogger(__name__)
ORIGIN = "jupyterlab"
CELL_HASH_LENGTH = 16


@dataclass(frozen=True)
class Document:
    """The `.ipynb` Datadive writes for a notebook's cells, and the base once it is written."""

    text: str
    base: FileBase

    def news_for(self, base: FileBase) -> bool:
        """Whether it holds anything the file of `base` does not: changed cells or order,
        new outputs. (A draft saved, or a save from JupyterLab taken in, is nothing new.)"""
        return self.base.written != base.written


def document_for(notebook: Notebook, views: Sequence[CellView], base: FileBase) -> Document:
    """The document for the cells. It keeps the revision of the file on disk while the cells'
    content is the same (new outputs make no new revision), else it is the next revision."""
    cells = tuple(
        BaseCell(view.cell.id, cell_type_of(view.cell.kind), view.cell.source) for view in views
    )
    on_disk = base.revision(base.current)
    if on_disk is not None and on_disk.same_cells(cells):
        number, written = base.current, base
    else:
        number = base.next_number()
        written = base.with_revision(Revision(number, cells))
    document = exports.export_ipynb(notebook, views, revision=number)
    hashes = tuple((cell["id"], cell_hash(cell)) for cell in document.cells)
    text = exports.ipynb_text(document)
    sha = sha256_of(text.encode())
    return Document(text, replace(written, sha256=sha, written=hashes))


def cell_hash(cell: Mapping[str, Any]) -> str:
    return sha256_of(json.dumps(cell, sort_keys=True).encode())[:CELL_HASH_LENGTH]


async def record_base(session: AsyncSession, *, notebook_id: str, base: FileBase) -> None:
    # Writing the file is no change of the notebook: its "changed" time stays.
    await session.execute(
        sa.update(Notebook)
        .where(Notebook.id == notebook_id)
        .values(file_base=base.to_json(), updated_at=Notebook.updated_at)
    )


@dataclass(frozen=True)
class TakenIn:
    merge: Merge
    # The file already shows the merged notebook: writing it again would only make JupyterLab
    # say that the file changed on disk.
    file_matches: bool


async def take_in_file(
    session: AsyncSession, *, notebook_id: str, data: bytes, sha256: str, max_cells: int
) -> TakenIn:
    """Merge the notebook's file (`data`, whose SHA-256 is `sha256`) into its cells and record
    it as the new base.

    Raises NotANotebook (nothing is taken, the cells stay), Conflict (archived project, or too
    many cells), NotFound (the notebook or its project is gone)."""
    row = (
        await session.execute(
            sa.select(Notebook, Project)
            .join(Project, Project.id == Notebook.project_id)
            .where(Notebook.id == notebook_id, Project.deleted_at.is_(None))
            .with_for_update(of=Notebook)
        )
    ).one_or_none()
    if row is None:
        raise NotFound("The notebook is gone.")
    notebook, project = row[0], row[1]
    ensure_writable(project)
    file = read_file_notebook(data, notebook_id=notebook.id)
    base = FileBase.from_json(notebook.file_base)
    views = await load_cells(session, notebook_id=notebook.id)
    ours = [OurCell(v.cell.id, v.cell.kind, v.cell.source) for v in views]
    merge_base = base.base_of(file.revision)
    ids = {c.file_id for c in file.cells} | {c.claimed_id for c in file.cells}
    ids |= {c.id for c in merge_base.cells}
    merge = merge_notebook(
        file=file,
        base=merge_base,
        ours=ours,
        taken_elsewhere=await ids_elsewhere(session, notebook_id=notebook.id, ids=ids),
        new_id=new_id,
    )
    if len(merge.cells) > max_cells:
        raise Conflict(f"A notebook holds at most {max_cells} cells.")
    after = views
    if merge.changes_anything(ours):
        after = await apply_merge(session, notebook=notebook, views=views, merge=merge)
    number = file.revision if file.revision is not None else base.current
    taken = replace(
        base.with_revision(Revision(number, merge.taken_in)),
        sha256=sha256,
        written=(),  # a write is due
    )
    file_matches = merge.matches_file(file)
    if file_matches:
        taken = replace(
            taken, written=written_after(merge, base, document_for(notebook, after, taken))
        )
    await record_base(session, notebook_id=notebook.id, base=taken)
    return TakenIn(merge=merge, file_matches=file_matches)


def written_after(
    merge: Merge, base: FileBase, document: Document
) -> tuple[tuple[str, str | None], ...]:
    """What counts as written once a file that shows the merged cells is taken in: the cells
    JupyterLab made or changed as they are now, the others as Datadive last wrote them (so
    that what changed in Datadive since, new outputs say, is still written)."""
    now = dict(document.base.written)
    before = dict(base.written)
    from_file = {cell.id for cell in merge.cells if cell.change != "kept"}
    return tuple(
        (cell_id, now[cell_id] if cell_id in from_file else before.get(cell_id))
        for cell_id, _ in document.base.written
    )


async def ids_elsewhere(
    session: AsyncSession, *, notebook_id: str, ids: Iterable[str | None]
) -> set[str]:
    """Which of `ids` (the file's nbformat and Datadive ids, the base's) are cells of other
    notebooks: a new cell cannot have such an id."""
    candidates = sorted({i for i in ids if i})
    found: set[str] = set()
    for start in range(0, len(candidates), 500):
        found |= set(
            (
                await session.scalars(
                    sa.select(Cell.id).where(
                        Cell.id.in_(candidates[start : start + 500]),
                        Cell.notebook_id != notebook_id,
                    )
                )
            ).all()
        )
    return found


def _edit_rows(
    session: AsyncSession, *, notebook: Notebook, by_id: dict[str, CellView], merge: Merge
) -> tuple[list[Cell], dict[str, set[str]]]:
    """The cells in their merged order, new ones added and changed ones changed; and for each
    new or changed cell, the names it defined before (for the cells that become stale)."""
    final: list[Cell] = []
    edited: dict[str, set[str]] = {}
    for merged in merge.cells:
        if merged.change in {"created", "conflict"}:
            cell = Cell(
                id=merged.id,
                notebook_id=notebook.id,
                kind=merged.kind,
                source=merged.source,
                outputs=[],
                status="idle",
                position="",
            )
            session.add(cell)
            edited[cell.id] = set()
        else:
            cell = by_id[merged.id].cell
        if merged.change == "updated":
            edited[cell.id] = set(by_id[cell.id].defines)
            set_source(cell, merged.source, kind=merged.kind)
            mark_edited(cell)
            cell.updated_at = utcnow()
        final.append(cell)
    return final, edited


def _mark_stale(
    views: Sequence[CellView],
    after: Sequence[CellView],
    edited: dict[str, set[str]],
    deleted: Sequence[str],
) -> None:
    """Cells that ran and use what a new, changed or deleted cell defined become stale."""
    for view in after:
        if view.cell.id in edited:
            mark_stale_after(after, view, edited[view.cell.id] | set(view.defines))
    by_id = {view.cell.id: view for view in views}
    for cell_id in deleted:
        gone = by_id[cell_id]
        earlier = {v.cell.id for v in views[: gone.index]}
        index = max((i for i, v in enumerate(after) if v.cell.id in earlier), default=-1)
        mark_stale_after(after, CellView(gone.cell, gone.template, index), set(gone.defines))


async def apply_merge(
    session: AsyncSession, *, notebook: Notebook, views: Sequence[CellView], merge: Merge
) -> list[CellView]:
    """Make the cells what the merge says, in one go; the cells as they now are."""
    by_id = {view.cell.id: view for view in views}
    final, edited = _edit_rows(session, notebook=notebook, by_id=by_id, merge=merge)
    keys = positions.keys_for_order([c.position if c.id in by_id else None for c in final])
    moved = {
        c.id for c, key in zip(final, keys, strict=True) if c.id in by_id and c.position != key
    }
    for cell, key in zip(final, keys, strict=True):
        cell.position = key
    for cell_id in merge.deleted:
        await session.delete(by_id[cell_id].cell)
    await session.flush()
    after = [
        CellView(cell, by_id[cell.id].template if cell.kind == "template" else None, index)
        for index, cell in enumerate(final)
    ]
    _mark_stale(views, after, edited, merge.deleted)

    for merged in merge.cells:
        if merged.change != "kept":
            change = "updated" if merged.change == "updated" else "created"
            await cells_changed(session, notebook.id, change, merged.id, origin=ORIGIN)
    for cell_id in sorted(moved - set(edited)):
        await cells_changed(session, notebook.id, "moved", cell_id, origin=ORIGIN)
    for cell_id in merge.deleted:
        await cells_changed(session, notebook.id, "deleted", cell_id, origin=ORIGIN)
    log.info(
        "took in a save of %s from JupyterLab: %d new, %d changed, %d moved, %d deleted, "
        "%d conflicting",
        notebook.path,
        sum(1 for m in merge.cells if m.change == "created"),
        sum(1 for m in merge.cells if m.change == "updated"),
        len(moved),
        len(merge.deleted),
        len(merge.conflicts),
    )
    return after
