"""Files API: upload, list, download, rename/move, copy, delete; limits and checks 20-23 of
SECURITY.md."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.config import Settings
from datadive.db.models import Project
from datadive.storage import key_for
from tests.support.world import World, build_world

MAX_UPLOAD = 1024 * 1024
QUOTA = 3 * 1024 * 1024
CSV = b"id,group,score\n1,a,3\n2,b,5\n"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"max_upload_bytes": MAX_UPLOAD, "project_quota_bytes": QUOTA}
    )


@pytest.fixture
async def world(app: FastAPI) -> World:
    return await build_world(app)


def files_url(world: World) -> str:
    return f"/api/v1/projects/{world.project_id}/files"


async def upload(
    client: httpx.AsyncClient,
    world: World,
    name: str = "survey.csv",
    data: bytes = CSV,
    *,
    path: str | None = None,
    overwrite: bool = False,
) -> httpx.Response:
    return await client.post(
        files_url(world) + ("?overwrite=true" if overwrite else ""),
        files={"file": (name, data, "application/octet-stream")},
        data={"path": path} if path is not None else None,
    )


def blob_path(app: FastAPI, data: bytes) -> Path:
    path = app.state.file_store.local_path(key_for(hashlib.sha256(data).hexdigest()))
    assert isinstance(path, Path)
    return path


def workspace_data(app: FastAPI, world: World) -> Path:
    path: Path = app.state.backend.workspace(world.project_id) / "data"
    return path


async def test_upload_list_read_and_download(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        uploaded = await upload(editor, world, path="raw/survey.csv")
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert body["path"] == "raw/survey.csv"
    assert body["kernel_path"] == "data/raw/survey.csv"
    assert body["size"] == len(CSV)
    assert body["sha256"] == hashlib.sha256(CSV).hexdigest()
    assert body["content_type"] == "text/csv"
    assert body["metadata"]["format"] == "csv"
    assert "storage_key" not in body

    async with world.viewer.client(app) as viewer:
        listed = (await viewer.get(files_url(world))).json()
        read = (await viewer.get(f"/api/v1/files/{body['id']}")).json()
        downloaded = await viewer.get(f"/api/v1/files/{body['id']}/content")

    assert [f["id"] for f in listed["items"]] == [body["id"]]
    assert listed["next_cursor"] is None
    assert read == body
    assert downloaded.status_code == 200
    assert downloaded.content == CSV
    assert blob_path(app, CSV).read_bytes() == CSV
    # The project's Jupyter folder has it under data/, with no Jupyter server running.
    assert (workspace_data(app, world) / "raw" / "survey.csv").read_bytes() == CSV
    assert not (await app.state.backend.status(world.project_id)).running


async def test_lists_are_paginated(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        for i in range(5):
            assert (await upload(editor, world, f"f{i}.csv", b"x\n%d\n" % i)).status_code == 201
        first = (await editor.get(files_url(world), params={"limit": 3})).json()
        second = (
            await editor.get(files_url(world), params={"limit": 3, "cursor": first["next_cursor"]})
        ).json()

    assert [f["path"] for f in first["items"] + second["items"]] == [f"f{i}.csv" for i in range(5)]
    assert second["next_cursor"] is None


async def test_downloads_are_attachments_that_browsers_do_not_sniff(
    app: FastAPI, world: World
) -> None:
    """Check 23, with a name that needs encoding and content a browser would render."""
    page = b"<html><script>alert(1)</script></html>"
    async with world.editor.client(app) as editor:
        csv_file = (await upload(editor, world, "Umfrage ä 2024;x.csv")).json()
        html_file = (await upload(editor, world, "page.html", page)).json()
        csv_download = await editor.get(f"/api/v1/files/{csv_file['id']}/content")
        html_download = await editor.get(f"/api/v1/files/{html_file['id']}/content")

    assert csv_download.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''Umfrage%20%C3%A4%202024%3Bx.csv"
    )
    assert csv_download.headers["x-content-type-options"] == "nosniff"
    assert html_file["metadata"]["format"] == "other"
    assert html_download.headers["content-type"] == "application/octet-stream"
    assert html_download.headers["content-disposition"].startswith("attachment;")
    assert html_download.headers["x-content-type-options"] == "nosniff"
    assert html_download.content == page


async def test_name_conflicts_answer_409_unless_overwrite(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        first = (await upload(editor, world)).json()
        conflict = await upload(editor, world, data=b"id\n9\n")
        replaced = await upload(editor, world, data=b"id\n9\n", overwrite=True)
        folder_clash = await upload(editor, world, path="survey.csv/inner.csv")
        listed = (await editor.get(files_url(world))).json()["items"]

    assert conflict.status_code == 409
    assert "overwrite=true" in conflict.json()["detail"]
    assert replaced.status_code == 201
    assert replaced.json()["id"] == first["id"]
    assert replaced.json()["sha256"] == hashlib.sha256(b"id\n9\n").hexdigest()
    assert folder_clash.status_code == 409
    assert len(listed) == 1
    # The old bytes had no other reference: their blob is gone.
    assert not blob_path(app, CSV).exists()
    assert (workspace_data(app, world) / "survey.csv").read_bytes() == b"id\n9\n"


async def test_rename_and_move_into_folders(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        file = (await upload(editor, world)).json()
        other = (await upload(editor, world, "other.csv", b"a\n1\n")).json()
        moved = await editor.patch(f"/api/v1/files/{file['id']}", json={"path": "raw/2024.csv"})
        taken = await editor.patch(f"/api/v1/files/{other['id']}", json={"path": "raw/2024.csv"})
        sneaky = await editor.patch(f"/api/v1/files/{other['id']}", json={"path": "../../x.csv"})
        mass = await editor.patch(
            f"/api/v1/files/{other['id']}", json={"path": "b.csv", "project_id": "elsewhere"}
        )

    assert moved.status_code == 200, moved.text
    assert moved.json()["path"] == "raw/2024.csv"
    assert moved.json()["sha256"] == file["sha256"]
    assert taken.status_code == 409
    assert sneaky.status_code == 422
    assert mass.status_code == 422
    data = workspace_data(app, world)
    assert (data / "raw" / "2024.csv").read_bytes() == CSV
    assert not (data / "survey.csv").exists()
    assert (data / "other.csv").exists()


async def test_delete_keeps_a_blob_while_another_file_uses_it(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        first = (await upload(editor, world, "a.csv")).json()
        second = (await upload(editor, world, "b.csv")).json()
        assert (await editor.delete(f"/api/v1/files/{first['id']}")).status_code == 204
        assert blob_path(app, CSV).exists()
        assert not (workspace_data(app, world) / "a.csv").exists()
        assert (await editor.delete(f"/api/v1/files/{second['id']}")).status_code == 204
        gone = await editor.get(f"/api/v1/files/{second['id']}")

    assert gone.status_code == 404
    assert not blob_path(app, CSV).exists()


async def test_copy_to_another_project_the_user_can_edit(app: FastAPI, world: World) -> None:
    second = await build_world(app, prefix="b-")
    async with second.owner.client(app) as owner:
        await owner.post(
            f"/api/v1/projects/{second.project_id}/members",
            json={"user": world.viewer.name, "role": "editor"},
        )
    async with world.editor.client(app) as editor:
        file = (await upload(editor, world)).json()
    async with world.viewer.client(app) as viewer:
        copied = await viewer.post(
            f"/api/v1/files/{file['id']}/copy",
            json={"project_id": second.project_id, "path": "imported/survey.csv"},
        )
        into_own_project = await viewer.post(
            f"/api/v1/files/{file['id']}/copy",
            json={"project_id": world.project_id, "path": "copy.csv"},
        )
    async with world.editor.client(app) as editor:
        not_a_member = await editor.post(
            f"/api/v1/files/{file['id']}/copy", json={"project_id": second.project_id}
        )

    assert copied.status_code == 201, copied.text
    assert copied.json()["project_id"] == second.project_id
    assert copied.json()["sha256"] == file["sha256"]
    assert into_own_project.status_code == 403  # a viewer of the source project
    assert not_a_member.status_code == 404
    ws = app.state.backend.workspace(second.project_id) / "data" / "imported" / "survey.csv"
    assert ws.read_bytes() == CSV
    # Deleting the original keeps the bytes the copy shares.
    async with world.editor.client(app) as editor:
        assert (await editor.delete(f"/api/v1/files/{file['id']}")).status_code == 204
    async with second.owner.client(app) as owner:
        download = await owner.get(f"/api/v1/files/{copied.json()['id']}/content")
    assert download.content == CSV


async def test_viewers_read_and_outsiders_see_nothing(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        file = (await upload(editor, world)).json()
    async with world.viewer.client(app) as viewer:
        viewer_upload = await upload(viewer, world, "mine.csv")
        viewer_delete = await viewer.delete(f"/api/v1/files/{file['id']}")
        viewer_download = await viewer.get(f"/api/v1/files/{file['id']}/content")
    async with world.other.client(app) as other:
        answers = [
            await other.get(f"/api/v1/files/{file['id']}"),
            await other.get(f"/api/v1/files/{file['id']}/content"),
            await other.get(files_url(world)),
            await upload(other, world, "mine.csv"),
        ]
        missing = await other.get("/api/v1/files/doesnotexist")

    assert viewer_upload.status_code == 403
    assert viewer_delete.status_code == 403
    assert viewer_download.status_code == 200
    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    assert answers[0].json()["detail"] == missing.json()["detail"]


async def test_archived_projects_take_no_uploads(app: FastAPI, world: World) -> None:
    async with app.state.database.transaction() as session:
        await session.execute(
            sa.update(Project).where(Project.id == world.project_id).values(archived=True)
        )
    async with world.owner.client(app) as owner:
        assert (await upload(owner, world)).status_code == 409


# Check 20: size limits and quota.


class CountingBody:
    """A request body that counts what the server read of it."""

    def __init__(self, prefix: bytes, chunk: bytes, chunks: int) -> None:
        self.prefix, self.chunk, self.chunks = prefix, chunk, chunks
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.sent += len(self.prefix)
        yield self.prefix
        for _ in range(self.chunks):
            self.sent += len(self.chunk)
            yield self.chunk


def multipart_start(boundary: str, name: str = "big.csv") -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()


async def test_a_declared_oversized_body_is_refused_before_it_is_read(
    app: FastAPI, world: World
) -> None:
    body = CountingBody(multipart_start("b0undary"), b"1,2\n" * 16_384, 100)
    async with world.editor.client(app) as editor:
        response = await editor.post(
            files_url(world),
            content=body,
            headers={
                "Content-Type": "multipart/form-data; boundary=b0undary",
                "Content-Length": str(100 * 65_536),
            },
        )

    assert response.status_code == 413
    assert "1.0 MiB" in response.json()["detail"]
    assert body.sent <= len(body.prefix) + len(body.chunk)  # at most what was in flight


async def test_a_body_that_grows_past_the_limit_is_cut_off_at_once(
    app: FastAPI, world: World
) -> None:
    body = CountingBody(multipart_start("b0undary"), b"1,2\n" * 16_384, 1000)  # 64 MiB
    async with world.editor.client(app) as editor:
        response = await editor.post(
            files_url(world),
            content=body,  # streamed without Content-Length
            headers={"Content-Type": "multipart/form-data; boundary=b0undary"},
        )

    assert response.status_code == 413
    assert body.sent < MAX_UPLOAD + 3 * len(body.chunk)
    assert list((app.state.settings.resolved_data_dir / "uploads").iterdir()) == []
    async with world.editor.client(app) as editor:
        assert (await editor.get(files_url(world))).json()["items"] == []


async def test_the_project_quota_is_enforced_with_a_helpful_message(
    app: FastAPI, world: World
) -> None:
    chunk = b"x,y\n" * (200 * 1024)  # 800 KiB
    async with world.editor.client(app) as editor:
        for i in range(3):
            response = await upload(editor, world, f"part{i}.csv", chunk + b"%d\n" % i)
            assert response.status_code == 201, response.text
        over = await upload(editor, world, "part3.csv", chunk + b"3\n")
        same_bytes_again = await upload(editor, world, "again.csv", chunk + b"0\n")

    assert over.status_code == 413
    assert "2.3 MiB of its 3.0 MiB quota (672.0 KiB left)" in over.json()["detail"]
    # Copies count against the quota even when the bytes are stored once.
    assert same_bytes_again.status_code == 413


# Check 21 through the API.


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("survey.csv", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00binary"),
        ("survey.xlsx", CSV),
        ("survey.sav", CSV),
        ("survey.parquet", CSV),
        ("survey.json", b"{not json"),
    ],
)
async def test_content_that_does_not_match_the_name_is_refused(
    app: FastAPI, world: World, name: str, data: bytes
) -> None:
    async with world.editor.client(app) as editor:
        response = await upload(editor, world, name, data)
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert (
        not any((app.state.settings.resolved_data_dir / "files").rglob("*"))
        or not blob_path(app, data).exists()
    )


async def test_a_zip_bomb_workbook_is_refused(app: FastAPI, world: World, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 * 1024 * 1024))
    assert bomb.stat().st_size < MAX_UPLOAD
    async with world.editor.client(app) as editor:
        response = await upload(editor, world, "bomb.xlsx", bomb.read_bytes())
    assert response.status_code == 415
    assert "zip bomb" in response.json()["detail"]


# Check 22: names that try to leave the project.


def files_outside(root: Path, allowed: list[Path]) -> list[Path]:
    return [
        p
        for p in root.rglob("*")
        if p.is_file() and not any(p.is_relative_to(folder) for folder in allowed)
    ]


@pytest.mark.parametrize(
    ("name", "path", "stored_as"),
    [
        ("../evil.csv", None, None),
        ("..\\evil.csv", None, None),
        ("/etc/evil.csv", None, None),
        # python-multipart keeps the last part of an old IE-style Windows path.
        ("C:\\evil.csv", None, "evil.csv"),
        ("survey.csv", "../../evil.csv", None),
        ("survey.csv", "raw/../../evil.csv", None),
        ("survey.csv", "/srv/evil.csv", None),
        ("survey.csv", "a\x00b.csv", None),
        ("invoice\u202ecsv.exe", None, None),
        ("survey.csv", "raw/\u202ecsv.exe", None),
        ("survey.csv", "x" * 300 + ".csv", None),
        ("survey.csv", "CON.csv", None),
        ("survey.csv", "raw/aux", None),
        ("survey.csv", "raw\\2024\\.\\evil.csv", "raw/2024/evil.csv"),
        ("survey.csv", "raw//./2024/", "raw/2024/survey.csv"),
        ("survey.csv", "  notes. ", "notes"),
        ("sub/dir/survey.csv", None, "sub/dir/survey.csv"),
    ],
)
async def test_traversal_names_stay_inside_the_project(
    app: FastAPI, world: World, tmp_path: Path, name: str, path: str | None, stored_as: str | None
) -> None:
    async with world.editor.client(app) as editor:
        response = await upload(editor, world, name, path=path)

    if stored_as is None:
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] in ("path", "file")
    else:
        assert response.status_code == 201, response.text
        assert response.json()["path"] == stored_as
        assert (workspace_data(app, world) / stored_as).read_bytes() == CSV
    data_dir = app.state.settings.resolved_data_dir
    allowed = [data_dir / "files", workspace_data(app, world), data_dir / "workspace-files"]
    allowed += list(data_dir.glob("datadive.sqlite3*"))
    assert files_outside(data_dir, allowed) == []
    strays = [
        p for p in tmp_path.rglob("evil*") if not p.is_relative_to(workspace_data(app, world))
    ]
    assert strays == []
    assert not Path("/srv/evil.csv").exists()
    assert not Path("/etc/evil.csv").exists()


async def test_a_name_with_a_direction_override_is_refused_naming_it(
    app: FastAPI, world: World
) -> None:
    """`report\u202evsc.exe` shows as `reportexe.csv`: refused, not stored under a disguise."""
    async with world.editor.client(app) as editor:
        response = await upload(editor, world, "report\u202evsc.exe")
        listed = await editor.get(files_url(world))

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "file"
    assert "'report\\u202evsc.exe'" in error["message"]
    assert "U+202E (RIGHT-TO-LEFT OVERRIDE)" in error["message"]
    assert listed.json()["items"] == []


async def test_forms_without_a_file_are_refused(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        no_file = await editor.post(files_url(world), data={"path": "a.csv"}, files={"x": b""})
        json_body = await editor.post(files_url(world), json={"path": "a.csv"})
    assert no_file.status_code == 422
    assert json_body.status_code == 415


QUALTRICS = Path(__file__).parents[2] / "fixtures" / "qualtrics" / "qualtrics_export_de.csv"


async def test_uploads_are_read_for_their_columns_and_previewed_without_a_kernel(
    app: FastAPI, world: World
) -> None:
    semicolons = b"id;group;score\n1;a;3,5\n2;b;4,5\n3;a;\n"
    async with world.editor.client(app) as editor:
        european = await upload(editor, world, "scores.csv", semicolons)
        survey = await upload(editor, world, "survey.csv", QUALTRICS.read_bytes())
    async with world.viewer.client(app) as viewer:
        shown = await viewer.get(f"/api/v1/files/{european.json()['id']}/preview")
        shown_survey = await viewer.get(
            f"/api/v1/files/{survey.json()['id']}/preview", params={"rows": 5}
        )

    metadata = european.json()["metadata"]
    assert metadata["dialect"]["delimiter"] == ";"
    assert metadata["dialect"]["decimal"] == ","
    assert [(c["name"], c["measurement"]) for c in metadata["columns"]] == [
        ("id", "scale"),
        ("group", "nominal"),
        ("score", "scale"),
    ]
    assert shown.status_code == 200, shown.text
    preview = shown.json()
    assert preview["rows"] == [[1, "a", 3.5], [2, "b", 4.5], [3, "a", None]]
    score = next(c for c in preview["profile"]["columns"] if c["name"] == "score")
    assert (score["missing"], score["mean"]) == (1, 4.0)
    assert not (await app.state.backend.status(world.project_id)).running

    assert survey.json()["metadata"]["format"] == "qualtrics"
    labels = {c["name"]: c["label"] for c in survey.json()["metadata"]["columns"]}
    assert labels["Q1"] == "This is a multiple choice question."
    assert shown_survey.status_code == 200, shown_survey.text
    assert len(shown_survey.json()["rows"]) == 1  # the header rows are labels, not data


async def test_a_file_that_cannot_be_read_is_kept_and_its_preview_says_why(
    app: FastAPI, world: World
) -> None:
    damaged = b"$FL2" + b"\x00" * 60  # an SPSS signature, then nothing readable
    async with world.editor.client(app) as editor:
        stored = await upload(editor, world, "broken.sav", damaged)
        shown = await editor.get(f"/api/v1/files/{stored.json()['id']}/preview")
        downloaded = await editor.get(f"/api/v1/files/{stored.json()['id']}/content")

    assert stored.status_code == 201, stored.text
    assert stored.json()["metadata"]["problem"]
    assert shown.status_code == 422
    assert shown.json()["detail"] == stored.json()["metadata"]["problem"]
    assert downloaded.content == damaged
