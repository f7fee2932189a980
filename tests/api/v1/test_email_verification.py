"""SECURITY.md check 8: email codes are single-use, expire, are bound to user and address,
and lock after ten wrong tries; resending is rate-limited and reveals nothing."""

from __future__ import annotations

from datetime import timedelta

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.models import EmailVerificationCode
from datadive.db.types import utcnow
from tests.support.accounts import PASSWORD, browser, sign_up
from tests.support.mail import Mailbox, code_in

VERIFY = "/api/v1/auth/verify-email"
RESEND = "/api/v1/auth/verify-email/resend"


def latest_code(mailbox: Mailbox, address: str = "ada@example.org") -> str:
    return code_in(mailbox.to(address)[-1])


async def test_a_code_works_once(client: httpx.AsyncClient, mailbox: Mailbox) -> None:
    await sign_up(client)
    code = latest_code(mailbox)

    first = await client.post(VERIFY, json={"code": code})
    second = await client.post(VERIFY, json={"code": code})

    assert first.status_code == 200
    assert first.json()["email_verified"] is True
    assert second.status_code == 422
    assert second.json()["errors"][0]["field"] == "code"


async def test_an_expired_code_is_refused(
    app: FastAPI, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await sign_up(client)
    async with app.state.database.transaction() as session:
        await session.execute(
            sa.update(EmailVerificationCode).values(expires_at=utcnow() - timedelta(seconds=1))
        )

    response = await client.post(VERIFY, json={"code": latest_code(mailbox)})

    assert response.status_code == 422
    assert (await client.get("/api/v1/auth/me")).json()["email_verified"] is False


async def test_a_code_is_bound_to_its_user_and_address(
    app: FastAPI, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await sign_up(client, "ada")
    async with browser(app) as grace:
        await sign_up(grace, "grace")
        stolen = await grace.post(
            VERIFY, json={"email": "grace@example.org", "code": latest_code(mailbox)}
        )
    assert stolen.status_code == 422

    old_code = latest_code(mailbox)
    changed = await client.patch(
        "/api/v1/auth/me", json={"email": "ada@lovelace.example", "current_password": PASSWORD}
    )
    assert changed.status_code == 200
    assert changed.json()["email_verified"] is False
    assert (await client.post(VERIFY, json={"code": old_code})).status_code == 422
    new_code = latest_code(mailbox, "ada@lovelace.example")
    assert (await client.post(VERIFY, json={"code": new_code})).status_code == 200


async def test_ten_wrong_codes_lock_the_code(client: httpx.AsyncClient, mailbox: Mailbox) -> None:
    await sign_up(client)
    code = latest_code(mailbox)
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    for _ in range(10):
        assert (await client.post(VERIFY, json={"code": wrong})).status_code == 422

    locked = await client.post(VERIFY, json={"code": code})

    assert locked.status_code == 422
    assert "too many" in locked.json()["errors"][0]["message"]


async def test_resending_replaces_the_code(client: httpx.AsyncClient, mailbox: Mailbox) -> None:
    await sign_up(client)
    old = latest_code(mailbox)

    assert (await client.post(RESEND)).status_code == 202

    new = latest_code(mailbox)
    assert new != old
    assert (await client.post(VERIFY, json={"code": old})).status_code == 422
    assert (await client.post(VERIFY, json={"code": new})).status_code == 200


async def test_resend_answers_alike_for_unknown_addresses_and_is_rate_limited(
    app: FastAPI, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await sign_up(client)
    async with browser(app) as anonymous:
        known = await anonymous.post(RESEND, json={"email": "ada@example.org"})
        unknown = await anonymous.post(RESEND, json={"email": "nobody@example.org"})
        assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
        # sign-up and the first resend used two of the five mails per hour for ada
        for _ in range(3):
            assert (await anonymous.post(RESEND, json={"email": "ada@example.org"})).is_success
        limited = await anonymous.post(RESEND, json={"email": "ada@example.org"})

    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert len(mailbox.to("ada@example.org")) == 5
    assert mailbox.to("nobody@example.org") == []
