"""The page side of the one error translator: domain and HTTP errors on a page become an HTML
error page, or for an htmx request a toast; an anonymous caller is sent to sign in.

Requests under /api keep the problem+json answers of `datadive.api.problems`: each handler
here hands them back to its API twin.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import PlainTextResponse, Response

from datadive.api import problems
from datadive.errors import DatadiveError, RateLimited, Unauthorized
from datadive.web.navigation import current_page, redirect, sign_in_url
from datadive.web.rendering import STATIC_PREFIX, is_htmx, render, toast_headers

log = logging.getLogger(__name__)

Handler = Callable[[Request, Exception], Awaitable[Response]]
SOMETHING_WENT_WRONG = "Something went wrong on our side; it has been logged. Please try again."


# Machine-to-machine routes outside the v1 API (a Jupyter server's save notices) answer
# problem+json like the API.
INTERNAL_PREFIX = "/internal/"


def is_page(request: Request) -> bool:
    path = request.url.path
    return not (path == "/api" or path.startswith(("/api/", INTERNAL_PREFIX, f"{STATIC_PREFIX}/")))


def error_page(
    request: Request,
    status: int,
    *,
    title: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    if is_htmx(request):
        # Nothing is swapped in; the page's script shows the message as a toast.
        return PlainTextResponse(
            detail,
            status_code=status,
            headers={
                **(headers or {}),
                **toast_headers(detail, level="error"),
                "HX-Reswap": "none",
            },
        )
    context = {"status": status, "title": title, "detail": detail}
    return render(request, "pages/error.html", context, status_code=status, headers=headers)


async def page_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DatadiveError)
    if isinstance(exc, Unauthorized):
        return redirect(request, sign_in_url(current_page(request)))
    headers = None
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
    status = problems.status_of(exc)
    return error_page(request, status, title=exc.title, detail=exc.detail, headers=headers)


async def page_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    if status == 404:
        detail = "There is no page at this address. It may have moved or been deleted."
    elif status == 405:
        detail = f"This page does not accept {request.method} requests."
    else:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
    return error_page(
        request, status, title=HTTPStatus(status).phrase, detail=detail, headers=exc.headers
    )


async def page_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if any(error["loc"] and error["loc"][0] == "path" for error in exc.errors()):
        # An id that cannot exist: the same answer as an id that does not.
        return error_page(
            request, 404, title="Not found", detail="There is nothing at this address."
        )
    fields = ", ".join(dict.fromkeys(str(error["loc"][-1]) for error in exc.errors()))
    return error_page(
        request, 422, title="Invalid input", detail=f"This address has invalid parts: {fields}."
    )


async def page_unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_page(request, 500, title="Server error", detail=SOMETHING_WENT_WRONG)


def for_pages(page_handler: Handler, api_handler: Handler) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if is_page(request):
            return await page_handler(request, exc)
        return await api_handler(request, exc)

    return handle


def install_page_error_handlers(app: FastAPI) -> None:
    """Replace the API's handlers with ones that answer pages in HTML and delegate the rest."""
    pairs: list[tuple[type[Exception], Handler, Handler]] = [
        (DatadiveError, page_domain_error, problems.handle_domain_error),
        (RequestValidationError, page_validation_error, problems.handle_validation_error),
        (StarletteHTTPException, page_http_error, problems.handle_http_error),
        (Exception, page_unexpected_error, problems.handle_unexpected_error),
    ]
    for error_class, page_handler, api_handler in pairs:
        app.add_exception_handler(error_class, for_pages(page_handler, api_handler))
