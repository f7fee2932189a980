"""A real project server per test module, started by the local backend (so with the
Datadive identity provider and the login and notice keys handed over as in production).

Datadive's address given to these servers has nobody listening: they tell of each saved
notebook, and a save must go through all the same."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from datadive.execution.backend import ServerHandle
from datadive.execution.local import LocalBackend, free_port
from tests.support.sandbox import sandbox_if_available

PROJECT = "project-lab"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def backend(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LocalBackend]:
    root = tmp_path_factory.mktemp("jupyter")
    local = LocalBackend(
        workspaces=root / "workspaces",
        state_dir=root / "state",
        idle_seconds=600,
        datadive_url=f"http://127.0.0.1:{free_port()}",
        sandbox=sandbox_if_available(root),
    )
    yield local
    await local.shutdown()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(backend: LocalBackend) -> ServerHandle:
    handle = await backend.ensure_server(PROJECT)
    notebook = backend.workspace(PROJECT) / "analysis.ipynb"
    notebook.write_text(
        json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    return handle
