"""Keep each notebook's `.ipynb` in the project folder in step with its cells, so that
JupyterLab (Datadive's, or a plain `jupyter lab` in that folder) shows the same notebook.

A notebook is written shortly after a transaction that edited its cells commits, and shortly
after each run (changes in quick succession are written once)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

import nbformat

from datadive.db.engine import Database
from datadive.db.models import Notebook
from datadive.errors import DatadiveError
from datadive.execution.backend import ExecutionBackend
from datadive.services import exports
from datadive.services.cells import load_cells

log = logging.getLogger(__name__)
SETTLE_SECONDS = 0.3


class NotebookFiles:
    def __init__(self, *, database: Database, backend: ExecutionBackend) -> None:
        self.database = database
        self.backend = backend
        self.pending: dict[str, asyncio.Task[None]] = {}

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
        await self.write(notebook_id)

    async def write(self, notebook_id: str) -> None:
        async with self.database.new_session() as session:
            notebook = await session.get(Notebook, notebook_id)
            if notebook is None:
                return
            views = await load_cells(session, notebook_id=notebook_id)
        document = nbformat.writes(exports.export_ipynb(notebook, views))
        try:
            await self.backend.write_notebook(notebook.project_id, notebook.path, document)
        except (DatadiveError, OSError) as exc:
            log.warning("could not write %s: %s", notebook.path, exc)

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
