"""Errors on pages: HTML error pages (the API keeps problem+json), toasts for htmx, strict
security headers, cross-site form posts refused, and the session renewed by pages too."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.models import Project, UserSession
from datadive.db.types import utcnow
from datadive.web.rendering import CONTENT_SECURITY_POLICY
from tests.support.accounts import browser
from tests.support.world import build_world


async def test_a_missing_page_is_an_html_page_and_the_api_stays_json(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/no/such/page")
    api = await client.get("/api/v1/no/such/thing")

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "There is no page at this address" in page.text
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert page.headers["cache-control"] == "no-store"
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


async def test_an_object_one_may_not_see_is_a_404_page_with_no_hint(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.other.client(app) as other:
        hidden = await other.get(f"/projects/{world.project_id}")
        missing = await other.get("/projects/01a2000000000000000000000000000000")
        too_long = await other.get("/notebooks/" + "x" * 65)

    assert hidden.status_code == missing.status_code == too_long.status_code == 404
    assert "Pilot study" not in hidden.text
    assert hidden.text.count("not shared with you") == 1


async def test_errors_of_htmx_requests_become_toasts(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.viewer.client(app) as viewer:
        refused = await viewer.post(
            f"/notebooks/{world.notebook_id}/delete", headers={"HX-Request": "true"}
        )

    assert refused.status_code == 403
    assert refused.headers["hx-reswap"] == "none"
    toast = json.loads(refused.headers["hx-trigger"])["datadive:toast"]
    assert toast["level"] == "error"
    assert toast["message"].startswith("Not allowed: viewers cannot change this project")


async def test_changes_to_an_archived_project_are_refused_with_the_reason(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.owner.client(app) as owner:
        await owner.post(f"/projects/{world.project_id}/archive")
        refused = await owner.post(f"/notebooks/{world.notebook_id}/delete")
        page = await owner.get(f"/projects/{world.project_id}")

    assert refused.status_code == 409
    assert "The project is archived" in refused.text
    assert "This project is archived" in page.text
    assert "Create notebook" not in page.text


async def test_a_form_posted_from_another_site_changes_nothing(app: FastAPI) -> None:
    world = await build_world(app)
    forged = world.owner.client(app)
    forged.headers["Origin"] = "https://evil.example"
    async with forged:
        refused = await forged.post(
            f"/projects/{world.project_id}/settings", data={"title": "Hijacked"}
        )
    cross_site = world.owner.client(app)
    cross_site.headers["Sec-Fetch-Site"] = "cross-site"
    async with cross_site:
        refused_too = await cross_site.post("/sign-out")
    no_origin = world.owner.client(app)
    del no_origin.headers["Origin"]
    async with no_origin:
        refused_three = await no_origin.post(f"/projects/{world.project_id}/archive")

    assert refused.status_code == refused_too.status_code == refused_three.status_code == 403
    async with app.state.database.transaction() as session:
        project = await session.get(Project, world.project_id)
        assert project is not None
        assert (project.title, project.archived) == ("Pilot study", False)
        sessions = await session.scalar(sa.select(sa.func.count()).select_from(UserSession))
    assert sessions == 5  # nobody was signed out


async def test_pages_renew_a_session_near_its_idle_expiry(app: FastAPI) -> None:
    world = await build_world(app)
    async with app.state.database.transaction() as session:
        await session.execute(
            sa.update(UserSession)
            .where(UserSession.user_id == world.owner.user_id)
            .values(idle_expires_at=utcnow() + timedelta(minutes=5))
        )
    async with world.owner.client(app) as owner:
        page = await owner.get("/projects")
        redirect = await owner.post("/projects", data={"title": "Renewed"})

    assert page.status_code == 200
    assert "datadive_session=" in page.headers["set-cookie"]
    assert "Max-Age=604" in page.headers["set-cookie"]  # a week again, not five minutes
    assert redirect.status_code == 303


async def test_vendored_htmx_is_served_with_its_licence(client: httpx.AsyncClient) -> None:
    home = await client.get("/sign-in")
    script = await client.get("/static/vendor/htmx-2.0.11/htmx.min.js")
    licence = await client.get("/static/vendor/htmx-2.0.11/LICENSE")

    assert '<script src="/static/vendor/htmx-2.0.11/htmx.min.js" defer></script>' in home.text
    assert script.status_code == 200
    assert "htmx" in script.text
    assert "Zero-Clause BSD" in licence.text


async def test_signing_out_ends_the_session(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.owner.client(app) as owner:
        signed_out = await owner.post("/sign-out")
    async with browser(app) as replay:
        replay.cookies.set("datadive_session", world.owner.cookie)
        after = await replay.get("/projects")

    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/sign-in?notice=signed-out"
    assert after.status_code == 303
    assert after.headers["location"].startswith("/sign-in")
