"""Fixtures of the API tests."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

import pytest
from fastapi import FastAPI

from datadive.execution.hub import hub_user
from datadive.execution.local import LocalBackend
from tests.support.hub import Hub, ProjectFolder
from tests.support.world import SIGN_INS


@pytest.fixture(params=SIGN_INS)
def via(request: pytest.FixtureRequest) -> str:
    """How an execution test signs in: as a browser does (the session cookie) and as a script
    does (an API token); every run test runs both ways."""
    kind: str = request.param
    return kind


@pytest.fixture
def project_folder(
    app: FastAPI, execution_backend: str, request: pytest.FixtureRequest
) -> ProjectFolder:
    """Where a project's server keeps its files (its working folder), on either backend: the
    local backend's workspace, or the Hub user's folder of the test hub's spawner."""
    if execution_backend == "hub":
        hub: Hub = request.getfixturevalue("hub")
        return lambda project_id: hub.homes / hub_user(project_id)
    backend: LocalBackend = app.state.backend
    return backend.workspace


@pytest.fixture
def kill_server(
    app: FastAPI, execution_backend: str, request: pytest.FixtureRequest
) -> Callable[[str], None]:
    """Kill a project's Jupyter server as a crash or the out-of-memory killer would."""
    if execution_backend == "hub":
        hub: Hub = request.getfixturevalue("hub")
        return lambda project_id: os.killpg(hub.server_pid(hub_user(project_id)), signal.SIGKILL)
    backend: LocalBackend = app.state.backend
    return lambda project_id: os.killpg(backend.servers[project_id].process.pid, signal.SIGKILL)
