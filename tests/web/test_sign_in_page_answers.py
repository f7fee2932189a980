"""SECURITY.md check 7 on the sign-in page: an unknown user and a wrong password get the same
status and the same page (the login typed is shown back either way)."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from tests.support.accounts import browser, sign_up


async def sign_in_form(client: httpx.AsyncClient, login: str, password: str) -> httpx.Response:
    return await client.post("/sign-in", data={"login": login, "password": password})


def without(page: str, login: str) -> str:
    """The page with the typed login taken out, and the per-request nonce of its scripts."""
    return re.sub(r'nonce="[^"]*"', "", page.replace(login, "LOGIN"))


async def test_unknown_user_and_wrong_password_get_the_same_page(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sign_up(client)
    async with browser(app) as stranger:
        wrong_password = await sign_in_form(stranger, "ada@example.org", "not her password")
        unknown_user = await sign_in_form(stranger, "nobody@example.org", "not her password")

    assert wrong_password.status_code == unknown_user.status_code == 422
    assert "ada@example.org" in wrong_password.text
    assert without(wrong_password.text, "ada@example.org") == without(
        unknown_user.text, "nobody@example.org"
    )
    assert "not her password" not in wrong_password.text
