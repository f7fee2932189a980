"""The web pages: server-rendered HTML (Jinja2) enhanced with htmx, calling the same services
as the JSON API. `install_web(app)` is the one call `create_app` makes."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from datadive.web.errors import install_page_error_handlers
from datadive.web.rendering import STATIC_DIR, STATIC_PREFIX, build_templates
from datadive.web.routes import build_router


def install_web(app: FastAPI) -> None:
    """Mount the static assets, add the page routes and the HTML error pages.

    Call after the API's problem handlers: the page handlers answer for page paths and hand
    everything under /api back to them.
    """
    app.state.templates = build_templates()
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(build_router())
    install_page_error_handlers(app)
