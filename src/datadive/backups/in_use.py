"""Who is using a data directory: `datadive serve` holds a shared lock on a file in it for as
long as it runs; `datadive restore` takes the lock exclusively and is refused while any
server holds it. (An advisory `flock`: it covers processes on this machine.)"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from datadive.errors import BackupRefused, StartupError

LOCK_FILE_NAME = "datadive.lock"


def lock_path(data_dir: Path) -> Path:
    return data_dir / LOCK_FILE_NAME


def _open(data_dir: Path) -> int:
    return os.open(lock_path(data_dir), os.O_RDWR | os.O_CREAT, 0o644)


def hold_for_serving(data_dir: Path) -> int:
    """Mark `data_dir` as served by this process until it ends (the descriptor returned stays
    open; closing it, or the process ending, releases the mark). Several servers may hold it."""
    descriptor = _open(data_dir)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise StartupError(
            f"`datadive restore` is writing into {data_dir}: start Datadive once it is done"
        ) from None
    return descriptor


@contextlib.contextmanager
def data_dir_to_myself(data_dir: Path) -> Iterator[None]:
    """Held while restoring into `data_dir`; refused while a server uses it."""
    descriptor = _open(data_dir)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupRefused(
                f"Datadive is running on {data_dir}: stop every `datadive serve` using it, "
                "then restore"
            ) from None
        yield
    finally:
        os.close(descriptor)
