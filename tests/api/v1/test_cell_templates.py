"""User templates: checked when saved, private or public, versioned; built-ins read-only."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.cell_templates.library import builtin_templates
from datadive.db.models import CellTemplate
from tests.support.cells import add_cell_of_template, template_id
from tests.support.world import World, build_world

TEMPLATES = "/api/v1/cell-templates"


def my_template(**changes: Any) -> dict[str, Any]:
    return {
        "slug": "z-score",
        "title": "Standardize a column",
        "description": "z = (x - mean) / sd",
        "category": "Prepare",
        "inputs": [
            {"name": "data", "type": "dataframe", "default": "df", "required": True},
            {"name": "column", "type": "column", "of": "data", "required": True},
        ],
        "outputs": [{"name": "data"}],
        "code": (
            "{{ data }}[{{ column }} + '_z'] = "
            "({{ data }}[{{ column }}] - {{ data }}[{{ column }}].mean())"
            " / {{ data }}[{{ column }}].std()"
        ),
        **changes,
    }


@pytest.fixture
async def world(app: FastAPI) -> World:
    return await build_world(app)


async def count_templates(app: FastAPI) -> int:
    async with app.state.database.new_session() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(CellTemplate)) or 0


async def test_the_catalogue_lists_builtins_and_own_templates(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        created = await editor.post(TEMPLATES, json=my_template())
        page = (await editor.get(TEMPLATES, params={"limit": 200})).json()
        frequencies = (await editor.get(TEMPLATES, params={"category": "Frequencies"})).json()

    assert created.status_code == 201
    assert created.json()["version"] == 1
    slugs = [item["slug"] for item in page["items"]]
    assert "z-score" in slugs
    assert {"load-csv", "t-test-independent", "histogram"} <= set(slugs)
    assert len(slugs) == len(builtin_templates()) + 1
    assert len(builtin_templates()) >= 54  # 23 before the statistical analyses
    assert {item["slug"] for item in frequencies["items"]} == {
        "binomial-test",
        "chi-square",
        "cochrans-q",
        "fisher-exact",
        "goodness-of-fit",
        "mcnemar",
    }


async def test_private_templates_stay_private_and_public_ones_are_shared(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor, world.other.client(app) as other:
        private = (await editor.post(TEMPLATES, json=my_template())).json()
        public = (
            await editor.post(TEMPLATES, json=my_template(slug="z-public", visibility="public"))
        ).json()

        assert (await other.get(f"{TEMPLATES}/{private['id']}")).status_code == 404
        assert (await other.get(f"{TEMPLATES}/{public['id']}")).status_code == 200
        listed = {
            i["slug"] for i in (await other.get(TEMPLATES, params={"limit": 200})).json()["items"]
        }
        assert "z-public" in listed
        assert "z-score" not in listed
        assert (
            await other.patch(f"{TEMPLATES}/{public['id']}", json={"title": "Mine"})
        ).status_code == 403


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"code": "x = {{ data.__class__ }}"}, "code", "attribute access"),
        ({"code": "{% for c in column %}{{ c }}{% endfor %}"}, "code", "loops"),
        ({"code": "x = {{ data }}"}, "inputs[1].name", "never used"),
        ({"inputs": [{"name": "data", "type": "colour"}]}, "inputs.0.type", ""),
        ({"slug": "Bad Slug"}, "slug", ""),
    ],
)
async def test_bad_templates_are_refused_and_nothing_is_stored(
    app: FastAPI, world: World, changes: dict[str, Any], field: str, words: str
) -> None:
    before = await count_templates(app)
    async with world.editor.client(app) as editor:
        response = await editor.post(TEMPLATES, json=my_template(**changes))

    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in errors, errors
    assert words in errors[field]
    assert await count_templates(app) == before


async def test_editing_makes_a_new_version_and_cells_upgrade_only_when_asked(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        v1 = (await editor.post(TEMPLATES, json=my_template())).json()
        cell = (
            await editor.post(
                f"/api/v1/notebooks/{world.notebook_id}/cells",
                json={"kind": "template", "template_id": v1["id"], "inputs": {"column": "age"}},
            )
        ).json()
        new_code = (
            "{{ data }}[{{ column }} + '_std'] = {{ data }}[{{ column }}]"
            " / {{ data }}[{{ column }}].std()"
        )
        v2 = (await editor.patch(f"{TEMPLATES}/{v1['id']}", json={"code": new_code})).json()
        unchanged = (await editor.get(f"/api/v1/cells/{cell['id']}")).json()
        upgraded = (await editor.post(f"/api/v1/cells/{cell['id']}/upgrade")).json()

    assert v2["version"] == 2
    assert v2["slug"] == "z-score"
    assert unchanged["template"]["version"] == 1
    assert "_z'" in unchanged["source"]
    assert upgraded["template"]["version"] == 2
    assert "_std'" in upgraded["source"]


async def test_builtins_are_read_only(app: FastAPI, world: World) -> None:
    builtin = template_id("histogram")
    async with world.owner.client(app) as owner:
        patched = await owner.patch(f"{TEMPLATES}/{builtin}", json={"title": "Mine"})
        deleted = await owner.delete(f"{TEMPLATES}/{builtin}")

    assert patched.status_code == deleted.status_code == 403
    assert "Built-in" in patched.json()["detail"]


async def test_deleting_a_template_keeps_the_code_of_its_cells(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        created = (await editor.post(TEMPLATES, json=my_template())).json()
        cell = await add_cell_of_template(editor, world.notebook_id, created["id"], column="age")

        assert (await editor.delete(f"{TEMPLATES}/{created['id']}")).status_code == 204
        after = (await editor.get(f"/api/v1/cells/{cell['id']}")).json()

    assert after["kind"] == "code"
    assert after["source"] == cell["source"]
