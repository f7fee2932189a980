"""`OPTIONS` and `405 Method Not Allowed` on the API, with an `Allow` header that is true.

FastAPI makes one route per path and method, and Starlette's 405 lists only the methods of
the first route whose path matched: `PATCH /api/v1/auth/me` exists, yet `PUT` on it answered
`Allow: GET`, and `OPTIONS` was a 405 too. Here every method of every API route on the path
counts: `OPTIONS` answers 204 with them, and a method the path lacks answers 405 with them,
before authentication (the answer is the same for everyone, and says nothing about objects).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from fastapi.routing import iter_route_contexts
from starlette.responses import Response
from starlette.routing import BaseRoute, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from datadive.api.problems import problem

PathMethods = list[tuple[re.Pattern[str], frozenset[str]]]


def methods_by_path(routes: Sequence[BaseRoute]) -> PathMethods:
    """Each route's path pattern and methods, routers included in routers unfolded."""
    found = []
    for context in iter_route_contexts(routes):
        if context.methods and context.path_format:
            pattern, _, _ = compile_path(context.path_format)
            found.append((pattern, frozenset(context.methods)))
    return found


def allowed_methods(table: PathMethods, path: str) -> list[str]:
    """Every method the routes have on `path`, then `OPTIONS`; [] when no route has it."""
    methods: set[str] = set()
    for pattern, route_methods in table:
        if pattern.match(path):
            methods |= route_methods
    methods.discard("HEAD")
    return [*sorted(methods), "OPTIONS"] if methods else []


class AllowedMethods:
    def __init__(self, app: ASGIApp, *, path_prefix: str) -> None:
        self.app = app
        self.path_prefix = path_prefix
        self.table: PathMethods | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.path_prefix):
            await self.app(scope, receive, send)
            return
        if self.table is None:
            self.table = methods_by_path(scope["app"].routes)
        methods = allowed_methods(self.table, scope["path"])
        method = scope["method"]
        if not methods or (method in methods and method != "OPTIONS"):
            await self.app(scope, receive, send)
            return
        allow = {"Allow": ", ".join(methods)}
        response: Response
        if method == "OPTIONS":
            response = Response(status_code=204, headers=allow)
        else:
            response = problem(
                405,
                detail=f"{method} is not allowed on {scope['path']}. Allowed: {allow['Allow']}.",
                headers=allow,
            )
        await response(scope, receive, send)
