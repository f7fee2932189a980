"""Domain errors. Services raise these; `api.problems` turns them into problem+json.

They carry no HTTP status: the translator decides that, so services stay free of web concerns.
"""

from __future__ import annotations

from dataclasses import dataclass


class DatadiveError(Exception):
    """Base class of every error Datadive raises on purpose."""

    slug = "error"
    title = "Error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


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


class RateLimited(DatadiveError):
    slug = "rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class Invalid(DatadiveError):
    """Bad input. `errors` names each offending field."""

    slug = "invalid"
    title = "Invalid input"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or []

    @classmethod
    def field(cls, field: str, message: str) -> Invalid:
        return cls(f"{field}: {message}", errors=[FieldError(field, message)])


class StartupError(DatadiveError):
    """Datadive cannot start; the message is one line that says what to change."""

    slug = "startup"
    title = "Cannot start"


class ConfigurationError(StartupError):
    """A setting is wrong. The message names the `DATADIVE_*` variable."""


class SchemaNotAtHead(StartupError):
    """The database schema is not the one this code expects."""
