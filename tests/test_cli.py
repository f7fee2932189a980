"""The `datadive` command, run in subprocesses exactly as a user runs it."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from datadive import __version__
from datadive.db.engine import Database
from datadive.db.models import User
from datadive.db.schema import head_revision, read_schema_state, revisions_oldest_first
from tests.support.cli import run_datadive, serving
from tests.support.mail import body_of, outbox_messages

pytestmark = pytest.mark.slow


def get_when_ready(url: str) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def current_revision(url: str) -> str | None:
    async def read() -> str | None:
        database = Database(url)
        try:
            return (await read_schema_state(database.engine)).current
        finally:
            await database.dispose()

    return asyncio.run(read())


def test_version(tmp_path: Path) -> None:
    result = run_datadive("--version", cwd=tmp_path)

    assert result.returncode == 0
    assert result.stdout.strip() == f"datadive {__version__}"


def test_serve_on_a_fresh_machine_answers_health_and_lists_it_in_openapi(tmp_path: Path) -> None:
    with serving(tmp_path) as served:
        health = get_when_ready(f"{served.url}/api/v1/health")
        openapi = httpx.get(f"{served.url}/api/v1/openapi.json", timeout=5)

    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert "/api/v1/health" in openapi.json()["paths"]
    assert (tmp_path / ".datadive" / "datadive.sqlite3").is_file()


def blocking_file(tmp_path: Path) -> Path:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    return blocker / "data"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATADIVE_DATABASE_URL", "postgresql://postgres:pw@127.0.0.1:1/datadive"),
        ("DATADIVE_DATABASE_URL", "mysql://someone@localhost/datadive"),
        ("DATADIVE_EXECUTION_BACKEND", "kubernetes"),
        ("DATADIVE_DATA_DIR", blocking_file),
        ("DATADIVE_MAX_UPLOAD_BYTES", "-5"),
    ],
)
def test_bad_configuration_stops_start_up_with_one_line_naming_the_setting(
    tmp_path: Path, variable: str, value: object
) -> None:
    setting = value(tmp_path) if callable(value) else value

    result = run_datadive("serve", "--port", "0", cwd=tmp_path, env={variable: str(setting)})

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1, result.stderr
    assert error_lines[0].startswith(f"error: {variable}")
    assert "pw@" not in result.stderr


def test_a_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_datadive("serve", "--port", str(port), cwd=tmp_path)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"error: cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "--port" in result.stderr


def previous_revision() -> str:
    return revisions_oldest_first()[-2]


@pytest.mark.parametrize("database_kind", ["sqlite"])
def test_serve_backs_up_and_upgrades_an_embedded_database_one_migration_behind(
    tmp_path: Path, database_url: str
) -> None:
    data_dir = tmp_path / ".datadive"
    data_dir.mkdir()
    database_file = data_dir / "datadive.sqlite3"
    Path(database_url.removeprefix("sqlite:///")).rename(database_file)
    downgraded = run_datadive("db", "downgrade", cwd=tmp_path)
    assert downgraded.returncode == 0, downgraded.stderr

    with serving(tmp_path) as served:
        health = get_when_ready(f"{served.url}/api/v1/health")

    assert health.status_code == 200
    assert any("Upgraded the database schema" in line for line in served.output)
    (backup,) = data_dir.glob("datadive.sqlite3.backup-*")
    with sqlite3.connect(backup) as connection:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == previous_revision()
    assert current_revision(f"sqlite:///{database_file}") == head_revision()


@pytest.mark.parametrize("database_kind", [pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_serve_refuses_a_postgres_database_one_migration_behind(
    tmp_path: Path, database_url: str
) -> None:
    env = {"DATADIVE_DATABASE_URL": database_url}
    assert run_datadive("db", "downgrade", cwd=tmp_path, env=env).returncode == 0

    result = run_datadive("serve", "--port", "0", cwd=tmp_path, env=env)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "run `datadive db upgrade`" in result.stderr
    assert current_revision(database_url) == previous_revision()


def test_db_commands_walk_the_schema_down_and_up(tmp_path: Path, empty_database_url: str) -> None:
    env = {"DATADIVE_DATABASE_URL": empty_database_url}

    empty = run_datadive("db", "current", cwd=tmp_path, env=env)
    assert "current: empty" in empty.stdout
    assert "behind" in empty.stdout

    assert run_datadive("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    assert current_revision(empty_database_url) == head_revision()
    assert "(at head)" in run_datadive("db", "current", cwd=tmp_path, env=env).stdout

    assert run_datadive("db", "downgrade", cwd=tmp_path, env=env).returncode == 0
    assert current_revision(empty_database_url) == previous_revision()

    assert run_datadive("db", "downgrade", "base", cwd=tmp_path, env=env).returncode == 0
    assert current_revision(empty_database_url) is None

    nothing = run_datadive("db", "downgrade", cwd=tmp_path, env=env)
    assert nothing.returncode == 1
    assert "nothing to downgrade" in nothing.stderr


def test_users_create_makes_a_verified_administrator(tmp_path: Path, database_url: str) -> None:
    env = {"DATADIVE_DATABASE_URL": database_url}
    args = ["users", "create", "--username", "Root", "--email", "root@example.org", "--admin"]

    created = run_datadive(
        *args, "--password-stdin", cwd=tmp_path, env=env, stdin="a long admin passphrase\n"
    )
    again = run_datadive(
        *args, "--password-stdin", cwd=tmp_path, env=env, stdin="a long admin passphrase\n"
    )
    weak = run_datadive(
        "users",
        "create",
        "--username",
        "x",
        "--email",
        "bad",
        "--password-stdin",
        cwd=tmp_path,
        env=env,
        stdin="short\n",
    )

    assert created.returncode == 0, created.stderr
    assert "Created administrator root <root@example.org>" in created.stdout
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert weak.returncode == 1
    assert "username" in weak.stderr
    assert "email" in weak.stderr
    assert "password" in weak.stderr
    assert "Traceback" not in weak.stderr + again.stderr

    async def read_user() -> tuple[bool, bool]:
        database = Database(database_url)
        try:
            async with database.new_session() as session:
                user = (await session.scalars(sa.select(User))).one()
                return user.is_admin, user.email_verified
        finally:
            await database.dispose()

    assert asyncio.run(read_user()) == (True, True)


def test_password_reset_tokens_stay_out_of_the_access_log(tmp_path: Path) -> None:
    secret_token = "0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee.very-secret-part"
    with serving(tmp_path) as served:
        get_when_ready(f"{served.url}/api/v1/health")
        response = httpx.post(
            f"{served.url}/api/v1/auth/password-reset/{secret_token}",
            json={"password": "a new passphrase here"},
            timeout=10,
        )
        time.sleep(0.5)

    assert response.status_code == 404
    log = "\n".join(served.output)
    assert "/api/v1/auth/password-reset/<redacted>" in log
    assert "very-secret-part" not in log


@pytest.mark.parametrize("base_url", [None, "https://datadive.example.org"])
def test_mailed_links_point_where_datadive_listens_unless_the_base_url_is_set(
    tmp_path: Path, base_url: str | None
) -> None:
    env = {"DATADIVE_BASE_URL": base_url} if base_url else None
    with serving(tmp_path, env=env) as served:
        get_when_ready(f"{served.url}/api/v1/health")
        signed_up = httpx.post(
            f"{served.url}/api/v1/auth/sign-up",
            json={
                "username": "ada",
                "email": "ada@example.org",
                "password": "a long passphrase here",
                "first_name": "Ada",
                "last_name": "Lovelace",
            },
            headers={"Origin": served.url},
            timeout=10,
        )
        requested = httpx.post(
            f"{served.url}/api/v1/auth/password-reset", json={"email": "ada@example.org"}
        )
        outbox = tmp_path / ".datadive" / "outbox"
        deadline = time.monotonic() + 10
        while len(outbox_messages(outbox)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)

    assert (signed_up.status_code, requested.status_code) == (201, 202)
    reset_mail = outbox_messages(outbox)[-1]
    assert f"{base_url or served.url}/reset-password#" in body_of(reset_mail)


def read_http_answer(connection: socket.socket) -> bytes:
    """One HTTP/1.1 answer with a Content-Length; b"" when the server closed the connection."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        if not chunk:
            return received
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += connection.recv(65536)
    return head


def test_serve_keeps_an_idle_connection_open_across_a_pause(tmp_path: Path) -> None:
    """A browser, or a proxy in front of Datadive, sends its next request on the connection it
    kept, after the user paused. Closed by the server after uvicorn's 5 s default, a request
    sent just as it closed failed (seen under load: bench/load.py)."""
    request = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with serving(tmp_path) as served:
        get_when_ready(f"{served.url}/api/v1/health")
        address = httpx.URL(served.url)
        with socket.create_connection((address.host, address.port), timeout=10) as connection:
            connection.sendall(request)
            first = read_http_answer(connection)
            time.sleep(6)
            connection.sendall(request)
            second = read_http_answer(connection)

    assert first.startswith(b"HTTP/1.1 200")
    assert second.startswith(b"HTTP/1.1 200"), "the server closed the idle connection"


def test_serve_says_loudly_when_kernels_are_not_sandboxed(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-bwrap")

    with serving(tmp_path, env={"DATADIVE_BWRAP": missing}) as served:
        health = get_when_ready(f"{served.url}/api/v1/health")
        output = list(served.output)

    warnings = [line for line in output if "kernels are NOT sandboxed" in line]
    assert len(warnings) == 1, output
    assert "install bubblewrap" in warnings[0]
    assert missing in warnings[0]
    assert health.json()["kernels_sandboxed"] is False


def test_serve_refuses_to_start_when_the_sandbox_is_required_and_missing(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-bwrap")

    result = run_datadive(
        "serve",
        "--port",
        "0",
        cwd=tmp_path,
        env={"DATADIVE_SANDBOX": "required", "DATADIVE_BWRAP": missing},
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [error] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert error.startswith("error: DATADIVE_SANDBOX=required")
    assert "install bubblewrap" in error
    assert "Datadive is listening" not in result.stdout
