"""The memory limit of a kernel: a watcher that stops a kernel using more than its share.

While a project server runs, every `POLL_SECONDS` (half a second), the watcher reads the
resident memory (RSS) of each kernel under the project servers, the processes a kernel started
included, and kills a kernel over the limit. Jupyter then restarts it, the cell it ran ends
as an error, and `take_reason` tells why in words. A watcher rather than `RLIMIT_AS`: an
address-space limit turns into a `MemoryError` somewhere (or a crash of a BLAS thread) and
counts the large virtual mappings that numpy, BLAS and Arrow reserve without using; resident
memory is what the machine runs short of. Kernels are found from the server's process,
whatever namespace the server runs in: the host's /proc shows the processes of every PID
namespace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Mapping

import psutil

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
GIB = 1024**3
# Jupyter starts each kernel with its connection file, named after the kernel's id.
CONNECTION_FILE = re.compile(r"kernel-([0-9a-fA-F-]{36})\.json$")


def over_limit_message(limit_gb: float) -> str:
    return (
        f"The kernel was stopped: the cell used more than {limit_gb:g} GB of memory, the most "
        "one kernel may use. Its variables are gone: work on less data at once, then run the "
        "cells again from the top."
    )


def children_map() -> dict[int, list[int]]:
    """Each process's children, read once for all servers (walking /proc per server would
    cost as much as the whole walk, several times a second)."""
    children: dict[int, list[int]] = defaultdict(list)
    for process in psutil.process_iter(["ppid"]):
        ppid = process.info.get("ppid")
        if ppid is not None:
            children[ppid].append(process.pid)
    return children


def descendants(pid: int, children: Mapping[int, list[int]]) -> list[int]:
    found, waiting = [], list(children.get(pid, ()))
    while waiting:
        current = waiting.pop()
        found.append(current)
        waiting.extend(children.get(current, ()))
    return found


def kernel_id_of(pid: int) -> str | None:
    try:
        command = psutil.Process(pid).cmdline()
    except psutil.Error:
        return None
    for part in command:
        found = CONNECTION_FILE.search(part)
        if found:
            return found.group(1)
    return None


def rss_of(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            total += psutil.Process(pid).memory_info().rss
    return total


def kill_all(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            psutil.Process(pid).kill()


class KernelMemoryWatcher:
    """Watches the kernels of the servers `servers()` names (project id → server pid)."""

    def __init__(self, *, limit_gb: float, servers: Callable[[], Mapping[str, int]]) -> None:
        self.limit_gb = limit_gb
        self.servers = servers
        self.reasons: dict[tuple[str, str], str] = {}
        self.kernel_ids: dict[int, str | None] = {}  # pid → kernel id (None: not a kernel)
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Watch until no server runs; each server's start calls this again."""
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
        # The servers are read here, on the event loop that starts and stops them; only the
        # walk of the process table goes to a thread. No server, no walk: the task ends.
        while servers := dict(self.servers()):
            try:
                await asyncio.to_thread(self.check_once, servers)
            except Exception:
                log.exception("checking the kernels' memory failed; trying again")
            await asyncio.sleep(POLL_SECONDS)
        self.kernel_ids.clear()

    def check_once(self, servers: Mapping[str, int]) -> list[str]:
        """Stop every kernel of `servers` (project id → server pid) over the limit; the ids
        of those stopped."""
        limit = self.limit_gb * GIB
        children = children_map()
        known = {pid for pids in children.values() for pid in pids}
        self.kernel_ids = {p: k for p, k in self.kernel_ids.items() if p in known}
        stopped = []
        for project_id, server_pid in servers.items():
            for pid in descendants(server_pid, children):
                if pid not in self.kernel_ids:  # a command line is read once per process
                    self.kernel_ids[pid] = kernel_id_of(pid)
                kernel_id = self.kernel_ids[pid]
                if kernel_id is None:
                    continue
                family = [pid, *descendants(pid, children)]
                used = rss_of(family)
                if used <= limit:
                    continue
                log.warning(
                    "stopping kernel %s of project %s: it uses %.2f GB, more than %g GB",
                    kernel_id,
                    project_id,
                    used / GIB,
                    self.limit_gb,
                )
                self.reasons[(project_id, kernel_id)] = over_limit_message(self.limit_gb)
                kill_all([*family[1:], pid])
                stopped.append(kernel_id)
        return stopped
