"""Rendering pages: one autoescaping Jinja2 environment, the context every page shares, and
the headers every page carries."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from datadive import __version__
from datadive.db.models import User
from datadive.web.forms import sentence

WEB_DIR = Path(__file__).parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
STATIC_PREFIX = "/static"

# Pages load only their own scripts and styles: kernel output and user text can never add
# a script that runs, even if escaping were forgotten somewhere.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Kernel HTML (widgets' fallbacks, styled reports) is shown in `<iframe sandbox>` loaded from
# `/cells/{id}/outputs/{n}`, with this policy of its own: its inline styles apply, nothing else
# does — no script, no request anywhere (images only as data: URLs), no form, no plugin. The
# `sandbox` directive makes the document a unique origin even if it is opened on its own, so it
# can never read Datadive's cookies or pages; only Datadive's pages may frame it.
OUTPUT_FRAME_POLICY = "; ".join(
    [
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "img-src data:",
        "font-src data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
        "sandbox",
    ]
)
OUTPUT_FRAME_HEADERS = {
    "Content-Security-Policy": OUTPUT_FRAME_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Pages show personal data (and an API token, once); no shared cache may keep them.
    "Cache-Control": "no-store",
}

ToastLevel = Literal["info", "error"]

# Confirmations a redirect can ask the next page to show (`?notice=verified`): fixed texts,
# so that a link can never make a page say something Datadive did not write.
NOTICES = {
    "verified": "Your email address is confirmed.",
    "verified-sign-in": "Your email address is confirmed. Sign in to continue.",
    "reset": "Your password has been changed. Sign in with the new one.",
    "signed-out": "You are signed out.",
    "signed-out-everywhere": "You are signed out on every device.",
    "name": "Your name has been saved.",
    "password": "Your password has been changed; other devices were signed out.",
    "restored": "The project has been restored.",
    "unarchived": "The project is active again.",
    "saved": "Your changes have been saved.",
    "cell-added": "The cell that loads the file has been added at the end of this notebook.",
}


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as the layout shows them: plain values, safe to render even after
    the request's transaction was rolled back."""

    id: str
    username: str
    display_name: str
    email: str
    email_verified: bool

    @classmethod
    def of(cls, user: User) -> Viewer:
        full_name = f"{user.first_name} {user.last_name}".strip()
        return cls(
            id=user.id,
            username=user.username,
            display_name=full_name or user.username,
            email=user.email,
            email_verified=user.email_verified,
        )


def static_url(path: str) -> str:
    """Our own assets carry the version, so a new release is never served from a stale cache."""
    return f"{STATIC_PREFIX}/{path}?v={__version__}"


def format_time(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return f"{value.day} {value:%b %Y, %H:%M} UTC"


def build_templates() -> Jinja2Templates:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        # A misspelt variable fails loudly in the tests instead of rendering as nothing.
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(static=static_url, version=__version__, field_sentence=sentence)
    environment.filters["when"] = format_time
    return Jinja2Templates(env=environment)


def is_htmx(request: Request) -> bool:
    """An htmx request that wants a fragment (a history restore wants the whole page)."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def viewer_of(request: Request) -> Viewer | None:
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    return viewer


def toast_headers(message: str, *, level: ToastLevel = "info") -> dict[str, str]:
    """Ask the page's script to show a toast once an htmx response arrives. JSON escapes
    non-ASCII, so the header stays within what HTTP headers may carry."""
    return {"HX-Trigger": json.dumps({"datadive:toast": {"level": level, "message": message}})}


def carry_cookies(request: Request, response: Response) -> Response:
    """Add the cookies a dependency set (a renewed session) to the response a route built."""
    pending: Response | None = getattr(request.state, "pending_cookies", None)
    if pending is not None:
        response.headers.raw.extend(
            (name, value) for name, value in pending.headers.raw if name == b"set-cookie"
        )
    return response


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    full_context = {
        "viewer": viewer_of(request),
        "htmx": is_htmx(request),
        "notice": NOTICES.get(request.query_params.get("notice", "")),
        **(context or {}),
    }
    response = templates.TemplateResponse(
        request,
        template,
        full_context,
        status_code=status_code,
        headers={**PAGE_HEADERS, **(headers or {})},
    )
    return carry_cookies(request, response)


def render_page(
    request: Request,
    page: str,
    context: Mapping[str, Any],
    *,
    fragment: str | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The whole page, or for htmx only `fragment` (the part of it the request changes)."""
    template = fragment if fragment is not None and is_htmx(request) else page
    return render(request, template, context, status_code=status_code, headers=headers)
