"""Bounds on the local backend (issue 17): project servers on the machine and per person, with
the least recently used idle server giving way; kernels per server; memory per kernel. The
choice of the server to stop is checked in-process; the rest on real servers and kernels."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from datadive.execution.backend import ServerHandle
from datadive.execution.client import JupyterClient
from datadive.execution.local import LocalBackend
from datadive.execution.server_admission import ServerAdmission, ServerSeat
from datadive.execution.server_bounds import (
    ServerBounds,
    ServersBusy,
    ServerUse,
    TooManyKernels,
    read_server_use,
    server_to_stop,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def use(project: str, *, by: str | None = None, minutes: int = 0, busy: bool = False) -> ServerUse:
    return ServerUse(project, by, T0 + timedelta(minutes=minutes), busy)


def test_room_left_stops_nothing() -> None:
    uses = [use("a", by="u1"), use("b", by="u2")]

    assert server_to_stop(uses, user_id="u1", bounds=ServerBounds(max_servers=3)) is None


def test_at_the_bound_the_least_recently_used_idle_server_gives_way() -> None:
    uses = [
        use("busy-oldest", minutes=0, busy=True),
        use("idle-old", minutes=5),
        use("idle-recent", minutes=9),
    ]

    stopped = server_to_stop(uses, user_id=None, bounds=ServerBounds(max_servers=3))

    assert stopped is not None
    assert stopped.project_id == "idle-old"


def test_at_a_persons_bound_only_their_own_servers_give_way() -> None:
    uses = [use("theirs", by="u2", minutes=0), use("mine", by="u1", minutes=7)]
    bounds = ServerBounds(max_servers=10, max_servers_per_user=1)

    stopped = server_to_stop(uses, user_id="u1", bounds=bounds)

    assert stopped is not None
    assert stopped.project_id == "mine"


def test_all_busy_says_how_many_and_what_to_do() -> None:
    uses = [use("a", busy=True), use("b", busy=True)]

    with pytest.raises(ServersBusy) as refused:
        server_to_stop(uses, user_id=None, bounds=ServerBounds(max_servers=2))

    assert refused.value.detail.startswith("All 2 Jupyter servers Datadive may run at once")
    assert "try again when a run finishes, or stop a project's server" in refused.value.detail


def test_a_persons_busy_servers_are_not_made_room_for_by_stopping_others() -> None:
    uses = [use("mine", by="u1", busy=True), use("theirs-idle", by="u2")]
    bounds = ServerBounds(max_servers=10, max_servers_per_user=1)

    with pytest.raises(ServersBusy) as refused:
        server_to_stop(uses, user_id="u1", bounds=bounds)

    assert refused.value.detail.startswith("Your one Jupyter server (the most one person may")


@asynccontextmanager
async def idle_jupyter() -> AsyncIterator[tuple[ServerHandle, list[bytes]]]:
    """A stand-in for a running, idle project server at the process edge: it answers
    /api/status and /api/kernels, and keeps the request line of each request it gets."""
    requests: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = await reader.readline()
        requests.append(line)
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        body = b"[]" if b"/api/kernels" in line else b'{"last_activity": "2026-01-01T00:00:00Z"}'
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
        writer.write(head.encode() + b"\r\nConnection: close\r\n\r\n" + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield ServerHandle(url=f"http://127.0.0.1:{port}", token="t"), requests


async def test_a_start_with_room_left_asks_no_server_how_it_is_used() -> None:
    async with idle_jupyter() as (handle, requests):
        seats = [ServerSeat("running", "u1", T0, handle)]
        stopped: list[str] = []

        async def stop(project_id: str) -> None:
            stopped.append(project_id)
            seats.clear()

        with_room = ServerAdmission(ServerBounds(max_servers=3), running=lambda: seats, stop=stop)
        async with with_room.admit("second", user_id="u2"):
            asked_with_room = list(requests)
        at_the_bound = ServerAdmission(
            ServerBounds(max_servers=1), running=lambda: seats, stop=stop
        )
        async with at_the_bound.admit("second", user_id="u2"):
            pass

    assert asked_with_room == []
    assert stopped == ["running"]  # at the bound the idle server was asked, and gave way
    assert any(b"/api/kernels" in line for line in requests)


@asynccontextmanager
async def bounded_backend(tmp_path: Path, bounds: ServerBounds) -> AsyncIterator[LocalBackend]:
    backend = LocalBackend(
        workspaces=tmp_path / "ws", state_dir=tmp_path / "state", idle_seconds=600, bounds=bounds
    )
    try:
        yield backend
    finally:
        await backend.shutdown()


async def running(backend: LocalBackend, project_id: str) -> bool:
    return (await backend.status(project_id)).running


async def until_busy(handle: ServerHandle) -> None:
    """Until the server says a kernel is busy, as the choice of a server to stop reads it."""
    for _ in range(300):
        use = await read_server_use(
            handle, project_id="", started_by=None, started_at=T0, running_a_run=False
        )
        if use.busy:
            return
        await asyncio.sleep(0.1)
    pytest.fail("the kernel never said it was busy")


@pytest.mark.slow
async def test_the_idle_server_gives_way_and_a_busy_one_refuses_with_a_clear_message(
    tmp_path: Path,
) -> None:
    async with bounded_backend(tmp_path, ServerBounds(max_servers=1)) as backend:
        await backend.ensure_server("first")
        second = await backend.ensure_server("second")

        assert not await running(backend, "first")
        assert await running(backend, "second")

        client = JupyterClient(second)
        try:
            kernel = await client.start_session(path="slow.ipynb")
            # Busy only once the cell has printed: a kernel just started says "starting",
            # which counts as busy too, then "idle" before the cell reaches it.
            sleeping = "import time; print('sleeping', flush=True); time.sleep(60)"
            printed = asyncio.Event()

            async def changed(outputs: list[dict[str, Any]]) -> None:
                if outputs:
                    printed.set()

            cell = asyncio.create_task(
                client.execute(kernel.kernel_id, sleeping, on_change=changed)
            )
            await asyncio.wait_for(printed.wait(), timeout=60)
            await until_busy(second)
            with pytest.raises(ServersBusy) as refused:
                await backend.ensure_server("third")
            cell.cancel()
        finally:
            await client.close()

    assert "The one Jupyter server Datadive may run at once is busy" in refused.value.detail
    assert not await running(backend, "third")


@pytest.mark.slow
async def test_a_run_in_progress_keeps_its_server_and_a_persons_bound_stops_only_theirs(
    tmp_path: Path,
) -> None:
    in_runs: set[str] = set()
    bounds = ServerBounds(max_servers=3, max_servers_per_user=1)
    async with bounded_backend(tmp_path, bounds) as backend:
        projects_running: Callable[[], set[str]] = lambda: in_runs  # noqa: E731
        backend.watch_runs(projects_running)
        await backend.ensure_server("ada-1", user_id="ada")
        await backend.ensure_server("bob-1", user_id="bob")
        in_runs.add("ada-1")  # a run of Datadive's is between two cells there
        with pytest.raises(ServersBusy) as refused:
            await backend.ensure_server("ada-2", user_id="ada")
        in_runs.clear()
        await backend.ensure_server("ada-2", user_id="ada")

        states = {p: await running(backend, p) for p in ("ada-1", "bob-1", "ada-2")}

    assert "Your one Jupyter server" in refused.value.detail
    assert states == {"ada-1": False, "bob-1": True, "ada-2": True}


@pytest.mark.slow
async def test_one_kernel_more_than_a_server_may_run_is_refused_with_what_to_do(
    tmp_path: Path,
) -> None:
    async with bounded_backend(tmp_path, ServerBounds(max_kernels_per_server=1)) as backend:
        client = JupyterClient(await backend.ensure_server("p"))
        try:
            first = await client.start_session(path="a.ipynb")
            again = await client.start_session(path="a.ipynb")
            with pytest.raises(TooManyKernels) as refused:
                await client.start_session(path="b.ipynb")
        finally:
            await client.close()

    assert again.kernel_id == first.kernel_id
    assert "already runs 1 kernels, the most it may run" in refused.value.detail
    assert "Shut down the kernel of a notebook you are not using" in refused.value.detail


@pytest.mark.slow
async def test_a_kernel_over_its_memory_limit_is_stopped_and_says_why(tmp_path: Path) -> None:
    bounds = ServerBounds(kernel_memory_limit_gb=0.3)
    async with bounded_backend(tmp_path, bounds) as backend:
        client = JupyterClient(await backend.ensure_server("p"))
        try:
            kernel = await client.start_session(path="big.ipynb")
            small = await client.execute(kernel.kernel_id, "import numpy as np\nx = np.ones(10)")
            big = await client.execute(
                kernel.kernel_id,
                "import time\nbig = np.ones(75_000_000)  # 600 MB\ntime.sleep(30)",
            )
            reason = backend.kernel_stop_reason("p", kernel.kernel_id)
            told_again = backend.kernel_stop_reason("p", kernel.kernel_id)
        finally:
            await client.close()

    assert small.status == "ok"
    assert big.status == "dead"
    assert reason is not None
    assert "the cell used more than 0.3 GB of memory" in reason
    assert told_again is None  # a later death of the kernel is not blamed on memory
