"""Version 1 of the JSON API, mounted at /api/v1."""

from fastapi import APIRouter

from datadive.api.v1 import auth, health, tokens


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1")
    router.include_router(health.router)
    router.include_router(auth.router)
    router.include_router(tokens.router)
    return router
