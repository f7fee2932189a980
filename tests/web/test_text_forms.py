"""The page forms refuse the text the API refuses (NUL, control characters, direction
overrides in names), with the form shown again and the message next to the field, on both
databases; PostgreSQL answered some of them with an error page (500) before."""

from __future__ import annotations

import re

import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.models import Cell, CellTemplate, Notebook, Project
from tests.support.world import World, build_world

NUL = "Pilot\x00study"


def error_next_to(page: str, field: str) -> str:
    """The message shown under the field (forms prefix their ids: `new-project-title`)."""
    found = re.search(
        rf'<p class="field-error" id="[\w-]*?\b{re.escape(field)}-error">(.*?)</p>', page, re.S
    )
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


async def rows(app: FastAPI) -> dict[str, list[str]]:
    async with app.state.database.new_session() as session:
        return {
            "projects": list(await session.scalars(sa.select(Project.title))),
            "notebooks": list(await session.scalars(sa.select(Notebook.title))),
            "sources": list(await session.scalars(sa.select(Cell.source))),
            "templates": list(
                await session.scalars(
                    sa.select(CellTemplate.title).where(CellTemplate.owner_id.is_not(None))
                )
            ),
        }


async def code_cell(app: FastAPI, world: World) -> str:
    async with world.editor.client(app) as editor:
        created = await editor.post(
            f"/api/v1/notebooks/{world.notebook_id}/cells", json={"kind": "code", "source": "x"}
        )
    cell_id: str = created.json()["id"]
    return cell_id


async def test_forms_show_the_refusal_next_to_the_field_and_store_nothing(app: FastAPI) -> None:
    world = await build_world(app)
    cell_id = await code_cell(app, world)
    before = await rows(app)
    forms = [
        ("/projects", {"title": NUL, "description": ""}, "title"),
        ("/projects", {"title": "ok", "description": "bell\x07"}, "description"),
        (f"/projects/{world.project_id}/notebooks", {"title": NUL}, "title"),
        (f"/notebooks/{world.notebook_id}/rename", {"title": "a\u202eb"}, "title"),
        (f"/cells/{cell_id}/code", {"source": "x = 1\x00"}, "source"),
        ("/profile/name", {"first_name": NUL, "last_name": ""}, "first_name"),
        ("/profile/tokens", {"name": "ci\nbot"}, "name"),
    ]
    answers = []
    async with world.owner.client(app) as owner:
        for url, data, field in forms:
            answer = await owner.post(url, data=data)
            message = error_next_to(answer.text, field) if answer.status_code == 422 else ""
            answers.append((url, field, answer.status_code, "must not contain U+" in message))

    assert answers == [(url, field, 422, True) for url, _, field in forms]
    assert await rows(app) == before


async def test_a_template_titled_with_a_nul_is_sent_back_not_stored(app: FastAPI) -> None:
    world = await build_world(app)
    form = {"title": NUL, "slug": "", "category": "Mine", "code": "x = 1", "visibility": "private"}
    async with world.owner.client(app) as owner:
        answer = await owner.post("/templates", data=form)

    assert answer.status_code == 422
    assert "U+0000" in answer.text
    assert (await rows(app))["templates"] == []


async def test_code_sent_to_a_template_cell_is_refused_with_a_form_error(app: FastAPI) -> None:
    """Was a 500 on both databases: the error path read the cell the rollback had expired."""
    world = await build_world(app)
    async with world.editor.client(app) as editor:
        answer = await editor.post(f"/cells/{world.cell_id}/code", data={"source": "x = 2"})

    assert answer.status_code == 422
    assert "x = 2" not in (await rows(app))["sources"]


async def test_running_edited_code_with_a_nul_is_refused_and_the_code_kept(
    app: FastAPI,
) -> None:
    world = await build_world(app)
    cell_id = await code_cell(app, world)
    async with world.editor.client(app) as editor:
        answer = await editor.post(f"/cells/{cell_id}/run", data={"source": "x = 1\x00"})

    assert answer.status_code == 422
    assert "Check these fields: source." in answer.text
    assert "x" in (await rows(app))["sources"]
