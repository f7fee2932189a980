"""The memory limit of a kernel: a watcher that stops a kernel using more than its share.

Every `POLL_SECONDS` the watcher reads the resident memory (RSS) of each kernel under the
project servers, the processes a kernel started included, and kills a kernel over the limit.
Jupyter then restarts it, the cell it ran ends as an error, and `take_reason` tells why in
words. A watcher rather than `RLIMIT_AS`: an address-space limit turns into a `MemoryError`
somewhere (or a crash of a BLAS thread) and counts the large virtual mappings that numpy, BLAS
and Arrow reserve without using; resident memory is what the machine runs short of. Kernels
are found from the server's process, whatever namespace the server runs in: the host's /proc
shows the processes of every PID namespace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import psutil

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
GIB = 1024**3
# Jupyter starts each kernel with its connection file, named after the kernel's id.
CONNECTION_FILE = re.compile(r"kernel-([0-9a-fA-F-]{36})\.json$")


def over_limit_message(limit_gb: float) -> str:
    return (
        f"The kernel was stopped: the cell used more than {limit_gb:g} GB of memory, the most "
        "one kernel may use. Its variables are gone: work on less data at once, then run the "
        "cells again from the top."
    )


@dataclass(frozen=True)
class KernelMemory:
    kernel_id: str
    process: psutil.Process
    rss: int  # bytes, the kernel's processes together


def kernel_id_of(process: psutil.Process) -> str | None:
    try:
        command = process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None
    for part in command:
        found = CONNECTION_FILE.search(part)
        if found:
            return found.group(1)
    return None


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *safe_children(process)]:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def safe_children(process: psutil.Process) -> list[psutil.Process]:
    try:
        return list(process.children(recursive=True))
    except psutil.Error:
        return []


def kernels_under(server_pid: int) -> list[KernelMemory]:
    """The kernels among the descendants of a server process, with their memory."""
    try:
        server = psutil.Process(server_pid)
    except psutil.Error:
        return []
    kernels = []
    for process in safe_children(server):
        kernel_id = kernel_id_of(process)
        if kernel_id is not None:
            kernels.append(KernelMemory(kernel_id, process, tree_rss(process)))
    return kernels


def kill_tree(process: psutil.Process) -> None:
    for member in [*safe_children(process), process]:
        with contextlib.suppress(psutil.Error):
            member.kill()


class KernelMemoryWatcher:
    """Watches the kernels of the servers `servers()` names (project id → server pid)."""

    def __init__(self, *, limit_gb: float, servers: Callable[[], Mapping[str, int]]) -> None:
        self.limit_gb = limit_gb
        self.servers = servers
        self.reasons: dict[tuple[str, str], str] = {}
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._watch(), name="kernel memory")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    def take_reason(self, project_id: str, kernel_id: str) -> str | None:
        """Why the watcher stopped this kernel, once; None when it did not."""
        return self.reasons.pop((project_id, kernel_id), None)

    async def _watch(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.check_once)
            except Exception:
                log.exception("checking the kernels' memory failed; trying again")
            await asyncio.sleep(POLL_SECONDS)

    def check_once(self) -> list[str]:
        """Stop every kernel over the limit; the ids of those stopped."""
        limit = self.limit_gb * GIB
        stopped = []
        for project_id, server_pid in dict(self.servers()).items():
            for kernel in kernels_under(server_pid):
                if kernel.rss <= limit:
                    continue
                log.warning(
                    "stopping kernel %s of project %s: it uses %.2f GB, more than %g GB",
                    kernel.kernel_id,
                    project_id,
                    kernel.rss / GIB,
                    self.limit_gb,
                )
                self.reasons[(project_id, kernel.kernel_id)] = over_limit_message(self.limit_gb)
                kill_tree(kernel.process)
                stopped.append(kernel.kernel_id)
        return stopped
