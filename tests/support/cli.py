"""Run the real `datadive` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import datadive

LISTENING = re.compile(r"Datadive is listening on (http://\S+)")
START_TIMEOUT_SECONDS = 60


# The folder the tests import `datadive` from. The subprocess runs in a temporary folder, where
# a relative `PYTHONPATH=src` (as in a git worktree) would find nothing, and Python would import
# the installed copy instead: another checkout's code, tested without anyone noticing.
SOURCE_ROOT = Path(datadive.__file__).resolve().parents[1]


def clean_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATADIVE_")}
    search = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([str(SOURCE_ROOT), *search])
    env.update(extra or {})
    return env


def run_datadive(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "datadive", *args],
        cwd=cwd,
        env=clean_environment(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass
class Served:
    url: str
    output: list[str] = field(default_factory=list)
    process: subprocess.Popen[str] | None = None


@contextmanager
def serving(cwd: Path, env: Mapping[str, str] | None = None) -> Iterator[Served]:
    """`datadive serve --port 0`, yielding once it prints the URL it listens on."""
    process = subprocess.Popen(
        [sys.executable, "-m", "datadive", "serve", "--port", "0"],
        cwd=cwd,
        env=clean_environment(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    found = threading.Event()

    def read_output() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if LISTENING.search(line):
                found.set()

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    try:
        if not found.wait(START_TIMEOUT_SECONDS):
            raise AssertionError("datadive serve did not start:\n" + "\n".join(lines))
        match = next(m for line in lines if (m := LISTENING.search(line)))
        yield Served(url=match.group(1), output=lines, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)
        process.stdout.close()
