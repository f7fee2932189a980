from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Response

from datadive.api.deps import BackendDep, DatabaseDep
from datadive.schemas.health import HealthPublic
from datadive.services.health import check_health

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthPublic,
    summary="Is Datadive able to serve?",
    responses={503: {"model": HealthPublic, "description": "Database unreachable or stale"}},
)
async def read_health(
    database: DatabaseDep, backend: BackendDep, response: Response
) -> HealthPublic:
    health = await check_health(database)
    response.status_code = 200 if health.ok else 503
    response.headers["Cache-Control"] = "no-store"
    return HealthPublic.model_validate(
        {
            "status": "ok" if health.ok else "unavailable",
            "version": health.version,
            "database": asdict(health.database),
            "kernels_sandboxed": backend.kernels_sandboxed,
        }
    )
