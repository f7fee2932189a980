"""The warm pool (`DATADIVE_WARM_POOL`, issue 18 "Faster first result"): a project's server
started early, with kernels started before a notebook asks for one. On real servers and
kernels; which kernel a run got is read from the server (`datadive_warm` in its model)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psutil
import pytest

from datadive.execution.backend import ServerHandle
from datadive.execution.client import JupyterClient, KernelSession
from datadive.execution.local import LocalBackend
from datadive.execution.server_bounds import ServerBounds, ServerUse, server_to_stop
from datadive.jupyter.kernel_pool import WARM_MARK
from tests.support.sandbox import sandbox_if_available


def make_backend(root: Path, *, warm_pool: int, bounds: ServerBounds | None = None) -> LocalBackend:
    return LocalBackend(
        workspaces=root / "workspaces",
        state_dir=root / "state",
        idle_seconds=600,
        sandbox=sandbox_if_available(root),
        warm_pool=warm_pool,
        bounds=bounds,
    )


@pytest.fixture
async def pooled(tmp_path: Path) -> AsyncIterator[LocalBackend]:
    backend = make_backend(tmp_path, warm_pool=1)
    yield backend
    await backend.shutdown()


async def kernel_model(handle: ServerHandle, kernel_id: str) -> dict[str, object]:
    headers = {"Authorization": f"token {handle.token}"}
    async with httpx.AsyncClient(base_url=handle.url, headers=headers) as http:
        model: dict[str, object] = (await http.get(f"/api/kernels/{kernel_id}")).json()
        return model


async def listed_kernels(handle: ServerHandle) -> list[dict[str, object]]:
    headers = {"Authorization": f"token {handle.token}"}
    async with httpx.AsyncClient(base_url=handle.url, headers=headers) as http:
        kernels: list[dict[str, object]] = (await http.get("/api/kernels")).json()
        return kernels


async def first_run(
    backend: LocalBackend, project_id: str, code: str
) -> tuple[ServerHandle, KernelSession, str]:
    handle = await backend.ensure_server(project_id)
    client = JupyterClient(handle)
    try:
        kernel = await client.start_session(path="analysis.ipynb")
        result = await client.execute(kernel.kernel_id, code)
    finally:
        await client.close()
    assert result.status == "ok", result
    text = "".join(
        str(output.get("text") or output.get("data", {}).get("text/plain", ""))
        for output in result.outputs
    )
    return handle, kernel, text


async def test_first_run_uses_the_warm_server_and_a_pooled_kernel(pooled: LocalBackend) -> None:
    pooled.warm_up_soon("project-a", user_id="u1")
    await pooled.warm_starts.wait()
    warm = await pooled.status("project-a")
    assert warm.running
    # The pooled kernel is started, but no running kernel of the server's yet.
    assert await listed_kernels(await pooled.ensure_server("project-a")) == []

    handle, kernel, text = await first_run(pooled, "project-a", "print(6 * 7)")

    assert text.strip() == "42"
    assert handle.server_id == warm.server_id  # the server started early, not a new one
    assert (await kernel_model(handle, kernel.kernel_id))[WARM_MARK] is True
    # The pool started another one meanwhile: the next notebook's kernel is pooled too.
    client = JupyterClient(handle)
    try:
        second = await client.start_session(path="second.ipynb")
    finally:
        await client.close()
    assert second.kernel_id != kernel.kernel_id
    assert (await kernel_model(handle, second.kernel_id))[WARM_MARK] is True


async def test_a_pooled_kernel_works_in_its_own_projects_workspace_only(
    pooled: LocalBackend,
) -> None:
    secret = pooled.workspace("project-b") / "secret.csv"
    secret.parent.mkdir(parents=True)
    secret.write_text("b's data\n")
    pooled.warm_up_soon("project-a", user_id="u1")
    await pooled.warm_starts.wait()

    code = f"import json, os; print(json.dumps([os.getcwd(), os.path.exists({str(secret)!r})]))"
    handle, kernel, text = await first_run(pooled, "project-a", code)

    assert (await kernel_model(handle, kernel.kernel_id))[WARM_MARK] is True
    cwd, sees_other = json.loads(text)
    assert Path(cwd).resolve() == pooled.workspace("project-a").resolve()
    if pooled.sandbox is not None:  # without bubblewrap every kernel can read every folder
        assert sees_other is False


def kernel_processes(server_pid: int) -> list[psutil.Process]:
    found = []
    for process in psutil.Process(server_pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "ipykernel_launcher" in " ".join(process.cmdline()):
                found.append(process)
    return found


async def test_pooled_kernels_end_with_datadive(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, warm_pool=2)
    try:
        await backend.ensure_server("project-a")
        server_pid = backend.servers["project-a"].process.pid
        kernels: list[psutil.Process] = []
        async with asyncio.timeout(120):  # both pooled kernels started, no notebook asked
            while len(kernels) < 2:
                await asyncio.sleep(0.2)
                kernels = kernel_processes(server_pid)
        assert await listed_kernels(await backend.ensure_server("project-a")) == []
    finally:
        await backend.shutdown()

    _, alive = await asyncio.to_thread(psutil.wait_procs, kernels, timeout=30)
    assert alive == []


def test_an_unused_idle_server_gives_way_before_the_least_recently_used_one() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    uses = [
        ServerUse("used-long-ago", None, t0, busy=False),
        ServerUse("warm-started", None, t0 + timedelta(minutes=30), busy=False, unused=True),
        ServerUse("warm-but-busy", None, t0 - timedelta(minutes=30), busy=True, unused=True),
    ]

    stopped = server_to_stop(uses, user_id=None, bounds=ServerBounds(max_servers=3))

    assert stopped is not None
    assert stopped.project_id == "warm-started"


async def test_a_warm_start_takes_only_a_free_place_and_an_unused_server_gives_way_first(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path, warm_pool=1, bounds=ServerBounds(max_servers=2))
    try:
        await backend.ensure_server("used")  # idle, and the least recently used
        assert await backend.warm_up("warm", "u1") is True
        # No place is free: a warm start stops nobody.
        assert await backend.warm_up("third", "u1") is False
        assert set(backend.servers) == {"used", "warm"}

        await backend.ensure_server("needed")  # a real request: someone must give way

        assert (await backend.status("warm")).running is False
        assert (await backend.status("used")).running is True
        assert (await backend.status("needed")).running is True
    finally:
        await backend.shutdown()


async def test_without_the_pool_nothing_starts_early_and_kernels_start_as_before(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path, warm_pool=0)
    try:
        backend.warm_up_soon("project-a", user_id="u1")
        await backend.warm_starts.wait()
        assert (await backend.status("project-a")).running is False

        handle, kernel, text = await first_run(backend, "project-a", "print(1 + 1)")

        assert text.strip() == "2"
        assert WARM_MARK not in await kernel_model(handle, kernel.kernel_id)
    finally:
        await backend.shutdown()
