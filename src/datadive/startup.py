"""Checks that run before Datadive serves: data directory, database, schema.

Every failure is a `StartupError` whose message is one line naming what to change, so the CLI
can print it instead of a traceback.
"""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from datadive.config import Settings, env_name
from datadive.db.engine import Database
from datadive.db.schema import UPGRADE_COMMAND, SchemaState, read_schema_state, upgrade_schema
from datadive.errors import ConfigurationError, SchemaNotAtHead

log = logging.getLogger(__name__)


def ensure_data_dir(settings: Settings) -> Path:
    """Create the data directory if needed and prove that it can be written."""
    data_dir = settings.resolved_data_dir
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigurationError(
            f"{env_name('data_dir')}: {data_dir} cannot be written: {reason}"
        ) from None
    return data_dir


def describe_schema_problem(state: SchemaState, database: Database) -> str | None:
    if state.at_head:
        return None
    if not state.is_known:
        return (
            f"the database is at schema revision {state.current}, which this Datadive does not "
            f"know (it expects {state.head}): it was upgraded by a newer Datadive"
        )
    current = state.current or "empty"
    return (
        f"the database schema is at revision {current} but this Datadive needs {state.head}: "
        f"run `{UPGRADE_COMMAND}` (database {database.url.render_as_string(hide_password=True)})"
    )


async def require_schema_at_head(database: Database) -> SchemaState:
    state = await read_schema_state(database.engine)
    problem = describe_schema_problem(state, database)
    if problem:
        raise SchemaNotAtHead(problem)
    return state


def backup_sqlite_file(path: Path, revision: str) -> Path:
    """Write a consistent copy of the SQLite database (WAL included) before an upgrade."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    backup = path.with_name(f"{path.name}.backup-{revision}-{stamp}")
    source = sqlite3.connect(path)
    target = sqlite3.connect(backup)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return backup


@dataclass(frozen=True)
class Preparation:
    state: SchemaState
    upgraded_from: str | None = None
    backup: Path | None = None


async def prepare_database(database: Database, *, upgrade_embedded: bool) -> Preparation:
    """Reach the database and make sure its schema is at head.

    An embedded SQLite database is upgraded automatically (after a backup) when
    `upgrade_embedded` is set; any other database must be upgraded by an operator.
    """
    await database.check_reachable()
    state = await read_schema_state(database.engine)
    if state.at_head:
        return Preparation(state)
    sqlite_path = database.sqlite_path
    if not (upgrade_embedded and sqlite_path is not None and state.is_known):
        raise SchemaNotAtHead(describe_schema_problem(state, database) or "")
    backup = None
    if state.current is not None:
        backup = backup_sqlite_file(sqlite_path, state.current)
        log.warning("backed up %s to %s before upgrading its schema", sqlite_path, backup)
    await upgrade_schema(database.engine)
    return Preparation(
        await read_schema_state(database.engine), upgraded_from=state.current, backup=backup
    )
