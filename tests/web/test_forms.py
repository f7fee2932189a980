"""Bad input in every page form: the message next to the field, what was typed kept (never a
password), nothing saved, and for htmx only the form (or section) comes back."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from tests.support.accounts import PASSWORD, browser
from tests.support.mail import Mailbox
from tests.support.world import build_world

HTMX = {"HX-Request": "true"}


def field_error(page: str, field_id: str) -> str:
    match = re.search(
        rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', page, re.S
    )
    assert match, f"no error shown for {field_id}"
    return re.sub(r"<[^>]+>", "", match.group(1)).replace("&#39;", "'").strip("⚠ \n")


def value_of(page: str, field_id: str) -> str:
    match = re.search(rf'<input id="{re.escape(field_id)}"[^>]*?value="([^"]*)"', page, re.S)
    assert match, f"no value for {field_id}"
    return match.group(1)


async def test_sign_up_shows_every_problem_at_once_and_keeps_the_input(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    answer = await client.post(
        "/sign-up",
        data={"username": "x", "email": "not-an-address", "password": "short", "first_name": "Ada"},
    )

    assert answer.status_code == 422
    assert field_error(answer.text, "username").startswith("Username must be 3 to 32 characters")
    assert "not a valid email address" in field_error(answer.text, "email")
    assert field_error(answer.text, "password") == "Password must be at least 8 characters long."
    assert value_of(answer.text, "first_name") == "Ada"
    assert value_of(answer.text, "email") == "not-an-address"
    assert "short" not in answer.text  # a password is never sent back
    assert mailbox.messages == []


async def test_sign_up_says_which_name_is_taken(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    first = {"username": "ada", "email": "ada@example.org", "password": PASSWORD}
    assert (await client.post("/sign-up", data=first)).status_code == 303
    client.cookies.clear()

    again = await client.post("/sign-up", data={**first, "email": "ADA@example.org"})

    assert again.status_code == 422
    assert "already taken" in field_error(again.text, "username")
    assert field_error(again.text, "email").startswith(
        "Email address is already used by an account"
    )


async def test_an_htmx_form_gets_only_the_form_back(client: httpx.AsyncClient) -> None:
    answer = await client.post("/sign-up", data={"username": "ada"}, headers=HTMX)

    assert answer.status_code == 422
    assert answer.text.lstrip().startswith('<form id="sign-up-form"')
    assert "<html" not in answer.text
    assert field_error(answer.text, "email") == "Email address is required."


async def test_wrong_sign_ins_are_counted_until_the_account_is_locked(app: FastAPI) -> None:
    await build_world(app)
    for attempt in range(10):
        async with browser(app, address=f"198.51.100.{attempt}") as stranger:
            wrong = await stranger.post("/sign-in", data={"login": "owner", "password": "nope!"})
            assert wrong.status_code == 422
            assert "do not match" in wrong.text
            assert value_of(wrong.text, "login") == "owner"

    async with browser(app, address="203.0.113.9") as owner:
        locked = await owner.post("/sign-in", data={"login": "owner", "password": PASSWORD})

    assert locked.status_code == 429
    assert 590 <= int(locked.headers["retry-after"]) <= 600
    assert "Too many failed sign-ins. Try again in 10 minutes." in locked.text


async def test_a_wrong_code_is_shown_next_to_the_code(client: httpx.AsyncClient) -> None:
    await client.post(
        "/sign-up", data={"username": "ada", "email": "ada@example.org", "password": PASSWORD}
    )

    wrong = await client.post("/verify-email", data={"code": "12345678"})

    assert wrong.status_code == 422
    assert "wrong or has expired" in field_error(wrong.text, "code")
    assert value_of(wrong.text, "code") == "12345678"


async def test_password_reset_with_a_bad_link_or_mismatched_passwords(
    client: httpx.AsyncClient,
) -> None:
    mismatched = await client.post(
        "/reset-password",
        data={"token": "abc", "password": PASSWORD, "password_again": PASSWORD + "!"},
    )
    bad_link = await client.post(
        "/reset-password",
        data={"token": "not-a-token", "password": PASSWORD, "password_again": PASSWORD},
    )

    assert mismatched.status_code == 422
    assert field_error(mismatched.text, "password_again") == (
        "New password again does not match the new password."
    )
    assert value_of(mismatched.text, "token") == "abc"
    assert bad_link.status_code == 422
    assert "password-reset link is invalid, used or expired" in bad_link.text


async def test_a_forgotten_password_answer_never_tells_whether_the_account_exists(
    app: FastAPI, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await build_world(app)
    known = await client.post("/forgot-password", data={"email": "owner@example.org"})
    unknown = await client.post("/forgot-password", data={"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 200
    assert "an email is on its way" in known.text
    assert known.text.replace("owner@", "nobody@") == unknown.text
    assert [m["To"] for m in mailbox.messages] == ["owner@example.org"]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
async def test_project_forms_keep_the_input_and_save_nothing(app: FastAPI, htmx: bool) -> None:
    world = await build_world(app)
    headers = HTMX if htmx else {}
    async with world.owner.client(app) as client:
        create = await client.post(
            "/projects", data={"title": "  ", "description": "Kept text"}, headers=headers
        )
        settings = await client.post(
            f"/projects/{world.project_id}/settings",
            data={"title": "x" * 201, "description": "New description"},
            headers=headers,
        )
        rename = await client.post(
            f"/notebooks/{world.notebook_id}/rename", data={"title": ""}, headers=headers
        )
        member = await client.post(
            f"/projects/{world.project_id}/members",
            data={"user": "editor", "role": "viewer"},
            headers=headers,
        )
        unchanged = (await client.get(f"/projects/{world.project_id}")).text

    assert create.status_code == 422
    assert field_error(create.text, "new-project-title") == "Title is required."
    assert "Kept text</textarea>" in create.text
    assert settings.status_code == 422
    assert "at most 200 characters" in field_error(settings.text, "settings-title")
    assert "New description</textarea>" in settings.text
    assert rename.status_code == 422
    assert field_error(rename.text, f"rename-{world.notebook_id}-title") == "New title is required."
    assert '<details class="disclosure" open>' in rename.text  # the form stays open
    assert member.status_code == 422
    assert "editor is already a member of this project." in member.text
    assert value_of(member.text, "add-member-user") == "editor"
    if htmx:
        assert create.text.lstrip().startswith('<form id="new-project-form"')
        assert settings.text.lstrip().startswith('<section id="settings"')
        assert rename.text.lstrip().startswith('<section id="notebooks"')
        assert member.text.lstrip().startswith('<section id="members"')
    assert "<h1>Pilot study</h1>" in unchanged
    assert "Analysis" in unchanged
    assert "New description" not in unchanged


async def test_deleting_needs_the_exact_title(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.owner.client(app) as client:
        refused = await client.post(
            f"/projects/{world.project_id}/delete", data={"confirm_title": "pilot"}
        )
        still_there = await client.get(f"/projects/{world.project_id}")
        deleted = await client.post(
            f"/projects/{world.project_id}/delete", data={"confirm_title": "Pilot study"}
        )
        gone = await client.get(f"/projects/{world.project_id}")
        listing = await client.get(deleted.headers["location"])
        restored = await client.post(f"/projects/{world.project_id}/restore")
        back = await client.get(f"/projects/{world.project_id}")

    assert refused.status_code == 422
    assert "does not match" in field_error(refused.text, "confirm_title")
    assert value_of(refused.text, "confirm_title") == "pilot"
    assert still_there.status_code == 200
    assert deleted.status_code == 303
    assert gone.status_code == 404
    assert "“Pilot study” was deleted" in listing.text
    assert restored.status_code == 303
    assert back.status_code == 200


async def test_profile_forms_explain_what_is_wrong(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.owner.client(app) as client:
        email = await client.post(
            "/profile/email",
            data={"email": "new@example.org", "current_password": "not it at all"},
        )
        password = await client.post(
            "/profile/password",
            data={
                "current_password": PASSWORD,
                "new_password": "a brand new phrase",
                "new_password_again": "a different phrase",
            },
        )
        bad_date = await client.post(
            "/profile/tokens", data={"name": "ci", "scope": "read", "expires_at": "31/01/2027"}
        )
        past = await client.post(
            "/profile/tokens", data={"name": "ci", "scope": "read", "expires_at": "2001-01-01"}
        )
        profile = (await client.get("/profile")).text

    assert email.status_code == 422
    assert field_error(email.text, "email-current_password") == (
        "The password you typed is not your current password."
    )
    assert value_of(email.text, "email-email") == "new@example.org"
    assert "not it at all" not in email.text
    assert password.status_code == 422
    assert "does not match" in field_error(password.text, "password-new_password_again")
    assert bad_date.status_code == 422
    assert "is not a date like 2027-01-31" in field_error(bad_date.text, "token-expires_at")
    assert value_of(bad_date.text, "token-name") == "ci"
    assert past.status_code == 422
    assert "must be in the future" in field_error(past.text, "token-expires_at")
    assert "owner@example.org" in profile
    assert "You have no API tokens." in profile


async def test_a_failed_form_does_not_leave_half_its_work_behind(app: FastAPI) -> None:
    """A sign-up refused for its password writes nothing, not even its mail-limit count."""
    async with browser(app) as client:
        for _ in range(8):
            refused = await client.post(
                "/sign-up", data={"username": "ada", "email": "ada@example.org", "password": "x"}
            )
            assert refused.status_code == 422
        accepted = await client.post(
            "/sign-up", data={"username": "ada", "email": "ada@example.org", "password": PASSWORD}
        )

    assert accepted.status_code == 303
