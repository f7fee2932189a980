"""A project's requirements.txt, installed with real pip into the project's environment before its
real Jupyter server starts, and imported by a real kernel (issue 18, "Environments"); and
JupyterLab without terminals unless asked for.

pip never reaches PyPI here: it installs from a folder holding one small wheel built by the
test (`DATADIVE_PIP_NO_INDEX` and `DATADIVE_PIP_FIND_LINKS`, as an offline site would)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from datadive.execution.client import JupyterClient
from datadive.execution.environments import (
    MARKER,
    EnvironmentNotReady,
    PipOptions,
    ProjectEnvironments,
    read_requirements,
)
from datadive.execution.local import LocalBackend
from tests.support.sandbox import sandbox_if_available
from tests.support.wheels import GREETING, PACKAGE, build_wheel, offline_pip

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


@pytest.fixture(scope="module")
def pip_offline() -> Iterator[None]:
    with offline_pip():
        yield


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("environments") / "data"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def backend(data_dir: Path, pip_offline: None) -> AsyncIterator[LocalBackend]:
    wheels = data_dir.parent / "wheels"
    build_wheel(wheels)
    sandbox = sandbox_if_available(data_dir)
    local = LocalBackend(
        workspaces=data_dir / "workspaces",
        state_dir=data_dir / "jupyter",
        idle_seconds=600,
        sandbox=sandbox,
        environments=ProjectEnvironments(
            root=data_dir / "environments",
            pip=PipOptions(find_links=wheels, no_index=True),
            sandbox=sandbox,
        ),
    )
    yield local
    await local.shutdown()


@pytest.fixture
def steps(backend: LocalBackend) -> list[tuple[str, str]]:
    told: list[tuple[str, str]] = []

    async def record(project_id: str, step: str) -> None:
        told.append((project_id, step))

    backend.watch_start_steps(record)
    return told


def write_requirements(backend: LocalBackend, project_id: str, text: str) -> None:
    path = backend.workspace(project_id) / "data" / "requirements.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


async def greeting(backend: LocalBackend, project_id: str) -> str:
    client = JupyterClient(await backend.ensure_server(project_id))
    try:
        kernel = await client.start_session(path="analysis.ipynb")
        result = await client.execute(
            kernel.kernel_id, f"import {PACKAGE}\nprint({PACKAGE}.GREETING)"
        )
        assert result.status == "ok", result.outputs
        return "".join(output.get("text", "") for output in result.outputs).strip()
    finally:
        await client.close()


def installed_marker(data_dir: Path, project_id: str) -> list[str]:
    return [
        p.read_text() for p in sorted((data_dir / "environments" / project_id).glob(f"*/{MARKER}"))
    ]


async def test_a_cell_imports_a_package_named_in_requirements_txt(
    backend: LocalBackend, data_dir: Path, steps: list[tuple[str, str]]
) -> None:
    write_requirements(backend, "p1", f"# what this analysis needs\n{PACKAGE}\n")

    assert await greeting(backend, "p1") == GREETING
    assert steps == [
        ("p1", "Installing 1 package from requirements.txt…"),
        ("p1", "Starting the Jupyter server…"),
    ]
    assert len(installed_marker(data_dir, "p1")) == 1


async def test_an_unchanged_file_is_not_installed_again(
    backend: LocalBackend, data_dir: Path, steps: list[tuple[str, str]]
) -> None:
    before = installed_marker(data_dir, "p1")
    await backend.stop("p1")

    assert await greeting(backend, "p1") == GREETING
    assert installed_marker(data_dir, "p1") == before  # same environment, same install
    assert ("p1", "Installing 1 package from requirements.txt…") not in steps


async def test_a_package_that_does_not_exist_is_named_with_its_line_then_fixing_works(
    backend: LocalBackend, data_dir: Path, steps: list[tuple[str, str]]
) -> None:
    write_requirements(backend, "p2", f"{PACKAGE}\npandaz>=1.0\n")

    with pytest.raises(EnvironmentNotReady) as failed:
        await backend.ensure_server("p2")

    assert failed.value.detail == (
        "No package named 'pandaz' (requirements.txt line 2); check the spelling on pypi.org."
    )
    assert steps == [("p2", "Installing 2 packages from requirements.txt…")]
    assert not (await backend.status("p2")).running  # no server half-started
    assert installed_marker(data_dir, "p2") == []  # nor a half-made environment kept

    write_requirements(backend, "p2", f"{PACKAGE}\n")
    assert await greeting(backend, "p2") == GREETING


@pytest.mark.skipif(sandbox_if_available() is None, reason="bubblewrap cannot sandbox here")
async def test_a_sandboxed_kernel_sees_its_own_environment_read_only_and_no_other(
    backend: LocalBackend, data_dir: Path
) -> None:
    """p2's kernel (its own environment) tries p1's environment and to change its own."""
    [own] = (data_dir / "environments" / "p2").glob(f"*/{MARKER}")
    [other] = (data_dir / "environments" / "p1").glob(f"*/{MARKER}")
    client = JupyterClient(await backend.ensure_server("p2"))
    try:
        kernel = await client.start_session(path="analysis.ipynb")
        code = (
            "import os, sys\n"
            f"print(sys.prefix == {str(own.parent)!r}, os.path.exists({str(other.parent)!r}))\n"
            f"try:\n    open({str(own.parent / 'planted.py')!r}, 'w')\n"
            "except OSError as exc:\n    print(type(exc).__name__)"
        )
        result = await client.execute(kernel.kernel_id, code)
    finally:
        await client.close()
    printed = "".join(output.get("text", "") for output in result.outputs).split()
    assert printed == ["True", "False", "OSError"]


async def test_a_version_that_does_not_exist_is_named_with_the_versions_there_are(
    backend: LocalBackend, data_dir: Path
) -> None:
    write_requirements(backend, "p4", f"{PACKAGE}==9.9\n")
    assert backend.environments is not None

    with pytest.raises(EnvironmentNotReady) as failed:
        await backend.environments.prepare("p4", backend.workspace("p4"), environment=os.environ)

    assert failed.value.detail == (
        f"No version of '{PACKAGE}' matches '{PACKAGE}==9.9' (requirements.txt line 1); "
        "available: 1.0."
    )


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("--index-url https://example.org/simple", "line 2: pip options such as '--index-url'"),
        ("-r /etc/passwd", "line 2: pip options such as '-r'"),
        ("./my-code", "line 2: './my-code' is not a package name"),
        ("secret @ file:///srv/datadive/other.whl", "line 2: only packages from the package"),
    ],
)
async def test_what_is_not_a_package_is_refused_with_its_line(
    tmp_path: Path, line: str, said: str
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"pandas\n{line}\n")

    with pytest.raises(EnvironmentNotReady, match=re.escape(said)):
        read_requirements(requirements)


async def test_jupyterlab_has_no_terminals_by_default(backend: LocalBackend) -> None:
    handle = await backend.ensure_server("p1")
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"{handle.url}/api/terminals", headers={"Authorization": f"token {handle.token}"}
        )
    assert response.status_code == 404


async def test_terminals_are_offered_when_the_setting_asks(tmp_path: Path) -> None:
    local = LocalBackend(
        workspaces=tmp_path / "ws",
        state_dir=tmp_path / "state",
        sandbox=sandbox_if_available(tmp_path),
        terminals=True,
    )
    try:
        handle = await local.ensure_server("p3")
        async with httpx.AsyncClient() as client:
            response = await client.get(
                f"{handle.url}/api/terminals", headers={"Authorization": f"token {handle.token}"}
            )
        assert response.status_code == 200
        assert json.loads(response.text) == []
    finally:
        await local.shutdown()


async def test_the_command_prepares_an_environment_where_a_hub_server_starts(
    tmp_path: Path, pip_offline: None
) -> None:
    """What a JupyterHub-spawned server runs before `jupyter server`: the steps, then the
    folder; or the researcher's message and exit status 1."""
    wheels = build_wheel(tmp_path / "wheels").parent
    workspace = tmp_path / "workspace"
    (workspace / "data").mkdir(parents=True)
    (workspace / "data" / "requirements.txt").write_text("statmodels\n")
    command = [sys.executable, "-m", "datadive.execution.environments", str(workspace)]
    command += [str(tmp_path / "environments")]
    pip = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels)}

    failed = subprocess.run(
        command, env=os.environ | pip, capture_output=True, text=True, check=False
    )
    (workspace / "data" / "requirements.txt").write_text(f"{PACKAGE}\n")
    done = subprocess.run(
        command, env=os.environ | pip, capture_output=True, text=True, check=False
    )

    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines()[-1] == (
        "No package named 'statmodels' (requirements.txt line 1); check the spelling on pypi.org."
    )
    assert done.returncode == 0, done.stderr
    step, folder = done.stdout.strip().splitlines()
    assert step == "Installing 1 package from requirements.txt…"
    python = Path(folder) / "bin" / "python"
    imported = subprocess.run(
        [python, "-c", f"import {PACKAGE}; print({PACKAGE}.GREETING)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout.strip() == GREETING
