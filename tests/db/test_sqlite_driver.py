"""SQLite through `sqlite_driver` (one thread hop per statement) behaves as aiosqlite did: rows,
row counts, generated keys, errors, transactions and their isolation between connections."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest
import sqlalchemy as sa

from datadive.db import sqlite_driver
from datadive.db.engine import Database

ITEMS = sa.Table(
    "items",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(20), unique=True),
)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'driver.sqlite3'}")
    async with database.engine.begin() as connection:
        await connection.run_sync(ITEMS.metadata.create_all)
    yield database
    await database.dispose()


async def test_rows_counts_and_generated_keys_come_back(database: Database) -> None:
    async with database.engine.begin() as connection:
        inserted = await connection.execute(sa.insert(ITEMS).values(name="a"))
        await connection.execute(sa.insert(ITEMS), [{"name": "b"}, {"name": "c"}])
        updated = await connection.execute(
            sa.update(ITEMS).where(ITEMS.c.name != "a").values(name=ITEMS.c.name + "!")
        )
        returned = await connection.scalar(
            sa.update(ITEMS).where(ITEMS.c.name == "a").values(name="A").returning(ITEMS.c.id)
        )
        names = (await connection.scalars(sa.select(ITEMS.c.name).order_by(ITEMS.c.id))).all()

    assert inserted.inserted_primary_key == (1,)
    assert updated.rowcount == 2
    assert returned == 1
    assert names == ["A", "b!", "c!"]


async def test_errors_are_the_usual_ones_and_roll_back(database: Database) -> None:
    async def insert(*names: str) -> None:
        async with database.engine.begin() as connection:
            for name in names:
                await connection.execute(sa.insert(ITEMS).values(name=name))

    async def read_missing_table() -> None:
        async with database.engine.connect() as connection:
            await connection.execute(sa.text("SELECT * FROM missing"))

    await insert("a")
    with pytest.raises(sa.exc.IntegrityError):
        await insert("b", "a")
    with pytest.raises(sa.exc.OperationalError, match="no such table"):
        await read_missing_table()

    async with database.engine.connect() as connection:
        names = (await connection.scalars(sa.select(ITEMS.c.name))).all()
    assert names == ["a"]  # "b" went with the failed transaction


async def test_writes_are_seen_by_other_connections_only_once_committed(
    database: Database,
) -> None:
    async with database.engine.connect() as writer, database.engine.connect() as reader:
        await writer.execute(sa.insert(ITEMS).values(name="a"))
        before = await reader.scalar(sa.select(sa.func.count()).select_from(ITEMS))
        await writer.commit()
        after = await reader.scalar(sa.select(sa.func.count()).select_from(ITEMS))
        await writer.execute(sa.insert(ITEMS).values(name="b"))
        await writer.rollback()
        in_the_end = await reader.scalar(sa.select(sa.func.count()).select_from(ITEMS))

    assert (before, after, in_the_end) == (0, 1, 1)


async def test_a_statement_is_one_call_on_the_connections_thread(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: object, *args: object) -> object:
        calls.append(fn)
        return await original(self, fn, *args)

    async with database.engine.connect() as connection:  # opened before counting
        await connection.execute(sa.select(1))
        await connection.commit()
    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)

    async with database.engine.connect() as connection:
        await connection.execute(sa.select(ITEMS))  # no transaction: nothing to commit
        await connection.commit()
        reads = len(calls)
        await connection.execute(sa.insert(ITEMS).values(name="a"))
        await connection.commit()

        driver = (await connection.get_raw_connection()).driver_connection

    assert database.engine.dialect.driver == "aiosqlite"
    assert isinstance(driver, sqlite_driver.OneHopConnection)
    assert reads == 1
    assert len(calls) == 3  # the select, the insert, the commit
