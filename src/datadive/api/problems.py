"""The one translator from errors to `application/problem+json` (RFC 9457).

Problem types are `urn:datadive:problem:<slug>`; docs/reference/errors.md lists them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from datadive.errors import (
    Conflict,
    DatadiveError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    StartupError,
    TooLarge,
    Unauthorized,
    Unavailable,
    UnsupportedContent,
)

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:datadive:problem:"

STATUS_BY_ERROR: dict[type[DatadiveError], int] = {
    Invalid: 422,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    UnsupportedContent: 415,
    RateLimited: 429,
    StartupError: 503,
    Unavailable: 503,
}


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem(
    status: int,
    *,
    detail: str,
    title: str | None = None,
    slug: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": f"{PROBLEM_TYPE_PREFIX}{slug}" if slug else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return ProblemResponse(body, status_code=status, headers=headers)


def status_of(error: DatadiveError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


def field_name(location: tuple[Any, ...]) -> str:
    """`("body", "members", 0, "role")` → `members[0].role`; the whole body is `body`."""
    parts = list(location[1:]) if location and location[0] == "body" else list(location)
    if not parts:
        return "body"
    name = str(parts[0])
    for part in parts[1:]:
        name += f"[{part}]" if isinstance(part, int) else f".{part}"
    return name


async def handle_domain_error(_request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, DatadiveError)
    headers = None
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
    errors = None
    if isinstance(exc, Invalid):
        errors = [{"field": e.field, "message": e.message} for e in exc.errors]
    return problem(
        status_of(exc),
        detail=exc.detail,
        title=exc.title,
        slug=exc.slug,
        errors=errors,
        headers=headers,
    )


async def handle_validation_error(_request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            # Malformed JSON is located by character offset; the field is the body itself.
            "field": "body" if error["type"] == "json_invalid" else field_name(tuple(error["loc"])),
            "location": str(error["loc"][0]) if error["loc"] else "body",
            "message": error["msg"],
        }
        for error in exc.errors()
    ]
    fields = ", ".join(dict.fromkeys(error["field"] for error in errors))
    return problem(
        422,
        title="Invalid input",
        slug="invalid",
        detail=f"Check these fields: {fields}." if fields else "The request is not valid.",
        errors=errors,
    )


# FastAPI's answer to a body it cannot even decode (bytes that are not UTF-8 JSON, a broken
# form): a bare 400. It is bad input like any other, so it is a 422 that names the body.
UNPARSABLE_BODY = "There was an error parsing the body"


async def handle_http_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == UNPARSABLE_BODY:
        message = "cannot be read: send JSON in UTF-8 (or the form the operation describes)"
        return problem(
            422,
            title="Invalid input",
            slug="invalid",
            detail=f"body: {message}.",
            errors=[{"field": "body", "location": "body", "message": message}],
        )
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"There is nothing at {request.url.path}."
    elif exc.status_code == 405 and detail == "Method Not Allowed":
        allowed = {k.lower(): v for k, v in (exc.headers or {}).items()}.get("allow", "")
        detail = f"{request.method} is not allowed on {request.url.path}." + (
            f" Allowed: {allowed}." if allowed else ""
        )
    return problem(exc.status_code, detail=detail, headers=exc.headers)


async def handle_unexpected_error(request: Request, exc: Exception) -> ProblemResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, detail="Something went wrong on our side; it has been logged.")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DatadiveError, handle_domain_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(Exception, handle_unexpected_error)
