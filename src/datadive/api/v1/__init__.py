"""Version 1 of the JSON API, mounted at /api/v1."""

from fastapi import APIRouter

from datadive.api.v1 import health


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1")
    router.include_router(health.router)
    return router
