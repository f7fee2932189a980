"""Backups and restores in-process, on real SQLite, PostgreSQL and S3 (moto): what is copied,
what a damaged or incomplete backup does, and where a restore refuses to write."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pytest
from fastapi import FastAPI

from datadive.app import create_app
from datadive.backups.create import create_backup
from datadive.backups.in_use import hold_for_serving
from datadive.backups.reports import backup_lines
from datadive.backups.restore import restore_backup
from datadive.config import Settings
from datadive.db.engine import Database
from datadive.db.schema import (
    downgrade_schema,
    head_revision,
    read_schema_state,
    revisions_oldest_first,
    upgrade_schema,
)
from datadive.errors import BackupRefused
from datadive.storage.factory import build_file_store
from tests.support.s3 import S3Server
from tests.support.world import World, build_world

SURVEY = b"id,score\n1,3\n2,5\n"
WAVE_TWO = b"id,score\n7,1\n8,2\n"
FIGURE = b"\x89PNG\r\n\x1a\n not really a picture, but kernel output all the same"
DELETED = b"id,score\n9,9\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fresh_settings(tmp_path: Path, name: str, **extra: str) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / name, **extra)  # type: ignore[arg-type]


async def fill(app: FastAPI) -> World:
    """Two files kept, one uploaded and deleted, and a picture kernel code saved."""
    world = await build_world(app)
    url = f"/api/v1/projects/{world.project_id}/files"
    async with world.editor.client(app) as editor:
        for name, data in (("survey.csv", SURVEY), ("waves/two.csv", WAVE_TWO)):
            uploaded = await editor.post(
                url, files={"file": ("x.csv", data, "text/csv")}, data={"path": name}
            )
            assert uploaded.status_code == 201, uploaded.text
        gone = await editor.post(url, files={"file": ("gone.csv", DELETED, "text/csv")})
        assert (await editor.delete(f"/api/v1/files/{gone.json()['id']}")).status_code == 204
    workspace: Path = app.state.backend.workspace(world.project_id)
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "figure.png").write_bytes(FIGURE)
    return world


@pytest.fixture
async def backup(app: FastAPI, settings: Settings, tmp_path: Path) -> Path:
    """The backup folder of what `fill` put into the app."""
    await fill(app)
    return (await create_backup(settings, tmp_path / "backup")).folder


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_a_restored_copy_serves_every_file_and_workspace(
    app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    world = await fill(app)
    await app.state.notebook_files.write(world.notebook_id)
    notebook_file = app.state.backend.workspace(world.project_id) / "analysis.ipynb"
    made = await create_backup(settings, tmp_path / "backup")
    target = fresh_settings(tmp_path, "restored")
    restored = await restore_backup(target, tmp_path / "backup")

    manifest = made.manifest
    assert (tmp_path / "backup").stat().st_mode & 0o777 == 0o700
    assert manifest.database_kind == "sqlite"
    assert manifest.schema_revision == head_revision()
    assert manifest.counts["files"] == 2
    assert manifest.counts["projects"] == 1
    assert f"blobs/sha256/{sha256(SURVEY)[:2]}/{sha256(SURVEY)}" in manifest.files
    assert not any(sha256(DELETED) in name for name in manifest.files)  # its bytes are gone
    assert restored.moved_aside == []
    assert restored.schema_note is None
    workspace = target.resolved_data_dir / "workspaces" / world.project_id
    assert (workspace / "figure.png").read_bytes() == FIGURE
    assert (workspace / "analysis.ipynb").read_bytes() == notebook_file.read_bytes()
    assert (workspace / "data" / "waves" / "two.csv").read_bytes() == WAVE_TWO

    application = create_app(target)
    async with (
        application.router.lifespan_context(application),
        world.editor.client(application) as editor,
    ):
        listed = await editor.get(f"/api/v1/projects/{world.project_id}/files")
        items = {item["path"]: item for item in listed.json()["items"]}
        contents = {
            path: (await editor.get(f"/api/v1/files/{item['id']}/content")).content
            for path, item in items.items()
        }
    assert contents == {"survey.csv": SURVEY, "waves/two.csv": WAVE_TWO}


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_a_damaged_backup_is_refused_and_nothing_is_restored(
    backup: Path, tmp_path: Path
) -> None:
    blob = backup / "blobs" / "sha256" / sha256(SURVEY)[:2] / sha256(SURVEY)
    blob.chmod(0o644)
    blob.write_bytes(SURVEY.replace(b"3", b"4"))
    target = fresh_settings(tmp_path, "restored")

    with pytest.raises(BackupRefused) as refused:
        await restore_backup(target, backup)

    assert "is damaged, nothing was restored" in refused.value.detail
    assert f"blobs/sha256/{sha256(SURVEY)[:2]}/{sha256(SURVEY)}" in refused.value.detail
    assert "SHA-256 does not match" in refused.value.detail
    assert not (target.resolved_data_dir / "datadive.sqlite3").exists()
    assert not (target.resolved_data_dir / "files").exists()

    (backup / "manifest.json").write_text('{"format": 1, "files": ')
    with pytest.raises(BackupRefused, match=r"cannot be read .* the backup is damaged"):
        await restore_backup(target, backup)
    (backup / "manifest.json").unlink()
    with pytest.raises(BackupRefused, match="is not a Datadive backup"):
        await restore_backup(target, backup)


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_a_backup_whose_database_lacks_a_blob_it_needs_is_refused(
    backup: Path, tmp_path: Path
) -> None:
    manifest = json.loads((backup / "manifest.json").read_text())
    name = f"blobs/sha256/{sha256(SURVEY)[:2]}/{sha256(SURVEY)}"
    (backup / name).unlink()
    del manifest["files"][name]
    (backup / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(BackupRefused, match="is incomplete, nothing was restored: 1 stored"):
        await restore_backup(fresh_settings(tmp_path, "restored"), backup)


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_a_blob_the_live_store_lacks_is_reported_and_the_rest_is_kept(
    app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    await fill(app)
    key = f"sha256/{sha256(WAVE_TWO)[:2]}/{sha256(WAVE_TWO)}"
    await app.state.file_store.delete(key)  # lost before the backup: no retry brings it back

    made = await create_backup(settings, tmp_path / "backup")
    restored = await restore_backup(fresh_settings(tmp_path, "restored"), made.folder)

    assert made.manifest.missing_blobs == [key]
    assert backup_lines(made)[1] == [
        f"warning: the store lacks {key}, which a file row points at; the backup has the rest"
    ]
    assert f"blobs/{key}" not in made.manifest.files
    assert restored.manifest.counts["files"] == 2


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_a_restore_refuses_a_used_or_served_data_dir_unless_forced(
    backup: Path, tmp_path: Path
) -> None:
    target = fresh_settings(tmp_path, "restored")
    await restore_backup(target, backup)

    with pytest.raises(BackupRefused, match="already holds data: restore into an empty data"):
        await restore_backup(target, backup)
    served = hold_for_serving(target.resolved_data_dir)
    try:
        with pytest.raises(BackupRefused, match=r"Datadive is running on .* stop every"):
            await restore_backup(target, backup, force=True)
    finally:
        os.close(served)  # as when the server stops
    again = await restore_backup(target, backup, force=True)

    kept = {path.name for path in again.moved_aside}
    assert kept == {"datadive.sqlite3", "files", "workspaces"}
    assert all(path.parent.name.startswith("replaced-by-restore-") for path in again.moved_aside)
    assert (target.resolved_data_dir / "datadive.sqlite3").is_file()


async def test_a_destination_that_is_used_or_cannot_be_written_is_refused(
    tmp_path: Path,
) -> None:
    settings = fresh_settings(tmp_path, "data")
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("keep me")
    (tmp_path / "a-file").write_text("")

    with pytest.raises(BackupRefused, match="used is not empty: give a new or empty folder"):
        await create_backup(settings, tmp_path / "used")
    with pytest.raises(BackupRefused, match="a-file/backup cannot be written"):
        await create_backup(settings, tmp_path / "a-file" / "backup")
    with pytest.raises(BackupRefused, match=r"is inside the data folder .* put the backup"):
        await create_backup(settings, tmp_path / "data" / "workspaces" / "backup")
    assert not (tmp_path / "data" / "workspaces").exists()
    assert (tmp_path / "used" / "notes.txt").read_text() == "keep me"


async def test_an_older_schema_is_restored_with_a_note_and_upgrades(tmp_path: Path) -> None:
    live = fresh_settings(tmp_path, "live")
    live.resolved_data_dir.mkdir()
    older = revisions_oldest_first()[-2]
    database = Database(live.resolved_database_url)
    await upgrade_schema(database.engine)
    await downgrade_schema(database.engine, older)
    await database.dispose()
    made = await create_backup(live, tmp_path / "backup")
    target = fresh_settings(tmp_path, "restored")

    restored = await restore_backup(target, made.folder)
    copy = Database(target.resolved_database_url)
    try:
        before = (await read_schema_state(copy.engine)).current
        await upgrade_schema(copy.engine)
        after = (await read_schema_state(copy.engine)).current
    finally:
        await copy.dispose()

    assert made.manifest.schema_revision == older
    assert restored.schema_note is not None
    assert f"revision {older}, older than" in restored.schema_note
    assert "datadive db upgrade" in restored.schema_note
    assert (before, after) == (older, head_revision())


async def test_a_backup_from_a_newer_datadive_is_refused(tmp_path: Path) -> None:
    live = fresh_settings(tmp_path, "live")
    live.resolved_data_dir.mkdir()
    database = Database(live.resolved_database_url)
    await upgrade_schema(database.engine)
    await database.dispose()
    with sqlite3.connect(live.resolved_data_dir / "datadive.sqlite3") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    made = await create_backup(live, tmp_path / "backup")

    with pytest.raises(BackupRefused, match="0099_from_the_future, which this Datadive"):
        await restore_backup(fresh_settings(tmp_path, "restored"), made.folder)


@pytest.mark.parametrize("database_kind", [pytest.param("postgresql", marks=pytest.mark.postgres)])
async def test_postgresql_is_left_to_pg_dump_and_its_files_are_copied_beside_it(
    app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    world = await fill(app)

    with pytest.raises(BackupRefused) as refused:
        await create_backup(settings, tmp_path / "backup")
    made = await create_backup(settings, tmp_path / "backup", files_only=True)
    with pytest.raises(BackupRefused) as no_database:
        await restore_backup(settings, made.folder)
    # The same PostgreSQL database (as pg_restore brings it back), another data dir.
    target = settings.model_copy(update={"data_dir": tmp_path / "restored"})
    await restore_backup(target, made.folder, files_only=True)

    assert "pg_dump --format=custom --file=" in refused.value.detail
    assert "backup.pgdump postgresql://" in refused.value.detail
    assert "datadive backup --files-only" in refused.value.detail
    assert made.manifest.includes_database is False
    assert made.manifest.database_kind == "postgresql"
    assert made.manifest.counts == {"files": 2}
    assert "holds no database (it was made with --files-only)" in no_database.value.detail
    store = build_file_store(target)
    assert await store.read_bytes(f"sha256/{sha256(SURVEY)[:2]}/{sha256(SURVEY)}") == SURVEY
    workspace = target.resolved_data_dir / "workspaces" / world.project_id
    assert (workspace / "data" / "survey.csv").read_bytes() == SURVEY
    assert (workspace / "figure.png").read_bytes() == FIGURE


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_a_restore_into_a_postgresql_database_names_pg_restore(
    app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    backup = (await create_backup(settings, tmp_path / "backup")).folder
    target = settings.model_copy(
        update={"database_url": "postgresql://datadive@db.example.org/datadive"}
    )

    with pytest.raises(BackupRefused) as refused:
        await restore_backup(target, backup)

    assert "pg_restore --clean --if-exists --no-owner" in refused.value.detail
    assert "--dbname=postgresql://datadive@db.example.org/datadive" in refused.value.detail
    assert "datadive restore --files-only" in refused.value.detail


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_files_in_s3_are_backed_up_and_restored_into_another_bucket(
    settings: Settings, tmp_path: Path, s3_server: S3Server, s3_credentials: None
) -> None:
    live = settings.model_copy(update={"storage_url": s3_server.new_bucket_url()})
    application = create_app(live)
    async with application.router.lifespan_context(application):
        await fill(application)
    made = await create_backup(live, tmp_path / "backup")
    target = fresh_settings(tmp_path, "restored", storage_url=s3_server.new_bucket_url())

    await restore_backup(target, made.folder)
    store = build_file_store(target)
    try:
        survey = await store.read_bytes(f"sha256/{sha256(SURVEY)[:2]}/{sha256(SURVEY)}")
        wave = await store.read_bytes(f"sha256/{sha256(WAVE_TWO)[:2]}/{sha256(WAVE_TWO)}")
    finally:
        await store.close()

    assert (survey, wave) == (SURVEY, WAVE_TWO)
    assert not (target.resolved_data_dir / "files").exists()


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_a_file_deleted_while_its_bytes_wait_to_be_copied_leaves_a_consistent_backup(
    app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    await fill(app)
    keys = sorted(f"sha256/{sha256(data)[:2]}/{sha256(data)}" for data in (SURVEY, WAVE_TWO))
    later = keys[1]
    database_file = Path(str(app.state.database.sqlite_path))

    def delete_the_other_file(what: str, done: int, _total: int) -> None:
        """After the first blob is copied, delete the other file as Datadive does: the row
        in one transaction, then its blob, which no row uses any more."""
        if what == "stored files copied" and done == 1:
            with sqlite3.connect(database_file) as live:
                live.execute("DELETE FROM files WHERE storage_key = ?", (later,))
            app.state.file_store.path_of(later).unlink()

    made = await create_backup(settings, tmp_path / "backup", progress=delete_the_other_file)
    restored = await restore_backup(fresh_settings(tmp_path, "restored"), made.folder)

    assert made.manifest.missing_blobs == []
    assert made.manifest.counts["files"] == 1  # the database was copied again
    assert [name for name in made.manifest.files if name.startswith("blobs/")] == [
        f"blobs/{keys[0]}"
    ]
    assert restored.manifest.counts["files"] == 1


async def test_a_backup_and_its_restore_need_no_kernel_sandbox(tmp_path: Path) -> None:
    """They copy folders and start no kernel: a missing bubblewrap, even with
    DATADIVE_SANDBOX=required, is for `datadive serve` to refuse, not for them."""
    no_sandbox = {"sandbox": "required", "bwrap": str(tmp_path / "no-such-bwrap")}
    live = fresh_settings(tmp_path, "live", **no_sandbox)
    live.resolved_data_dir.mkdir()
    database = Database(live.resolved_database_url)
    await upgrade_schema(database.engine)
    await database.dispose()
    notes = live.resolved_data_dir / "workspaces" / "project-1" / "notes.txt"
    notes.parent.mkdir(parents=True)
    notes.write_text("kept beside the notebook")
    target = fresh_settings(tmp_path, "restored", **no_sandbox)

    made = await create_backup(live, tmp_path / "backup")
    await restore_backup(target, made.folder)

    assert "workspaces/project-1/notes.txt" in made.manifest.files
    restored = target.resolved_data_dir / "workspaces" / "project-1" / "notes.txt"
    assert restored.read_text() == "kept beside the notebook"
