"""Bearer secrets of the form `<id>.<secret>`.

The id finds the row; the secret (256 random bits from `secrets`) is stored only as its
SHA-256 and compared in constant time, so a database or log leak yields nothing usable.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

SECRET_BYTES = 32
PUBLIC_ID_BYTES = 15
SEPARATOR = "."


def new_public_id() -> str:
    return secrets.token_urlsafe(PUBLIC_ID_BYTES)


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)


@dataclass(frozen=True)
class IssuedToken:
    """A token as handed to its owner once; only `secret_hash` is kept."""

    id: str
    secret: str
    prefix: str = ""

    @property
    def secret_hash(self) -> str:
        return hash_secret(self.secret)

    def __str__(self) -> str:
        return f"{self.prefix}{self.id}{SEPARATOR}{self.secret}"


def issue_token(*, token_id: str | None = None, prefix: str = "") -> IssuedToken:
    return IssuedToken(id=token_id or new_public_id(), secret=new_secret(), prefix=prefix)


def parse_token(token: str, *, prefix: str = "") -> tuple[str, str] | None:
    """Split a presented token into (id, secret); None when it cannot be one of ours."""
    if not token.startswith(prefix) or len(token) > 200:
        return None
    token_id, separator, secret = token[len(prefix) :].partition(SEPARATOR)
    if not separator or not token_id or not secret:
        return None
    return token_id, secret
