"""One contract for text on both databases: NUL and other control characters are refused with
a 422 naming the field, wherever text comes in (bodies, query strings, path ids), before
anything reaches the database. PostgreSQL used to answer 500 where SQLite stored the NUL."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.cell_templates.library import builtin_template
from datadive.db.models import ApiToken, Cell, CellTemplate, Notebook, Project, Run, User
from datadive.services.authoring.cell_templates import builtin_id
from datadive.services.running import runs
from tests.support.world import World, build_world

NUL = "before\x00after"
RLO = "invoice\u202efdp.exe"


@dataclass(frozen=True)
class Probe:
    method: str
    url: str
    field: str
    json: dict[str, Any] | None = None
    params: dict[str, str] | None = None

    def label(self) -> str:
        return f"{self.method} {self.url} {self.field}"


def probes_with(text: str) -> list[Probe]:
    """Every way a user's text reaches the database, carrying `text` in one field."""
    template = {"slug": "mine", "title": "Mine", "category": "Mine", "code": "x = 1"}
    sign_up = {"username": "zed", "email": "zed@example.org", "password": "a long passphrase"}
    return [
        Probe("POST", "/api/v1/projects", "title", {"title": text}),
        Probe("POST", "/api/v1/projects", "description", {"title": "ok", "description": text}),
        Probe("PATCH", "/api/v1/projects/{project}", "title", {"title": text}),
        Probe("GET", "/api/v1/projects", "query.q", params={"q": text}),
        Probe("GET", "/api/v1/projects/{text}", "path.project_id"),
        Probe("POST", "/api/v1/projects/{project}/notebooks", "title", {"title": text}),
        Probe("PATCH", "/api/v1/notebooks/{notebook}", "title", {"title": text}),
        Probe("POST", "/api/v1/notebooks/{notebook}/duplicate", "title", {"title": text}),
        Probe(
            "POST", "/api/v1/notebooks/{notebook}/cells", "source", {"kind": "code", "source": text}
        ),
        Probe("PATCH", "/api/v1/cells/{cell}", "source", {"source": text}),
        Probe("PATCH", "/api/v1/auth/me", "first_name", {"first_name": text}),
        Probe("PATCH", "/api/v1/auth/me", "last_name", {"last_name": text}),
        Probe("POST", "/api/v1/auth/tokens", "name", {"name": text}),
        Probe("DELETE", "/api/v1/auth/tokens/{text}", "path.token_id"),
        Probe("POST", "/api/v1/projects/{project}/members", "user", {"user": text}),
        Probe("GET", "/api/v1/cell-templates", "query.q", params={"q": text}),
        Probe("GET", "/api/v1/cell-templates", "query.category", params={"category": text}),
        Probe("GET", "/api/v1/projects", "query.cursor", params={"cursor": text}),
        Probe("POST", "/api/v1/cell-templates", "title", {**template, "title": text}),
        Probe("POST", "/api/v1/cell-templates", "category", {**template, "category": text}),
        Probe("POST", "/api/v1/cell-templates", "description", {**template, "description": text}),
        Probe("POST", "/api/v1/auth/sign-in", "login", {"login": text, "password": "whatever"}),
        Probe("POST", "/api/v1/auth/sign-up", "first_name", {**sign_up, "first_name": text}),
        Probe("POST", "/api/v1/auth/password-reset", "email", {"email": text}),
    ]


async def counts(app: FastAPI) -> dict[str, int]:
    async with app.state.database.new_session() as session:
        return {
            model.__name__: await session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
            for model in (Project, Notebook, Cell, CellTemplate, ApiToken, User)
        }


async def answers(app: FastAPI, world: World, probes: list[Probe], text: str) -> list[str]:
    """What went wrong, one line per probe that did not answer 422 naming its field."""
    wrong = []
    async with world.owner.client(app) as client:
        for probe in probes:
            url = probe.url.format(
                project=world.project_id,
                notebook=world.notebook_id,
                cell=world.cell_id,
                text=quote(text),
            )
            response = await client.request(probe.method, url, json=probe.json, params=probe.params)
            fields = (
                [error["field"] for error in response.json().get("errors", [])]
                if response.status_code == 422
                else []
            )
            if response.status_code != 422 or probe.field not in fields:
                wrong.append(f"{probe.label()}: {response.status_code} {response.text[:120]}")
    return wrong


@pytest.fixture
async def world(app: FastAPI) -> World:
    return await build_world(app)


async def test_a_nul_anywhere_is_refused_naming_the_field_and_nothing_is_stored(
    app: FastAPI, world: World
) -> None:
    before = await counts(app)

    wrong = await answers(app, world, probes_with(NUL), NUL)

    assert wrong == []
    assert await counts(app) == before


async def test_the_message_says_which_character_and_what_to_do(app: FastAPI, world: World) -> None:
    async with world.owner.client(app) as client:
        response = await client.post("/api/v1/projects", json={"title": "Pilot\x07 study"})

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "title"
    assert "U+0007" in error["message"]
    assert "remove it" in error["message"]


@pytest.mark.parametrize("character", ["\t", "\n", "\x1b", "\x7f", "\x85", "\u2028", "\u202e"])
async def test_names_are_one_line_without_controls(
    app: FastAPI, world: World, character: str
) -> None:
    async with world.owner.client(app) as client:
        project = await client.patch(
            f"/api/v1/projects/{world.project_id}", json={"title": f"Pilot{character}study"}
        )
        token = await client.post("/api/v1/auth/tokens", json={"name": f"ci{character}bot"})
        me = await client.patch("/api/v1/auth/me", json={"last_name": f"Lo{character}ve"})

    assert [project.status_code, token.status_code, me.status_code] == [422, 422, 422]
    assert project.json()["errors"][0]["field"] == "title"
    assert token.json()["errors"][0]["field"] == "name"
    assert me.json()["errors"][0]["field"] == "last_name"


async def test_descriptions_keep_line_breaks_tabs_and_right_to_left_text(
    app: FastAPI, world: World
) -> None:
    hebrew, arabic = "\u05e9\u05dc\u05d5\u05dd", "\u0639\u0631\u0628\u0649"
    description = f"Line one\r\n\tindented\n\u202b{hebrew}\u202c and {arabic}"
    async with world.owner.client(app) as client:
        kept = await client.patch(
            f"/api/v1/projects/{world.project_id}", json={"description": description}
        )
        refused = await client.patch(
            f"/api/v1/projects/{world.project_id}", json={"description": "bell\x07"}
        )

    assert kept.status_code == 200
    assert kept.json()["description"] == description
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "description"


async def test_code_keeps_any_character_python_accepts(app: FastAPI, world: World) -> None:
    source = "s = 'tab\t bell\x07 rlo\u202e del\x7f'\f\nprint(s)  # \u2028\n"
    async with world.editor.client(app) as client:
        response = await client.post(
            f"/api/v1/notebooks/{world.notebook_id}/cells", json={"kind": "code", "source": source}
        )

    assert response.status_code == 201
    assert response.json()["source"] == source


async def test_a_nul_in_a_template_input_reaches_the_code_as_an_escape(
    app: FastAPI, world: World
) -> None:
    """SECURITY.md check 16: the value round-trips as a literal; the cell's text column never
    holds a raw NUL, so both databases store it."""
    template = builtin_template("compute-column")
    assert template is not None
    inputs = {"data": "df", "new_column": NUL, "formula": "a + b"}
    async with world.editor.client(app) as client:
        created = await client.post(
            f"/api/v1/notebooks/{world.notebook_id}/cells",
            json={"kind": "template", "template_id": builtin_id(template), "inputs": inputs},
        )

    assert created.status_code == 201, created.text
    assert created.json()["inputs"]["new_column"] == NUL
    source = created.json()["source"]
    assert "\x00" not in source
    literals = [
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert NUL in literals


async def test_a_run_that_stopped_on_an_error_with_a_nul_is_recorded_on_both_databases(
    app: FastAPI, world: World
) -> None:
    """A kernel's error message is not typed by anyone: `raise ValueError("\\0")` must still
    end the run, its NUL written as Python shows it."""
    async with app.state.database.transaction() as session:
        await session.execute(sa.update(Run).values(status="running"))
    async with app.state.database.transaction() as session:
        ended = await runs.finish_run(
            session, run_id=world.run_id, status="error", error=f"Stopped: ValueError: {NUL}"
        )
    async with world.owner.client(app) as owner:
        shown = await owner.get(f"/api/v1/runs/{world.run_id}")

    assert ended is not None
    assert shown.json()["status"] == "error"
    assert shown.json()["error"] == "Stopped: ValueError: before\\x00after"
