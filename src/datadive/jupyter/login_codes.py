"""One-time login codes: Datadive signs them, the project's Jupyter server redeems them.

A code is `v1.<payload>.<signature>` (URL-safe base64): the payload names the Datadive user,
a random nonce and an expiry; the signature is HMAC-SHA256 with a key that only Datadive and
that one server know. The server refuses a code it has seen before (see `identity`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

VERSION = "v1"
# On JupyterHub (`hub_authenticator`): the Hub's page that takes a code (under `/hub/`), and
# Datadive's endpoint that redeems it for the Hub.
HUB_LOGIN_PATH = "datadive/login"
HUB_REDEEM_PATH = "/internal/jupyterhub/logins"
LIFETIME_SECONDS = 60
MAX_CODE_LENGTH = 2048


class InvalidLoginCode(Exception):
    """The code is malformed, forged, expired or already used."""


@dataclass(frozen=True)
class LoginCode:
    user_id: str
    name: str
    nonce: str
    expires_at: float
    project_id: str = ""  # the project whose server the code opens (JupyterHub backend)


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, signed: str) -> str:
    return _encode(hmac.new(key, signed.encode("ascii"), hashlib.sha256).digest())


def issue_login_code(
    key: bytes,
    *,
    user_id: str,
    name: str,
    project_id: str = "",
    lifetime_seconds: float = LIFETIME_SECONDS,
    now: float | None = None,
) -> str:
    issued = time.time() if now is None else now
    payload = {
        "u": user_id,
        "n": name,
        "x": secrets.token_urlsafe(16),
        "e": issued + lifetime_seconds,
    }
    if project_id:
        payload["p"] = project_id
    signed = f"{VERSION}.{_encode(json.dumps(payload, separators=(',', ':')).encode())}"
    return f"{signed}.{_signature(key, signed)}"


def read_login_code(key: bytes, code: str, *, now: float | None = None) -> LoginCode:
    """The code's content if the signature holds and it has not expired (reuse is the
    caller's to check: it keeps the nonces)."""
    if len(code) > MAX_CODE_LENGTH or code.count(".") != 2:
        raise InvalidLoginCode("malformed")
    version, payload, signature = code.split(".")
    expected = _signature(key, f"{version}.{payload}")
    if version != VERSION or not hmac.compare_digest(expected, signature):
        raise InvalidLoginCode("bad signature")
    try:
        data = json.loads(_decode(payload))
        found = LoginCode(
            user_id=str(data["u"]),
            name=str(data["n"]),
            nonce=str(data["x"]),
            expires_at=float(data["e"]),
            project_id=str(data.get("p", "")),
        )
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise InvalidLoginCode("malformed") from exc
    if (time.time() if now is None else now) > found.expires_at:
        raise InvalidLoginCode("expired")
    return found
