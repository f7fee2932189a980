"""Project files and kernel code on a real Jupyter server, with the bytes stored in a local folder
and in S3: uploads are readable under `data/`, and what the kernel writes there becomes a
project file, stored where the others are, once the run is reported finished."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from datadive.app import create_app
from datadive.config import Settings
from datadive.storage import key_for
from tests.support.cells import add_cell
from tests.support.s3 import S3Server
from tests.support.world import build_world

pytestmark = pytest.mark.slow


@pytest.fixture(params=["local", "s3"])
async def storage_app(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[FastAPI]:
    if request.param == "s3":
        request.getfixturevalue("s3_credentials")
        server: S3Server = request.getfixturevalue("s3_server")
        settings = settings.model_copy(update={"storage_url": server.new_bucket_url()})
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


async def test_a_kernel_reads_an_upload_and_what_it_writes_is_a_stored_file(
    storage_app: FastAPI,
) -> None:
    app = storage_app
    world = await build_world(app)
    nb = world.notebook_id
    files_url = f"/api/v1/projects/{world.project_id}/files"
    async with world.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{world.cell_id}")
        uploaded = await editor.post(
            files_url, files={"file": ("survey.csv", b"id,score\n1,3\n2,\n3,5\n", "text/csv")}
        )
        assert uploaded.status_code == 201, uploaded.text
        await add_cell(
            editor,
            nb,
            "code",
            "import pandas as pd\n"
            "df = pd.read_csv('data/survey.csv').dropna()\n"
            "df.to_csv('data/clean.csv', index=False)\n"
            "print(len(df), 'rows kept')",
        )
        run = (await editor.post(f"/api/v1/notebooks/{nb}/execute", params={"wait": 120})).json()
        assert run["status"] == "ok", run

        # Listed as soon as the run is reported finished: nothing else to call.
        items = (await editor.get(files_url)).json()["items"]
        clean = next(item for item in items if item["path"] == "clean.csv")
        content = await editor.get(f"/api/v1/files/{clean['id']}/content")

    written = b"id,score\n1,3.0\n3,5.0\n"
    assert run["cells"][0]["outputs"][0]["text"] == "2 rows kept\n"
    assert sorted(item["path"] for item in items) == ["clean.csv", "survey.csv"]
    assert clean["metadata"]["format"] == "csv"
    assert [c["name"] for c in clean["metadata"]["columns"]] == ["id", "score"]
    assert content.content == written
    assert clean["sha256"] == hashlib.sha256(written).hexdigest()
    assert await app.state.file_store.read_bytes(key_for(clean["sha256"])) == written
