"""A kernel manager that runs at most `max_kernels` kernels in one project's server.

Loaded by the server as `--ServerApp.kernel_manager_class`, so the bound holds for Datadive's
runs and for JupyterLab alike. Starting one kernel more answers 429 with a message that says
what to do; Datadive passes it on (`TooManyKernels`). Refusing, rather than stopping another
notebook's kernel, keeps anyone's variables from vanishing under them.

It extends Jupyter's default, the *async* manager: the synchronous `MappingKernelManager`
drives kernels from other threads, which corrupted the websockets' write buffers (tornado's
`assert 0 < size <= self._size`) and lost cells' outputs and connections.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Integer, Set

from datadive.jupyter.kernel_refusal import too_many_kernels

TOO_MANY_KERNELS = 429


class BoundedKernelManager(AsyncMappingKernelManager):
    max_kernels = Integer(0, config=True, help="Kernels running at once; 0: no bound.")

    # Kernels being started: Jupyter lists a kernel only once it is up (seconds later), and
    # two starts at once (JupyterLab opening notebooks) must not both pass the bound.
    starting = Set()

    async def start_kernel(  # type: ignore[override]
        self, *, kernel_id: str | None = None, path: Any = None, **kwargs: Any
    ) -> str:
        kernel: str
        if kernel_id is not None and kernel_id in self:  # running already: nothing starts
            kernel = await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
            return kernel
        if self.max_kernels and len({*self.list_kernel_ids(), *self.starting}) >= self.max_kernels:
            raise web.HTTPError(TOO_MANY_KERNELS, too_many_kernels(self.max_kernels))
        kernel_id = kernel_id or self.new_kernel_id()  # as Jupyter would pick it
        self.starting.add(kernel_id)
        try:
            kernel = await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        finally:
            self.starting.discard(kernel_id)
        return kernel
