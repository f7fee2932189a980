"""SECURITY.md checks 1-6: session tokens, rotation, expiry, cookie attributes, sign-out,
password changes, and cross-site requests."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.models import UserSession
from datadive.db.types import utcnow
from tests.support.accounts import PASSWORD, browser, sign_in, sign_up

ME = "/api/v1/auth/me"


async def session_rows(app: FastAPI) -> list[UserSession]:
    async with app.state.database.new_session() as session:
        return list((await session.scalars(sa.select(UserSession))).all())


async def test_tokens_are_random_and_only_their_hash_is_stored_or_logged(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await sign_up(client)
    first = client.cookies["datadive_session"]
    await sign_in(client)
    token = client.cookies["datadive_session"]

    session_id, _, secret = token.partition(".")
    assert len(secret) >= 43  # 32 random bytes, base64url
    assert first != token
    (row,) = await session_rows(app)
    assert row.id == session_id
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(vars(row))
    assert all(secret not in record.getMessage() for record in caplog.records)


async def test_signing_in_again_replaces_the_old_session(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sign_up(client)
    old = client.cookies["datadive_session"]

    await sign_in(client)

    new = client.cookies["datadive_session"]
    assert new != old
    assert len(await session_rows(app)) == 1
    async with browser(app) as other:
        other.cookies.set("datadive_session", old)
        assert (await other.get(ME)).status_code == 401


async def test_signing_up_while_signed_in_ends_the_old_session(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sign_up(client, "ada")
    old = client.cookies["datadive_session"]

    await sign_up(client, "grace")

    assert client.cookies["datadive_session"] != old
    (row,) = await session_rows(app)
    assert row.id != old.partition(".")[0]


@pytest.mark.parametrize("deadline", ["idle_expires_at", "absolute_expires_at"])
async def test_an_expired_session_answers_401_and_is_deleted(
    app: FastAPI, client: httpx.AsyncClient, deadline: str
) -> None:
    await sign_up(client)
    async with app.state.database.transaction() as session:
        await session.execute(
            sa.update(UserSession).values({deadline: utcnow() - timedelta(seconds=1)})
        )

    response = await client.get(ME)

    assert response.status_code == 401
    assert await session_rows(app) == []


async def test_a_session_used_near_its_idle_expiry_is_extended_and_the_cookie_reset(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sign_up(client)
    soon = utcnow() + timedelta(minutes=1)
    async with app.state.database.transaction() as session:
        await session.execute(sa.update(UserSession).values(idle_expires_at=soon))

    response = await client.get(ME)

    assert response.status_code == 200
    assert "datadive_session=" in response.headers["set-cookie"]
    (row,) = await session_rows(app)
    assert row.idle_expires_at > utcnow() + timedelta(days=6)
    assert row.idle_expires_at <= row.absolute_expires_at


async def test_renewal_never_passes_the_absolute_cap(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sign_up(client)
    cap = utcnow() + timedelta(hours=2)
    async with app.state.database.transaction() as session:
        await session.execute(
            sa.update(UserSession).values(
                idle_expires_at=utcnow() + timedelta(minutes=1), absolute_expires_at=cap
            )
        )

    assert (await client.get(ME)).status_code == 200

    (row,) = await session_rows(app)
    assert row.idle_expires_at == cap


async def test_cookie_over_https_is_host_prefixed_secure_httponly_lax(app: FastAPI) -> None:
    async with browser(app, base_url="https://datadive.example") as client:
        response = await client.post(
            "/api/v1/auth/sign-up",
            json={"username": "ada", "email": "ada@example.org", "password": PASSWORD},
        )

    cookie = response.headers["set-cookie"]
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert cookie.startswith("__Host-datadive_session=")
    assert "secure" in attributes
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    assert not any(part.startswith("domain") for part in attributes)


async def test_cookie_on_plain_http_localhost_is_not_secure(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/sign-up",
        json={"username": "ada", "email": "ada@example.org", "password": PASSWORD},
    )

    cookie = response.headers["set-cookie"]
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert cookie.startswith("datadive_session=")
    assert "secure" not in attributes
    assert {"httponly", "samesite=lax", "path=/"} <= set(attributes)


async def test_sign_out_ends_the_session_for_good(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    cookie = client.cookies["datadive_session"]

    assert (await client.post("/api/v1/auth/sign-out")).status_code == 204

    client.cookies.set("datadive_session", cookie)
    assert (await client.get(ME)).status_code == 401


async def test_sign_out_everywhere_ends_every_session(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sign_up(client)
    async with browser(app) as laptop:
        await sign_in(laptop)

        await client.post("/api/v1/auth/sign-out", json={"everywhere": True})

        assert (await laptop.get(ME)).status_code == 401
    assert await session_rows(app) == []


async def test_changing_the_password_ends_every_other_session(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sign_up(client)
    async with browser(app) as laptop:
        await sign_in(laptop)

        changed = await client.patch(
            ME, json={"current_password": PASSWORD, "new_password": "a new and long secret"}
        )

        assert changed.status_code == 200
        assert (await laptop.get(ME)).status_code == 401
    assert (await client.get(ME)).status_code == 200
    assert len(await session_rows(app)) == 1
    assert (await sign_in(client, password="a new and long secret")).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "null"},
        {"Origin": "https://evil.example"},
        {"Origin": "http://localhost", "Sec-Fetch-Site": "cross-site"},
    ],
    ids=["no-origin", "null-origin", "foreign-origin", "cross-site"],
)
async def test_cookie_authenticated_changes_from_elsewhere_are_refused(
    app: FastAPI, client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    await sign_up(client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://localhost", headers=headers
    ) as forged:
        forged.cookies.set("datadive_session", client.cookies["datadive_session"])
        response = await forged.patch(ME, json={"first_name": "Mallory"})

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert (await client.get(ME)).json()["first_name"] == "Ada"


async def test_a_foreign_origin_cannot_sign_in_either(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sign_up(client)
    async with browser(app, base_url="http://localhost") as other:
        other.headers["Origin"] = "https://evil.example"
        response = await sign_in(other)

    assert response.status_code == 403


async def test_same_origin_changes_pass(client: httpx.AsyncClient) -> None:
    await sign_up(client)

    response = await client.patch(ME, json={"first_name": "Augusta"})

    assert response.status_code == 200
    assert response.json()["first_name"] == "Augusta"
