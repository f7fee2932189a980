"""Cross-site request forgery defence by `Origin` / `Sec-Fetch-Site` (no tokens in forms).

A state-changing request that carries the session cookie must come from this site: its
`Origin` is present, not `null`, and one of ours. A browser that says `Sec-Fetch-Site:
cross-site` is refused for any state-changing request, and so is a foreign `Origin` on a
request without a cookie (sign-in and sign-up forms are forgery targets too). Requests that
authenticate with `Authorization: Bearer` are not browser-driven and pass.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from datadive.api.problems import problem
from datadive.auth.cookies import COOKIE_NAMES

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def origin_of(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}".lower()


def refusal_reason(request: Request, trusted_origins: frozenset[str]) -> str | None:
    if request.method in SAFE_METHODS:
        return None
    if request.headers.get("sec-fetch-site") == "cross-site":
        return "the browser reports a cross-site request"
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return None
    origin = request.headers.get("origin")
    own_origin = origin_of(str(request.base_url))
    allowed = trusted_origins | {own_origin}
    carries_cookie = any(name in request.cookies for name in COOKIE_NAMES)
    if carries_cookie and (origin is None or origin == "null"):
        return "the Origin header is missing"
    if origin is not None and origin.lower() not in allowed:
        return f"the request comes from another site ({origin})"
    return None


class OriginCheckMiddleware:
    def __init__(self, app: ASGIApp, *, trusted_origins: frozenset[str]) -> None:
        self.app = app
        self.trusted_origins = trusted_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            reason = refusal_reason(Request(scope), self.trusted_origins)
            if reason is not None:
                response = problem(
                    403,
                    title="Cross-site request refused",
                    slug="cross-site-request",
                    detail=f"Refused because {reason}. Send the request from Datadive's own pages.",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
