"""The jupyterhub backend against a real JupyterHub: a project's server started through the
Hub with its progress told step by step, code run through the Hub's proxy, notebook files
through the server; and what a person is told when the Hub cannot start a server: too many
starting at once (429), a start that takes too long, a spawner that fails, a Hub that is down.
(Runs, events, interrupt, restart and crashes run on this backend in tests/api/v1.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from fastapi import FastAPI

from datadive.config import Settings
from datadive.execution.backend import NotebookFileChanged, ServerNotRunning, ServerNotStarted
from datadive.execution.client import JupyterClient
from datadive.execution.hub import HubBackend, HubBusy, HubRefused, hub_user
from tests.support.hub import Hub, proxy_command, running_hub
from tests.support.s3 import free_port
from tests.support.world import build_world

pytestmark = [pytest.mark.slow, pytest.mark.hub]
NOTEBOOK = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


@pytest.fixture(scope="module")
def crowded_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A Hub on a cluster with no room: one start at a time, and none gets a server within
    the Hub's own start timeout (its spawner waits longer than that)."""
    proxy = proxy_command()
    if proxy is None:
        pytest.skip("the hub tests need configurable-http-proxy (npm install) or npm")
    with running_hub(
        tmp_path_factory.mktemp("crowded-hub"),
        proxy=proxy,
        spawn_limit=1,
        start_delay=30,
        start_timeout=4,
    ) as hub:
        yield hub


@pytest_asyncio.fixture
async def backend(hub: Hub) -> AsyncIterator[HubBackend]:
    made = HubBackend(hub_url=hub.url, api_token=hub.token)
    yield made
    await made.shutdown()
    hub.stop_servers()


async def test_a_project_server_starts_step_by_step_and_runs_code_through_the_proxy(
    backend: HubBackend, hub: Hub
) -> None:
    steps: list[tuple[str, str]] = []

    async def heard(project_id: str, step: str) -> None:
        steps.append((project_id, step))

    backend.watch_start_steps(heard)
    before = await backend.status("project-one")
    with pytest.raises(ServerNotRunning):
        await backend.read_notebook("project-one", "analysis.ipynb")

    handle = await backend.ensure_server("project-one")
    again = await backend.ensure_server("project-one")
    running = await backend.status("project-one")
    client = JupyterClient(handle)
    try:
        kernel = await client.start_session(path="analysis.ipynb")
        result = await client.execute(kernel.kernel_id, "import os\nprint(os.getcwd())\n6 * 7")
    finally:
        await client.close()
    await backend.write_notebook("project-one", "notes/a.ipynb", NOTEBOOK, expected_sha256=None)
    read = await backend.read_notebook("project-one", "notes/a.ipynb")
    await backend.stop("project-one")
    after = await backend.status("project-one")

    assert before.running is False
    assert steps[0][1] == "Server requested (0%)"
    assert steps[-1][1].startswith("Server ready at /user/datadive-")
    assert steps[-1][1].endswith("(100%)")
    assert {project for project, _ in steps} == {"project-one"}
    assert handle.url == f"{hub.url}/user/{hub_user('project-one')}"  # through the proxy
    assert again == handle  # a running server is not started again
    assert (running.running, running.url, running.server_id) == (True, handle.url, handle.server_id)
    assert result.status == "ok", result
    assert result.outputs[0]["text"].strip() == str(hub.homes / hub_user("project-one"))
    assert result.outputs[1]["data"]["text/plain"] == "42"
    assert read == NOTEBOOK.encode()
    assert (hub.homes / hub_user("project-one") / "notes" / "a.ipynb").read_text() == NOTEBOOK
    assert after.running is False


async def test_a_notebook_saved_meanwhile_is_not_overwritten(backend: HubBackend) -> None:
    await backend.ensure_server("project-two")
    await backend.write_notebook("project-two", "a.ipynb", NOTEBOOK, expected_sha256=None)

    with pytest.raises(NotebookFileChanged) as refused:
        await backend.write_notebook("project-two", "a.ipynb", NOTEBOOK, expected_sha256=None)

    assert "changed since it was read" in str(refused.value)


async def test_a_token_the_hub_refuses_tells_the_administrator_what_to_check(hub: Hub) -> None:
    backend = HubBackend(hub_url=hub.url, api_token="not-datadives-token")
    try:
        with pytest.raises(HubRefused) as refused:
            await backend.ensure_server("project-three")
    finally:
        await backend.shutdown()

    assert "JupyterHub refused Datadive's token" in refused.value.detail
    assert "DATADIVE_JUPYTERHUB_API_TOKEN" in refused.value.detail


async def test_a_server_the_hub_cannot_start_is_reported_with_the_hubs_reason(
    crowded_hub: Hub,
) -> None:
    backend = HubBackend(hub_url=crowded_hub.url, api_token=crowded_hub.token)
    try:
        with pytest.raises(ServerNotStarted) as failed:
            await backend.ensure_server("no-room")
        status = await backend.status("no-room")
    finally:
        await backend.shutdown()

    assert "JupyterHub could not start the project's server" in failed.value.detail
    assert "Try again" in failed.value.detail
    assert status.running is False


async def test_too_many_servers_starting_at_once_is_a_clear_try_again(crowded_hub: Hub) -> None:
    backend = HubBackend(hub_url=crowded_hub.url, api_token=crowded_hub.token)
    try:
        taken_on = asyncio.Event()

        async def heard(_project_id: str, _step: str) -> None:
            taken_on.set()

        backend.watch_start_steps(heard)
        first = asyncio.ensure_future(backend.ensure_server("first-in-line"))
        await asyncio.wait_for(taken_on.wait(), 30)  # the Hub is starting it
        with pytest.raises(HubBusy) as busy:
            await backend.ensure_server("second-in-line")
        with pytest.raises(ServerNotStarted):
            await first
    finally:
        await backend.shutdown()

    assert busy.value.detail.startswith(
        "JupyterHub is starting as many project servers as it may at once"
    )
    assert "try again in" in busy.value.detail


async def test_a_start_longer_than_datadive_waits_is_stopped_and_said(crowded_hub: Hub) -> None:
    backend = HubBackend(hub_url=crowded_hub.url, api_token=crowded_hub.token, start_timeout=1)
    try:
        with pytest.raises(ServerNotStarted) as late:
            await backend.ensure_server("too-slow")
        with crowded_hub.admin() as admin:
            model = admin.get(f"users/{hub_user('too-slow')}").json()
    finally:
        await backend.shutdown()

    assert late.value.detail.startswith("The project's server did not start within 1 s")
    assert "its last step: " in late.value.detail
    assert "it was stopped" in late.value.detail
    assert not (model["servers"].get("") or {}).get("ready")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """An app on a JupyterHub that is down (nothing listens at its address)."""
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        database_url=database_url,
        base_url="http://localhost",
        execution_backend="jupyterhub",
        jupyterhub_url=f"http://127.0.0.1:{free_port()}",
        jupyterhub_api_token="a-token",
    )


async def test_a_hub_that_is_down_is_named_when_a_server_is_asked_for(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.editor.client(app) as editor:
        started = await editor.post(f"/api/v1/projects/{world.project_id}/server")
        run = await editor.post(
            f"/api/v1/notebooks/{world.notebook_id}/execute", params={"wait": 30}
        )

    assert started.status_code == 503
    problem = started.json()
    assert problem["title"] == "JupyterHub is not reachable"
    assert problem["detail"].startswith("JupyterHub at http://127.0.0.1:")
    assert "project servers cannot start until it is back" in problem["detail"]
    assert run.json()["status"] == "error"
    assert run.json()["error"].startswith("JupyterHub at http://127.0.0.1:")
    assert "project servers cannot start until it is back" in run.json()["error"]
