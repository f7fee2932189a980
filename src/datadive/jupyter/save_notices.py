"""Notices of saved notebooks: the project's Jupyter server signs them, Datadive checks them.

A notice is a small JSON body, `{"path": "analysis.ipynb", "sent_at": 1760000000.0}`, posted
to Datadive at NOTICE_PATH with the header `X-Datadive-Signature: v1=<signature>`: HMAC-SHA256
of the body with a key that only Datadive and that one server know (handed over on the
server's standard input, like the login key). A notice only asks Datadive to look at the
file; Datadive reads the file itself, so a notice replayed within its lifetime costs a read
and changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

VERSION = "v1"
SIGNATURE_HEADER = "X-Datadive-Signature"
NOTICE_PATH = "/internal/jupyter/projects/{project_id}/saved"
MAX_AGE_SECONDS = 300
MAX_BODY_BYTES = 8192


class InvalidSaveNotice(Exception):
    """The notice is malformed, not signed with the server's key, or too old."""


def _signature(key: bytes, body: bytes) -> str:
    digest = hmac.new(key, body, hashlib.sha256).digest()
    return f"{VERSION}={base64.urlsafe_b64encode(digest).rstrip(b'=').decode('ascii')}"


def sign_save_notice(key: bytes, *, path: str, now: float | None = None) -> tuple[bytes, str]:
    """The body and the signature header's value of a notice that `path` was saved."""
    sent_at = time.time() if now is None else now
    body = json.dumps({"path": path, "sent_at": sent_at}, separators=(",", ":")).encode()
    return body, _signature(key, body)


def read_save_notice(key: bytes, body: bytes, signature: str, *, now: float | None = None) -> str:
    """The saved file's path, if the notice is signed with `key` and recent."""
    if len(body) > MAX_BODY_BYTES or not hmac.compare_digest(
        _signature(key, body).encode(), signature.encode()
    ):
        raise InvalidSaveNotice("not signed by the project's Jupyter server")
    try:
        data = json.loads(body)
        path, sent_at = data["path"], float(data["sent_at"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidSaveNotice("malformed") from exc
    if not isinstance(path, str) or not path:
        raise InvalidSaveNotice("malformed")
    if abs((time.time() if now is None else now) - sent_at) > MAX_AGE_SECONDS:
        raise InvalidSaveNotice("too old")
    return path
