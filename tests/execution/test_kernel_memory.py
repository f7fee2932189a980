"""The kernel memory watcher reads the process table twice a second: only while a project
server runs. In-process, with this test's own process standing in as a server with no kernel."""

from __future__ import annotations

import asyncio
import os

from datadive.execution.kernel_memory import KernelMemoryWatcher


async def test_the_watcher_stops_when_no_server_runs_and_starts_again_with_one() -> None:
    servers = {"p": os.getpid()}
    watcher = KernelMemoryWatcher(limit_gb=4.0, servers=lambda: servers)
    watcher.start()
    try:
        first = watcher.task
        assert first is not None
        servers.clear()  # the last server stopped
        await asyncio.wait_for(first, timeout=10)

        servers["p"] = os.getpid()  # a server starts again
        watcher.start()

        assert watcher.task is not first
        assert watcher.task is not None
        assert not watcher.task.done()
    finally:
        await watcher.stop()
