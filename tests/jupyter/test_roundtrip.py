"""The round trip through a real project server: a member opens the notebook in JupyterLab
through Datadive's hand-off, saves it there (the contents API, as JupyterLab does), and the
save comes back into Datadive's cells; Datadive does not write the file again needlessly.

Datadive listens on a real port here, so that the server's post-save hook can reach it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from datadive.config import Settings
from datadive.execution.local import free_port
from datadive.jupyter.save_notices import NOTICE_PATH, SIGNATURE_HEADER, sign_save_notice
from tests.support.cells import add_cell
from tests.support.mail import Mailbox
from tests.support.notebook_files import notebook_file_when
from tests.support.world import Person, World, build_world

pytestmark = pytest.mark.slow
NOTEBOOK = "analysis.ipynb"


@pytest.fixture
def datadive_port() -> int:
    return free_port()


@pytest.fixture
def settings(tmp_path: Path, database_url: str, mailbox: Mailbox, datadive_port: int) -> Settings:
    """As everywhere, except that Datadive's address is where it really listens."""
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        database_url=database_url,
        smtp_url=mailbox.url,
        base_url=f"http://127.0.0.1:{datadive_port}",
    )


@pytest.fixture
async def listening(app: FastAPI, datadive_port: int) -> AsyncIterator[str]:
    """The app (its lifespan already running) served over TCP at its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=datadive_port, lifespan="off", log_level="warning"
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{datadive_port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class JupyterLab:
    """A browser logged in to the project's JupyterLab, saving as JupyterLab does."""

    browser: httpx.AsyncClient
    url: str

    async def load(self, path: str) -> dict[str, Any]:
        response = await self.browser.get(
            f"{self.url}/api/contents/{path}", params={"type": "notebook", "content": 1}
        )
        assert response.status_code == 200, response.text
        model: dict[str, Any] = response.json()
        return model

    async def save(self, path: str, content: dict[str, Any]) -> dict[str, Any]:
        response = await self.browser.put(
            f"{self.url}/api/contents/{path}",
            json={"type": "notebook", "format": "json", "content": content},
            headers={"X-XSRFToken": self.browser.cookies["_xsrf"], "Origin": self.url},
        )
        assert response.status_code == 200, response.text
        model: dict[str, Any] = response.json()
        return model

    async def last_modified(self, path: str) -> str:
        response = await self.browser.get(f"{self.url}/api/contents/{path}", params={"content": 0})
        modified: str = response.json()["last_modified"]
        return modified


@asynccontextmanager
async def jupyterlab(app: FastAPI, person: Person, world: World) -> AsyncIterator[JupyterLab]:
    """Start the project's server and open the notebook in JupyterLab, as the page's buttons
    do: Datadive's one-time login URL, then JupyterLab's own cookie."""
    async with person.client(app) as client:
        started = await client.post(f"/api/v1/projects/{world.project_id}/server")
        assert started.status_code == 200, started.text
        handoff = await client.get(
            f"/api/v1/projects/{world.project_id}/jupyterlab",
            params={"notebook_id": world.notebook_id},
        )
    assert handoff.status_code == 303, handoff.text
    location = handoff.headers["location"]
    async with httpx.AsyncClient(follow_redirects=True, timeout=30) as browser:
        landed = await browser.get(location)
        assert landed.url.path == f"/lab/tree/{NOTEBOOK}"
        yield JupyterLab(browser=browser, url=str(landed.url).split("/lab/")[0])


async def cells_of(client: httpx.AsyncClient, world: World) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/notebooks/{world.notebook_id}/cells")
    cells: list[dict[str, Any]] = response.json()
    return cells


async def cells_when(
    client: httpx.AsyncClient, world: World, sources: list[str]
) -> list[dict[str, Any]]:
    """The notebook's cells once their sources are `sources` (or as they are after 30 s)."""
    cells: list[dict[str, Any]] = []
    for _ in range(300):
        cells = await cells_of(client, world)
        if [cell["source"] for cell in cells] == sources:
            break
        await asyncio.sleep(0.1)
    return cells


async def settled(app: FastAPI) -> None:
    """Until no write of a notebook file is waiting."""
    for _ in range(100):
        if not app.state.notebook_files.pending:
            return
        await asyncio.sleep(0.1)


def new_code_cell(source: str) -> dict[str, Any]:
    """A cell as JupyterLab adds it (its id a UUID of JupyterLab's)."""
    return {
        "id": str(uuid.uuid4()),
        "cell_type": "code",
        "source": source,
        "metadata": {},
        "outputs": [],
        "execution_count": None,
    }


async def test_a_save_in_jupyterlab_comes_back_into_the_cells(app: FastAPI, listening: str) -> None:
    world: World = await build_world(app)
    async with world.editor.client(app) as editor:
        template_source = (await cells_of(editor, world))[0]["source"]
        code = await add_cell(editor, world.notebook_id, "code", "x = 1")
        await add_cell(editor, world.notebook_id, "markdown", "# Notes")
        last = await add_cell(editor, world.notebook_id, "code", "z = 3")
        path = app.state.backend.workspace(world.project_id) / NOTEBOOK
        await notebook_file_when(path, [template_source, "x = 1", "# Notes", "z = 3"])
        async with jupyterlab(app, world.editor, world) as lab:
            content = (await lab.load(NOTEBOOK))["content"]
            template, edited, _notes, moved = content["cells"]
            template["source"] += "\nprint(df.shape)"
            edited["source"] = "x = 2"
            added = new_code_cell("y = x * 10")
            content["cells"] = [moved, template, edited, added]
            saved = await lab.save(NOTEBOOK, content)

            expected = ["z = 3", template_source + "\nprint(df.shape)", "x = 2", "y = x * 10"]
            cells = await cells_when(editor, world, expected)
            await settled(app)
            # Waits for a write under way, and would write anything still due.
            again = await app.state.notebook_files.write(world.notebook_id)
            modified_after = await lab.last_modified(NOTEBOOK)

    assert [cell["source"] for cell in cells] == expected
    assert [cell["id"] for cell in cells] == [last["id"], world.cell_id, code["id"], added["id"]]
    assert [cell["kind"] for cell in cells] == ["code"] * 4
    assert cells[1]["template"] is None  # the form is gone, the code stays
    # The file already showed all of it: Datadive did not write it again, so JupyterLab's
    # next save does not find it "changed on disk".
    assert not again.written
    assert modified_after == saved["last_modified"]


async def test_a_save_over_a_cell_changed_in_datadive_meanwhile_keeps_both(
    app: FastAPI, listening: str
) -> None:
    world: World = await build_world(app)
    async with world.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{world.cell_id}")
        cell = await add_cell(editor, world.notebook_id, "code", "x = 1")
        path = app.state.backend.workspace(world.project_id) / NOTEBOOK
        await notebook_file_when(path, ["x = 1"])
        async with jupyterlab(app, world.editor, world) as lab:
            content = (await lab.load(NOTEBOOK))["content"]
            await editor.patch(f"/api/v1/cells/{cell['id']}", json={"source": "x = 'Datadive'"})
            await notebook_file_when(path, ["x = 'Datadive'"])
            content["cells"][0]["source"] = "x = 'JupyterLab'"  # then "Overwrite"
            saved = await lab.save(NOTEBOOK, content)

            offered = "# JupyterLab's conflicting version of cell 1 (cell 1 keeps Datadive's)"
            expected = ["x = 'Datadive'", f"{offered}\nx = 'JupyterLab'"]
            cells = await cells_when(editor, world, expected)
            in_file = await notebook_file_when(path, expected)
            rewritten = await lab.last_modified(NOTEBOOK)

    assert [c["source"] for c in cells] == expected
    assert cells[0]["id"] == cell["id"]
    assert in_file == expected  # written back: JupyterLab's reload shows both
    # JupyterLab's next save asks to reload only if the file changed more than 0.5 s after
    # its own save (its `lastModifiedCheckMargin`): Datadive waits for that.
    later = datetime.fromisoformat(rewritten) - datetime.fromisoformat(saved["last_modified"])
    assert later > timedelta(milliseconds=500)


async def test_only_the_projects_server_can_announce_a_save(app: FastAPI, listening: str) -> None:
    world: World = await build_world(app)
    notice = NOTICE_PATH.format(project_id=world.project_id)
    async with world.owner.client(app) as owner:
        body, signature = sign_save_notice(b"k" * 32, path=NOTEBOOK)
        no_server = await owner.post(notice, content=body, headers={SIGNATURE_HEADER: signature})
        await owner.post(f"/api/v1/projects/{world.project_id}/server")
        key = app.state.backend.save_notice_key(world.project_id)
        forged = await owner.post(notice, content=body, headers={SIGNATURE_HEADER: signature})
        unsigned = await owner.post(notice, content=body)
        body, signature = sign_save_notice(key, path="scratch.ipynb")
        not_ours = await owner.post(notice, content=body, headers={SIGNATURE_HEADER: signature})
        body, signature = sign_save_notice(key, path=NOTEBOOK)
        ours = await owner.post(notice, content=body, headers={SIGNATURE_HEADER: signature})
        huge = await owner.post(notice, content=b" " * 100_000)

    assert (no_server.status_code, forged.status_code, unsigned.status_code) == (403, 403, 403)
    # A machine's route answers as the API does, never with a page.
    assert forged.headers["content-type"] == "application/problem+json"
    assert "Save notice refused" in forged.json()["detail"]
    assert huge.headers["content-type"] == "application/problem+json"
    assert not_ours.status_code == 200
    assert not_ours.json()["notebook_id"] is None
    assert ours.status_code == 200
    assert ours.json()["notebook_id"] == world.notebook_id
    assert huge.status_code == 413
