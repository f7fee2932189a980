"""SECURITY.md check 6, on every route: a state-changing request that carries the session
cookie but comes from another site is refused, and no GET changes anything.

The routes are walked from the app (API and pages), so a new route is tried without anyone
listing it."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.support.accounts import PASSWORD
from tests.support.routes import app_routes, fill_path, path_values, write_routes
from tests.support.snapshots import changes, everything_stored
from tests.support.world import build_world

FORGERIES = {
    "no Origin": {},
    "Origin null": {"Origin": "null"},
    "foreign Origin": {"Origin": "https://evil.example"},
    "cross-site fetch": {"Origin": "http://localhost", "Sec-Fetch-Site": "cross-site"},
}
# What a GET needs in its query string to answer at once.
GET_QUERIES = {
    "/api/v1/notebooks/{notebook_id}/events": "?after=0&wait=0",
    "/api/v1/projects/{project_id}/jupyterlab": "?notebook_id={notebook_id}",
    "/notebooks/{notebook_id}/download-table": "?name=df&table_format=csv",
}
# The GETs that cannot do their work in the world, and the status that says so; every other
# GET answers 2xx or 3xx, so that it did its work (a 422 for a missing query would show
# nothing about what the route changes).
REFUSED_GETS = {
    "/api/v1/notebooks/{notebook_id}/variables/{name}/export": 409,  # no kernel runs
    "/api/v1/projects/{project_id}/jupyterlab": 409,  # no server runs, and a GET starts none
    "/cells/{cell_id}/outputs/{index}": 404,  # the cell has no output yet
}


def forged(app: FastAPI, cookie: str, headers: dict[str, str]) -> httpx.AsyncClient:
    """A page of another site making the victim's browser send the request: the cookie goes
    along (SameSite=Lax does not stop every case), `Origin` is what that browser says."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    client = httpx.AsyncClient(transport=transport, base_url="http://localhost", headers=headers)
    client.cookies.set("datadive_session", cookie)
    return client


async def test_every_change_sent_from_another_site_is_refused(app: FastAPI) -> None:
    world = await build_world(app)
    values = await path_values(app, world)
    routes = [(m, p) for m, p, _ in write_routes(app)]
    assert len(routes) > 70, "the walk found too few routes"
    before = await everything_stored(app)
    assert before.files, "the uploaded file is in the data folder"

    wrong = {}
    for forgery, headers in FORGERIES.items():
        async with forged(app, world.owner.cookie, headers) as client:
            for method, path in routes:
                body = {"password": PASSWORD, "current_password": PASSWORD, "title": "Forged"}
                answer = await client.request(method, fill_path(path, values), json=body)
                if answer.status_code != 403 or "Cross-site request refused" not in answer.text:
                    wrong[f"{method} {path} with {forgery}"] = answer.status_code

    assert not wrong, wrong
    assert changes(before, await everything_stored(app)) == []


async def test_no_get_changes_anything(app: FastAPI) -> None:
    world = await build_world(app)
    values = await path_values(app, world)
    gets = [p for m, p, _ in app_routes(app) if m == "GET"]
    assert len(gets) > 40, "the walk found too few routes"
    before = await everything_stored(app)
    assert before.files, "the uploaded file is in the data folder"

    refused = {}
    async with world.owner.client(app) as owner:
        for path in gets:
            url = fill_path(path + GET_QUERIES.get(path, ""), values)
            answer = await owner.get(url)
            if answer.status_code >= 400:
                refused[path] = (answer.status_code, answer.text[:200])

    assert {path: status for path, (status, _) in refused.items()} == REFUSED_GETS, refused
    assert changes(before, await everything_stored(app)) == []
    assert not app.state.backend.servers, "a GET started a Jupyter server"
