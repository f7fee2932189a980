"""Passwords: argon2id hashes, and the rules a new password must meet."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 8
# Long passphrases are welcome and never truncated; the cap only stops abuse of the hasher.
MAX_LENGTH = 512

_hasher = PasswordHasher()  # argon2id with the RFC 9106 "low memory" parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("not the password of anyone")


def verify_nobody(password: str) -> bool:
    """Spend the same time as a real check, so unknown accounts cannot be told apart."""
    verify_password(_dummy_hash(), password)
    return False


@functools.cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships the 30,000 most common passwords from public breach corpora.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # noqa: PLC0415 - large; load on demand

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, username: str = "", email: str = "") -> str | None:
    """Why this password may not be used, or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters long"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters long"
    lowered = password.casefold()
    if lowered in _common_passwords():
        return "is one of the most common passwords; choose one that is harder to guess"
    if lowered in {username.casefold(), email.casefold(), email.partition("@")[0].casefold()}:
        return "must not be your username or email address"
    return None
