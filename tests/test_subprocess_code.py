"""The `datadive` a test starts in a subprocess is the code under test, not another copy: a
relative `PYTHONPATH=src` (a git worktree) must not fall back to the installed checkout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import datadive
from tests.support.cli import clean_environment


def test_a_subprocess_imports_the_datadive_under_test(tmp_path: Path) -> None:
    found = subprocess.run(
        [sys.executable, "-c", "import datadive; print(datadive.__file__)"],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        check=True,
    )

    assert Path(found.stdout.strip()).resolve() == Path(datadive.__file__).resolve()
