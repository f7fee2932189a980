"""The embedded backend: one `jupyter server` subprocess per project, on 127.0.0.1.

Each server gets a free port, a fresh token, the project's workspace as its root folder and an
environment without Datadive's secrets. Browsers get in through Datadive only: the server runs
`datadive.jupyter.identity`, which takes one-time login codes signed with a key handed over on
the server's standard input (see `datadive.jupyter.launch`), never `?token=` URLs.

A server stops itself after `idle_seconds` without activity (Jupyter's own culling); Datadive
stops the rest on shutdown, and a server whose Datadive died (`kill -9` included) stops too
(`parent_death`). Each running server is recorded in `<data dir>/jupyter/servers/`, so that
servers left behind anyway are found and stopped, kernels and all, when the next one starts.
How many servers and kernels run, and how much memory a kernel uses, is bounded
(`server_admission`, `datadive.jupyter.bounded_kernels`, `kernel_memory`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import secrets
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import httpx

from datadive.execution.backend import (
    ExecutionBackend,
    NotebookFileChanged,
    ServerHandle,
    ServerNotStarted,
    ServerStatus,
)
from datadive.execution.environments import PreparedEnvironment, ProjectEnvironments
from datadive.execution.kernel_memory import KernelMemoryWatcher
from datadive.execution.parent_death import ending_with
from datadive.execution.process_tree import stop_tree
from datadive.execution.sandbox import Sandbox
from datadive.execution.server_admission import ServerAdmission, ServerSeat
from datadive.execution.server_bounds import ServerBounds
from datadive.jupyter.launch import LaunchSecrets
from datadive.jupyter.login_codes import issue_login_code
from datadive.jupyter.save_notices import NOTICE_PATH

log = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 60.0
STOP_GRACE_SECONDS = 10.0
REVOKE_TIMEOUT_SECONDS = 10.0
IDENTITY_PROVIDER = "datadive.jupyter.identity.DatadiveIdentityProvider"
SAVE_HOOK = "datadive.jupyter.save_hook.notify_datadive"
KERNEL_MANAGER = "datadive.jupyter.bounded_kernels.BoundedKernelManager"
# Variables a kernel must never see (SECURITY.md check 19).
SECRET_PREFIXES = ("DATADIVE_",)
SECRET_NAMES = frozenset(
    {"JUPYTERHUB_API_TOKEN", "DATABASE_URL", "PGPASSWORD", "AWS_SECRET_ACCESS_KEY"}
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def kernel_environment() -> dict[str, str]:
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(SECRET_PREFIXES) and name not in SECRET_NAMES
    }


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_our_jupyter(pid: int, port: int) -> bool:
    """Guard against pid reuse: only stop a process that is the server we recorded."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return process_alive(pid)  # no /proc: trust the record
    return (
        b"jupyter_server" in b" ".join(command) and f"--ServerApp.port={port}".encode() in command
    )


def stop_process_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return


@dataclass
class RunningServer:
    project_id: str
    process: asyncio.subprocess.Process
    handle: ServerHandle
    port: int
    login_key: bytes
    notice_key: bytes
    started_by: str | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class LocalBackend(ExecutionBackend):
    def __init__(
        self,
        *,
        workspaces: Path,
        state_dir: Path,
        idle_seconds: int = 3600,
        python: str | None = None,
        datadive_url: str | None = None,
        bounds: ServerBounds | None = None,
        sandbox: Sandbox | None = None,
        environments: ProjectEnvironments | None = None,
        terminals: bool = False,
    ) -> None:
        """`datadive_url`: where the servers reach Datadive to tell it of saved notebooks
        (None: they tell nobody, and saves come back before Datadive's next write only).
        `sandbox`: what each server runs in (`execution.sandbox`; None: not sandboxed).
        `environments`: where projects' `requirements.txt` are installed (None: not at all).
        `terminals`: whether JupyterLab offers terminals."""
        self.environments = environments
        self.terminals = terminals
        self.start_step: Callable[[str, str], Awaitable[None]] | None = None
        self.sandbox = sandbox
        self.datadive_url = datadive_url.rstrip("/") if datadive_url else None
        self.workspaces = workspaces
        self.records = state_dir / "servers"
        self.idle_seconds = idle_seconds
        self.python = python or sys.executable
        self.servers: dict[str, RunningServer] = {}
        self.locks: dict[str, asyncio.Lock] = {}
        self.bounds = bounds or ServerBounds()
        self.admission = ServerAdmission(self.bounds, running=self._seats, stop=self.stop)
        self.memory = KernelMemoryWatcher(
            limit_gb=self.bounds.kernel_memory_limit_gb, servers=self._server_pids
        )

    def workspace(self, project_id: str) -> Path:
        return self.workspaces / project_id

    def _notebook_path(self, project_id: str, path: str) -> Path:
        root = self.workspace(project_id).resolve()
        target = (root / path).resolve()
        if not target.is_relative_to(root) or target == root:
            raise ValueError(f"{path!r} is not a path inside the project")
        return target

    def _read(self, project_id: str, path: str) -> bytes | None:
        try:
            return self._notebook_path(project_id, path).read_bytes()
        except FileNotFoundError:
            return None

    async def read_notebook(self, project_id: str, path: str) -> bytes | None:
        # Off the event loop: a notebook with many plots is megabytes.
        return await asyncio.to_thread(self._read, project_id, path)

    async def write_notebook(
        self, project_id: str, path: str, document: str, *, expected_sha256: str | None
    ) -> None:
        # Off the event loop, as reading: the file is written, read back and hashed.
        await asyncio.to_thread(self._replace_notebook, project_id, path, document, expected_sha256)

    def _replace_notebook(
        self, project_id: str, path: str, document: str, expected_sha256: str | None
    ) -> None:
        target = self._notebook_path(project_id, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Jupyter (or a person) reading at the same moment sees the old file or the new one.
        partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
        partial.write_text(document, encoding="utf-8")
        try:
            # Checked as late as can be: a save that lands in between is taken in first.
            now = self._read(project_id, path)
            if (hashlib.sha256(now).hexdigest() if now is not None else None) != expected_sha256:
                raise NotebookFileChanged(f"{path} changed since it was read")
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)

    def save_notice_key(self, project_id: str) -> bytes | None:
        server = self._running(project_id)
        return server.notice_key if server is not None else None

    @property
    def kernels_sandboxed(self) -> bool:
        return self.sandbox is not None

    async def clean_orphans(self) -> int:
        """Stop servers recorded by an earlier Datadive process that is gone."""
        stopped = 0
        if not self.records.is_dir():
            return stopped
        for record in self.records.glob("*.json"):
            try:
                data = json.loads(record.read_text())
                pid, port, owner = int(data["pid"]), int(data["port"]), int(data["owner_pid"])
            except (OSError, ValueError, KeyError):
                record.unlink(missing_ok=True)
                continue
            if owner != os.getpid() and process_alive(owner) and owner != 0:
                continue  # another live Datadive process owns it
            if process_alive(pid) and is_our_jupyter(pid, port):
                log.warning("stopping Jupyter server %s left behind by a stopped Datadive", pid)
                await asyncio.to_thread(stop_tree, pid, grace_seconds=STOP_GRACE_SECONDS)
                stopped += 1
            record.unlink(missing_ok=True)
        return stopped

    async def ensure_server(self, project_id: str, *, user_id: str | None = None) -> ServerHandle:
        lock = self.locks.setdefault(project_id, asyncio.Lock())
        async with lock:
            running = self.servers.get(project_id)
            if running is not None and running.process.returncode is None:
                return running.handle
            if running is not None:
                self._forget(project_id)
            async with self.admission.admit(project_id, user_id=user_id):
                return (await self._start(project_id, started_by=user_id)).handle

    def _live_servers(self) -> list[RunningServer]:
        return [server for server in self.servers.values() if server.process.returncode is None]

    def _seats(self) -> list[ServerSeat]:
        return [
            ServerSeat(s.project_id, s.started_by, s.started_at, s.handle)
            for s in self._live_servers()
        ]

    def _server_pids(self) -> dict[str, int]:
        return {s.project_id: s.process.pid for s in self._live_servers()}

    def kernel_stop_reason(self, project_id: str, kernel_id: str) -> str | None:
        return self.memory.take_reason(project_id, kernel_id)

    def watch_runs(
        self,
        projects_running: Callable[[], Collection[str]],
        *,
        server_stopped: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.admission.projects_running = projects_running
        self.admission.server_stopped = server_stopped

    def watch_start_steps(self, on_step: Callable[[str, str], Awaitable[None]]) -> None:
        self.start_step = on_step

    async def _prepare_environment(
        self, project_id: str, workspace: Path
    ) -> PreparedEnvironment | None:
        """The project's own packages, installed before its server starts; EnvironmentNotReady
        (nothing started) when they cannot be."""
        if self.environments is None:
            return None

        async def on_step(step: str) -> None:
            if self.start_step is not None:
                await self.start_step(project_id, step)

        prepared = await self.environments.prepare(
            project_id, workspace, environment=kernel_environment(), on_step=on_step
        )
        if prepared is not None:
            await on_step("Starting the Jupyter server…")
        return prepared

    async def _start(self, project_id: str, *, started_by: str | None) -> RunningServer:
        workspace = self.workspace(project_id)
        workspace.mkdir(parents=True, exist_ok=True)
        prepared = await self._prepare_environment(project_id, workspace)
        port, token = free_port(), secrets.token_urlsafe(32)
        login_key, notice_key = secrets.token_bytes(32), secrets.token_bytes(32)
        environment = kernel_environment() | {"JUPYTER_TOKEN": token}
        if prepared is not None:  # its `python3` kernel spec comes first
            environment["JUPYTER_PATH"] = os.pathsep.join(
                [prepared.jupyter_path, *filter(None, [environment.get("JUPYTER_PATH")])]
            )
        command = [
            self.python,
            "-m",
            "jupyter_server",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.open_browser=False",
            "--ServerApp.default_url=/lab",
            # A shell on the server confuses more than it helps (DATADIVE_JUPYTER_TERMINALS).
            f"--ServerApp.terminals_enabled={self.terminals}",
            f"--ServerApp.identity_provider_class={IDENTITY_PROVIDER}",
            # Every page needs a user unless a handler says otherwise (the hand-off does).
            "--ServerApp.allow_unauthenticated_access=False",
            f"--ServerApp.root_dir={workspace}",
            f"--ServerApp.shutdown_no_activity_timeout={self.idle_seconds}",
            f"--MappingKernelManager.cull_idle_timeout={self.idle_seconds}",
            "--MappingKernelManager.cull_interval=60",
            # Datadive keeps the head and tail of long output itself (`outputs.py`); Jupyter's
            # rate limit would instead drop the output for a notice about its own settings.
            "--ZMQChannelsWebsocketConnection.limit_rate=False",
            # Tells Datadive when a notebook was saved (JupyterLab's edits come back).
            f"--ContentsManager.post_save_hook={SAVE_HOOK}",
            f"--ServerApp.kernel_manager_class={KERNEL_MANAGER}",
            f"--BoundedKernelManager.max_kernels={self.bounds.max_kernels_per_server}",
            # containers and CI run as root; Jupyter refuses that unless told
            *(["--ServerApp.allow_root=True"] if os.geteuid() == 0 else []),
        ]
        if self.sandbox is not None:
            seen = [prepared.folder] if prepared is not None else []
            command = [*self.sandbox.prefix(workspace, read_only=seen), *command]
        process = await asyncio.create_subprocess_exec(
            *ending_with(command, python=self.python),
            cwd=workspace,
            env=environment,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        server = RunningServer(
            project_id=project_id,
            process=process,
            handle=ServerHandle(
                url=f"http://127.0.0.1:{port}", token=token, server_id=secrets.token_hex(8)
            ),
            port=port,
            login_key=login_key,
            notice_key=notice_key,
            started_by=started_by,
        )
        self._record(server)
        try:
            await self._hand_over_secrets(server)
            await self._wait_until_ready(server)
        except BaseException:  # failed, or cancelled by a shutdown: never leave it running
            await asyncio.shield(self._terminate(server))
            self._forget(project_id)
            raise
        self.servers[project_id] = server
        asyncio.get_running_loop().create_task(self._drain_log(server))
        self.memory.start()
        return server

    async def _hand_over_secrets(self, server: RunningServer) -> None:
        assert server.process.stdin is not None
        notice_url = None
        if self.datadive_url is not None:
            notice_url = self.datadive_url + NOTICE_PATH.format(project_id=server.project_id)
        secrets_line = LaunchSecrets(
            login_key=server.login_key, notice_key=server.notice_key, notice_url=notice_url
        ).to_line()
        server.process.stdin.write(secrets_line)
        # If the server died at once, _wait_until_ready reports why.
        with contextlib.suppress(ConnectionError):
            await server.process.stdin.drain()
        server.process.stdin.close()

    async def _wait_until_ready(self, server: RunningServer) -> None:
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT_SECONDS
        headers = {"Authorization": f"token {server.handle.token}"}
        async with httpx.AsyncClient(timeout=5) as client:
            while True:
                if server.process.returncode is not None:
                    raise ServerNotStarted(await self._failure(server))
                try:
                    response = await client.get(f"{server.handle.url}/api/status", headers=headers)
                    if response.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise ServerNotStarted(
                        f"The Jupyter server did not answer within {START_TIMEOUT_SECONDS:.0f} s."
                    )
                await asyncio.sleep(0.1)

    async def _failure(self, server: RunningServer) -> str:
        assert server.process.stderr is not None
        output = (await server.process.stderr.read()).decode(errors="replace")
        last = output.strip().splitlines()[-3:]
        return "The Jupyter server stopped while starting: " + " / ".join(last)

    async def _drain_log(self, server: RunningServer) -> None:
        """Read the server's log so its pipe never fills; keep it in Datadive's log."""
        assert server.process.stderr is not None
        async for line in server.process.stderr:
            log.debug("jupyter[%s]: %s", server.project_id, line.decode(errors="replace").rstrip())

    def _record(self, server: RunningServer) -> None:
        self.records.mkdir(parents=True, exist_ok=True)
        record = {"pid": server.process.pid, "port": server.port, "owner_pid": os.getpid()}
        (self.records / f"{server.project_id}.json").write_text(json.dumps(record))

    def _forget(self, project_id: str) -> None:
        self.servers.pop(project_id, None)
        (self.records / f"{project_id}.json").unlink(missing_ok=True)

    async def _terminate(self, server: RunningServer) -> None:
        if server.process.returncode is None:
            stop_process_group(server.process.pid)
            try:
                await asyncio.wait_for(server.process.wait(), STOP_GRACE_SECONDS)
            except TimeoutError:
                os.killpg(server.process.pid, signal.SIGKILL)
                await server.process.wait()

    async def status(self, project_id: str) -> ServerStatus:
        server = self._running(project_id)
        if server is None:
            return ServerStatus(running=False)
        return ServerStatus(
            running=True,
            url=server.handle.url,
            started_at=server.started_at,
            server_id=server.handle.server_id,
        )

    async def stop(self, project_id: str) -> None:
        server = self.servers.get(project_id)
        if server is not None:
            await self._terminate(server)
        self._forget(project_id)

    def _running(self, project_id: str) -> RunningServer | None:
        server = self.servers.get(project_id)
        if server is None or server.process.returncode is not None:
            return None
        return server

    async def login_url(
        self, project_id: str, *, user_id: str, name: str, next_path: str
    ) -> str | None:
        server = self._running(project_id)
        if server is None:
            return None
        code = issue_login_code(server.login_key, user_id=user_id, name=name)
        return f"{server.handle.url}/datadive/login?{urlencode({'code': code, 'next': next_path})}"

    async def revoke(self, project_id: str, *, user_id: str) -> None:
        """End the user's browser sessions and rotate the server's token, which the user
        could read (kernels have it in their environment): the old one stops working at once,
        while the others' kernels keep running."""
        async with self.locks.setdefault(project_id, asyncio.Lock()):
            server = self._running(project_id)
            if server is None:
                return  # sessions and token live in the server's memory: none survive it
            new_token = secrets.token_urlsafe(32)
            try:
                async with httpx.AsyncClient(timeout=REVOKE_TIMEOUT_SECONDS) as client:
                    response = await client.post(
                        f"{server.handle.url}/datadive/revoke",
                        json={"user_id": user_id, "new_token": new_token},
                        headers={"Authorization": f"token {server.handle.token}"},
                    )
                    response.raise_for_status()
            except httpx.HTTPError as exc:
                # Access must end now; a server that cannot be told is stopped instead.
                log.warning(
                    "stopping %s's server: revoking %s failed: %s", project_id, user_id, exc
                )
                await self.stop(project_id)
                return
            server.handle = server.handle.with_token(new_token)

    async def shutdown(self) -> None:
        await self.memory.stop()
        for project_id in list(self.servers):
            await self.stop(project_id)
