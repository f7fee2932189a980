"""Stopping a process with everything it started, kernels in sessions of their own included."""

from __future__ import annotations

import contextlib
import signal

import psutil


def stop_tree(pid: int, *, grace_seconds: float) -> None:
    """SIGTERM to `pid` and its descendants (found before, as they may be re-parented once it
    goes), SIGKILL to those still there after `grace_seconds`."""
    try:
        root = psutil.Process(pid)
    except psutil.Error:
        return
    try:
        members = [root, *root.children(recursive=True)]
    except psutil.Error:
        members = [root]
    for member in members:
        with contextlib.suppress(psutil.Error):
            member.send_signal(signal.SIGTERM)
    _, alive = psutil.wait_procs(members, timeout=grace_seconds)
    for member in alive:
        with contextlib.suppress(psutil.Error):
            member.kill()
    psutil.wait_procs(alive, timeout=grace_seconds)
