"""Dependencies of the page routes: who is looking, and the form they sent.

Pages authenticate exactly like the API (`api.deps`): the same session cookie, renewed the
same way. What differs is the answer to an anonymous caller: the page error handler turns
`Unauthorized` into a redirect to the sign-in page.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request, Response

from datadive.api.deps import SIGN_IN_REQUIRED, OptionalPrincipal
from datadive.auth.principal import Principal
from datadive.errors import Invalid, Unauthorized
from datadive.web.rendering import Viewer

# Forms here are a few short fields; anything bigger is not one of ours.
MAX_FORM_BYTES = 64 * 1024


async def page_viewer(
    request: Request, response: Response, principal: OptionalPrincipal
) -> Principal | None:
    """Run first for every page: remember who is looking, for the layout and error pages.

    `response` carries the renewed session cookie, if any; FastAPI drops it when a route
    returns its own response, so `rendering.render` and `navigation.redirect` copy it over.
    """
    request.state.viewer = Viewer.of(principal.user) if principal else None
    request.state.pending_cookies = response
    return principal


async def signed_in(principal: Annotated[Principal | None, Depends(page_viewer)]) -> Principal:
    if principal is None:
        raise Unauthorized(SIGN_IN_REQUIRED, keep_changes=True)
    return principal


MaybeSignedIn = Annotated[Principal | None, Depends(page_viewer)]
SignedIn = Annotated[Principal, Depends(signed_in)]


async def form_fields(request: Request) -> dict[str, str]:
    """The posted `application/x-www-form-urlencoded` fields (the last value of a repeated
    name wins). Every field is optional here; the services say what is missing."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in {"", "application/x-www-form-urlencoded"}:
        raise Invalid.field("body", "must be a form (application/x-www-form-urlencoded)")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_FORM_BYTES:
            raise Invalid.field("body", f"is larger than {MAX_FORM_BYTES // 1024} KiB")
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise Invalid.field("body", "is not UTF-8") from None
    return dict(parse_qsl(text, keep_blank_values=True))


FormFields = Annotated[dict[str, str], Depends(form_fields)]
