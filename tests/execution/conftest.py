"""A real `jupyter server` per test module, started by the local backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from datadive.execution.client import JupyterClient, KernelSession
from datadive.execution.local import LocalBackend
from tests.support.sandbox import sandbox_if_available


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def backend(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LocalBackend]:
    root = tmp_path_factory.mktemp("jupyter")
    local = LocalBackend(
        workspaces=root / "workspaces",
        state_dir=root / "state",
        idle_seconds=600,
        sandbox=sandbox_if_available(root),
    )
    yield local
    await local.shutdown()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(backend: LocalBackend) -> AsyncIterator[JupyterClient]:
    handle = await backend.ensure_server("project-a")
    jupyter = JupyterClient(handle, stream_limit=20_000)
    yield jupyter
    await jupyter.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def kernel(client: JupyterClient) -> KernelSession:
    return await client.start_session(path="notebooks/analysis.ipynb")
