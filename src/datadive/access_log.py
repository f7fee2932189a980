"""Keep secrets that travel in URL paths (password-reset tokens) out of the access log."""

from __future__ import annotations

import logging
import re

SECRET_IN_PATH = re.compile(r"(/auth/password-reset/)[^/?\s]+")
REDACTED = r"\1<redacted>"


class RedactSecretsInPaths(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                SECRET_IN_PATH.sub(REDACTED, arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


def redact_access_log() -> None:
    """Attach the filter to uvicorn's access logger (after uvicorn configured logging)."""
    logging.getLogger("uvicorn.access").addFilter(RedactSecretsInPaths())
