"""Carry out runs in the background: cells in order on the notebook's kernel, outputs saved as
they arrive, the notebook's .ipynb written to the project's Jupyter folder afterwards.

Runs live in the database, not in this process: each process says every few seconds which runs
it still carries out (a heartbeat), and any process ends the runs whose process fell silent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from datadive.db.engine import Database
from datadive.db.models import Notebook, Run
from datadive.db.types import utcnow
from datadive.errors import DatadiveError
from datadive.execution.backend import ExecutionBackend, ServerHandle
from datadive.execution.client import ExecutionResult, JupyterClient, KernelSession
from datadive.schemas.runs import FINISHED
from datadive.services import runs
from datadive.services.access import CellAccess, NotebookAccess
from datadive.services.notebook_files import NotebookFiles
from datadive.services.run_progress import CellProgress

log = logging.getLogger(__name__)
POLL_SECONDS = 0.05
# A run whose process said nothing for this many heartbeats is taken for abandoned.
SILENT_HEARTBEATS = 3


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def worker_gone(worker_id: str) -> bool:
    """A process on this machine that no longer exists (a run it left need not wait for its
    heartbeat to go stale). Processes elsewhere are judged by their heartbeat alone."""
    host, _, rest = worker_id.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def died_output(result: ExecutionResult) -> dict[str, Any]:
    return {
        "output_type": "error",
        "ename": "KernelDied",
        "evalue": result.problem or "",
        "traceback": [],
    }


class RunExecutor:
    def __init__(
        self,
        *,
        database: Database,
        backend: ExecutionBackend,
        stream_limit: int,
        notebook_files: NotebookFiles,
        heartbeat_seconds: float = 5.0,
    ) -> None:
        self.database = database
        self.notebook_files = notebook_files
        self.backend = backend
        self.stream_limit = stream_limit
        self.heartbeat_seconds = heartbeat_seconds
        self.worker_id = new_worker_id()
        self.watchdog: asyncio.Task[None] | None = None
        self.stopping = asyncio.Event()
        self.tasks: set[asyncio.Task[None]] = set()
        self.clients: dict[str, JupyterClient] = {}
        # Runs of this process signal when they finish; others are polled in the database.
        self.finished: dict[str, asyncio.Event] = {}
        # notebook id → (server url, kernel session); asking Jupyter each run costs a round trip
        self.kernels: dict[str, tuple[str, KernelSession]] = {}

    async def start_cell_run(self, *, access: CellAccess) -> str:
        async with self.database.transaction() as session:
            run = await runs.start_cell_run(session, access=access, worker_id=self.worker_id)
        self.submit(run.id)
        return run.id

    async def start_notebook_run(self, *, access: NotebookAccess, from_cell: str | None) -> str:
        async with self.database.transaction() as session:
            run = await runs.start_notebook_run(
                session, access=access, from_cell=from_cell, worker_id=self.worker_id
            )
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

    @property
    def silent_for(self) -> timedelta:
        return timedelta(seconds=self.heartbeat_seconds * SILENT_HEARTBEATS)

    async def start(self) -> None:
        """End the runs that a stopped process left behind, then keep watch."""
        await self._end_abandoned_runs()
        self.watchdog = asyncio.get_running_loop().create_task(self._keep_watch(), name="runs")

    async def _keep_watch(self) -> None:
        # Stopped between rounds, never in the middle of a transaction (see `shutdown`).
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), self.heartbeat_seconds)
                return
            try:
                async with self.database.transaction() as session:
                    await runs.beat(session, run_ids=sorted(self.finished))
                await self._end_abandoned_runs()
            except Exception:
                log.exception("the run heartbeat failed; trying again")

    async def _end_abandoned_runs(self) -> None:
        async with self.database.transaction() as session:
            ended = await runs.fail_abandoned_runs(
                session,
                worker_id=self.worker_id,
                silent_for=self.silent_for,
                worker_gone=worker_gone,
            )
        for run_id in ended:
            log.warning("run %s was abandoned by a stopped Datadive; it ended as an error", run_id)

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
        self.stopping.set()
        if self.watchdog is not None:
            await self.watchdog
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
            await runs.finish_run(session, run_id=run_id, status=status, error=error)

    async def _set_status(self, run_id: str, status: str, **values: Any) -> None:
        async with self.database.transaction() as session:
            await runs.set_run_status(session, run_id=run_id, status=status, **values)

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
        started_at = utcnow()
        warm = (await self.backend.status(notebook.project_id)).running
        if not warm:  # starting a server takes seconds: say so
            await self._set_status(run_id, "starting", started_at=started_at)
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
        await self._set_status(run_id, "running", **({"started_at": started_at} if warm else {}))
        problem = None
        for cell_id, kind, source, index in cells:
            if problem is not None:
                break
            progress = CellProgress(self.database, notebook_id=notebook.id, cell_id=cell_id)
            if kind == "markdown":
                await progress.finished(status="ok")
                continue
            await progress.started()
            result = await client.execute(
                kernel.kernel_id, source, on_change=progress.outputs_changed
            )
            outputs = result.outputs + ([died_output(result)] if result.status == "dead" else [])
            await progress.finished(
                status="ok" if result.status == "ok" else "error",
                outputs=outputs,
                execution_count=result.execution_count,
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
        await self.notebook_files.write(notebook.id)
