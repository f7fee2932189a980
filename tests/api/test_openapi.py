"""The OpenAPI document describes authentication, errors and links; `Allow` tells the truth."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.accounts import sign_up

PROBLEM = "application/problem+json"


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = document["paths"][f"/api/v1{path}"][method]
    return found


async def test_the_document_names_the_session_cookie_and_the_bearer_token(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["sessionCookie"] == schemes["sessionCookie"] | {
        "type": "apiKey",
        "in": "cookie",
        "name": "__Host-datadive_session",
    }
    assert schemes["apiToken"]["scheme"] == "bearer"
    assert operation(document, "post", "/auth/sign-up")["security"] == []
    assert operation(document, "get", "/health")["security"] == []
    assert operation(document, "post", "/auth/tokens")["security"] == [{"sessionCookie": []}]
    assert operation(document, "get", "/projects")["security"] == [
        {"sessionCookie": []},
        {"apiToken": []},
    ]


async def test_every_error_answer_is_a_problem(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        for method, described in item.items():
            errors = {s: r for s, r in described["responses"].items() if s.startswith(("4", "5"))}
            for status, response in errors.items():
                if path.endswith("/health"):
                    continue
                assert list(response["content"]) == [PROBLEM], (method, path, status)
            if described["security"] and {} not in described["security"]:
                assert "401" in errors, (method, path)
    upload = operation(document, "post", "/projects/{project_id}/files")["responses"]
    assert {"403", "404", "409", "413", "415", "422"} <= set(upload)
    assert (
        "Retry-After" in operation(document, "post", "/auth/sign-in")["responses"]["429"]["headers"]
    )


async def test_a_created_project_links_to_its_reads_and_changes(document: dict[str, Any]) -> None:
    links = operation(document, "post", "/projects")["responses"]["201"]["links"]
    assert links["ReadProject"] == {
        "operationId": "read_project",
        "parameters": {"project_id": "$response.body#/id"},
    }
    assert {"UpdateProject", "DeleteProject", "CreateNotebook", "UploadFile"} <= set(links)
    notebook_links = operation(document, "post", "/projects/{project_id}/notebooks")["responses"][
        "201"
    ]["links"]
    assert notebook_links["CreateCell"]["operationId"] == "create_cell"


async def test_options_lists_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    response = await client.options("/api/v1/auth/me")

    assert response.status_code == 204
    assert response.headers["allow"] == "GET, PATCH, OPTIONS"


async def test_a_missing_method_is_405_with_the_same_allow(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    response = await client.put("/api/v1/projects/p-1", json={})

    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PATCH, OPTIONS"
    assert response.headers["content-type"] == PROBLEM
    assert "Allowed: DELETE, GET, PATCH, OPTIONS" in response.json()["detail"]


async def test_options_on_an_unknown_api_path_is_404(client: httpx.AsyncClient) -> None:
    response = await client.options("/api/v1/nothing-here")

    assert response.status_code == 404


async def test_a_body_that_is_not_utf8_is_422_naming_the_body(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    response = await client.post(
        "/api/v1/projects", content=b"\xea\xa6\xfb", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"
    assert "UTF-8" in response.json()["detail"]


async def test_every_change_inside_a_project_may_meet_an_archived_project(
    client: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    await sign_up(client)
    project = (await client.post("/api/v1/projects", json={"title": "Old"})).json()
    notebook = (
        await client.post(f"/api/v1/projects/{project['id']}/notebooks", json={"title": "N"})
    ).json()
    await client.patch(f"/api/v1/projects/{project['id']}", json={"archived": True})

    response = await client.delete(f"/api/v1/notebooks/{notebook['id']}")

    assert response.status_code == 409
    assert "unarchive" in response.json()["detail"]
    assert "409" in operation(document, "delete", "/notebooks/{notebook_id}")["responses"]
    assert "409" in operation(document, "delete", "/files/{file_id}")["responses"]
