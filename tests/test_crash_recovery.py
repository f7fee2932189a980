"""SECURITY.md check 26, the Datadive half: kill the real `datadive serve` process in the middle
of a run; started again, it ends that run as an error, keeps the outputs saved so far, and the
next run works. On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
import sqlalchemy as sa

from datadive.db.engine import Database
from datadive.db.models import Run
from tests.support.cli import run_datadive, serving

pytestmark = pytest.mark.slow
PASSWORD = "a long admin passphrase"
SLOW_CELL = "print('before the crash', flush=True)\nimport time\ntime.sleep(300)"


async def stored_run_status(database_url: str, run_id: str) -> str | None:
    """The run's status as the database under test holds it: the served processes used it."""
    database = Database(database_url)
    try:
        async with database.new_session() as session:
            return await session.scalar(sa.select(Run.status).where(Run.id == run_id))
    finally:
        await database.dispose()


@contextmanager
def signed_in(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, headers={"Origin": url}, timeout=90) as client:
        answer = client.post("/api/v1/auth/sign-in", json={"login": "root", "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        yield client


def read_run(client: httpx.Client, run_id: str, **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/api/v1/runs/{run_id}", params=params).json()
    return body


def test_a_run_cut_off_by_a_killed_datadive_ends_as_an_error_and_the_next_run_works(
    tmp_path: Path, database_url: str
) -> None:
    env = {"DATADIVE_DATABASE_URL": database_url}
    created = run_datadive(
        *("users", "create", "--username", "root", "--email", "root@example.org", "--admin"),
        "--password-stdin",
        cwd=tmp_path,
        env=env,
        stdin=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr

    with serving(tmp_path, env) as first, signed_in(first.url) as client:
        project = client.post("/api/v1/projects", json={"title": "Crash"}).json()
        notebook = client.post(
            f"/api/v1/projects/{project['id']}/notebooks", json={"title": "Slow"}
        ).json()
        cell = client.post(
            f"/api/v1/notebooks/{notebook['id']}/cells", json={"kind": "code", "source": SLOW_CELL}
        ).json()
        run = client.post(f"/api/v1/cells/{cell['id']}/execute").json()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            outputs = read_run(client, run["id"])["cells"][0]["outputs"]
            if outputs:
                break
            time.sleep(0.2)
        assert outputs, "the printed line never showed while the cell ran"
        assert first.process is not None
        first.process.kill()  # no shutdown of any kind
        first.process.wait()

    with serving(tmp_path, env) as second, signed_in(second.url) as client:
        after = read_run(client, run["id"])
        check = client.post(
            f"/api/v1/notebooks/{notebook['id']}/cells", json={"kind": "code", "source": "6 * 7"}
        ).json()
        next_run = client.post(f"/api/v1/cells/{check['id']}/execute", params={"wait": 90})

    assert after["status"] == "error"
    assert "Datadive stopped" in after["error"]
    assert after["cells"][0]["status"] == "idle"
    assert after["cells"][0]["outputs"][0]["text"] == "before the crash\n"
    assert next_run.status_code == 200, next_run.text
    assert next_run.json()["status"] == "ok"
    assert next_run.json()["cells"][0]["outputs"][0]["data"]["text/plain"] == "42"
    assert asyncio.run(stored_run_status(database_url, run["id"])) == "error"


def test_killing_datadive_ends_its_jupyter_servers_and_their_kernels(tmp_path: Path) -> None:
    """Issue 17: no project server, and no kernel, outlives a `kill -9` of Datadive."""
    created = run_datadive(
        *("users", "create", "--username", "root", "--email", "root@example.org", "--admin"),
        "--password-stdin",
        cwd=tmp_path,
        stdin=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr

    with serving(tmp_path) as served, signed_in(served.url) as client:
        project = client.post("/api/v1/projects", json={"title": "Orphans"}).json()
        notebook = client.post(
            f"/api/v1/projects/{project['id']}/notebooks", json={"title": "Kernel"}
        ).json()
        cell = client.post(
            f"/api/v1/notebooks/{notebook['id']}/cells", json={"kind": "code", "source": "6 * 7"}
        ).json()
        ran = client.post(f"/api/v1/cells/{cell['id']}/execute", params={"wait": 90})
        assert ran.json()["status"] == "ok", ran.text
        assert served.process is not None
        family = psutil.Process(served.process.pid).children(recursive=True)
        commands = [" ".join(process.cmdline()) for process in family]
        served.process.kill()  # no shutdown of any kind
        served.process.wait()
        _, left = psutil.wait_procs(family, timeout=15)

    assert any("jupyter_server" in command for command in commands), commands
    assert any("ipykernel" in command for command in commands), commands
    assert [" ".join(process.cmdline()) for process in left] == []
