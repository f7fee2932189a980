"""Where the database schema stands against the migrations shipped in the package."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from datadive.db import models  # noqa: F401 - registers every table on Base.metadata
from datadive.db.base import Base

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
UPGRADE_COMMAND = "datadive db upgrade"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


@functools.cache
def script_directory() -> ScriptDirectory:
    """The shipped migrations; they cannot change while the process runs, so read them once."""
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None, "the package ships no migration"
    return head


def revisions_oldest_first() -> list[str]:
    return [rev.revision for rev in reversed(list(script_directory().walk_revisions()))]


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def at_head(self) -> bool:
        return self.current == self.head

    @property
    def is_empty(self) -> bool:
        return self.current is None

    @property
    def is_known(self) -> bool:
        """False when the database was migrated by a newer Datadive than this one."""
        return self.current is None or self.current in revisions_oldest_first()


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def read_schema_state(engine: AsyncEngine) -> SchemaState:
    async with engine.connect() as connection:
        return await read_schema_state_on(connection)


async def read_schema_state_on(connection: AsyncConnection) -> SchemaState:
    current = await connection.run_sync(_current_revision)
    return SchemaState(current=current, head=head_revision())


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


def _downgrade(connection: Connection, revision: str) -> None:
    command.downgrade(alembic_config(connection), revision)


async def upgrade_schema(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)


async def downgrade_schema(engine: AsyncEngine, revision: str) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_downgrade, revision)


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def schema_differences(engine: AsyncEngine) -> list[Any]:
    """What autogenerate would put in a new migration: empty when models and migrations agree."""
    async with engine.connect() as connection:
        return await connection.run_sync(_differences)
