"""Every route the app answers, walked from the app itself, for tests that try each one."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from tests.support.world import World

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


def _walk(routes: Iterable[Any], prefix: str) -> Iterable[tuple[str, APIRoute]]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):  # a router included in another one
            yield from _walk(route.original_router.routes, prefix + route.include_context.prefix)


def app_routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    """(method, path template, route) for every API, page and internal route."""
    return sorted(
        (method, path, route)
        for path, route in _walk(app.router.routes, "")
        for method in route.methods
        if method != "HEAD"
    )


def write_routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    return [(m, p, r) for m, p, r in app_routes(app) if m not in SAFE_METHODS]


def fill_path(path: str, values: Mapping[str, str]) -> str:
    """The path with each `{name}` replaced by `values[name]`; a parameter with no value is
    an error, so that a new route cannot go untried."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"no value for {{{name}}} in {path}"
        return values[name]

    return PARAMETER.sub(value, path)


USER_TEMPLATE = {
    "slug": "double",
    "title": "Double a column",
    "category": "Prepare",
    "inputs": [{"name": "data", "type": "dataframe", "default": "df"}],
    "outputs": [{"name": "data"}],
    "code": "{{ data }} = {{ data }} * 2",
}


async def path_values(app: FastAPI, world: World) -> dict[str, str]:
    """A value for every path parameter of the app's routes: objects of the world's project
    (with an uploaded file), the owner's own template and API token, all changeable by the
    owner."""
    async with world.owner.client(app) as owner:
        uploaded = await owner.post(
            f"/api/v1/projects/{world.project_id}/files",
            files={"file": ("notes.csv", b"a,b\n1,2\n", "text/csv")},
        )
        template = await owner.post("/api/v1/cell-templates", json=USER_TEMPLATE)
        token = await owner.post("/api/v1/auth/tokens", json={"name": "script"})
    for created in (uploaded, template, token):
        assert created.status_code == 201, created.text
    return {
        "project_id": world.project_id,
        "notebook_id": world.notebook_id,
        "cell_id": world.cell_id,
        "run_id": world.run_id,
        "user_id": world.colleague.user_id,
        "file_id": uploaded.json()["id"],
        "template_id": template.json()["id"],
        "token_id": token.json()["id"],
        "input_name": "data",
        "name": "df",
        "index": "0",
        "action": "restart",
        "token": "unused",
    }
