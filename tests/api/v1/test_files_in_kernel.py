"""Project files and kernel code on a real Jupyter server: uploads are readable under `data/`,
and what the kernel writes there becomes a project file after the run's sync."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.support.cells import add_cell
from tests.support.world import build_world

pytestmark = pytest.mark.slow


async def test_a_kernel_reads_an_upload_and_its_output_is_listed(app: FastAPI) -> None:
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
            "len(df)",
        )
        run = (await editor.post(f"/api/v1/notebooks/{nb}/execute", params={"wait": 120})).json()
        assert run["status"] == "ok", run

        # Listed as soon as the run is reported finished: nothing else to call.
        items = (await editor.get(files_url)).json()["items"]
        clean = next(item for item in items if item["path"] == "clean.csv")
        content = await editor.get(f"/api/v1/files/{clean['id']}/content")

    assert sorted(item["path"] for item in items) == ["clean.csv", "survey.csv"]
    assert clean["metadata"]["format"] == "csv"
    assert [c["name"] for c in clean["metadata"]["columns"]] == ["id", "score"]
    assert content.content.decode().splitlines() == ["id,score", "1,3.0", "3,5.0"]
