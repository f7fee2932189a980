"""Request bodies take JSON values as the types they are: `0` is not a boolean, `1` is not a
title, `"1"` is not a position. What real clients send (true/false, numbers, ISO dates) works."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from tests.support.world import World, build_world


@pytest.fixture
async def world(app: FastAPI) -> World:
    return await build_world(app)


def refused_fields(answer: Any) -> list[str]:
    return [error["field"] for error in answer.json()["errors"]]


async def test_coercible_values_of_the_wrong_json_type_are_refused(
    app: FastAPI, world: World
) -> None:
    project = f"/api/v1/projects/{world.project_id}"
    cells = f"/api/v1/notebooks/{world.notebook_id}/cells"
    cases: list[tuple[str, str, dict[str, Any], str]] = [
        ("PATCH", project, {"archived": 0}, "archived"),
        ("PATCH", project, {"archived": "true"}, "archived"),
        ("POST", "/api/v1/projects", {"title": 2026}, "title"),
        ("POST", cells, {"kind": "code", "source": "x", "position": "0"}, "position"),
        ("POST", cells, {"kind": "code", "source": 1}, "source"),
        (
            "POST",
            "/api/v1/auth/tokens",
            {"name": "ci", "scope": "read", "expires_at": 0},
            "expires_at",
        ),
        ("POST", "/api/v1/auth/sign-out", {"everywhere": 1}, "everywhere"),
    ]
    answers = []
    async with world.owner.client(app) as owner:
        for method, url, body, field in cases:
            answer = await owner.request(method, url, json=body)
            fields = refused_fields(answer) if answer.status_code == 422 else []
            answers.append((url, field, answer.status_code, field in fields))

    assert answers == [(url, field, 422, True) for _, url, _, field in cases]


async def test_what_clients_send_is_still_taken(app: FastAPI, world: World) -> None:
    async with world.owner.client(app) as owner:
        archived = await owner.patch(
            f"/api/v1/projects/{world.project_id}", json={"archived": True}
        )
        token = await owner.post(
            "/api/v1/auth/tokens",
            json={"name": "ci", "scope": "write", "expires_at": "2030-01-01T00:00:00Z"},
        )
        first = await owner.post(
            f"/api/v1/notebooks/{world.notebook_id}/cells",
            json={"kind": "code", "source": "x = 1", "position": 0},
        )

    assert archived.status_code == 200
    assert archived.json()["archived"] is True
    assert token.status_code == 201
    assert token.json()["expires_at"].startswith("2030-01-01T00:00:00")
    assert first.status_code == 409  # an archived project is read-only: the body was valid


async def test_a_query_boolean_is_true_or_false(app: FastAPI, world: World) -> None:
    url = f"/api/v1/projects/{world.project_id}/files"
    upload = {"file": ("a.csv", b"a\n1\n", "text/csv")}
    async with world.editor.client(app) as editor:
        one = await editor.post(f"{url}?overwrite=1", files=upload)
        yes = await editor.post(f"{url}?overwrite=true", files=upload)

    assert one.status_code == 422
    assert refused_fields(one) == ["query.overwrite"]
    assert "true or false" in one.json()["errors"][0]["message"]
    assert yes.status_code == 201
