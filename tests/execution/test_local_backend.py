"""The local backend: one server per project, reused, stopped, cleaned up after a crash, without
Datadive's secrets in the kernel's environment, and stopped when it cannot be told to revoke."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
from pathlib import Path

import psutil
import pytest

from datadive.execution import local
from datadive.execution.client import JupyterClient
from datadive.execution.local import LocalBackend, process_alive
from tests.support.sandbox import sandbox_if_available

pytestmark = pytest.mark.slow


@pytest.fixture
async def backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATADIVE_SECRET_KEY", "do-not-leak")
    monkeypatch.setenv("DATADIVE_DATABASE_URL", "postgresql://app:hunter2@db/datadive")
    local = LocalBackend(
        workspaces=tmp_path / "ws",
        state_dir=tmp_path / "state",
        idle_seconds=600,
        sandbox=sandbox_if_available(tmp_path),
    )
    yield local
    await local.shutdown()


async def test_one_server_per_project_reused_and_stopped(backend: LocalBackend) -> None:
    first = await backend.ensure_server("p1")
    again = await backend.ensure_server("p1")
    other = await backend.ensure_server("p2")

    assert first == again
    assert other.url != first.url
    assert (await backend.status("p1")).running
    assert backend.workspace("p1").is_dir()

    await backend.stop("p1")

    assert not (await backend.status("p1")).running
    assert (await backend.status("p2")).running


async def test_the_kernel_sees_no_datadive_secrets(backend: LocalBackend) -> None:
    client = JupyterClient(await backend.ensure_server("p1"))
    try:
        kernel = await client.start_session(path="check.ipynb")
        result = await client.execute(
            kernel.kernel_id,
            "import os\n"
            "sorted(k for k in os.environ if 'DATADIVE' in k or 'hunter2' in os.environ[k])",
        )
    finally:
        await client.close()

    assert result.outputs[0]["data"]["text/plain"] == "[]"


async def test_a_killed_server_fails_the_run_clearly_and_is_started_again(
    backend: LocalBackend,
) -> None:
    handle = await backend.ensure_server("p1")
    client = JupyterClient(handle)
    kernel = await client.start_session(path="slow.ipynb")
    running = asyncio.create_task(client.execute(kernel.kernel_id, "import time\ntime.sleep(60)"))
    await asyncio.sleep(1.0)

    os.killpg(backend.servers["p1"].process.pid, signal.SIGKILL)
    result = await asyncio.wait_for(running, 30)
    await client.close()

    assert result.status == "dead"
    assert "connection to the Jupyter server was lost" in (result.problem or "")
    await backend.servers["p1"].process.wait()
    fresh = await backend.ensure_server("p1")
    assert fresh != handle
    client = JupyterClient(fresh)
    kernel = await client.start_session(path="slow.ipynb")
    assert (await client.execute(kernel.kernel_id, "1")).status == "ok"
    await client.close()


async def test_servers_left_by_a_crashed_datadive_are_stopped(tmp_path: Path) -> None:
    crashed = LocalBackend(workspaces=tmp_path / "ws", state_dir=tmp_path / "state")
    await crashed.ensure_server("p1")
    pid = crashed.servers["p1"].process.pid
    record = tmp_path / "state" / "servers" / "p1.json"
    dead_owner = subprocess.Popen(["true"])
    dead_owner.wait()
    data = json.loads(record.read_text())
    record.write_text(json.dumps(data | {"owner_pid": dead_owner.pid}))
    crashed.servers.clear()  # this Datadive "crashed": it forgets without stopping

    next_start = LocalBackend(workspaces=tmp_path / "ws", state_dir=tmp_path / "state")
    stopped = await next_start.clean_orphans()

    assert stopped == 1
    for _ in range(100):
        if not process_alive(pid):
            break
        await asyncio.sleep(0.1)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
    assert not process_alive(pid)
    assert not record.exists()


def ended(process: psutil.Process) -> bool:
    """Gone, or dead and waiting to be reaped by whoever inherited it."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


async def test_a_hung_leftover_server_is_stopped_with_its_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local, "STOP_GRACE_SECONDS", 1.0)
    crashed = LocalBackend(workspaces=tmp_path / "ws", state_dir=tmp_path / "state")
    client = JupyterClient(await crashed.ensure_server("p1"))
    await client.start_session(path="left.ipynb")
    await client.close()
    pid = crashed.servers["p1"].process.pid
    [kernel] = [
        process
        for process in psutil.Process(pid).children(recursive=True)
        if "ipykernel" in " ".join(process.cmdline())
    ]
    record = tmp_path / "state" / "servers" / "p1.json"
    dead_owner = subprocess.Popen(["true"])
    dead_owner.wait()
    record.write_text(json.dumps(json.loads(record.read_text()) | {"owner_pid": dead_owner.pid}))
    crashed.servers.clear()  # this Datadive "crashed": it forgets without stopping
    os.kill(pid, signal.SIGSTOP)  # and its server hangs: SIGTERM alone would wait forever

    try:
        stopped = await LocalBackend(
            workspaces=tmp_path / "ws", state_dir=tmp_path / "state"
        ).clean_orphans()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)

        assert stopped == 1
        assert not process_alive(pid)
        assert ended(kernel)
    finally:  # never leave them behind, whatever the outcome
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(psutil.NoSuchProcess):
            kernel.kill()


async def test_no_login_url_and_nothing_started_while_no_server_runs(
    backend: LocalBackend,
) -> None:
    url = await backend.login_url("p1", user_id="u1", name="ada", next_path="/lab")
    await backend.revoke("p1", user_id="u1")

    assert url is None
    assert not (await backend.status("p1")).running


async def test_a_server_that_cannot_be_told_to_revoke_is_stopped(
    backend: LocalBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local, "REVOKE_TIMEOUT_SECONDS", 1.0)
    monkeypatch.setattr(local, "STOP_GRACE_SECONDS", 1.0)
    await backend.ensure_server("p1")
    # Hung: it answers nothing (the group: in the sandbox the server is bubblewrap's child).
    os.killpg(backend.servers["p1"].process.pid, signal.SIGSTOP)

    await backend.revoke("p1", user_id="u1")

    assert not (await backend.status("p1")).running
    assert await backend.login_url("p1", user_id="u1", name="ada", next_path="/lab") is None
