"""SECURITY.md check 10, on every route: a read-only API token is refused by each route that
changes something (API and pages alike), and nothing changes.

The routes are walked from the app, so a new write route is tried without anyone listing it."""

from __future__ import annotations

from fastapi import FastAPI

from datadive.db.models import User
from datadive.schemas.accounts import ApiTokenCreate
from datadive.services.identity import api_tokens
from tests.support.accounts import browser
from tests.support.routes import fill_path, path_values, write_routes
from tests.support.snapshots import changes, everything_stored
from tests.support.world import build_world

# Routes that never look at who calls: the caller proves nothing with a token there.
NO_CALLER = {
    ("POST", "/api/v1/auth/password-reset"),  # asks for a mail, anonymously
    ("POST", "/api/v1/auth/password-reset/{token}"),  # the mailed secret is the proof
    ("POST", "/internal/jupyter/projects/{project_id}/saved"),  # signed by the Jupyter server
    ("POST", "/internal/jupyterhub/logins"),  # JupyterHub, with Datadive's own Hub token
}
TOKEN_USE = ["api_tokens.last_used_at"]  # noting that the token was shown is not a change


async def read_only_token(app: FastAPI, user_id: str) -> tuple[str, str]:
    async with app.state.database.transaction() as session:
        user = await session.get(User, user_id)
        assert user is not None
        row, issued = await api_tokens.create_api_token(
            session, user=user, data=ApiTokenCreate(name="dashboard", scope="read")
        )
    return row.id, str(issued)


async def test_a_read_only_token_changes_nothing_on_any_route(app: FastAPI) -> None:
    world = await build_world(app)
    values = await path_values(app, world)
    values["token_id"], token = await read_only_token(app, world.owner.user_id)
    routes = [(m, p) for m, p, _ in write_routes(app) if (m, p) not in NO_CALLER]
    assert len(routes) > 70, "the walk found too few routes"
    before = await everything_stored(app, ignore=TOKEN_USE)
    assert before.files, "the uploaded file is in the data folder"

    answers = {}
    async with browser(app) as script:
        script.headers["Authorization"] = f"Bearer {token}"
        for method, path in routes:
            answers[method, path] = await script.request(method, fill_path(path, values))

    wrong = {
        f"{method} {path}": (answer.status_code, answer.text[:200])
        for (method, path), answer in answers.items()
        if answer.status_code != 403 or "read-only" not in answer.text
    }
    assert not wrong, wrong
    assert changes(before, await everything_stored(app, ignore=TOKEN_USE)) == []
