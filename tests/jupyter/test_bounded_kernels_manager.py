"""The kernel bound keeps Jupyter's async kernel manager: the synchronous one drives kernels
from other threads, which broke the websockets' write buffers under load (lost outputs)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from jupyter_client.ioloop import AsyncIOLoopKernelManager
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web

from datadive.jupyter.bounded_kernels import BoundedKernelManager


def test_the_bounded_manager_runs_kernels_the_async_way_jupyter_does_by_default() -> None:
    manager = BoundedKernelManager(max_kernels=2)

    assert isinstance(manager, AsyncMappingKernelManager)
    assert isinstance(manager.kernel_manager_factory(), AsyncIOLoopKernelManager)


@pytest.mark.slow
async def test_kernels_started_at_once_never_run_more_than_the_bound(tmp_path: Path) -> None:
    """JupyterLab opening two notebooks at once: the second start must not slip past the bound
    while the first kernel is still starting."""
    manager = BoundedKernelManager(max_kernels=1, root_dir=str(tmp_path))
    try:
        started = await asyncio.gather(
            manager.start_kernel(kernel_name="python3"),
            manager.start_kernel(kernel_name="python3"),
            return_exceptions=True,
        )
        running = manager.list_kernel_ids()
    finally:
        await manager.shutdown_all(now=True)

    refused = [outcome for outcome in started if isinstance(outcome, web.HTTPError)]
    assert len(running) == 1, started
    assert [error.status_code for error in refused] == [429], started
    assert "already runs 1 kernels, the most it may run" in str(refused[0].log_message)
