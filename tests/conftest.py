"""Fixtures: every database test runs on SQLite and on PostgreSQL (when reachable).

Tests build their own app with their own settings; nothing reads the developer's environment.
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from datadive.app import create_app
from datadive.config import Settings
from tests.support import databases
from tests.support.accounts import browser
from tests.support.hub import Hub, proxy_command, running_hub
from tests.support.mail import Mailbox, smtp_server
from tests.support.s3 import CREDENTIALS, S3Server, moto_server

DATABASE_KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No DATADIVE_* variable or .env file of the developer leaks into a test."""
    for name in list(os.environ):
        if name.startswith("DATADIVE_") and not name.startswith("DATADIVE_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = databases.postgres_admin_url()
    reason = databases.postgres_unreachable_reason(url)
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(
                f"{reason} (CI must test PostgreSQL; set {databases.POSTGRES_URL_VARIABLE})"
            )
        pytest.skip(reason)
    return url


@pytest.fixture(scope="session")
def postgres_template_name(postgres_admin_url: str) -> Iterator[str]:
    with databases.postgres_template(postgres_admin_url) as name:
        yield name


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The hub backend's runs are tested on SQLite: what PostgreSQL changes (the database
    layer) is tested on PostgreSQL with the local backend, and a hub test costs a server start
    on the hub (15-30 s). Tests that ask for PostgreSQL by name (several Datadive processes on
    one database) keep it with the hub."""
    kept, dropped = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        on_hub_and_postgres = params is not None and (
            params.params.get("execution_backend") == "hub"
            and params.params.get("database_kind") == "postgresql"
        )
        asks_for_postgres = any(
            mark.args and mark.args[0] == "database_kind"
            for mark in item.iter_markers("parametrize")
        )
        (dropped if on_hub_and_postgres and not asks_for_postgres else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def sqlite_template_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with databases.sqlite_template(tmp_path_factory.mktemp("sqlite-template")) as path:
        yield path


@pytest.fixture(params=DATABASE_KINDS)
def database_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
async def empty_database_url(
    database_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    """A database with no tables at all."""
    if database_kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    admin_url: str = request.getfixturevalue("postgres_admin_url")
    url = await databases.create_postgres_database(admin_url)
    try:
        yield url
    finally:
        await databases.drop_postgres_database(admin_url, url)


@pytest.fixture
async def database_url(
    database_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    """A fresh database at the head revision, of its own for this test."""
    if database_kind == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template_path")
        yield databases.copy_sqlite(template, tmp_path / "datadive.sqlite3")
        return
    admin_url: str = request.getfixturevalue("postgres_admin_url")
    template_name: str = request.getfixturevalue("postgres_template_name")
    url = await databases.create_postgres_database(admin_url, template=template_name)
    try:
        yield url
    finally:
        await databases.drop_postgres_database(admin_url, url)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A real S3-compatible server (moto), started once, for the tests that ask for it."""
    with moto_server() as server:
        yield server


@pytest.fixture
def s3_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server for this test; the app's settings point at it."""
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A real JupyterHub (with its proxy and a local-process spawner), started once."""
    proxy = proxy_command()
    if proxy is None:
        reason = "the hub tests need configurable-http-proxy (npm install) or npm"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with running_hub(tmp_path_factory.mktemp("hub"), proxy=proxy) as running:
        yield running


@pytest.fixture
def execution_backend(request: pytest.FixtureRequest) -> str:
    """The app's execution backend: `local`, or `hub` (the JupyterHub backend on the `hub`
    fixture) in tests parametrized with `tests.support.hub.ON_BOTH_BACKENDS`."""
    kind: str = getattr(request, "param", "local")
    return kind


@pytest.fixture
def settings(
    tmp_path: Path,
    database_url: str,
    mailbox: Mailbox,
    execution_backend: str,
    request: pytest.FixtureRequest,
) -> Iterator[Settings]:
    hub: Hub | None = request.getfixturevalue("hub") if execution_backend == "hub" else None
    yield Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        database_url=database_url,
        smtp_url=mailbox.url,
        base_url="http://localhost",
        **(hub.settings() if hub is not None else {}),
    )
    if hub is not None:  # this test's projects are done: their servers go
        hub.stop_servers()


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application
    # A task cancelled at shutdown in the middle of a query can leave an aiosqlite connection
    # behind; collected later, it would finish on a closed loop and the error would land on
    # an unrelated test. Collect it now, while this test's loop still runs.
    gc.collect()
    # What survived belongs to the imported libraries and to longer-lived fixtures: later
    # collections skip it (scanning those millions of objects took 0.5-1 s per test).
    gc.freeze()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client on http://localhost: it keeps cookies and sends `Origin`."""
    async with browser(app) as http:
        yield http
