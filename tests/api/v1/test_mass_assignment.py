"""SECURITY.md check 14, on every PATCH route: a change that also carries a field the caller
may not set (`owner_id`, `role`, `is_admin`, `project_id` …) is refused whole, names that field,
and the database is unchanged.

The PATCH routes are walked from the app; a new one without an allowed change below fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from datadive.app import create_app
from datadive.config import Settings
from tests.support.routes import app_routes, fill_path, path_values
from tests.support.snapshots import changed, database_rows
from tests.support.world import World, build_world

# One change the owner may make on each PATCH route.
ALLOWED_CHANGES: dict[str, dict[str, Any]] = {
    "/api/v1/auth/me": {"first_name": "Augusta"},
    "/api/v1/projects/{project_id}": {"title": "Renamed"},
    "/api/v1/projects/{project_id}/members/{user_id}": {"role": "editor"},
    "/api/v1/notebooks/{notebook_id}": {"title": "Renamed"},
    "/api/v1/cells/{cell_id}": {"draft_inputs": {}},
    "/api/v1/files/{file_id}": {"path": "raw/notes.csv"},
    "/api/v1/cell-templates/{template_id}": {"title": "Renamed"},
}


def smuggled(world: World) -> dict[str, Any]:
    """Fields that would give the caller what the permission table does not."""
    return {
        "owner_id": world.other.user_id,
        "role": "owner",
        "is_admin": True,
        "project_id": world.other.user_id,
        "user_id": world.other.user_id,
        "id": "01a2528c-0000-7000-8000-000000000000",
    }


def accepted_fields(app: FastAPI, path: str) -> set[str]:
    (route,) = [r for m, p, r in app_routes(app) if (m, p) == ("PATCH", path)]
    assert route.body_field is not None
    model = route.body_field.field_info.annotation
    assert isinstance(model, type)
    assert issubclass(model, BaseModel)
    return set(model.model_fields)


def test_every_patch_route_has_an_allowed_change(tmp_path: Path) -> None:
    app = create_app(Settings(_env_file=None, data_dir=tmp_path, database_url="sqlite://"))
    patched = {path for method, path, _ in app_routes(app) if method == "PATCH"}
    assert patched == set(ALLOWED_CHANGES)


async def test_a_patch_with_a_smuggled_field_is_refused_and_changes_nothing(
    app: FastAPI,
) -> None:
    world = await build_world(app)
    values = await path_values(app, world)
    wrong: dict[str, object] = {}

    attempts = smuggled(world)
    async with world.owner.client(app) as owner:
        for path, change in ALLOWED_CHANGES.items():
            url = fill_path(path, values)
            accepted = accepted_fields(app, path)
            fields = {k: v for k, v in attempts.items() if k not in accepted}
            assert len(fields) >= 5, path
            before = await database_rows(app)
            for field, value in fields.items():
                answer = await owner.patch(url, json={**change, field: value})
                named = answer.json().get("errors") if answer.status_code == 422 else None
                if [error["field"] for error in named or []] != [field]:
                    wrong[f"{path} with {field}"] = (answer.status_code, answer.text[:200])
            if tables := changed(before, await database_rows(app)):
                wrong[f"{path}: tables changed"] = tables
            allowed = await owner.patch(url, json=change)
            if allowed.status_code != 200:
                wrong[f"{path} without a smuggled field"] = (allowed.status_code, allowed.text)

    assert wrong == {}
