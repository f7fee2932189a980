"""The secret Datadive hands a project's Jupyter server when it starts it.

It travels on the server's standard input, read once at start-up, so it is in no environment
variable, command line or file that a kernel (a child of the server, running as the same
account) could read: kernels get stdin of their own.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import IO

MAX_LINE = 4096


@dataclass(frozen=True)
class LaunchSecrets:
    login_key: bytes

    def to_line(self) -> bytes:
        key = base64.b64encode(self.login_key).decode("ascii")
        return json.dumps({"login_key": key}).encode() + b"\n"


def read_launch_secrets(stream: IO[str] | None) -> LaunchSecrets | None:
    """The secrets on `stream`, or None when nothing was handed over (a terminal, an empty or
    closed stdin): the server then runs without the login hand-off."""
    if stream is None or stream.closed or stream.isatty():
        return None
    line = stream.readline(MAX_LINE)
    if not line.strip():
        return None
    try:
        key = base64.b64decode(json.loads(line)["login_key"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    return LaunchSecrets(login_key=key) if len(key) >= 32 else None
