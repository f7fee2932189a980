"""Start-up checks: a writable data folder, a reachable database, a schema at head —
an embedded SQLite database is upgraded after a backup; PostgreSQL is left to the operator."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from datadive.config import Settings
from datadive.db.engine import Database
from datadive.db.schema import downgrade_schema, read_schema_state, revisions_oldest_first
from datadive.errors import ConfigurationError, SchemaNotAtHead
from datadive.startup import ensure_data_dir, prepare_database


def test_a_data_dir_that_cannot_be_created_names_the_setting(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    with pytest.raises(ConfigurationError) as caught:
        ensure_data_dir(Settings(_env_file=None, data_dir=blocker / "data"))

    assert caught.value.detail.startswith(f"DATADIVE_DATA_DIR: {blocker / 'data'} cannot be")


def test_the_data_dir_is_created_when_missing(tmp_path: Path) -> None:
    created = ensure_data_dir(Settings(_env_file=None, data_dir=tmp_path / "new" / "data"))

    assert created.is_dir()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    handle = Database(database_url)
    yield handle
    await handle.dispose()


async def one_migration_behind(database: Database) -> str:
    previous = revisions_oldest_first()[-2]
    await downgrade_schema(database.engine, previous)
    return previous


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_an_embedded_sqlite_database_one_migration_behind_is_backed_up_and_upgraded(
    database: Database,
) -> None:
    previous = await one_migration_behind(database)

    prepared = await prepare_database(database, upgrade_embedded=True)

    assert prepared.state.at_head
    assert prepared.upgraded_from == previous
    assert prepared.backup is not None
    with sqlite3.connect(prepared.backup) as backup:
        (revision,) = backup.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == previous


@pytest.mark.parametrize("database_kind", [pytest.param("postgresql", marks=pytest.mark.postgres)])
async def test_a_postgres_database_one_migration_behind_is_refused_and_left_alone(
    database: Database,
) -> None:
    previous = await one_migration_behind(database)

    with pytest.raises(SchemaNotAtHead, match=r"run `datadive db upgrade`"):
        await prepare_database(database, upgrade_embedded=True)

    assert (await read_schema_state(database.engine)).current == previous


async def test_without_automatic_upgrade_a_stale_sqlite_database_is_refused(
    database: Database,
) -> None:
    await one_migration_behind(database)

    with pytest.raises(SchemaNotAtHead, match=r"run `datadive db upgrade`"):
        await prepare_database(database, upgrade_embedded=False)


async def test_a_schema_from_a_newer_datadive_is_refused(database: Database) -> None:
    async with database.engine.begin() as connection:
        await connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")

    with pytest.raises(SchemaNotAtHead, match="newer Datadive"):
        await prepare_database(database, upgrade_embedded=True)


async def test_a_new_sqlite_file_is_created_at_head_without_a_backup(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    try:
        prepared = await prepare_database(database, upgrade_embedded=True)
    finally:
        await database.dispose()

    assert prepared.state.at_head
    assert prepared.backup is None
    assert list(tmp_path.glob("*.backup-*")) == []
