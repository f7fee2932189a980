"""Domain errors. Services raise these; `api.problems` turns them into problem+json.

They carry no HTTP status: the translator decides that, so services stay free of web concerns.
"""

from __future__ import annotations

from dataclasses import dataclass


class DatadiveError(Exception):
    """Base class of every error Datadive raises on purpose.

    `keep_changes=True` asks the request's transaction to commit what the service wrote
    before failing: a failed sign-in recorded for rate limiting, a wrong code counted, an
    expired session deleted. Without it, the transaction is rolled back.
    """

    slug = "error"
    title = "Error"

    def __init__(self, detail: str, *, keep_changes: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.keep_changes = keep_changes


class NotFound(DatadiveError):
    slug = "not-found"
    title = "Not found"


class Unauthorized(DatadiveError):
    slug = "unauthorized"
    title = "Authentication required"


class Forbidden(DatadiveError):
    slug = "forbidden"
    title = "Forbidden"


class Conflict(DatadiveError):
    slug = "conflict"
    title = "Conflict"


class TooLarge(DatadiveError):
    """An upload over the size limit or the project's quota."""

    slug = "too-large"
    title = "Too large"


class UnsupportedContent(DatadiveError):
    """A file whose content does not match its name, or that is unsafe to open."""

    slug = "unsupported-content"
    title = "Unsupported content"


class RateLimited(DatadiveError):
    slug = "rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = max(retry_after_seconds, 1)


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class Invalid(DatadiveError):
    """Bad input. `errors` names each offending field."""

    slug = "invalid"
    title = "Invalid input"

    def __init__(
        self, detail: str, *, errors: list[FieldError] | None = None, keep_changes: bool = False
    ) -> None:
        super().__init__(detail, keep_changes=keep_changes)
        self.errors = errors or []

    @classmethod
    def field(cls, field: str, message: str, *, keep_changes: bool = False) -> Invalid:
        return cls(
            f"{field}: {message}", errors=[FieldError(field, message)], keep_changes=keep_changes
        )


class Unavailable(DatadiveError):
    """A service Datadive depends on (mail, Jupyter) failed; trying again later may work."""

    slug = "unavailable"
    title = "Service unavailable"


class StartupError(DatadiveError):
    """Datadive cannot start; the message is one line that says what to change."""

    slug = "startup"
    title = "Cannot start"


class ConfigurationError(StartupError):
    """A setting is wrong. The message names the `DATADIVE_*` variable."""


class SchemaNotAtHead(StartupError):
    """The database schema is not the one this code expects."""


class BackupRefused(DatadiveError):
    """`datadive backup` or `restore` cannot do what was asked; the message says what to do."""

    slug = "backup-refused"
    title = "Backup or restore refused"
