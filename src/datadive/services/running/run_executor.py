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
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.db.engine import Database
from datadive.db.models import Notebook, Run
from datadive.db.types import utcnow
from datadive.errors import DatadiveError
from datadive.execution.backend import ExecutionBackend, ServerHandle
from datadive.execution.client import (
    ExecutionResult,
    JupyterClient,
    JupyterUnavailable,
    KernelSession,
)
from datadive.schemas.runs import FINISHED
from datadive.services.authoring import notebooks
from datadive.services.authoring.cell_status import KERNEL_DIED, was_interrupted
from datadive.services.authoring.cells import CellView
from datadive.services.data_files.workspace_files import WorkspaceFiles
from datadive.services.ipynb.notebook_files import NotebookFiles
from datadive.services.membership.access import CellAccess, NotebookAccess
from datadive.services.running import runs
from datadive.services.running.run_progress import CellProgress, Finally

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
        "ename": KERNEL_DIED,
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
        workspace_files: WorkspaceFiles | None = None,
        heartbeat_seconds: float = 5.0,
    ) -> None:
        self.database = database
        self.notebook_files = notebook_files
        self.workspace_files = workspace_files
        self.backend = backend
        self.stream_limit = stream_limit
        self.heartbeat_seconds = heartbeat_seconds
        self.worker_id = new_worker_id()
        self.watchdog: asyncio.Task[None] | None = None
        self.stopping = asyncio.Event()
        self.tasks: set[asyncio.Task[None]] = set()
        self.clients: dict[str, JupyterClient] = {}
        # Runs of this process signal when they finish; others are polled in the database.
        self.finished: dict[str, RunSignal] = {}
        # notebook id → (server url, kernel session); asking Jupyter each run costs a round trip
        # A notebook's kernel, with the server it runs on: a server that stopped and was
        # started again (even on the same port) has none of the old kernels.
        self.kernels: dict[str, tuple[ServerHandle, KernelSession]] = {}
        # project id → runs of this process in progress there (its server is busy); a project
        # leaves when its last run ends
        self.running_in: Counter[str] = Counter()
        # project id → runs of this process waiting for its server to start (told its steps)
        self.starting_in: dict[str, set[str]] = {}

    def projects_running(self) -> frozenset[str]:
        """The projects where a run of this process is in progress."""
        return frozenset(self.running_in)

    async def start_cell_run(self, *, access: CellAccess) -> str:
        start_now = await self._kernel_ready(access.notebook)
        async with self.database.transaction() as session:
            queued = await runs.start_cell_run(
                session, access=access, worker_id=self.worker_id, start_now=start_now
            )
        self.submit(RunPlan.of(queued, access.notebook))
        return queued.run.id

    async def start_notebook_run(self, *, access: NotebookAccess, from_cell: str | None) -> str:
        start_now = await self._kernel_ready(access.notebook)
        async with self.database.transaction() as session:
            queued = await runs.start_notebook_run(
                session,
                access=access,
                from_cell=from_cell,
                worker_id=self.worker_id,
                start_now=start_now,
            )
        self.submit(RunPlan.of(queued, access.notebook))
        return queued.run.id

    async def _kernel_ready(self, notebook: Notebook) -> bool:
        """The project's server runs and this process knows the notebook's kernel on it."""
        known = self.kernels.get(notebook.id)
        if known is None:
            return False
        status = await self.backend.status(notebook.project_id)
        server = known[0]
        return bool(status.running) and (status.url, status.server_id) == (
            server.url,
            server.server_id,
        )

    async def _running_kernel(
        self, notebook: Notebook
    ) -> tuple[JupyterClient, KernelSession] | None:
        """The notebook's kernel on its project's running server; None when there is none
        (a server is never started for this)."""
        if not (await self.backend.status(notebook.project_id)).running:
            return None
        handle = await self.backend.ensure_server(notebook.project_id)
        client = await self._client(notebook.project_id, handle)
        kernel = await client.find_session(path=notebook.path)
        return None if kernel is None else (client, kernel)

    async def control_kernel(self, *, notebook: Notebook, action: str) -> bool:
        """Interrupt or restart the notebook's kernel; False when it has none running."""
        found = await self._running_kernel(notebook)
        if found is None:
            return False
        client, kernel = found
        if action == "interrupt":
            await client.interrupt(kernel.kernel_id)
        else:
            await client.restart(kernel.kernel_id)
            await self._variables_gone([notebook.id])
        return True

    async def server_start_step(self, project_id: str, step: str) -> None:
        """What starting the project's server does now, shown with the runs waiting for it."""
        for run_id in list(self.starting_in.get(project_id, ())):
            async with self.database.transaction() as session:
                await runs.record_start_step(session, run_id=run_id, step=step)

    async def stop_server(self, project_id: str) -> None:
        """Stop the project's Jupyter server: every notebook's kernel goes with it."""
        await self.backend.stop(project_id)
        await self.server_stopped(project_id)

    async def server_stopped(self, project_id: str) -> None:
        """The project's server stopped (by hand, or to make room for another): the cells that
        ran say their variables are gone."""
        async with self.database.transaction() as session:
            notebook_ids = await notebooks.project_notebook_ids(session, project_id=project_id)
            await runs.mark_not_run_since_restart(session, notebook_ids=notebook_ids)
        for notebook_id in notebook_ids:
            self.kernels.pop(notebook_id, None)

    async def _variables_gone(
        self, notebook_ids: Sequence[str], *, except_ids: Sequence[str] = ()
    ) -> None:
        async with self.database.transaction() as session:
            await runs.mark_not_run_since_restart(
                session, notebook_ids=notebook_ids, except_ids=except_ids
            )

    async def end_kernel(self, notebook: Notebook) -> None:
        """Shut a notebook's kernel down (the notebook is being deleted): a new notebook at the
        same path would otherwise get it, variables and all, and a cell left running in it
        would go on. Jupyter not answering is logged, not raised: the deletion goes ahead."""
        self.kernels.pop(notebook.id, None)
        try:
            found = await self._running_kernel(notebook)
            if found is not None:
                client, kernel = found
                await client.end_session(kernel)
        except JupyterUnavailable as exc:
            log.warning("could not shut down the kernel of notebook %s: %s", notebook.id, exc)

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

    def submit(self, plan: RunPlan) -> None:
        run_id = plan.run_id
        self.finished[run_id] = RunSignal()
        task = asyncio.get_running_loop().create_task(self._guarded(plan), name=f"run {run_id}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def wait(self, run_id: str, seconds: float) -> RunAnswer | None:
        """Return when the run has finished, or after `seconds`. A run of this process that
        finished meanwhile comes back as it was committed, so that it need not be read again;
        otherwise None."""
        signal = self.finished.get(run_id)
        if signal is not None:
            signal.waiting += 1
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(signal.done.wait(), seconds)
            finally:
                signal.waiting -= 1
            return signal.answer
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            async with self.database.new_session() as session:
                status = await session.scalar(sa.select(Run.status).where(Run.id == run_id))
            if status in FINISHED:
                return None
            await asyncio.sleep(POLL_SECONDS)
        return None

    async def shutdown(self) -> None:
        self.stopping.set()
        if self.watchdog is not None:
            await self.watchdog
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for client in self.clients.values():
            await client.close()

    async def _guarded(self, plan: RunPlan) -> None:
        self.running_in[plan.project_id] += 1
        try:
            await self._run_and_report(plan)
        finally:
            self.running_in[plan.project_id] -= 1
            if not self.running_in[plan.project_id]:
                del self.running_in[plan.project_id]
            self._announce(plan.run_id)

    def _announce(self, run_id: str, answer: RunAnswer | None = None) -> None:
        signal = self.finished.pop(run_id, None)
        if signal is not None:
            signal.answer = answer
            signal.done.set()

    async def _run_and_report(self, plan: RunPlan) -> None:
        run_id = plan.run_id
        try:
            await self._execute(plan)
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

    async def _client(self, project_id: str, handle: ServerHandle) -> JupyterClient:
        """The client of the project's server; one made for a server that has since been
        replaced (it died and was started again) is closed, connections and all."""
        client = self.clients.get(project_id)
        if client is None or not client.adopt(handle):
            if client is not None:
                await client.close()
            client = JupyterClient(handle, stream_limit=self.stream_limit)
            self.clients[project_id] = client
        return client

    async def _kernel_for(self, plan: RunPlan) -> tuple[JupyterClient, KernelSession]:
        """The notebook's kernel, with its server started first when need be; a run queued
        before the kernel was ready says `starting` (when a server starts) and `running`."""
        run_id = plan.run_id
        if not plan.started:
            started_at = utcnow()
            warm = (await self.backend.status(plan.project_id)).running
            if not warm:  # starting a server takes seconds: say so
                await self._set_status(run_id, "starting", started_at=started_at)
        waiting = self.starting_in.setdefault(plan.project_id, set())
        waiting.add(run_id)
        try:
            handle = await self.backend.ensure_server(plan.project_id, user_id=plan.requested_by)
        finally:
            waiting.discard(run_id)
            if not waiting:
                self.starting_in.pop(plan.project_id, None)
        client = await self._client(plan.project_id, handle)
        known = self.kernels.get(plan.notebook_id)
        if known is not None and known[0].same_server(handle):
            kernel = known[1]
            if self.backend.kernel_stop_reason(plan.project_id, kernel.kernel_id) is not None:
                # Stopped over its memory limit after its last cell: restarted, variables gone.
                await self._variables_gone([plan.notebook_id])
        else:
            kernel = await client.start_session(path=plan.path, kernel_name=plan.kernel_name)
            self.kernels[plan.notebook_id] = (handle, kernel)
        if not plan.started:
            await self._set_status(
                run_id, "running", **({"started_at": started_at} if warm else {})
            )
        return client, kernel

    async def _execute(self, plan: RunPlan) -> None:
        run_id = plan.run_id
        client, kernel = await self._kernel_for(plan)
        answer: list[RunAnswer] = []  # filled in the run's last transaction; given once committed
        for position, cell in enumerate(plan.cells):
            started = position == 0 and plan.first_started
            progress = CellProgress(
                self.database, notebook_id=plan.notebook_id, cell_id=cell.id, started=started
            )
            left = [c.id for c in plan.cells[position + 1 :]]
            if cell.kind == "markdown":
                problem = None
                status = "ok"
                outputs: list[dict[str, Any]] | None = None
                execution_count = None
            else:
                if not started:
                    await progress.started()
                result = await client.execute(
                    kernel.kernel_id, cell.source, on_change=progress.outputs_changed
                )
                if result.status == "dead":  # Jupyter restarts it: the variables are gone
                    stopped_because = self.backend.kernel_stop_reason(
                        plan.project_id, kernel.kernel_id
                    )
                    result.problem = stopped_because or result.problem
                    self.kernels.pop(plan.notebook_id, None)
                    await self._variables_gone([plan.notebook_id], except_ids=[cell.id])
                problem = (
                    None
                    if result.status == "ok"
                    else cell_problem(result, await self._index(plan, cell))
                )
                status = "ok" if problem is None else "error"
                outputs = result.outputs + (
                    [died_output(result)] if result.status == "dead" else []
                )
                execution_count = result.execution_count
            last = problem is not None or not left
            await progress.finished(
                status=status,
                outputs=outputs,
                execution_count=execution_count,
                # The run ends in the same transaction as its last cell.
                then=self._ending(run_id, problem, left, answer) if last else None,
            )
            if last:
                break
        else:  # a run with no cells
            await self._finish(run_id, "ok", None)
        await self._take_written_files(plan.project_id)
        self._announce(run_id, answer[0] if answer else None)
        # Written a moment later, so that the answer goes out first.
        self.notebook_files.write_soon(plan.notebook_id)

    async def _take_written_files(self, project_id: str) -> None:
        """Files the cells wrote under `data/` join the project's files before the run is
        reported finished; a failure there is logged, and the run stays as it ended."""
        if self.workspace_files is None:
            return
        try:
            await self.workspace_files.sync_workspace_files(project_id)
        except Exception:
            log.exception("could not take the files written in project %s", project_id)

    async def _index(self, plan: RunPlan, cell: PlannedCell) -> int | None:
        """The cell's place in the notebook, looked up when a run of one cell did not need it."""
        if cell.index is not None:
            return cell.index
        async with self.database.new_session() as session:
            return await runs.cell_index(session, cell_id=cell.id)

    def _ending(
        self, run_id: str, problem: str | None, left: list[str], answer: list[RunAnswer]
    ) -> Finally:
        """The run's end, written with its last cell; while requests wait for the run, it
        also reads the run's cells for them (into `answer`)."""

        async def end(session: AsyncSession) -> None:
            run = await runs.finish_run(
                session,
                run_id=run_id,
                status="error" if problem else "ok",
                error=problem,
                left=left,
            )
            signal = self.finished.get(run_id)
            if run is not None and signal is not None and signal.waiting:
                answer.append(RunAnswer(run, await runs.run_cells(session, run=run)))

        return end


def cell_problem(result: ExecutionResult, index: int | None) -> str:
    """Why a run stops at this cell (which did not go well)."""
    where = "the cell" if index is None else f"cell {index + 1}"
    if result.problem is None and was_interrupted(result.outputs):
        return f"Interrupted at {where}."
    reason = result.problem or next(
        (f"{o['ename']}: {o['evalue']}" for o in result.outputs if o["output_type"] == "error"),
        "the cell failed",
    )
    return f"Stopped at {where}: {reason}"


@dataclass(frozen=True)
class RunAnswer:
    """A finished run and its cells, as committed."""

    run: Run
    cells: list[CellView]


@dataclass
class RunSignal:
    """A run of this process, for the requests waiting for it: set when it has finished,
    with the run as its last transaction stored it when someone was waiting then."""

    done: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: int = 0
    answer: RunAnswer | None = None


@dataclass(frozen=True)
class PlannedCell:
    id: str
    kind: str
    source: str
    index: int | None  # in the notebook, for messages; None when not looked up yet


@dataclass(frozen=True)
class RunPlan:
    """What a run does, read in the transaction that queued it."""

    run_id: str
    notebook_id: str
    project_id: str
    path: str
    kernel_name: str
    requested_by: str | None  # whose request starts the server, when one starts
    cells: list[PlannedCell]
    started: bool  # queued as `running` (the kernel was ready)
    first_started: bool  # its first cell is marked running already

    @classmethod
    def of(cls, queued: runs.QueuedRun, notebook: Notebook) -> RunPlan:
        return cls(
            run_id=queued.run.id,
            notebook_id=notebook.id,
            project_id=notebook.project_id,
            path=notebook.path,
            kernel_name=notebook.kernel_name,
            requested_by=queued.run.requested_by_id,
            cells=[
                PlannedCell(q.cell.id, q.cell.kind, q.cell.source, q.index) for q in queued.cells
            ],
            started=queued.run.status == "running",
            first_started=queued.first_started,
        )
