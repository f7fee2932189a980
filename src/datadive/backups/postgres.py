"""PostgreSQL: its database is backed up with `pg_dump` (consistent while Datadive runs, and
the tool every PostgreSQL operator already trusts); `datadive backup --files-only` copies
the stored files and workspaces beside that dump."""

from __future__ import annotations

import shlex
from pathlib import Path

import sqlalchemy as sa

from datadive.backups.sqlite_copy import DatabaseFacts, file_row
from datadive.db.engine import Database, display_url
from datadive.db.models import File, Project
from datadive.db.schema import read_schema_state
from datadive.errors import BackupRefused


def libpq_url(database: Database) -> str:
    """The URL as `pg_dump` and `pg_restore` take it; the password stays out of the command
    line (they read it from PGPASSWORD or ~/.pgpass)."""
    url = database.url.set(drivername="postgresql", password=None)
    return url.render_as_string(hide_password=False)


def backup_instructions(database: Database, destination: Path) -> str:
    dump = destination.expanduser().resolve().with_suffix(".pgdump")
    command = f"pg_dump --format=custom --file={shlex.quote(str(dump))} {libpq_url(database)}"
    return (
        "the database is PostgreSQL, which `datadive backup` does not copy: dump it with "
        f"`{command}`, then copy the stored files and workspaces with "
        f"`datadive backup --files-only {shlex.quote(str(destination))}`"
    )


def restore_instructions(database: Database, source: Path) -> str:
    dump = source.expanduser().resolve().with_suffix(".pgdump")
    command = (
        f"pg_restore --clean --if-exists --no-owner --dbname={libpq_url(database)} "
        f"{shlex.quote(str(dump))}"
    )
    return (
        "the configured database is PostgreSQL, which `datadive restore` does not write: "
        f"restore its dump with `{command}`, then the stored files and workspaces with "
        f"`datadive restore --files-only {shlex.quote(str(source))}`"
    )


async def read_file_rows(database: Database) -> DatabaseFacts:
    """The file rows and schema revision of the live database; a database that cannot be
    reached or read is one line naming it and the reason."""
    try:
        return await _read_file_rows(database)
    except (sa.exc.SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise BackupRefused(
            f"the database {display_url(database.url)} cannot be read: {reason}"
        ) from None


async def _read_file_rows(database: Database) -> DatabaseFacts:
    state = await read_schema_state(database.engine)
    async with database.new_session() as session:
        rows = (
            await session.execute(
                sa.select(
                    File.project_id,
                    File.path,
                    File.storage_key,
                    File.sha256,
                    File.size,
                    Project.deleted_at.is_(None),
                ).join(Project, Project.id == File.project_id)
            )
        ).all()
    file_rows = [file_row(row) for row in rows]
    return DatabaseFacts(
        schema_revision=state.current, counts={"files": len(file_rows)}, file_rows=file_rows
    )
