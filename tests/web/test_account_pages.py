"""Account pages that change something: a new code, a new email address, a new password,
signing out everywhere. The same services as the API, so the same rules hold."""

from __future__ import annotations

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.models import User, UserSession
from tests.support.accounts import PASSWORD
from tests.support.mail import Mailbox, code_in
from tests.support.world import build_world

SIGN_UP = {"username": "ada", "email": "ada@example.org", "password": PASSWORD}


async def test_a_new_code_replaces_the_old_one(client: httpx.AsyncClient, mailbox: Mailbox) -> None:
    await client.post("/sign-up", data=SIGN_UP)
    first = code_in(mailbox.messages[-1])

    resent = await client.post("/verify-email/resend", data={})
    assert resent.status_code == 200
    assert "a new code is on its way" in resent.text
    second = code_in(mailbox.messages[-1])

    old = await client.post("/verify-email", data={"code": first})
    new = await client.post("/verify-email", data={"code": second})
    assert len(mailbox.messages) == 2
    assert old.status_code == 422
    assert new.status_code == 303
    assert new.headers["location"] == "/?notice=verified"
    assert "Your email address is confirmed." in (await client.get("/?notice=verified")).text


async def test_a_new_email_address_must_be_confirmed(app: FastAPI, mailbox: Mailbox) -> None:
    world = await build_world(app)
    async with world.owner.client(app) as owner:
        changed = await owner.post(
            "/profile/email", data={"email": "new@example.org", "current_password": PASSWORD}
        )
        verify_page = await owner.get("/verify-email")
        confirmed = await owner.post(
            "/verify-email", data={"code": code_in(mailbox.to("new@example.org")[-1])}
        )

    assert changed.status_code == 303
    assert changed.headers["location"] == "/verify-email"
    assert "<strong>new@example.org</strong>" in verify_page.text
    assert confirmed.status_code == 303
    async with app.state.database.transaction() as session:
        user = await session.get(User, world.owner.user_id)
        assert user is not None
        assert (user.email, user.email_verified) == ("new@example.org", True)


async def test_a_new_password_signs_out_every_other_device(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.owner.client(app) as laptop:
        changed = await laptop.post(
            "/profile/password",
            data={
                "current_password": PASSWORD,
                "new_password": "a brand new pass phrase",
                "new_password_again": "a brand new pass phrase",
            },
        )
        assert changed.status_code == 303
        assert "datadive_session=" in changed.headers["set-cookie"]
        still_in = await laptop.get("/profile")
    async with world.owner.client(app) as phone:  # the old cookie
        phone_now = await phone.get("/profile")

    assert still_in.status_code == 200
    assert phone_now.status_code == 303
    assert phone_now.headers["location"] == "/sign-in?next=%2Fprofile"


async def test_signing_out_everywhere_ends_every_session(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.owner.client(app) as owner:
        answer = await owner.post("/profile/sign-out-everywhere")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?notice=signed-out-everywhere"
    async with app.state.database.transaction() as session:
        left = await session.scalar(
            sa.select(sa.func.count())
            .select_from(UserSession)
            .where(UserSession.user_id == world.owner.user_id)
        )
    assert left == 0
