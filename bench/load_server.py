"""The servers `bench/load.py` runs against: a throwaway PostgreSQL database, `datadive serve`
in a subprocess, and a bare FastAPI app served by uvicorn the same way (`bench/bare_app.py`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from tests.support.databases import (
    create_postgres_database,
    drop_postgres_database,
    migrate_to_head,
    plain_dsn,
)

LISTENING = re.compile(r"is listening on (http://\S+)")
# The last line of a logged traceback: "sqlalchemy.exc.TimeoutError: QueuePool limit …".
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout)\w*: ")
ACCESS_LOG_LINE = re.compile(r"INFO: +\S+ - \"|INFO httpx: HTTP Request")
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 180
REPOSITORY = Path(__file__).resolve().parent.parent


@asynccontextmanager
async def postgres_database(admin_url: str) -> AsyncIterator[str]:
    """A new database at the schema's head; dropped afterwards, whatever happened."""
    url = await create_postgres_database(admin_url)
    try:
        await migrate_to_head(url)
        yield url
    finally:
        await drop_postgres_database(admin_url, url)


async def postgres_backends(url: str) -> list[int]:
    """The PostgreSQL server processes connected to this database (but for this query's)."""
    connection = await asyncpg.connect(plain_dsn(url), timeout=5)
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    return [row["pid"] for row in rows]


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    exceptions: Counter[str] = field(default_factory=Counter)

    def tail(self, lines: int = 40) -> str:
        """The last lines other than the access log's."""
        return "\n".join(self.notes[-lines:])


@contextmanager
def serving(command: Sequence[str], *, env: dict[str, str], cwd: Path) -> Iterator[Served]:
    """Run a server that prints "… is listening on URL"; its output is read (and kept, the
    last lines only) so that a full pipe never stalls it."""
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    notes: list[str] = []
    exceptions: Counter[str] = Counter()
    found = threading.Event()

    def read_output() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if len(lines) > 2000:
                del lines[:1000]
            if not ACCESS_LOG_LINE.match(line):
                notes.append(line.rstrip("\n"))
                if len(notes) > 2000:
                    del notes[:1000]
            if EXCEPTION_LINE.match(line):
                exceptions[line.strip()[:300]] += 1
            if not found.is_set() and LISTENING.search(line):
                found.set()

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    try:
        if not found.wait(START_TIMEOUT_SECONDS):
            raise RuntimeError(f"{command[2:]} did not start:\n" + "\n".join(lines[-30:]))
        match = next(m for line in list(lines) if (m := LISTENING.search(line)))
        yield Served(
            url=match.group(1), process=process, output=lines, notes=notes, exceptions=exceptions
        )
    finally:
        process.terminate()
        try:
            # Datadive stops its Jupyter servers and their kernels first.
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            print(f"{command[2:]} did not stop within {STOP_TIMEOUT_SECONDS} s; killed")
            process.kill()
            process.wait()
        reader.join(timeout=5)
        process.stdout.close()


def child_env() -> dict[str, str]:
    """This environment without DATADIVE_ settings, PYTHONPATH made absolute (the children
    run in other folders) with this checkout first, so that its code is what runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATADIVE_")}
    paths = [str(REPOSITORY), str(REPOSITORY / "src")]
    paths += [str(Path(p).resolve()) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def serve_datadive(*, database_url: str, data_dir: Path) -> AbstractContextManager[Served]:
    command = [sys.executable, "-m", "datadive", "serve", "--port", "0"]
    env = child_env() | {"DATADIVE_DATABASE_URL": database_url, "DATADIVE_DATA_DIR": str(data_dir)}
    return serving(command, env=env, cwd=data_dir)


def serve_bare_app(*, payload: Path) -> AbstractContextManager[Served]:
    command = [sys.executable, "-m", "bench.bare_app", str(payload)]
    return serving(command, env=child_env(), cwd=payload.parent)
