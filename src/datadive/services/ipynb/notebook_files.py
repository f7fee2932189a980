"""Keep each notebook's `.ipynb` in the project folder in step with its cells, both ways, so
that JupyterLab (Datadive's, or a plain `jupyter lab` in that folder) shows the same notebook
and what is saved there comes back.

A notebook is written shortly after a transaction that edited its cells commits, and shortly
after each run (changes in quick succession are written once). Before writing, the file is
compared with what Datadive last wrote or took in (`notebooks.file_base`): a file changed
since is taken into the cells first (`notebook_sync.take_in_file`), never overwritten. The
project's Jupyter server tells Datadive when it saved a notebook (`file_saved`), so JupyterLab's
saves come back at once; anything it could not tell comes back before Datadive's next write.

A file that is not a notebook (broken JSON, saved from a text editor) is left alone: nothing
is taken from it and nothing is written over it until it is a notebook again or is deleted
(then Datadive writes it anew from the cells). Datadive's cells are never touched by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from datadive.db.engine import Database
from datadive.db.models import Notebook
from datadive.errors import Conflict, DatadiveError, NotFound
from datadive.execution.backend import ExecutionBackend, NotebookFileChanged
from datadive.services.authoring.cells import load_cells
from datadive.services.ipynb.file_base import FileBase, sha256_of
from datadive.services.ipynb.notebook_merge import NotANotebook
from datadive.services.ipynb.notebook_sync import TakenIn, document_for, record_base, take_in_file

log = logging.getLogger(__name__)
SETTLE_SECONDS = 0.3
# JupyterLab warns that a file "changed on disk" only when it changed more than 0.5 s (its
# `lastModifiedCheckMargin`) after its own last save. A save that must be written back (a
# conflict to show, an id to set) is written this long after it, so that JupyterLab notices
# and offers to load the merged notebook.
AFTER_SAVE_SECONDS = 1.0
# A file that changes again between reading and replacing it is read again, this often.
WRITE_ATTEMPTS = 3
MAX_CELLS = 2000


@dataclass(frozen=True)
class SyncOutcome:
    """What became of a notebook file: `taken_in` (its changes are in the cells now),
    `written` (Datadive wrote it), `refused` (why it was left alone)."""

    notebook_id: str
    taken_in: TakenIn | None = None
    written: bool = False
    refused: str | None = None


@dataclass(frozen=True)
class _Target:
    project_id: str
    path: str
    base: FileBase


class NotebookFiles:
    def __init__(
        self, *, database: Database, backend: ExecutionBackend, max_cells: int = MAX_CELLS
    ) -> None:
        self.database = database
        self.backend = backend
        self.max_cells = max_cells
        self.pending: dict[str, asyncio.Task[None]] = {}
        # Notebooks whose writes wait until then (event loop time).
        self.held_until: dict[str, float] = {}
        # One reader-writer of a notebook's file at a time (in this process).
        self.locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def edited(self, notebook_ids: Iterable[str]) -> None:
        """Called when a transaction that edited these notebooks' cells has committed."""
        for notebook_id in notebook_ids:
            self.write_soon(notebook_id)

    def write_soon(self, notebook_id: str) -> None:
        """Write the notebook SETTLE_SECONDS from now (once, however often this is called)."""
        if notebook_id not in self.pending:
            self.pending[notebook_id] = asyncio.get_running_loop().create_task(
                self._write_soon(notebook_id), name=f"write notebook {notebook_id}"
            )

    async def _write_soon(self, notebook_id: str) -> None:
        await asyncio.sleep(SETTLE_SECONDS)
        self.pending.pop(notebook_id, None)
        try:
            await self.write(notebook_id)
        except Exception:  # a background task: nobody else would hear of it
            log.exception("could not write notebook %s", notebook_id)

    def _lock(self, notebook_id: str) -> asyncio.Lock:
        lock = self.locks.get(notebook_id)
        if lock is None:
            lock = self.locks[notebook_id] = asyncio.Lock()
        return lock

    async def write(self, notebook_id: str) -> SyncOutcome:
        """Write the notebook's file, taking in first what was saved there since. A save just
        taken in holds writes off for a moment (`AFTER_SAVE_SECONDS`), checked once the lock is
        held: a write queued before the save must not land within JupyterLab's margin."""
        async with self._lock(notebook_id):
            held = self.held_until.pop(notebook_id, 0.0) - asyncio.get_running_loop().time()
            if held > 0:
                await asyncio.sleep(held)
            return await self._sync(notebook_id, write=True)

    async def file_saved(self, project_id: str, path: str) -> SyncOutcome | None:
        """The project's Jupyter server saved the file at `path`: take it in if it is a
        notebook of Datadive's (None when it is not)."""
        async with self.database.new_session() as session:
            notebook_id = await session.scalar(
                sa.select(Notebook.id).where(
                    Notebook.project_id == project_id, Notebook.path == path
                )
            )
        if notebook_id is None:
            return None
        async with self._lock(notebook_id):
            return await self._sync(notebook_id, write=False)

    async def _target(self, notebook_id: str) -> _Target | None:
        async with self.database.new_session() as session:
            notebook = await session.get(Notebook, notebook_id)
            if notebook is None:
                return None
            return _Target(
                project_id=notebook.project_id,
                path=notebook.path,
                base=FileBase.from_json(notebook.file_base),
            )

    async def _sync(self, notebook_id: str, *, write: bool) -> SyncOutcome:
        taken_in: TakenIn | None = None
        for _ in range(WRITE_ATTEMPTS):
            target = await self._target(notebook_id)
            if target is None:
                return SyncOutcome(notebook_id, refused="the notebook is gone")
            try:
                data = await self.backend.read_notebook(target.project_id, target.path)
            except (DatadiveError, OSError) as exc:
                log.warning("could not read %s: %s", target.path, exc)
                return SyncOutcome(notebook_id, refused=f"the file could not be read: {exc}")
            sha = sha256_of(data) if data is not None else None
            if data is not None and sha is not None and sha != target.base.sha256:
                try:
                    taken_in = await self._take_in(notebook_id, data, sha)
                except (NotANotebook, Conflict, NotFound) as exc:
                    log.warning("left %s as it is and did not write it: %s", target.path, exc)
                    return SyncOutcome(notebook_id, refused=str(exc))
                if not write:
                    if not taken_in.file_matches:
                        self._write_after_save(notebook_id)
                    return SyncOutcome(notebook_id, taken_in=taken_in)
            elif not write:
                return SyncOutcome(notebook_id)  # nothing new in the file
            try:
                written = await self._write(notebook_id, expected_sha256=sha)
            except NotebookFileChanged:
                continue  # saved again meanwhile: take that in first
            return SyncOutcome(notebook_id, taken_in=taken_in, written=written)
        log.warning("gave up writing notebook %s: its file keeps changing", notebook_id)
        return SyncOutcome(notebook_id, taken_in=taken_in, refused="the file keeps changing")

    def _write_after_save(self, notebook_id: str) -> None:
        loop = asyncio.get_running_loop()
        self.held_until[notebook_id] = loop.time() + AFTER_SAVE_SECONDS
        self.write_soon(notebook_id)

    async def _take_in(self, notebook_id: str, data: bytes, sha256: str) -> TakenIn:
        async with self.database.transaction() as session:
            return await take_in_file(
                session,
                notebook_id=notebook_id,
                data=data,
                sha256=sha256,
                max_cells=self.max_cells,
            )

    async def _write(self, notebook_id: str, *, expected_sha256: str | None) -> bool:
        """Write the document for the cells unless it is what was last written; whether it
        wrote. NotebookFileChanged when the file is no longer the one that was read."""
        async with self.database.new_session() as session:
            notebook = await session.get(Notebook, notebook_id)
            if notebook is None:
                return False
            base = FileBase.from_json(notebook.file_base)
            views = await load_cells(session, notebook_id=notebook_id)
        document = document_for(notebook, views, base)
        if expected_sha256 == base.sha256 and not document.news_for(base):
            return False  # nothing new since the file was written or taken in
        try:
            await self.backend.write_notebook(
                notebook.project_id,
                notebook.path,
                document.text,
                expected_sha256=expected_sha256,
            )
        except NotebookFileChanged:
            raise
        except (DatadiveError, OSError) as exc:
            log.warning("could not write %s: %s", notebook.path, exc)
            return False
        async with self.database.transaction() as session:
            await record_base(session, notebook_id=notebook_id, base=document.base)
        return True

    async def shutdown(self) -> None:
        """Write what is waiting, then stop."""
        tasks = list(self.pending.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for notebook_id in list(self.pending):
            await self.write(notebook_id)
        self.pending.clear()
