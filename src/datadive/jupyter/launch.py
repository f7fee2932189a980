"""The secrets Datadive hands a project's Jupyter server when it starts it.

They travel on the server's standard input, read once at start-up, so they are in no
environment variable, command line or file that a kernel (a child of the server, running as
the same account) could read: kernels get stdin of their own.

- `login_key` signs the one-time login codes (`login_codes`);
- `notice_key` signs the server's notices to Datadive that a notebook was saved, which it
  posts to `notice_url` (`save_notices`, `save_hook`). Without them the server tells nobody.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import IO, Any

MAX_LINE = 4096
MIN_KEY_BYTES = 32


@dataclass(frozen=True)
class LaunchSecrets:
    login_key: bytes
    notice_key: bytes | None = None
    notice_url: str | None = None

    def to_line(self) -> bytes:
        data: dict[str, Any] = {"login_key": base64.b64encode(self.login_key).decode("ascii")}
        if self.notice_key is not None and self.notice_url is not None:
            data["notice_key"] = base64.b64encode(self.notice_key).decode("ascii")
            data["notice_url"] = self.notice_url
        return json.dumps(data).encode() + b"\n"


def _key(value: Any) -> bytes | None:
    key = base64.b64decode(value, validate=True)
    return key if len(key) >= MIN_KEY_BYTES else None


def read_launch_secrets(stream: IO[str] | None) -> LaunchSecrets | None:
    """The secrets on `stream`, or None when nothing was handed over (a terminal, an empty or
    closed stdin): the server then runs without the login hand-off."""
    if stream is None or stream.closed or stream.isatty():
        return None
    line = stream.readline(MAX_LINE)
    if not line.strip():
        return None
    try:
        data = json.loads(line)
        login_key = _key(data["login_key"])
        notice_key = _key(data["notice_key"]) if "notice_key" in data else None
        notice_url = data.get("notice_url")
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    if login_key is None:
        return None
    if notice_key is None or not isinstance(notice_url, str) or not notice_url:
        notice_key = notice_url = None
    return LaunchSecrets(login_key=login_key, notice_key=notice_key, notice_url=notice_url)
