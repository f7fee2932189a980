"""SECURITY.md check 11 and bad input at sign-up: each refusal is a 4xx problem+json naming
the field, and nothing is half-created."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.models import EmailVerificationCode, User, UserSession
from tests.support.accounts import new_user, sign_in, sign_up

SIGN_UP = "/api/v1/auth/sign-up"


async def row_counts(app: FastAPI) -> tuple[int, int, int]:
    async with app.state.database.new_session() as session:
        counts = [
            await session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (User, UserSession, EmailVerificationCode)
        ]
    return counts[0] or 0, counts[1] or 0, counts[2] or 0


def with_(**changes: object) -> dict[str, object]:
    body: dict[str, object] = dict(new_user())
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"username", "email", "password"}),
        (with_(password=None, email=None), {"email", "password"}),
        (with_(email="not-an-address"), {"email"}),
        (with_(email="ada@"), {"email"}),
        (with_(password="1234567"), {"password"}),
        (with_(password="x" * 10_000), {"password"}),
        (with_(password="iloveyou"), {"password"}),
        (with_(password="ada@example.org"), {"password"}),
        (with_(username="a"), {"username"}),
        (with_(username="ada lovelace"), {"username"}),
        (with_(username="аda"), {"username"}),  # noqa: RUF001 - Cyrillic a: a look-alike
        (with_(is_admin=True), {"is_admin"}),
        (with_(email_verified=True), {"email_verified"}),
        (with_(first_name="x" * 101), {"first_name"}),
    ],
)
async def test_bad_input_names_each_field_and_creates_nothing(
    app: FastAPI, client: httpx.AsyncClient, body: dict[str, object], fields: set[str]
) -> None:
    response = await client.post(SIGN_UP, json=body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert {error["field"] for error in response.json()["errors"]} == fields
    assert await row_counts(app) == (0, 0, 0)


@pytest.mark.parametrize("payload", ["[]", '"ada"', "12", "null", "{"])
async def test_json_that_is_not_an_object_is_refused(
    app: FastAPI, client: httpx.AsyncClient, payload: str
) -> None:
    response = await client.post(
        SIGN_UP, content=payload, headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"
    assert await row_counts(app) == (0, 0, 0)


@pytest.mark.parametrize(
    ("username", "email"),
    [
        ("ADA", "other@example.org"),
        ("Ａｄａ", "other@example.org"),  # noqa: RUF001 - full-width letters normalize to "ada"
        ("other", "ADA@Example.ORG"),
    ],
)
async def test_look_alike_usernames_and_emails_collide(
    app: FastAPI, client: httpx.AsyncClient, username: str, email: str
) -> None:
    await sign_up(client)

    response = await client.post(SIGN_UP, json=with_(username=username, email=email))

    assert response.status_code == 409
    assert await row_counts(app) == (1, 1, 1)


async def test_passwords_are_argon2id_long_ones_are_kept_whole(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    long_password = "correct horse battery staple " * 4  # 116 characters
    response = await client.post(SIGN_UP, json=with_(password=long_password))
    assert response.status_code == 201

    async with app.state.database.new_session() as session:
        stored = await session.scalar(sa.select(User.password_hash))
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert long_password not in stored
    assert (await sign_in(client, password=long_password[:72])).status_code == 401
    assert (await sign_in(client, password=long_password)).status_code == 200


async def test_usernames_are_stored_normalized(client: httpx.AsyncClient) -> None:
    response = await client.post(SIGN_UP, json=with_(username="Ada.Lovelace"))

    assert response.json()["username"] == "ada.lovelace"
    assert (await sign_in(client, login="ADA.LOVELACE")).status_code == 200
