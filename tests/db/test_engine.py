"""Database URLs: plain URLs get an async driver; bad ones name DATADIVE_DATABASE_URL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa

from datadive.db.engine import Database, to_async_url
from datadive.errors import ConfigurationError


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("sqlite:///data/datadive.sqlite3", "sqlite+aiosqlite"),
        ("postgresql://u@h/db", "postgresql+asyncpg"),
        ("postgres://u@h/db", "postgresql+asyncpg"),
        ("postgresql+psycopg://u@h/db", "postgresql+asyncpg"),
    ],
)
def test_plain_urls_get_an_async_driver(given: str, driver: str) -> None:
    assert to_async_url(given).drivername == driver


@pytest.mark.parametrize("given", ["mysql://u@h/db", "not a url", "oracle://x"])
def test_unsupported_urls_name_the_setting(given: str) -> None:
    with pytest.raises(ConfigurationError, match=r"^DATADIVE_DATABASE_URL: "):
        to_async_url(given)


async def test_unreachable_postgres_names_the_setting_and_hides_the_password() -> None:
    database = Database("postgresql://someone:hunter2@127.0.0.1:1/nowhere")
    try:
        with pytest.raises(ConfigurationError) as caught:
            await database.check_reachable()
    finally:
        await database.dispose()

    message = caught.value.detail
    assert message.startswith("DATADIVE_DATABASE_URL: cannot connect to ")
    assert "127.0.0.1:1" in message
    assert "hunter2" not in message
    assert "\n" not in message


async def test_sqlite_file_in_a_missing_folder_names_the_setting(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'no' / 'such' / 'folder' / 'db.sqlite3'}")
    try:
        with pytest.raises(ConfigurationError, match=r"^DATADIVE_DATABASE_URL: cannot connect"):
            await database.check_reachable()
    finally:
        await database.dispose()


@pytest.mark.postgres
async def test_postgres_connections_outlive_a_burst_of_concurrent_requests(
    postgres_admin_url: str,
) -> None:
    """Ten transactions at once, then ten more: the second burst gets the connections of the
    first. (With SQLAlchemy's default pool of five, every transaction past the fifth at once
    started a new PostgreSQL server process and closed it again, which made an authenticated
    `GET /projects` with ten clients many times slower; bench/load.py.)"""
    burst = 10
    database = Database(postgres_admin_url)

    async def server_processes_of_a_burst() -> set[int]:
        together = asyncio.Barrier(burst)

        async def one() -> int:
            async with database.transaction() as session:
                pid = await session.scalar(sa.text("SELECT pg_backend_pid()"))
                await together.wait()  # all ten hold a connection at the same time
                return int(pid)

        return set(await asyncio.gather(*(one() for _ in range(burst))))

    try:
        first = await server_processes_of_a_burst()
        second = await server_processes_of_a_burst()
    finally:
        await database.dispose()

    assert len(first) == burst
    assert second == first
