"""Version 1 of the JSON API, mounted at /api/v1."""

from fastapi import APIRouter

from datadive.api.v1 import (
    auth,
    cell_templates,
    cells,
    events,
    files,
    health,
    members,
    notebooks,
    projects,
    runs,
    servers,
    table_exports,
    tokens,
)

PREFIX = "/api/v1"

# Every router of the API; tests walk these to check each route's permission.
ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    auth.router,
    tokens.router,
    projects.router,
    members.router,
    notebooks.router,
    cells.router,
    cell_templates.router,
    runs.router,
    servers.router,
    events.router,
    files.router,
    table_exports.router,
)


def build_router() -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    for module_router in ROUTERS:
        router.include_router(module_router)
    return router
