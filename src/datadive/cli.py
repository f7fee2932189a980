"""The `datadive` command: serve, and manage the database schema."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
import uvicorn

from datadive import __version__
from datadive.access_log import redact_access_log
from datadive.config import Settings, load_settings
from datadive.db.engine import Database, display_url
from datadive.db.schema import (
    downgrade_schema,
    read_schema_state,
    revisions_oldest_first,
    upgrade_schema,
)
from datadive.errors import BackupRefused, Conflict, Invalid, StartupError
from datadive.services.identity import accounts
from datadive.startup import ensure_data_dir, prepare_database

if TYPE_CHECKING:
    from datadive.backups.create import Progress

T = TypeVar("T")

cli = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Datadive: notebooks built from forms, run on Jupyter.",
)
db_cli = typer.Typer(no_args_is_help=True, help="Create, upgrade and inspect the database schema.")
cli.add_typer(db_cli, name="db")
users_cli = typer.Typer(no_args_is_help=True, help="Manage accounts.")
cli.add_typer(users_cli, name="users")


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except StartupError as exc:
        raise fail(exc.detail) from None


def with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run `work` against the configured database; startup errors become one line."""

    async def run() -> T:
        database = Database(settings.resolved_database_url)
        try:
            return await work(database)
        finally:
            await database.dispose()

    try:
        ensure_data_dir(settings)
        return asyncio.run(run())
    except StartupError as exc:
        raise fail(exc.detail) from None


def hold_data_dir(settings: Settings) -> None:
    """Mark the data dir as served: `datadive restore` is refused until this process ends."""
    from datadive.backups.in_use import hold_for_serving  # noqa: PLC0415 - `serve` only

    try:
        hold_for_serving(ensure_data_dir(settings))
    except StartupError as exc:
        raise fail(exc.detail) from None


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"datadive {__version__}")
        raise typer.Exit


@cli.callback()
def main_options(
    _version: Annotated[
        bool,
        typer.Option("--version", callback=show_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # Alembic narrates every connection at INFO; our own lines say what changed.
    logging.getLogger("alembic").setLevel(logging.WARNING)


def url_for(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


# How long an idle HTTP connection stays open. Longer than a person pauses between clicks and
# than the idle timeout of the proxies usually put in front (60 s): uvicorn's default of 5 s
# made a request sent on a kept connection just as the server closed it fail.
KEEP_ALIVE_SECONDS = 75

# A server listening on every address is reached on this machine through the loopback one.
WILDCARD_HOSTS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104


def with_listening_base_url(settings: Settings, *, host: str, port: int) -> Settings:
    """Links in pages and mails (JupyterLab, password reset) point where this server listens,
    unless DATADIVE_BASE_URL says otherwise (behind a proxy)."""
    if "base_url" in settings.model_fields_set:
        return settings
    own = url_for(WILDCARD_HOSTS.get(host, host), port)
    return settings.model_copy(update={"base_url": own})


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        # Listening at once: connections made before start-up ends wait instead of failing.
        sock.listen(socket.SOMAXCONN)
    except OSError as exc:
        sock.close()
        raise fail(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; pick another with --port"
        ) from None
    return sock


def refuse_if_sandbox_required_and_missing(settings: Settings) -> None:
    """Stop before anything starts when DATADIVE_SANDBOX=required cannot be met. (Kernels
    running without a sandbox are warned of once, where the backend is built, so that every
    way of starting the app says it.)"""
    from datadive.execution.factory import kernel_sandbox  # noqa: PLC0415 - as create_app

    if settings.execution_backend != "local":
        return
    try:
        kernel_sandbox(settings)
    except StartupError as exc:
        raise fail(exc.detail) from None


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0 picks a free one).")] = 8000,
    reload: Annotated[bool, typer.Option(help="Restart when the code changes (development).")] = (
        False
    ),
) -> None:
    """Start Datadive. An embedded SQLite database is created or upgraded (after a backup)."""
    from datadive.app import create_app  # noqa: PLC0415 - keep `datadive --version` fast

    settings = settings_or_exit()
    hold_data_dir(settings)
    refuse_if_sandbox_required_and_missing(settings)
    prepared = with_database(
        settings, lambda database: prepare_database(database, upgrade_embedded=True)
    )
    if prepared.upgraded_from is not None:
        typer.echo(
            f"Upgraded the database schema from {prepared.upgraded_from} to "
            f"{prepared.state.head}; the previous file is kept at {prepared.backup}"
        )
    if reload:
        typer.echo(f"Datadive is listening on {url_for(host, port)}", color=False)
        # The reloaded process reads its settings afresh, from the environment.
        base_url = with_listening_base_url(settings, host=host, port=port).base_url
        os.environ.setdefault("DATADIVE_BASE_URL", base_url)
        uvicorn.run(
            "datadive.app:create_app",
            factory=True,
            host=host,
            port=port,
            reload=True,
            reload_dirs=[str(Path(__file__).parent)],
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
        )
        return
    sock = bind_socket(host, port)
    port = sock.getsockname()[1]
    url = url_for(host, port)
    typer.echo(f"Datadive is listening on {url} (API docs: {url}/api/v1/docs)")
    sys.stdout.flush()
    try:
        app = create_app(with_listening_base_url(settings, host=host, port=port))
    except StartupError as exc:
        raise fail(exc.detail) from None
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="info", timeout_keep_alive=KEEP_ALIVE_SECONDS)
    )
    redact_access_log()
    server.run(sockets=[sock])
    if not server.started:
        raise typer.Exit(code=1)


@db_cli.command()
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Upgrade the database schema (creating the tables in an empty database)."""
    settings = settings_or_exit()

    async def work(database: Database) -> None:
        await database.check_reachable()
        await upgrade_schema(database.engine, revision)
        state = await read_schema_state(database.engine)
        typer.echo(f"{display_url(database.url)} is at revision {state.current}")

    with_database(settings, work)


@db_cli.command()
def downgrade(
    revision: Annotated[
        str | None,
        typer.Argument(help="Target revision, or `base` to remove every table. Default: one step."),
    ] = None,
) -> None:
    """Downgrade the database schema (by default one migration back)."""
    settings = settings_or_exit()

    async def work(database: Database) -> None:
        await database.check_reachable()
        state = await read_schema_state(database.engine)
        target = revision
        if target is None:
            if state.current is None:
                raise fail("the database is empty; there is nothing to downgrade")
            order = revisions_oldest_first()
            index = order.index(state.current)
            target = order[index - 1] if index > 0 else "base"
        await downgrade_schema(database.engine, target)
        state = await read_schema_state(database.engine)
        typer.echo(f"{display_url(database.url)} is at revision {state.current or 'base'}")

    with_database(settings, work)


@db_cli.command()
def current() -> None:
    """Show the schema revision of the database and the one this Datadive expects."""
    settings = settings_or_exit()

    async def work(database: Database) -> None:
        await database.check_reachable()
        state = await read_schema_state(database.engine)
        verdict = "at head" if state.at_head else "behind: run `datadive db upgrade`"
        typer.echo(f"current: {state.current or 'empty'}  head: {state.head}  ({verdict})")

    with_database(settings, work)


def read_new_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@users_cli.command("create")
def create_user_command(
    username: Annotated[str, typer.Option(prompt=True, help="Sign-in name.")],
    email: Annotated[str, typer.Option(prompt=True, help="Email address (taken as verified).")],
    first_name: Annotated[str, typer.Option(help="First name.")] = "",
    last_name: Annotated[str, typer.Option(help="Last name.")] = "",
    admin: Annotated[bool, typer.Option("--admin", help="Make an administrator.")] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create an account (for example the first administrator), its email taken as verified."""
    settings = settings_or_exit()
    password = read_new_password(password_stdin)

    async def work(database: Database) -> None:
        # Like `serve`: on a fresh machine the embedded database is created here.
        await prepare_database(database, upgrade_embedded=True)
        try:
            async with database.transaction() as session:
                user = await accounts.create_user(
                    session,
                    username=username,
                    email=email,
                    password=password,
                    first_name=first_name,
                    last_name=last_name,
                    is_admin=admin,
                    email_verified=True,
                )
        except Invalid as exc:
            problems = "; ".join(f"{error.field} {error.message}" for error in exc.errors)
            raise fail(problems or exc.detail) from None
        except Conflict as exc:
            raise fail(exc.detail) from None
        role = "administrator" if admin else "user"
        typer.echo(f"Created {role} {user.username} <{user.email}>")

    with_database(settings, work)


def with_progress(work: Callable[[Progress], Coroutine[object, object, T]]) -> T:
    """Run a backup or restore, its progress on stderr; a refusal becomes one line."""
    from datadive.backups.reports import ProgressLines  # noqa: PLC0415 - keep start-up fast

    try:
        return asyncio.run(work(ProgressLines(lambda line: typer.echo(line, err=True))))
    except (BackupRefused, StartupError) as exc:
        raise fail(exc.detail) from None


@cli.command()
def backup(
    destination: Annotated[Path, typer.Argument(help="A new or empty folder for the backup.")],
    files_only: Annotated[
        bool,
        typer.Option(
            "--files-only",
            help="Copy the stored files and workspaces only (PostgreSQL: dump it with pg_dump).",
        ),
    ] = False,
) -> None:
    """Copy the database, the stored files and the workspaces while Datadive runs."""
    from datadive.backups.create import create_backup  # noqa: PLC0415 - keep start-up fast
    from datadive.backups.reports import backup_lines  # noqa: PLC0415

    settings = settings_or_exit()
    made = with_progress(
        lambda progress: create_backup(
            settings, destination, files_only=files_only, progress=progress
        )
    )
    summary, warnings = backup_lines(made)
    for line in warnings:
        typer.echo(line, err=True)
    for line in summary:
        typer.echo(line)


@cli.command()
def restore(
    source: Annotated[Path, typer.Argument(help="A folder written by `datadive backup`.")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace existing data (moved aside into a folder)."),
    ] = False,
    files_only: Annotated[
        bool,
        typer.Option(
            "--files-only",
            help="Restore the stored files and workspaces only (after pg_restore).",
        ),
    ] = False,
) -> None:
    """Bring back a backup into the configured data dir (Datadive must not be running)."""
    from datadive.backups.reports import restore_lines  # noqa: PLC0415
    from datadive.backups.restore import restore_backup  # noqa: PLC0415 - keep start-up fast

    settings = settings_or_exit()
    restored = with_progress(
        lambda progress: restore_backup(
            settings, source, force=force, files_only=files_only, progress=progress
        )
    )
    for line in restore_lines(restored, settings.resolved_data_dir):
        typer.echo(line)


def main() -> None:
    cli()
