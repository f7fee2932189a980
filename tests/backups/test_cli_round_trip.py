"""`datadive backup` while a real `datadive serve` keeps writing, then `datadive restore` into
a fresh data dir, served by the app: what the backup counts is there, byte for byte."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from datadive.app import create_app
from datadive.backups.restore import restore_backup
from datadive.config import Settings
from datadive.errors import BackupRefused
from tests.support.accounts import browser
from tests.support.cli import run_datadive, serving

pytestmark = pytest.mark.slow
PASSPHRASE = "a long admin passphrase"


def data_dir_env(data_dir: Path) -> dict[str, str]:
    return {"DATADIVE_DATA_DIR": str(data_dir)}


def signed_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, headers={"Origin": url}, timeout=30)
    deadline = time.monotonic() + 30
    while True:
        try:
            response = client.post(
                "/api/v1/auth/sign-in", json={"login": "root", "password": PASSPHRASE}
            )
            break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    assert response.status_code == 200, response.text
    return client


async def every(client: httpx.AsyncClient, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = await client.get(path, params=params)
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if not cursor:
            return items


@dataclass
class Found:
    """What the restored data dir serves, read through the API as root."""

    projects: list[dict[str, Any]]
    notebooks: list[dict[str, Any]]
    cells: list[dict[str, Any]]
    files: list[dict[str, Any]]
    contents: dict[str, httpx.Response]


async def read_everything(data_dir: Path) -> Found:
    """The app on `data_dir` (the code `datadive serve` runs, without another process)."""
    app = create_app(Settings(_env_file=None, data_dir=data_dir))
    async with app.router.lifespan_context(app), browser(app) as client:
        signed = await client.post(
            "/api/v1/auth/sign-in", json={"login": "root", "password": PASSPHRASE}
        )
        assert signed.status_code == 200, signed.text
        projects = await every(client, "/api/v1/projects")
        notebooks = [
            n
            for p in projects
            for n in await every(client, f"/api/v1/projects/{p['id']}/notebooks")
        ]
        cells = [
            c
            for n in notebooks
            for c in (await client.get(f"/api/v1/notebooks/{n['id']}/cells")).json()
        ]
        files = [
            f for p in projects for f in await every(client, f"/api/v1/projects/{p['id']}/files")
        ]
        contents = {f["id"]: await client.get(f"/api/v1/files/{f['id']}/content") for f in files}
    return Found(projects, notebooks, cells, files, contents)


class Writer(threading.Thread):
    """Keeps creating projects, notebooks, cells and files, and deleting some files (whose
    bytes the store then drops), until stopped."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.client = signed_in(url)
        self.stop = threading.Event()
        self.writes = 0
        self.projects = 0
        self.failures: list[str] = []

    def check(self, response: httpx.Response, status: int) -> dict[str, Any]:
        if response.status_code != status:
            self.failures.append(f"{response.request.url}: {response.status_code} {response.text}")
            return {}
        self.writes += 1
        return response.json() if response.content else {}

    def run(self) -> None:
        step = 0
        while not self.stop.is_set() and not self.failures:
            project = self.check(
                self.client.post("/api/v1/projects", json={"title": f"Study {step}"}), 201
            )
            self.projects += bool(project)
            notebook = self.check(
                self.client.post(
                    f"/api/v1/projects/{project['id']}/notebooks", json={"title": "Analysis"}
                ),
                201,
            )
            for line in range(3):
                self.check(
                    self.client.post(
                        f"/api/v1/notebooks/{notebook['id']}/cells",
                        json={"kind": "code", "source": f"x = {step} + {line}"},
                    ),
                    201,
                )
            for number in range(3):
                content = f"id,score\n{step},{number}\n{time.monotonic_ns()},0\n".encode()
                uploaded = self.check(
                    self.client.post(
                        f"/api/v1/projects/{project['id']}/files",
                        files={"file": (f"scores-{number}.csv", content, "text/csv")},
                    ),
                    201,
                )
                if number == 0 and uploaded:
                    self.check(self.client.delete(f"/api/v1/files/{uploaded['id']}"), 204)
            step += 1


def test_a_backup_taken_during_writes_restores_everything_it_counts(tmp_path: Path) -> None:
    live, restored, backup = tmp_path / "live", tmp_path / "restored", tmp_path / "backup"
    created = run_datadive(
        *("users", "create", "--username", "root", "--email", "root@example.org", "--admin"),
        "--password-stdin",
        cwd=tmp_path,
        env=data_dir_env(live),
        stdin=PASSPHRASE + "\n",
    )
    assert created.returncode == 0, created.stderr

    with serving(tmp_path, env=data_dir_env(live)) as served:
        writer = Writer(served.url)
        writer.start()
        while writer.writes < 20 and not writer.failures:
            time.sleep(0.05)
        made = run_datadive("backup", str(backup), cwd=tmp_path, env=data_dir_env(live))
        writes_at_backup = writer.writes
        while writer.writes < writes_at_backup + 5 and not writer.failures:
            time.sleep(0.05)
        writer.stop.set()
        writer.join(timeout=30)
        writer.client.close()
        # The server holds its data dir: a restore into it is refused (the command's own
        # one-line refusal is checked below, without a server).
        with pytest.raises(BackupRefused, match=r"Datadive is running on .* stop every"):
            asyncio.run(restore_backup(Settings(_env_file=None, data_dir=live), backup, force=True))

    assert writer.failures == []
    assert made.returncode == 0, made.stderr
    assert "stored files copied:" in made.stderr
    manifest = json.loads((backup / "manifest.json").read_text())
    counts = manifest["counts"]
    assert counts["projects"] > 0
    assert counts["files"] > 0
    assert manifest["missing_blobs"] == []

    restoring = run_datadive("restore", str(backup), cwd=tmp_path, env=data_dir_env(restored))
    assert restoring.returncode == 0, restoring.stderr

    found = asyncio.run(read_everything(restored))

    assert (
        len(found.projects),
        len(found.notebooks),
        len(found.cells),
        len(found.files),
    ) == (
        counts["projects"],
        counts["notebooks"],
        counts["cells"],
        counts["files"],
    )
    # Writes went on after the backup: the copy holds fewer projects than the live data.
    assert counts["projects"] < writer.projects
    for file in found.files:
        response = found.contents[file["id"]]
        assert response.status_code == 200, f"{file['path']}: {response.text}"
        assert hashlib.sha256(response.content).hexdigest() == file["sha256"]
        # Kernel code reads the project's files under data/ in its workspace.
        in_workspace = restored / "workspaces" / file["project_id"] / "data" / file["path"]
        assert in_workspace.read_bytes() == response.content


def test_refusals_are_one_line_that_says_what_to_do(tmp_path: Path) -> None:
    postgres = {"DATADIVE_DATABASE_URL": "postgresql://datadive@db.example.org/datadive"}
    (tmp_path / "not-a-backup").mkdir()

    dumped = run_datadive("backup", str(tmp_path / "backup"), cwd=tmp_path, env=postgres)
    restored = run_datadive("restore", str(tmp_path / "not-a-backup"), cwd=tmp_path)

    assert dumped.returncode == 1
    assert dumped.stderr.startswith("error: the database is PostgreSQL")
    assert (
        f"pg_dump --format=custom --file={tmp_path / 'backup.pgdump'} "
        "postgresql://datadive@db.example.org/datadive" in dumped.stderr
    )
    assert not (tmp_path / "backup").exists()
    assert restored.returncode == 1
    assert "is not a Datadive backup (it has no manifest.json)" in restored.stderr
    assert "Traceback" not in dumped.stderr + restored.stderr
