"""SECURITY.md check 9: reset tokens are long, hashed, single-use, expire in an hour, are
superseded by newer ones, and asking for one reveals nothing and is rate-limited."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.models import PasswordResetToken
from datadive.db.types import utcnow
from tests.support.accounts import browser, sign_in, sign_up
from tests.support.mail import Mailbox, reset_token_in

REQUEST = "/api/v1/auth/password-reset"
NEW_PASSWORD = "a brand new passphrase"


async def request_reset(
    client: httpx.AsyncClient, email: str = "ada@example.org"
) -> httpx.Response:
    return await client.post(REQUEST, json={"email": email})


def latest_token(mailbox: Mailbox) -> str:
    return reset_token_in(mailbox.to("ada@example.org")[-1])


async def reset(
    client: httpx.AsyncClient, token: str, password: str = NEW_PASSWORD
) -> httpx.Response:
    return await client.post(f"{REQUEST}/{token}", json={"password": password})


async def tokens(app: FastAPI) -> list[PasswordResetToken]:
    async with app.state.database.new_session() as session:
        return list((await session.scalars(sa.select(PasswordResetToken))).all())


async def test_the_token_is_long_hashed_and_expires_in_an_hour(
    app: FastAPI, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await sign_up(client)
    assert (await request_reset(client)).status_code == 202

    token = latest_token(mailbox)
    token_id, _, secret = token.partition(".")
    assert len(secret) >= 43  # 256 bits
    (row,) = await tokens(app)
    assert row.id == token_id
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert timedelta(minutes=59) < row.expires_at - utcnow() <= timedelta(minutes=60)


async def test_a_reset_sets_the_password_once_and_ends_every_session(
    app: FastAPI, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await sign_up(client)
    await request_reset(client)
    token = latest_token(mailbox)

    async with browser(app) as anonymous:
        first = await reset(anonymous, token)
        again = await reset(anonymous, token, password="yet another passphrase")
        signed_in = await sign_in(anonymous, password=NEW_PASSWORD)

    assert first.status_code == 200
    assert again.status_code == 404
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    assert signed_in.status_code == 200


async def test_an_expired_token_is_refused(
    app: FastAPI, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await sign_up(client)
    await request_reset(client)
    async with app.state.database.transaction() as session:
        await session.execute(
            sa.update(PasswordResetToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )

    assert (await reset(client, latest_token(mailbox))).status_code == 404


async def test_a_newer_token_supersedes_the_older(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await sign_up(client)
    await request_reset(client)
    older = latest_token(mailbox)
    await request_reset(client)
    newer = latest_token(mailbox)

    assert (await reset(client, older)).status_code == 404
    assert (await reset(client, newer)).status_code == 200


async def test_tampered_tokens_are_refused(client: httpx.AsyncClient, mailbox: Mailbox) -> None:
    await sign_up(client)
    await request_reset(client)
    token_id, _, secret = latest_token(mailbox).partition(".")

    flipped = secret[:-1] + ("B" if secret.endswith("A") else "A")
    for forged in [f"{token_id}.{flipped}", token_id, "nonsense", f"{token_id}."]:
        assert (await reset(client, forged)).status_code == 404


async def test_a_weak_new_password_is_refused_and_the_token_stays_usable(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await sign_up(client)
    await request_reset(client)
    token = latest_token(mailbox)

    weak = await reset(client, token, password="short")

    assert weak.status_code == 422
    assert weak.json()["errors"][0]["field"] == "password"
    assert (await reset(client, token)).status_code == 200


async def test_requests_reveal_nothing_and_are_rate_limited(
    app: FastAPI, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await sign_up(client)
    async with browser(app) as anonymous:
        known = await request_reset(anonymous)
        unknown = await request_reset(anonymous, "nobody@example.org")
        assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
        for _ in range(3):  # the sign-up mail and the first request count too
            assert (await request_reset(anonymous)).status_code == 202
        limited = await request_reset(anonymous)

    assert limited.status_code == 429
    assert mailbox.to("nobody@example.org") == []


async def test_a_malformed_address_is_a_field_error(client: httpx.AsyncClient) -> None:
    response = await request_reset(client, "not an address")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "email"
