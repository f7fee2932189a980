"""Where pages send the browser next: redirects that work with and without htmx, and `next`
targets that can only stay on this site."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from datadive.web.rendering import carry_cookies, is_htmx

HOME = "/"
SIGN_IN = "/sign-in"


def safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, otherwise home.

    Refused: absolute and scheme-relative URLs (`//evil.example`), backslashes (browsers read
    `/\\evil.example` as `//evil.example`), control characters and anything not starting
    with a single slash.
    """
    if not target or len(target) > 2000:
        return HOME
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return HOME
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return HOME
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return HOME
    return target


def sign_in_url(next_path: str | None) -> str:
    target = safe_next(next_path)
    return SIGN_IN if target == HOME else f"{SIGN_IN}?{urlencode({'next': target})}"


def redirect(request: Request, url: str, *, headers: Mapping[str, str] | None = None) -> Response:
    """303 to `url`; for htmx, `HX-Redirect` so that the whole page changes, not a fragment."""
    if is_htmx(request):
        response = Response(status_code=200, headers={**(headers or {}), "HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303, headers=headers)
    return carry_cookies(request, response)


def current_page(request: Request) -> str | None:
    """The page the user was on: this URL for a GET, else the page that sent the request."""
    if request.method == "GET" and not is_htmx(request):
        query = f"?{request.url.query}" if request.url.query else ""
        return f"{request.url.path}{query}"
    referrer = request.headers.get("hx-current-url") or request.headers.get("referer")
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.url.netloc:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
