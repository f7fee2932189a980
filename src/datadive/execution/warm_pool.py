"""The warm pool of the local backend (`DATADIVE_WARM_POOL`): a project's server is started
as soon as someone who may run cells opens one of its notebooks or creates one, the step that
comes before pressing Run, and every server keeps that many kernels started and answering
(`datadive.jupyter.kernel_pool`). The first run then finds its server up and its kernel
ready, and its result comes back in a fraction of a second instead of about three.

Both halves stay within the project: the server is the project's own (its workspace, its
token, its sandbox) and its pooled kernels are its children. A server is never started for
no project and handed to one later (see docs/explanation/execution.md, "The warm pool", for
why not).

A warm start takes a place among `DATADIVE_MAX_JUPYTER_SERVERS` like any server, but only a
free one: it never stops another server to make room. Until a run or a person uses it, a
server started so is `unused`, and an unused idle server is the first to give way
(`server_bounds.server_to_stop`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from datadive.errors import DatadiveError

log = logging.getLogger(__name__)

KERNEL_MANAGER = "datadive.jupyter.kernel_pool.PooledKernelManager"


def kernel_manager_options(usual: str, *, pool_size: int) -> list[str]:
    """The server's kernel manager: `usual`, or the pooled one keeping `pool_size` kernels."""
    if pool_size <= 0:
        return [f"--ServerApp.kernel_manager_class={usual}"]
    return [
        f"--ServerApp.kernel_manager_class={KERNEL_MANAGER}",
        f"--PooledKernelManager.pool_size={pool_size}",
    ]


class WarmStarts:
    """Warm starts in the background: at most one per project at a time, ended with Datadive."""

    def __init__(self, start: Callable[[str, str | None], Awaitable[bool]]) -> None:
        self.start = start
        self.tasks: dict[str, asyncio.Task[bool]] = {}

    def soon(self, project_id: str, *, user_id: str | None) -> None:
        if project_id in self.tasks:
            return
        task = asyncio.get_running_loop().create_task(self._start(project_id, user_id))
        self.tasks[project_id] = task
        task.add_done_callback(lambda _: self.tasks.pop(project_id, None))

    async def _start(self, project_id: str, user_id: str | None) -> bool:
        try:
            return await self.start(project_id, user_id)
        except DatadiveError as exc:  # the run that follows says it again, to the person
            log.warning("warm start of project %s's server failed: %s", project_id, exc)
            return False

    async def wait(self) -> None:
        """Until the warm starts under way are done (tests, benchmarks)."""
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)

    async def cancel(self) -> None:
        for task in list(self.tasks.values()):
            task.cancel()
        await self.wait()
