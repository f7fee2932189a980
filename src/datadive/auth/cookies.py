"""The session cookie.

Over HTTPS it is `__Host-datadive_session` with `Secure`, `HttpOnly`, `SameSite=Lax`, `Path=/`
and no `Domain`. Browsers refuse a `__Host-` cookie without `Secure`, so on plain-http loopback
(a local install) the cookie is `datadive_session`, with the same attributes but `Secure`.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime

from starlette.requests import HTTPConnection
from starlette.responses import Response

from datadive.db.types import utcnow

SECURE_COOKIE_NAME = "__Host-datadive_session"
LOCAL_COOKIE_NAME = "datadive_session"
COOKIE_NAMES = (SECURE_COOKIE_NAME, LOCAL_COOKIE_NAME)


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def uses_secure_cookie(connection: HTTPConnection) -> bool:
    return connection.url.scheme == "https" or not is_loopback(connection.url.hostname or "")


def cookie_name(connection: HTTPConnection) -> str:
    return SECURE_COOKIE_NAME if uses_secure_cookie(connection) else LOCAL_COOKIE_NAME


def read_session_token(connection: HTTPConnection) -> str | None:
    return connection.cookies.get(cookie_name(connection))


def set_session_cookie(
    response: Response, connection: HTTPConnection, *, token: str, expires_at: datetime
) -> None:
    response.set_cookie(
        cookie_name(connection),
        token,
        max_age=max(int((expires_at - utcnow()).total_seconds()), 0),
        path="/",
        secure=uses_secure_cookie(connection),
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, connection: HTTPConnection) -> None:
    response.delete_cookie(
        cookie_name(connection),
        path="/",
        secure=uses_secure_cookie(connection),
        httponly=True,
        samesite="lax",
    )
