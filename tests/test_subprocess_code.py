"""The `datadive` a test starts in a subprocess is the code under test, not another copy: a
relative `PYTHONPATH=src` (a git worktree) must not fall back to the installed checkout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import datadive
from tests.support.cli import clean_environment


def test_a_subprocess_imports_the_datadive_under_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in a worktree, whatever PYTHONPATH this run was started with: relative, it finds
    # nothing from the subprocess's folder.
    monkeypatch.setenv("PYTHONPATH", "src")
    found = subprocess.run(
        [sys.executable, "-c", "import datadive; print(datadive.__file__)"],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        check=True,
    )

    assert Path(found.stdout.strip()).resolve() == Path(datadive.__file__).resolve()
