"""SECURITY.md check 10: API tokens are shown once and stored hashed; revoked or expired
tokens fail at once; a read-only token cannot write."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.models import ApiToken
from datadive.db.types import utcnow
from tests.support.accounts import browser, sign_up

TOKENS = "/api/v1/auth/tokens"
ME = "/api/v1/auth/me"


async def create_token(
    client: httpx.AsyncClient, scope: str = "read", **extra: object
) -> dict[str, str]:
    response = await client.post(TOKENS, json={"name": f"{scope} token", "scope": scope, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, str] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_the_secret_is_shown_once_and_stored_hashed(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sign_up(client)
    created = await create_token(client)

    listed = (await client.get(TOKENS)).json()
    assert [item["id"] for item in listed["items"]] == [created["id"]]
    assert "token" not in listed["items"][0]
    assert listed["next_cursor"] is None
    secret = created["token"].partition(".")[2]
    async with app.state.database.new_session() as session:
        row = await session.get(ApiToken, created["id"])
    assert row is not None
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()


async def test_a_revoked_token_fails_at_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    await sign_up(client)
    created = await create_token(client)
    async with browser(app) as script:
        assert (await script.get(ME, headers=bearer(created["token"]))).status_code == 200

        assert (await client.delete(f"{TOKENS}/{created['id']}")).status_code == 204

        assert (await script.get(ME, headers=bearer(created["token"]))).status_code == 401
    assert (await client.delete(f"{TOKENS}/{created['id']}")).status_code == 404


async def test_an_expired_token_fails(app: FastAPI, client: httpx.AsyncClient) -> None:
    await sign_up(client)
    created = await create_token(client, expires_at=(utcnow() + timedelta(days=1)).isoformat())
    async with app.state.database.transaction() as session:
        await session.execute(
            sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )

    async with browser(app) as script:
        assert (await script.get(ME, headers=bearer(created["token"]))).status_code == 401


async def test_a_read_token_reads_but_cannot_write(app: FastAPI, client: httpx.AsyncClient) -> None:
    await sign_up(client)
    read = await create_token(client, "read")
    write = await create_token(client, "write")

    async with browser(app) as script:
        assert (await script.get(ME, headers=bearer(read["token"]))).status_code == 200
        refused = await script.patch(ME, json={"first_name": "X"}, headers=bearer(read["token"]))
        allowed = await script.patch(ME, json={"first_name": "Y"}, headers=bearer(write["token"]))

    assert refused.status_code == 403
    assert "read-only" in refused.json()["detail"]
    assert allowed.status_code == 200


async def test_tokens_cannot_create_tokens(app: FastAPI, client: httpx.AsyncClient) -> None:
    await sign_up(client)
    write = await create_token(client, "write")

    async with browser(app) as script:
        response = await script.post(
            TOKENS, json={"name": "escalate", "scope": "write"}, headers=bearer(write["token"])
        )

    assert response.status_code == 403


@pytest.mark.parametrize(
    "authorization",
    ["Bearer ", "Bearer nonsense", "Basic YWRhOnB3", "Bearer ddt_x.y", "Bearer ddt_" + "a" * 300],
)
async def test_malformed_tokens_are_401(app: FastAPI, authorization: str) -> None:
    async with browser(app) as script:
        response = await script.get(ME, headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_bad_token_requests_name_the_field(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    past = (utcnow() - timedelta(days=1)).isoformat()

    cases = [
        ({"name": "", "scope": "read"}, "name"),
        ({"name": "x", "scope": "admin"}, "scope"),
        ({"name": "x", "expires_at": past}, "expires_at"),
        ({"name": "x", "expires_at": "2030-01-01T00:00:00"}, "expires_at"),
    ]
    for body, field in cases:
        response = await client.post(TOKENS, json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field
    assert (await client.get(TOKENS)).json()["items"] == []


async def test_the_token_list_is_paginated(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    created = [await create_token(client) for _ in range(3)]

    first = (await client.get(TOKENS, params={"limit": 2})).json()
    second = (await client.get(TOKENS, params={"limit": 2, "cursor": first["next_cursor"]})).json()

    ids = [item["id"] for item in first["items"] + second["items"]]
    assert ids == [token["id"] for token in created]
    assert second["next_cursor"] is None
