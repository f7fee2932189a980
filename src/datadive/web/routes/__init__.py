"""The page routes, one module per area. None of them appears in the API's OpenAPI."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from datadive.web.deps import page_viewer
from datadive.web.routes import (
    accounts,
    cell_picker,
    file_page,
    files,
    members,
    notebooks,
    password_reset,
    profile,
    projects,
    servers,
    template_editor,
    template_library,
    workspace,
)

ROUTERS: tuple[APIRouter, ...] = (
    accounts.router,
    password_reset.router,
    profile.router,
    projects.router,
    notebooks.router,
    workspace.router,
    cell_picker.router,
    servers.router,
    members.router,
    files.router,
    file_page.router,
    template_library.router,
    template_editor.router,
)


def build_router() -> APIRouter:
    # `page_viewer` runs before anything else a page needs, so that even a page that fails
    # early (404, 403) is rendered for the person looking at it.
    router = APIRouter(include_in_schema=False, dependencies=[Depends(page_viewer)])
    for module_router in ROUTERS:
        router.include_router(module_router)
    return router
