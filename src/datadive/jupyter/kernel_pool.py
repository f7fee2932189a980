"""A kernel manager that keeps `pool_size` kernels started and answering, so that the first
notebook of a project gets a kernel at once instead of waiting a second for one to start.

Loaded by a project's server (`DATADIVE_WARM_POOL` > 0) as `--ServerApp.kernel_manager_class`:
its pooled kernels are children of that server, in its sandbox, started in its root folder
(the project's workspace) with its environment. They belong to the one project the server
belongs to, so nothing of another project can reach them; a kernel never goes from one
server to another.

A pooled kernel is no running kernel yet: Jupyter does not list it (`/api/kernels`), so
JupyterLab does not show it, it counts against neither `max_kernels` nor a server's being
busy (an idle server with a pooled kernel still gives way to another), and it is never culled.
It becomes one when a kernel of its kind is asked for in the root folder without an id of
the caller's choosing (a notebook at the top of the workspace, as Datadive's are): then it is
handed out (its model says `"datadive_warm": true`) and another one starts in its place, unless
the running kernels and the pool would then exceed `max_kernels`. Asked for elsewhere (a
notebook in a subfolder: the kernel's folder would differ), a kernel starts as it would
without the pool. The pool's kernels end with the server (`shutdown_all`), and with it when it
is killed (ipykernel's parent poller, the sandbox's PID namespace).

What differs from a kernel started for the session: it lacks `JPY_SESSION_NAME` in its
environment (the notebook's path, which ipykernel shows as `__session__`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
from dataclasses import dataclass
from typing import Any, cast

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.multikernelmanager import MultiKernelManager
from tornado.ioloop import IOLoop
from traitlets import Float, Integer

from datadive.jupyter.bounded_kernels import BoundedKernelManager

WARM_MARK = "datadive_warm"


@dataclass
class PooledKernel:
    kernel_id: str
    kernel_name: str
    manager: AsyncKernelManager
    ready: asyncio.Task[None]


class PoolFirst(MultiKernelManager):
    """Jupyter's own start of a kernel, after it asked the pool for one.

    The mapping kernel manager starts a kernel through its `pinned_superclass` and does its
    own bookkeeping around it (activity, culling, restarts): putting the pool there hands a
    pooled kernel to that bookkeeping as if it had just started."""

    async def _async_start_kernel(self, *, kernel_name: str | None = None, **kwargs: Any) -> str:
        assert isinstance(self, PooledKernelManager)
        taken = await self.take_pooled(kernel_name, kwargs)
        if taken is not None:
            return taken
        started: str = await MultiKernelManager._async_start_kernel(
            self, kernel_name=kernel_name, **kwargs
        )
        return started


class PooledKernelManager(BoundedKernelManager):
    pool_size = Integer(0, config=True, help="Kernels kept started and idle; 0: no pool.")
    pool_ready_timeout = Float(60.0, config=True, help="Seconds a pooled kernel may take.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self.pinned_superclass = PoolFirst
        self.pool: list[PooledKernel] = []
        self.handed_out: set[str] = set()
        # Ids of kernels being started that the caller left to us: one taken from the pool
        # may answer with its own id instead. An id the caller chose is kept.
        self.unchosen: set[str] = set()
        self.closing = False
        if self.pool_size > 0:
            # The server's loop runs once the server starts: fill the pool then.
            IOLoop.current().add_callback(self.refill)

    async def start_kernel(  # type: ignore[override]
        self, *, kernel_id: str | None = None, path: Any = None, **kwargs: Any
    ) -> str:
        if kernel_id is not None:
            return await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        kernel_id = self.new_kernel_id()
        self.unchosen.add(kernel_id)
        try:
            return await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        finally:
            self.unchosen.discard(kernel_id)

    def room_in_pool(self) -> bool:
        if self.closing or len(self.pool) >= self.pool_size:
            return False
        if not self.max_kernels:
            return True
        running = len({*self.list_kernel_ids(), *self.starting})
        return running + len(self.pool) < self.max_kernels

    def refill(self) -> None:
        while self.room_in_pool():
            kwargs = self._kernel_start_kwargs(cwd=self.root_dir, env=dict(os.environ))
            name = self.default_kernel_name
            started, kernel_name, kernel_id = self.pre_start_kernel(name, kwargs)
            manager = cast(AsyncKernelManager, started)  # the async manager's kind
            kwargs["kernel_id"] = kernel_id
            ready = asyncio.get_running_loop().create_task(self._warm(manager, kwargs))
            pooled = PooledKernel(kernel_id, kernel_name, manager, ready)
            ready.add_done_callback(functools.partial(self._warmed, pooled))
            self.pool.append(pooled)

    def _warmed(self, pooled: PooledKernel, _: asyncio.Task[None]) -> None:
        """A kernel that could not start leaves the pool (it is not started again until one is
        taken: a kernel that cannot start would otherwise be retried forever)."""
        if pooled.ready.cancelled() or pooled.ready.exception() is None:
            return
        self.log.error("a pooled kernel did not start: %s", pooled.ready.exception())
        if pooled in self.pool:
            self.pool.remove(pooled)
            asyncio.get_running_loop().create_task(self._discard(pooled))

    async def _warm(self, manager: AsyncKernelManager, kwargs: dict[str, Any]) -> None:
        """Start the kernel and wait until it answers: the second of importing ipykernel and
        the scientific stack's first imports is what the pool saves."""
        await manager.start_kernel(**kwargs)
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=self.pool_ready_timeout)
        finally:
            client.stop_channels()

    def in_root(self, cwd: str | None) -> bool:
        # Jupyter makes the folder from the notebook's path and root_dir, spelled alike.
        return cwd is not None and os.path.normpath(cwd) == os.path.normpath(self.root_dir)

    async def take_pooled(self, kernel_name: str | None, kwargs: dict[str, Any]) -> str | None:
        """A pooled kernel for a start with these arguments, registered as running; None when
        none fits (the caller starts one as usual)."""
        if kwargs.get("kernel_id") not in self.unchosen or not self.in_root(kwargs.get("cwd")):
            return None
        wanted = kernel_name or self.default_kernel_name
        while fitting := [p for p in self.pool if p.kernel_name == wanted]:
            pooled = fitting[0]
            self.pool.remove(pooled)
            try:
                await pooled.ready
            except Exception:  # it did not start (logged): try the next, or start one
                await self._discard(pooled)
                continue
            if not await pooled.manager.is_alive():
                await self._discard(pooled)
                continue
            self._kernels[pooled.kernel_id] = pooled.manager
            self.handed_out.add(pooled.kernel_id)
            self.log.info("Kernel %s taken from the pool", pooled.kernel_id)
            IOLoop.current().add_callback(self.refill)
            return pooled.kernel_id
        return None

    async def _discard(self, pooled: PooledKernel) -> None:
        with contextlib.suppress(Exception):
            await pooled.ready  # a kernel being started is stopped once it has started
        with contextlib.suppress(Exception):
            await pooled.manager.shutdown_kernel(now=True)

    def remove_kernel(self, kernel_id: str) -> Any:
        self.handed_out.discard(kernel_id)
        return super().remove_kernel(kernel_id)

    def kernel_model(self, kernel_id: str) -> dict[str, Any]:
        model: dict[str, Any] = super().kernel_model(kernel_id)  # type: ignore[no-untyped-call]
        model[WARM_MARK] = kernel_id in self.handed_out
        return model

    async def shutdown_all(self, now: bool = False) -> None:  # type: ignore[override]
        self.closing = True
        pooled, self.pool = self.pool, []
        await asyncio.gather(*(self._discard(p) for p in pooled))
        await super().shutdown_all(now=now)
