"""Where pages send the browser: the home page, sign-in with a `next` that stays on this
site, and redirects that work with and without htmx."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from datadive.web.navigation import safe_next
from tests.support.accounts import PASSWORD
from tests.support.world import build_world


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/projects/abc?tab=files#members", "/projects/abc?tab=files#members"),
        ("/", "/"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/path", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("projects", "/"),
        ("/projects\r\nSet-Cookie: x=1", "/"),
        ("/" + "a" * 2001, "/"),
    ],
)
def test_next_only_ever_points_into_this_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


async def test_home_is_the_sign_in_page_until_one_signs_in(app: FastAPI) -> None:
    world = await build_world(app)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://localhost"
    ) as anonymous:
        home = await anonymous.get("/")
    async with world.owner.client(app) as owner:
        projects = await owner.get("/")

    assert home.status_code == 200
    assert "Sign in to Datadive" in home.text
    assert projects.status_code == 200
    assert "Pilot study" in projects.text


async def test_signing_in_goes_back_to_the_page_asked_for(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    world = await build_world(app)
    asked = await client.get(f"/notebooks/{world.notebook_id}")
    assert asked.status_code == 303
    sign_in_page = await client.get(asked.headers["location"])
    assert f'name="next" value="/notebooks/{world.notebook_id}"' in sign_in_page.text

    signed_in = await client.post(
        "/sign-in",
        data={"login": "owner", "password": PASSWORD, "next": f"/notebooks/{world.notebook_id}"},
    )
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == f"/notebooks/{world.notebook_id}"
    assert "datadive_session=" in signed_in.headers["set-cookie"]

    client.cookies.clear()
    off_site = await client.post(
        "/sign-in", data={"login": "owner", "password": PASSWORD, "next": "//evil.example"}
    )
    assert off_site.headers["location"] == "/"


async def test_htmx_requests_are_redirected_as_whole_pages(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    world = await build_world(app)
    anonymous = await client.post(
        f"/projects/{world.project_id}/notebooks",
        data={"title": "x"},
        headers={
            "HX-Request": "true",
            "HX-Current-URL": f"http://localhost/projects/{world.project_id}",
        },
    )
    async with world.owner.client(app) as owner:
        created = await owner.post(
            "/projects", data={"title": "Second"}, headers={"HX-Request": "true"}
        )

    assert anonymous.status_code == 200
    assert anonymous.headers["hx-redirect"] == f"/sign-in?next=%2Fprojects%2F{world.project_id}"
    assert created.status_code == 200
    assert created.headers["hx-redirect"].startswith("/projects/")
