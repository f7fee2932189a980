"""Carry out runs in the background: cells in order on the notebook's kernel, outputs saved as
they arrive, the notebook's .ipynb written to the project's Jupyter folder afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import nbformat
import sqlalchemy as sa

from datadive.db.engine import Database
from datadive.db.models import Cell, Notebook, Run
from datadive.db.types import utcnow
from datadive.errors import DatadiveError
from datadive.execution.backend import ExecutionBackend, ServerHandle
from datadive.execution.client import ExecutionResult, JupyterClient, KernelSession
from datadive.schemas.runs import FINISHED
from datadive.services import exports, runs
from datadive.services.access import CellAccess, NotebookAccess
from datadive.services.cells import load_cells

log = logging.getLogger(__name__)
SAVE_EVERY_SECONDS = 0.3
POLL_SECONDS = 0.05


class OutputSaver:
    """Writes a running cell's outputs to the database, at most every SAVE_EVERY_SECONDS."""

    def __init__(self, database: Database, cell_id: str) -> None:
        self.database = database
        self.cell_id = cell_id
        self.saved_at = 0.0

    async def changed(self, outputs: list[dict[str, Any]]) -> None:
        if time.monotonic() - self.saved_at >= SAVE_EVERY_SECONDS:
            await self.save(outputs=list(outputs))

    async def save(self, **values: Any) -> None:
        self.saved_at = time.monotonic()
        async with self.database.transaction() as session:
            await session.execute(sa.update(Cell).where(Cell.id == self.cell_id).values(**values))


def died_output(result: ExecutionResult) -> dict[str, Any]:
    return {
        "output_type": "error",
        "ename": "KernelDied",
        "evalue": result.problem or "",
        "traceback": [],
    }


class RunExecutor:
    def __init__(self, *, database: Database, backend: ExecutionBackend, stream_limit: int) -> None:
        self.database = database
        self.backend = backend
        self.stream_limit = stream_limit
        self.tasks: set[asyncio.Task[None]] = set()
        self.clients: dict[str, JupyterClient] = {}
        # Runs of this process signal when they finish; others are polled in the database.
        self.finished: dict[str, asyncio.Event] = {}
        # notebook id → (server url, kernel session); asking Jupyter each run costs a round trip
        self.kernels: dict[str, tuple[str, KernelSession]] = {}

    async def start_cell_run(self, *, access: CellAccess) -> str:
        async with self.database.transaction() as session:
            run = await runs.start_cell_run(session, access=access)
        self.submit(run.id)
        return run.id

    async def start_notebook_run(self, *, access: NotebookAccess, from_cell: str | None) -> str:
        async with self.database.transaction() as session:
            run = await runs.start_notebook_run(session, access=access, from_cell=from_cell)
        self.submit(run.id)
        return run.id

    async def control_kernel(self, *, notebook: Notebook, action: str) -> bool:
        """Interrupt or restart the notebook's kernel; False when it has none running."""
        if (await self.backend.status(notebook.project_id)).running is False:
            return False
        handle = await self.backend.ensure_server(notebook.project_id)
        client = self._client(notebook.project_id, handle)
        kernel = await client.find_session(path=notebook.path)
        if kernel is None:
            return False
        if action == "interrupt":
            await client.interrupt(kernel.kernel_id)
        else:
            await client.restart(kernel.kernel_id)
        return True

    def submit(self, run_id: str) -> None:
        self.finished[run_id] = asyncio.Event()
        task = asyncio.get_running_loop().create_task(self._guarded(run_id), name=f"run {run_id}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def wait(self, run_id: str, seconds: float) -> None:
        """Return when the run has finished, or after `seconds`."""
        event = self.finished.get(run_id)
        if event is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), seconds)
            return
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            async with self.database.new_session() as session:
                status = await session.scalar(sa.select(Run.status).where(Run.id == run_id))
            if status in FINISHED:
                return
            await asyncio.sleep(POLL_SECONDS)

    async def shutdown(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for client in self.clients.values():
            await client.close()

    async def _guarded(self, run_id: str) -> None:
        try:
            await self._run_and_report(run_id)
        finally:
            self._announce(run_id)

    def _announce(self, run_id: str) -> None:
        event = self.finished.pop(run_id, None)
        if event is not None:
            event.set()

    async def _run_and_report(self, run_id: str) -> None:
        try:
            await self._execute(run_id)
        except asyncio.CancelledError:
            await asyncio.shield(self._finish(run_id, "error", runs.CRASHED))
            raise
        except DatadiveError as exc:
            await self._finish(run_id, "error", exc.detail)
        except Exception:
            log.exception("run %s failed", run_id)
            await self._finish(
                run_id, "error", "Something went wrong on our side; it has been logged."
            )

    async def _finish(self, run_id: str, status: str, error: str | None) -> None:
        async with self.database.transaction() as session:
            run = await session.get(Run, run_id)
            if run is None or run.status in FINISHED:
                return
            run.status, run.error, run.finished_at = status, error, utcnow()
            await session.execute(
                sa.update(Cell)
                .where(Cell.notebook_id == run.notebook_id, Cell.status.in_(("queued", "running")))
                .values(status="idle")
            )

    async def _set_status(self, run_id: str, status: str) -> None:
        async with self.database.transaction() as session:
            values: dict[str, Any] = {"status": status}
            if status == "starting":
                values["started_at"] = utcnow()
            await session.execute(sa.update(Run).where(Run.id == run_id).values(**values))

    def _client(self, project_id: str, handle: ServerHandle) -> JupyterClient:
        client = self.clients.get(project_id)
        if client is None or client.handle != handle:
            client = JupyterClient(handle, stream_limit=self.stream_limit)
            self.clients[project_id] = client
        return client

    async def _execute(self, run_id: str) -> None:
        async with self.database.new_session() as session:
            run = await session.get(Run, run_id)
            assert run is not None
            notebook = await session.get(Notebook, run.notebook_id)
            assert notebook is not None
            cells = [
                (v.cell.id, v.cell.kind, v.cell.source, v.index)
                for v in await runs.run_cells(session, run=run)
            ]
        await self._set_status(run_id, "starting")
        handle = await self.backend.ensure_server(notebook.project_id)
        client = self._client(notebook.project_id, handle)
        known = self.kernels.get(notebook.id)
        if known is not None and known[0] == handle.url:
            kernel = known[1]
        else:
            kernel = await client.start_session(
                path=notebook.path, kernel_name=notebook.kernel_name
            )
            self.kernels[notebook.id] = (handle.url, kernel)
        await self._set_status(run_id, "running")
        problem = None
        for cell_id, kind, source, index in cells:
            if problem is not None:
                break
            saver = OutputSaver(self.database, cell_id)
            if kind == "markdown":
                await saver.save(status="ok")
                continue
            await saver.save(status="running", outputs=[], started_at=utcnow(), finished_at=None)
            result = await client.execute(kernel.kernel_id, source, on_change=saver.changed)
            outputs = result.outputs + ([died_output(result)] if result.status == "dead" else [])
            await saver.save(
                outputs=outputs,
                execution_count=result.execution_count,
                status="ok" if result.status == "ok" else "error",
                finished_at=utcnow(),
            )
            if result.status == "dead":
                self.kernels.pop(notebook.id, None)
            if result.status != "ok":
                problem = f"Stopped at cell {index + 1}: " + (
                    result.problem
                    or next(
                        (
                            f"{o['ename']}: {o['evalue']}"
                            for o in result.outputs
                            if o["output_type"] == "error"
                        ),
                        "the cell failed",
                    )
                )
        await self._finish(run_id, "error" if problem else "ok", problem)
        self._announce(run_id)  # the answer need not wait for the file below
        await self._write_notebook_file(client, notebook)

    async def _write_notebook_file(self, client: JupyterClient, notebook: Notebook) -> None:
        """Keep the .ipynb in the project folder in step, for JupyterLab."""
        async with self.database.new_session() as session:
            views = await load_cells(session, notebook_id=notebook.id)
        document = nbformat.writes(exports.export_ipynb(notebook, views))
        try:
            await client.save_notebook(notebook.path, document)
        except DatadiveError as exc:
            log.warning("could not write %s: %s", notebook.path, exc.detail)
