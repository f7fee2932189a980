"""Is this Datadive able to serve? Database reachable, schema at head."""

from __future__ import annotations

from dataclasses import dataclass

from datadive import __version__
from datadive.db.engine import Database
from datadive.db.schema import read_schema_state_on
from datadive.errors import ConfigurationError


@dataclass(frozen=True)
class DatabaseHealth:
    reachable: bool
    dialect: str
    revision: str | None
    head: str | None
    at_head: bool
    problem: str | None = None


@dataclass(frozen=True)
class Health:
    version: str
    database: DatabaseHealth

    @property
    def ok(self) -> bool:
        return self.database.reachable and self.database.at_head


async def check_health(database: Database) -> Health:
    try:
        async with database.connect() as connection:
            state = await read_schema_state_on(connection)
    except ConfigurationError as exc:
        return Health(
            version=__version__,
            database=DatabaseHealth(
                reachable=False,
                dialect=database.dialect,
                revision=None,
                head=None,
                at_head=False,
                problem=exc.detail,
            ),
        )
    return Health(
        version=__version__,
        database=DatabaseHealth(
            reachable=True,
            dialect=database.dialect,
            revision=state.current,
            head=state.head,
            at_head=state.at_head,
            problem=None if state.at_head else "schema not at head: run `datadive db upgrade`",
        ),
    )
