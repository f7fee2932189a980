"""Normal forms of usernames and email addresses, so that look-alikes collide."""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

USERNAME_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{1,30})[a-z0-9]$")
USERNAME_RULE = (
    "3 to 32 characters: letters a-z, digits, dot, dash or underscore, "
    "starting and ending with a letter or digit"
)


def normalize_username(username: str) -> str:
    """NFKC then case-folded: full-width `ADA`, `ADA` and `ada` are the same name."""
    return unicodedata.normalize("NFKC", username).casefold().strip()


def username_problem(normalized: str) -> str | None:
    if not USERNAME_PATTERN.match(normalized):
        return f"must be {USERNAME_RULE}"
    return None


def normalize_email(email: str) -> str:
    """Validated syntax, case-insensitive: stored and compared in lower case."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    return result.normalized.casefold()
