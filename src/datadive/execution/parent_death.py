"""Start a command that ends when Datadive ends, however Datadive ends (`kill -9` included).

`python parent_death.py <datadive pid> <command…>` asks Linux to send SIGTERM to this process
when the thread that started it dies (PR_SET_PDEATHSIG), then becomes the command (exec keeps
the request and the process id). SIGTERM lets a Jupyter server shut its kernels down; a kernel
left behind anyway sees its parent gone and exits (ipykernel's parent poller). Run by path, not
as a module: it imports nothing of Datadive's and starts in milliseconds. Elsewhere than Linux
the command runs as it is, and leftovers are stopped when Datadive next starts.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1


def ending_with(command: list[str], *, python: str) -> list[str]:
    """`command`, started so that it ends with this process (as it is, off Linux)."""
    if not sys.platform.startswith("linux"):
        return command
    return [python, str(Path(__file__).resolve()), str(os.getpid()), *command]


def main(arguments: list[str]) -> None:
    parent, command = int(arguments[0]), arguments[1:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # Datadive died before the request was made
        sys.exit(1)
    os.execvp(command[0], command)  # noqa: S606 - Datadive's own command line, no shell


if __name__ == "__main__":
    main(sys.argv[1:])
