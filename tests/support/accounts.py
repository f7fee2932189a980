"""Helpers that act through the HTTP API, as a client would."""

from __future__ import annotations

import httpx

from tests.support.mail import Mailbox, code_in

PASSWORD = "correct horse battery staple"


def new_user(name: str = "ada") -> dict[str, str]:
    return {
        "username": name,
        "email": f"{name}@example.org",
        "password": PASSWORD,
        "first_name": name.title(),
        "last_name": "Lovelace",
    }


async def sign_up(client: httpx.AsyncClient, name: str = "ada") -> dict[str, object]:
    response = await client.post("/api/v1/auth/sign-up", json=new_user(name))
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def sign_in(
    client: httpx.AsyncClient, login: str = "ada", password: str = PASSWORD
) -> httpx.Response:
    return await client.post("/api/v1/auth/sign-in", json={"login": login, "password": password})


async def verify(client: httpx.AsyncClient, mailbox: Mailbox, name: str = "ada") -> None:
    code = code_in(mailbox.to(f"{name}@example.org")[-1])
    response = await client.post(
        "/api/v1/auth/verify-email", json={"email": f"{name}@example.org", "code": code}
    )
    assert response.status_code == 200, response.text


def browser(
    app: object, base_url: str = "http://localhost", address: str = "127.0.0.1"
) -> httpx.AsyncClient:
    """A client that behaves like a browser on Datadive's own pages (sends `Origin`),
    connecting from `address`."""
    transport = httpx.ASGITransport(
        app=app,  # type: ignore[arg-type]
        raise_app_exceptions=False,
        client=(address, 50000),
    )
    return httpx.AsyncClient(transport=transport, base_url=base_url, headers={"Origin": base_url})
