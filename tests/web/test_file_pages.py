"""Files on the project page and the file page: upload through the page form (the no-script
path), errors shown where the user can act on them, rename, delete refused to a viewer, the
preview with profiles and labels, and "Use in notebook"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from datadive.config import Settings
from tests.support.world import World, build_world

MAX_UPLOAD = 64 * 1024
# German conventions: `;` between columns, a decimal comma.
SCORES = "name;score;group\nMüller;1,5;a\nSchmidt;2,25;b\nWeber;;a\n".encode()
QUALTRICS = Path(__file__).parents[1] / "fixtures" / "qualtrics" / "qualtrics_export_de.csv"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_upload_bytes": MAX_UPLOAD})


@pytest.fixture
async def world(app: FastAPI) -> World:
    return await build_world(app)


async def upload(
    client: httpx.AsyncClient,
    world: World,
    name: str = "scores.csv",
    data: bytes = SCORES,
    *,
    folder: str = "",
    overwrite: bool = False,
) -> httpx.Response:
    fields = {"folder": folder} | ({"overwrite": "true"} if overwrite else {})
    return await client.post(
        f"/projects/{world.project_id}/files",
        files={"file": (name, data, "application/octet-stream")},
        data=fields,
    )


async def file_ids(client: httpx.AsyncClient, world: World) -> dict[str, str]:
    listed = await client.get(f"/api/v1/projects/{world.project_id}/files")
    return {item["path"]: item["id"] for item in listed.json()["items"]}


async def file_page(
    client: httpx.AsyncClient, world: World, name: str = "scores.csv", data: bytes = SCORES
) -> tuple[str, str]:
    """Upload a file through the page form and open its page: (file id, page)."""
    await upload(client, world, name, data)
    file_id = (await file_ids(client, world))[name]
    return file_id, (await client.get(f"/files/{file_id}")).text


async def cells_of(client: httpx.AsyncClient, notebook_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (
        await client.get(f"/api/v1/notebooks/{notebook_id}/cells")
    ).json()
    return found


async def test_uploads_through_the_page_form_are_listed_by_folder(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        first = await upload(editor, world)
        second = await upload(editor, world, "wave2.csv", folder="raw/")
        page = (await editor.get(f"/projects/{world.project_id}")).text

    assert first.status_code == 303, first.text
    assert first.headers["location"] == f"/projects/{world.project_id}#files"
    assert second.status_code == 303, second.text
    assert "scores.csv" in page
    assert "raw/" in page
    assert "wave2.csv" in page
    assert f"CSV · {len(SCORES)} bytes" in page
    assert 'enctype="multipart/form-data"' in page
    assert "No files yet" not in page


async def test_upload_errors_are_shown_with_what_to_do(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        too_big = await upload(editor, world, "big.csv", b"a\n" + b"1\n" * MAX_UPLOAD)
        mismatch = await upload(editor, world, "book.xlsx", SCORES)
        nothing = await upload(editor, world, "", b"")
        await upload(editor, world)
        again = await upload(editor, world)
        replaced = await upload(editor, world, data=SCORES + b"Klein;3;b\n", overwrite=True)
        listed = await file_ids(editor, world)

    assert too_big.status_code == 422
    assert "larger than the upload limit of 64.0 KiB" in too_big.text
    assert mismatch.status_code == 422
    assert "does not contain" in mismatch.text
    assert "book.xlsx" in mismatch.text
    assert nothing.status_code == 422
    assert "choose a file to upload" in nothing.text
    assert again.status_code == 422
    assert "There is already a file at &#39;scores.csv&#39;" in again.text
    assert "Tick “Replace a file with the same name”" in again.text
    assert "overwrite=true" not in again.text
    assert replaced.status_code == 303
    assert list(listed) == ["scores.csv"]


async def test_rename_and_move_a_file(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        await upload(editor, world)
        file_id = (await file_ids(editor, world))["scores.csv"]
        moved = await editor.post(f"/files/{file_id}/move", data={"path": "raw/renamed.csv"})
        refused = await editor.post(f"/files/{file_id}/move", data={"path": "../up.csv"})
        page = (await editor.get(f"/projects/{world.project_id}")).text
        listed = await file_ids(editor, world)

    assert moved.status_code == 303
    assert listed == {"raw/renamed.csv": file_id}
    assert "renamed.csv" in page
    assert refused.status_code == 422
    assert 'id="move-' + file_id + '-path-error"' in refused.text


async def test_a_viewer_sees_and_downloads_files_but_cannot_change_them(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        await upload(editor, world)
        file_id = (await file_ids(editor, world))["scores.csv"]
    async with world.viewer.client(app) as viewer:
        page = (await viewer.get(f"/projects/{world.project_id}")).text
        deleted = await viewer.post(f"/files/{file_id}/delete")
        uploaded = await upload(viewer, world, "mine.csv")
        file_page = (await viewer.get(f"/files/{file_id}")).text
        still = await file_ids(viewer, world)

    assert "scores.csv" in page
    assert f"/api/v1/files/{file_id}/content" in page
    for control in ("Upload files", "Delete file", "Rename or move"):
        assert control not in page, control
    assert deleted.status_code == 403
    assert uploaded.status_code == 403
    assert still == {"scores.csv": file_id}
    assert "Müller" in file_page
    assert "Use in notebook" not in file_page


async def test_an_editor_deletes_a_file_after_confirming(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        await upload(editor, world)
        file_id = (await file_ids(editor, world))["scores.csv"]
        page = (await editor.get(f"/projects/{world.project_id}")).text
        deleted = await editor.post(f"/files/{file_id}/delete", headers={"HX-Request": "true"})
        gone = await editor.get(f"/files/{file_id}")

    assert "Delete “scores.csv”?" in page
    assert deleted.status_code == 200
    assert "scores.csv\\u201d deleted." in deleted.headers["HX-Trigger"]
    assert 'id="files"' in deleted.text
    assert "No files yet" in deleted.text
    assert gone.status_code == 404


async def test_the_file_page_shows_preview_profiles_and_dialect(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        file_id, page = await file_page(editor, world)

    assert "<h1>scores.csv</h1>" in page
    assert f'href="/api/v1/files/{file_id}/content"' in page
    assert "semicolon (;)" in page
    assert "comma (1,5)" in page
    # The first rows, with the decimal comma read as numbers.
    assert "<td>Müller</td><td>1.5</td><td>a</td>" in page
    assert "<td>Schmidt</td><td>2.25</td><td>b</td>" in page
    # Profiles: missing values, the mean of a number, the top categories of text.
    assert "<dt>Missing</dt><dd>1</dd>" in page
    assert "<dt>Mean</dt><dd>1.875</dd>" in page
    assert "a (2), b (1)" in page
    assert "Use in notebook" in page


async def test_the_file_page_shows_qualtrics_labels(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        _, page = await file_page(editor, world, "survey.csv", QUALTRICS.read_bytes())

    assert "Qualtrics export" in page
    assert "three header rows" in page
    # Question texts from the second header row, value labels of the Status column.
    assert "This is a multiple choice question." in page
    assert "0 = IP Address" in page
    assert "Responses" in page
    assert "Hello World!" in page
    assert "nominal" in page


async def test_an_unreadable_file_says_why(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        _, other = await file_page(editor, world, "readme.bin", b"just bytes")

    assert "is not a table Datadive can preview; download it instead." in other
    assert "Use in notebook" not in other


async def test_use_in_notebook_adds_a_prefilled_load_csv_cell(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        await upload(editor, world, folder="raw")
        file_id = (await file_ids(editor, world))["raw/scores.csv"]
        added = await editor.post(f"/files/{file_id}/use", data={"notebook": world.notebook_id})
        cells = await cells_of(editor, world.notebook_id)
        notebook_page = await editor.get(added.headers["location"])

    assert added.status_code == 303
    location = added.headers["location"]
    assert location.startswith(f"/notebooks/{world.notebook_id}?notice=cell-added#cell-")
    last = cells[-1]
    assert location.endswith(last["id"])
    assert last["template"]["slug"] == "load-csv"
    assert last["inputs"]["file"] == "data/raw/scores.csv"
    assert last["inputs"]["separator"] == ";"
    assert last["inputs"]["decimal"] == ","
    assert last["inputs"]["encoding"] == "utf-8"
    assert "sep=';', decimal=','" in last["source"] or 'sep=";", decimal=","' in last["source"]
    assert "The cell that loads the file has been added" in notebook_page.text


async def test_use_in_a_new_notebook(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        file_id, page = await file_page(editor, world)
        added = await editor.post(
            f"/files/{file_id}/use", data={"notebook": "new", "title": "Scores"}
        )
        notebooks = (await editor.get(f"/api/v1/projects/{world.project_id}/notebooks")).json()[
            "items"
        ]

    assert '<option value="new">A new notebook</option>' in page
    assert added.status_code == 303
    created = next(n for n in notebooks if n["title"] == "Scores")
    assert added.headers["location"].startswith(f"/notebooks/{created['id']}?")


async def test_a_new_notebook_named_after_a_long_file_name_gets_a_title_that_fits(
    app: FastAPI, world: World
) -> None:
    name = "w" * 240 + ".csv"  # a file name may be 255 bytes; a title only 200 characters
    async with world.editor.client(app) as editor:
        file_id, _ = await file_page(editor, world, name=name)
        added = await editor.post(f"/files/{file_id}/use", data={"notebook": "new"})
        notebooks = (await editor.get(f"/api/v1/projects/{world.project_id}/notebooks")).json()[
            "items"
        ]

    assert added.status_code == 303, added.text
    assert [n["title"] for n in notebooks if n["id"] != world.notebook_id] == ["w" * 200]


async def test_use_in_notebook_is_refused_to_a_viewer(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        await upload(editor, world)
        file_id = (await file_ids(editor, world))["scores.csv"]
    async with world.viewer.client(app) as viewer:
        refused = await viewer.post(f"/files/{file_id}/use", data={"notebook": world.notebook_id})
    assert refused.status_code == 403


async def test_use_in_notebook_loads_a_qualtrics_export_with_its_template(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        await upload(editor, world, "survey.csv", QUALTRICS.read_bytes())
        file_id = (await file_ids(editor, world))["survey.csv"]
        added = await editor.post(f"/files/{file_id}/use", data={"notebook": world.notebook_id})
        cells = await cells_of(editor, world.notebook_id)

    assert added.status_code == 303
    assert cells[-1]["template"]["slug"] == "load-qualtrics"
    assert cells[-1]["inputs"]["file"] == "data/survey.csv"
    assert cells[-1]["inputs"]["qsf"] is None  # the project has no survey definition
