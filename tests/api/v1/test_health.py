"""GET /api/v1/health: database reachable, migrations at head, version."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from datadive import __version__
from datadive.db.schema import downgrade_schema, head_revision
from datadive.execution.sandbox import probe


async def test_health_reports_the_database_and_version(
    client: httpx.AsyncClient, database_kind: str
) -> None:
    response = await client.get("/api/v1/health")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "status": "ok",
        "version": __version__,
        "database": {
            "reachable": True,
            "dialect": database_kind,
            "revision": head_revision(),
            "head": head_revision(),
            "at_head": True,
            "problem": None,
        },
        # The test settings leave DATADIVE_SANDBOX at `auto`.
        "kernels_sandboxed": probe("bwrap") is None,
    }


async def test_health_is_unavailable_when_the_schema_falls_behind(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await downgrade_schema(app.state.database.engine, "-1")

    response = await client.get("/api/v1/health")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"]["at_head"] is False
    assert "datadive db upgrade" in body["database"]["problem"]


async def test_openapi_lists_the_health_route(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Datadive"
    assert "get" in document["paths"]["/api/v1/health"]


async def test_interactive_docs_are_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/docs")

    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "/api/v1/openapi.json" in response.text
