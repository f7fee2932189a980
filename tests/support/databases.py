"""Real databases for tests: a SQLite file or a throwaway PostgreSQL database per test.

PostgreSQL databases are created from a template migrated once per session, so a test gets a
fresh database at head in a few milliseconds; every database created here is dropped again.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import asyncpg
from sqlalchemy.engine import make_url

from datadive.db.engine import Database
from datadive.db.schema import upgrade_schema

T = TypeVar("T")


def run_blocking(work: Callable[[], Awaitable[T]]) -> T:
    """Run async set-up from a sync (session) fixture, even while a test's loop is running."""

    async def call() -> T:
        return await work()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, call()).result()


POSTGRES_URL_VARIABLE = "DATADIVE_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str:
    return os.environ.get(POSTGRES_URL_VARIABLE, DEFAULT_POSTGRES_URL)


def plain_dsn(url: str) -> str:
    """asyncpg wants `postgresql://`, without a SQLAlchemy driver suffix."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def with_database_name(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def _admin(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(plain_dsn(url), timeout=5)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def postgres_unreachable_reason(url: str) -> str | None:
    try:
        run_blocking(lambda: _admin(url, "SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"PostgreSQL at {make_url(url).render_as_string()} is not reachable: {exc}"
    return None


def unique_name(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(6)}"


async def create_postgres_database(admin_url: str, *, template: str | None = None) -> str:
    name = unique_name("datadive_test")
    suffix = f' TEMPLATE "{template}"' if template else ""
    await _admin(admin_url, f'CREATE DATABASE "{name}"{suffix}')
    return with_database_name(admin_url, name)


async def drop_postgres_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    await _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def migrate_to_head(url: str) -> None:
    database = Database(url)
    try:
        await upgrade_schema(database.engine)
    finally:
        await database.dispose()


@contextmanager
def postgres_template(admin_url: str) -> Iterator[str]:
    """A database at head to copy; dropped when the session ends."""
    url = run_blocking(lambda: create_postgres_database(admin_url))
    try:
        run_blocking(lambda: migrate_to_head(url))
        yield str(make_url(url).database)
    finally:
        run_blocking(lambda: drop_postgres_database(admin_url, url))


@contextmanager
def sqlite_template(folder: Path) -> Iterator[Path]:
    path = folder / "template.sqlite3"
    run_blocking(lambda: migrate_to_head(f"sqlite:///{path}"))
    yield path


def copy_sqlite(template: Path, target: Path) -> str:
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"
