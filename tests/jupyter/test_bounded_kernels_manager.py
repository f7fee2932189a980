"""The kernel bound keeps Jupyter's async kernel manager: the synchronous one drives kernels
from other threads, which broke the websockets' write buffers under load (lost outputs)."""

from __future__ import annotations

from jupyter_client.ioloop import AsyncIOLoopKernelManager
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from datadive.jupyter.bounded_kernels import BoundedKernelManager


def test_the_bounded_manager_runs_kernels_the_async_way_jupyter_does_by_default() -> None:
    manager = BoundedKernelManager(max_kernels=2)

    assert isinstance(manager, AsyncMappingKernelManager)
    assert isinstance(manager.kernel_manager_factory(), AsyncIOLoopKernelManager)
