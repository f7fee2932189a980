"""Answer a request that failed unexpectedly with a clean 500, and keep its connection.

Starlette's outermost middleware answers an unhandled exception with the app's `Exception`
handler and then raises it again, for the server to log; uvicorn, seeing an exception after
the answer has started, closes the connection. A client that keeps connections alive (a
script, a browser) then finds the next request on that connection reset. Here the same
handler answers (it logs the error itself) and the exception goes no further. An exception
after the answer has started cannot be answered any more; that one still goes up.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class AnswerUnexpectedErrors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception as exc:
            if started:
                raise
            # The handler the app installed for `Exception` (problem+json or an error page).
            handler = scope["app"].exception_handlers[Exception]
            response = await handler(Request(scope, receive), exc)
            await response(scope, receive, send)
