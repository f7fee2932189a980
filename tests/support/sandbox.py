"""The sandbox kernels run in, for tests that start servers through `LocalBackend` directly:
as `DATADIVE_SANDBOX=auto` would choose (CI installs bubblewrap, so there it is on)."""

from __future__ import annotations

from pathlib import Path

from datadive.execution.sandbox import Sandbox, choose_sandbox


def sandbox_if_available(*hidden: Path) -> Sandbox | None:
    return choose_sandbox("auto", bwrap="bwrap", hidden=hidden).sandbox


def required_sandbox(*hidden: Path) -> Sandbox:
    """For the tests of the sandbox itself: they fail, rather than skip, without bubblewrap."""
    sandbox = choose_sandbox("required", bwrap="bwrap", hidden=hidden).sandbox
    assert sandbox is not None
    return sandbox
