"""The whole account story through HTTP alone, with mail read from where a user reads it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from datadive.app import create_app
from datadive.config import Settings
from tests.support.accounts import PASSWORD, browser, new_user
from tests.support.mail import Mailbox, code_in, outbox_messages


@pytest.fixture
async def outbox_app(tmp_path: Path, database_url: str) -> AsyncIterator[FastAPI]:
    """Datadive with no mail server configured: mails land in the outbox folder."""
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", database_url=database_url)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


async def test_sign_up_verify_sign_in_token_sign_out_via_the_outbox(
    outbox_app: FastAPI, tmp_path: Path
) -> None:
    async with browser(outbox_app) as client:
        signed_up = await client.post("/api/v1/auth/sign-up", json=new_user("ada"))
        assert signed_up.status_code == 201
        assert signed_up.json()["email_verified"] is False

        (mail,) = outbox_messages(tmp_path / "data" / "outbox")
        assert mail["To"] == "ada@example.org"
        verified = await client.post(
            "/api/v1/auth/verify-email", json={"email": "ada@example.org", "code": code_in(mail)}
        )
        assert verified.status_code == 200
        assert verified.json()["email_verified"] is True

        signed_in = await client.post(
            "/api/v1/auth/sign-in", json={"login": "ADA@example.org", "password": PASSWORD}
        )
        assert signed_in.status_code == 200
        cookie = client.cookies["datadive_session"]

        me = await client.get("/api/v1/auth/me")
        assert me.json()["username"] == "ada"

        created = await client.post(
            "/api/v1/auth/tokens", json={"name": "analysis script", "scope": "write"}
        )
        assert created.status_code == 201
        token = created.json()["token"]

        async with browser(outbox_app) as script:
            by_token = await script.get(
                "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
            )
        assert by_token.status_code == 200
        assert by_token.json()["email"] == "ada@example.org"

        signed_out = await client.post("/api/v1/auth/sign-out")
        assert signed_out.status_code == 204

    async with browser(outbox_app) as replay:
        replay.cookies.set("datadive_session", cookie)
        after = await replay.get("/api/v1/auth/me")
    assert after.status_code == 401
    assert after.headers["content-type"] == "application/problem+json"


async def test_the_code_arrives_over_smtp_when_a_mail_server_is_configured(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await client.post("/api/v1/auth/sign-up", json=new_user("grace"))

    (mail,) = mailbox.to("grace@example.org")
    assert len(code_in(mail)) == 8
    assert "Grace" in mail.get_body().get_content()  # type: ignore[attr-defined]


async def test_a_failing_mail_server_creates_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    app.state.mailer.port = 1  # the mail server is unreachable

    response = await client.post("/api/v1/auth/sign-up", json=new_user("ada"))

    assert response.status_code == 503
    assert "try again" in response.json()["detail"]
    retry = await client.post("/api/v1/auth/sign-in", json={"login": "ada", "password": PASSWORD})
    assert retry.status_code == 401
