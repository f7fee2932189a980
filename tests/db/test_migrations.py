"""Migrations: empty → head → base on both databases, every step reversible, models in step."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from datadive.db.base import Base
from datadive.db.engine import Database
from datadive.db.schema import (
    downgrade_schema,
    read_schema_state,
    revisions_oldest_first,
    schema_differences,
    upgrade_schema,
)

DOMAIN_TABLES = set(Base.metadata.tables)


@pytest.fixture
async def empty_database(empty_database_url: str) -> AsyncIterator[Database]:
    database = Database(empty_database_url)
    yield database
    await database.dispose()


async def table_names(database: Database) -> set[str]:
    async with database.engine.connect() as connection:
        names = await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names())
    return set(names) - {"alembic_version"}


async def test_upgrade_from_empty_creates_every_table_of_the_model(
    empty_database: Database,
) -> None:
    assert await table_names(empty_database) == set()

    await upgrade_schema(empty_database.engine)

    assert await table_names(empty_database) == DOMAIN_TABLES
    state = await read_schema_state(empty_database.engine)
    assert state.at_head
    assert state.current == revisions_oldest_first()[-1]


async def test_downgrade_to_base_removes_every_table(empty_database: Database) -> None:
    await upgrade_schema(empty_database.engine)

    await downgrade_schema(empty_database.engine, "base")

    assert await table_names(empty_database) == set()
    assert (await read_schema_state(empty_database.engine)).is_empty


async def test_every_migration_goes_up_and_back_down_to_the_same_tables(
    empty_database: Database,
) -> None:
    tables_before: list[set[str]] = []
    for revision in revisions_oldest_first():
        tables_before.append(await table_names(empty_database))
        await upgrade_schema(empty_database.engine, revision)
        assert (await read_schema_state(empty_database.engine)).current == revision

    for expected in reversed(tables_before):
        await downgrade_schema(empty_database.engine, "-1")
        assert await table_names(empty_database) == expected


async def test_models_and_migrations_agree(empty_database: Database) -> None:
    await upgrade_schema(empty_database.engine)

    assert await schema_differences(empty_database.engine) == []


async def test_rows_survive_an_upgrade(empty_database: Database) -> None:
    first, *_later = revisions_oldest_first()
    await upgrade_schema(empty_database.engine, first)
    async with empty_database.engine.begin() as connection:
        await connection.execute(
            sa.text(
                "INSERT INTO users (id, username, email, password_hash, created_at, updated_at)"
                " VALUES ('u1', 'ada', 'ada@example.org', 'x', :now, :now)"
            ),
            {"now": datetime.now(UTC)},
        )

    await upgrade_schema(empty_database.engine)

    async with empty_database.engine.connect() as connection:
        usernames = (await connection.execute(sa.text("SELECT username FROM users"))).scalars()
        assert list(usernames) == ["ada"]


async def test_the_upgrade_to_one_active_run_ends_the_older_of_two(
    empty_database: Database,
) -> None:
    await upgrade_schema(empty_database.engine, "0003_events")
    rows = [
        "INSERT INTO users (id, username, email, password_hash) VALUES ('u1', 'ada', 'a@x', 'x')",
        "INSERT INTO projects (id, title, owner_id) VALUES ('p1', 'P', 'u1')",
        "INSERT INTO notebooks (id, project_id, title, path) VALUES ('n1', 'p1', 'N', 'n.ipynb')",
        "INSERT INTO runs (id, notebook_id, scope, status, created_at)"
        " VALUES ('old', 'n1', 'all', 'running', :earlier)",
        "INSERT INTO runs (id, notebook_id, scope, status, created_at)"
        " VALUES ('new', 'n1', 'all', 'queued', :later)",
    ]
    async with empty_database.engine.begin() as connection:
        for row in rows:
            await connection.execute(
                sa.text(row),
                {"earlier": datetime(2026, 1, 1, tzinfo=UTC), "later": datetime.now(UTC)},
            )

    await upgrade_schema(empty_database.engine)

    async with empty_database.engine.connect() as connection:
        statuses = dict((await connection.execute(sa.text("SELECT id, status FROM runs"))).all())
    assert statuses == {"old": "error", "new": "queued"}
