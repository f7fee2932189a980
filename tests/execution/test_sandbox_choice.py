"""DATADIVE_SANDBOX: `auto` sandboxes when bubblewrap works and warns when it does not,
`required` refuses to start without it, `off` never uses it; and the sandbox hides Datadive's
folders even inside a folder it shares (no Jupyter server: a plain Python in bubblewrap)."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from datadive.config import Settings
from datadive.errors import ConfigurationError
from datadive.execution.factory import build_backend
from datadive.execution.sandbox import NOT_SANDBOXED, choose_sandbox
from tests.support.sandbox import required_sandbox


def settings_with(tmp_path: Path, **values: object) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", **values)  # type: ignore[arg-type]


def test_required_refuses_to_start_without_bubblewrap(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-bwrap"

    with pytest.raises(ConfigurationError) as refused:
        build_backend(settings_with(tmp_path, sandbox="required", bwrap=str(missing)))

    message = refused.value.detail
    assert message.startswith("DATADIVE_SANDBOX=required")
    assert str(missing) in message
    assert "install bubblewrap" in message


@pytest.mark.parametrize("broken", ["missing", "/bin/false"])
def test_auto_warns_loudly_and_runs_kernels_unsandboxed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, broken: str
) -> None:
    bwrap = str(tmp_path / "no-such-bwrap") if broken == "missing" else broken

    with caplog.at_level(logging.WARNING):
        backend = build_backend(settings_with(tmp_path, sandbox="auto", bwrap=bwrap))

    assert backend.kernels_sandboxed is False
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert NOT_SANDBOXED in warning.getMessage()
    assert bwrap in warning.getMessage()


def test_auto_sandboxes_where_bubblewrap_works(tmp_path: Path) -> None:
    required_sandbox()  # bubblewrap works here (CI installs it)

    backend = build_backend(settings_with(tmp_path, sandbox="auto"))

    assert backend.kernels_sandboxed is True


def test_off_never_uses_bubblewrap_and_says_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        backend = build_backend(
            settings_with(tmp_path, sandbox="off", bwrap=str(tmp_path / "no-such-bwrap"))
        )

    assert backend.kernels_sandboxed is False
    assert caplog.records == []


def test_datadive_s_folder_stays_hidden_inside_a_shared_source_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m datadive serve` run from a home folder, from a source checkout on PYTHONPATH
    with the data folder inside it: the checkout is shared (read-only), the data folder in it
    is not, nor the home folder (sys.path[0])."""
    home, checkout = tmp_path / "home", tmp_path / "checkout"
    home.mkdir()
    (home / "notes.txt").write_text("private")
    (checkout / ".datadive" / "workspaces" / "p1").mkdir(parents=True)
    (checkout / ".datadive" / "datadive.sqlite3").write_text("secret")
    (checkout / "lab_helpers.py").write_text("ANSWER = 42\n")
    monkeypatch.setattr(sys, "path", [str(home), str(checkout), *sys.path[1:]])
    sandbox = choose_sandbox("required", bwrap="bwrap", hidden=[checkout / ".datadive"]).sandbox
    assert sandbox is not None
    workspace = checkout / ".datadive" / "workspaces" / "p1"
    code = (
        "import os, lab_helpers\n"
        "print(lab_helpers.ANSWER, sorted(os.listdir('..')), "
        f"os.path.exists({str(checkout / '.datadive' / 'datadive.sqlite3')!r}), "
        f"os.path.exists({str(home / 'notes.txt')!r}))"
    )

    ran = subprocess.run(
        [*sandbox.prefix(workspace), sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={},
    )

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["42", "['p1']", "False", "False"]
