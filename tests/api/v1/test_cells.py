"""Cells: template, code and markdown cells; drafts and applied inputs; moving; data flow."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.ids import new_id
from datadive.db.models import Cell
from datadive.services.authoring.positions import spread_keys
from tests.support.cells import add_cell, add_template_cell, cell_ids, template_id
from tests.support.queries import counting_queries
from tests.support.world import World, build_world


@pytest.fixture
async def world(app: FastAPI) -> World:
    return await build_world(app)


async def test_a_template_cell_renders_its_inputs_into_code(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        cell = await add_template_cell(
            editor, world.notebook_id, "histogram", data="df", column="Größe (cm)", bins=15
        )

    assert cell["kind"] == "template"
    assert cell["template"]["slug"] == "histogram"
    assert "histogram(df, 'Größe (cm)', bins=15" in cell["source"]
    assert cell["inputs"]["bins"] == 15
    assert cell["status"] == "idle"


@pytest.mark.parametrize(
    ("slug", "inputs", "field", "words"),
    [
        ("histogram", {"data": "df"}, "inputs.column", "required"),
        ("histogram", {"column": "a", "bins": 0}, "inputs.bins", "at least 1"),
        ("correlation", {"x": "a", "y": "b", "method": "cosine"}, "inputs.method", "one of"),
        (
            "t-test-independent",
            {"outcome": "a", "group": "g", "target": "class"},
            "inputs.target",
            "keyword",
        ),
        (
            "t-test-independent",
            {"outcome": "a", "group": "g", "target": "print"},
            "inputs.target",
            "built-in",
        ),
        ("histogram", {"column": "a", "colour": "red"}, "inputs.colour", "not an input"),
    ],
)
async def test_bad_inputs_name_the_input_and_store_nothing(
    app: FastAPI, world: World, slug: str, inputs: dict[str, object], field: str, words: str
) -> None:
    async with world.editor.client(app) as editor:
        before = await cell_ids(editor, world.notebook_id)
        response = await editor.post(
            f"/api/v1/notebooks/{world.notebook_id}/cells",
            json={"kind": "template", "template_id": template_id(slug), "inputs": inputs},
        )
        after = await cell_ids(editor, world.notebook_id)

    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert words in errors[field]
    assert before == after


async def test_drafts_are_kept_and_applying_remakes_the_code(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        cell = await add_template_cell(editor, world.notebook_id, "histogram", column="age")
        url = f"/api/v1/cells/{cell['id']}"
        drafted = (await editor.patch(url, json={"draft_inputs": {"column": "score"}})).json()
        applied = (await editor.patch(url, json={"inputs": {"column": "score", "bins": 5}})).json()

    assert drafted["draft_inputs"] == {"column": "score"}
    assert drafted["source"] == cell["source"]
    assert "histogram(df, 'score', bins=5" in applied["source"]
    assert applied["draft_inputs"] is None


async def test_editing_the_code_of_a_template_cell_makes_it_a_code_cell(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        cell = await add_template_cell(editor, world.notebook_id, "histogram", column="age")
        edited = (
            await editor.patch(f"/api/v1/cells/{cell['id']}", json={"source": "print('mine')"})
        ).json()

    assert edited["kind"] == "code"
    assert edited["template"] is None
    assert edited["inputs"] is None
    assert edited["source"] == "print('mine')"


async def test_cells_are_placed_and_moved_without_rewriting_others(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        nb = world.notebook_id
        a = (await add_cell(editor, nb, "code", "a = 1"))["id"]
        b = (await add_cell(editor, nb, "markdown", "# b"))["id"]
        first = (await add_cell(editor, nb, "code", "first = 1", position=0))["id"]
        between = (await add_cell(editor, nb, "code", "x = 2", after=a))["id"]
        assert await cell_ids(editor, nb) == [first, world.cell_id, a, between, b]

        async with app.state.database.new_session() as session:
            keys_before = dict((await session.execute(sa.select(Cell.id, Cell.position))).all())
        moved = await editor.post(f"/api/v1/cells/{b}/move", json={"before": first})
        async with app.state.database.new_session() as session:
            keys_after = dict((await session.execute(sa.select(Cell.id, Cell.position))).all())

        assert moved.json()["index"] == 0
        assert await cell_ids(editor, nb) == [b, first, world.cell_id, a, between]
        assert {k for k in keys_after if keys_after[k] != keys_before[k]} == {b}

        for _ in range(60):  # squeezing into one gap again and again stays ordered
            await editor.post(f"/api/v1/cells/{between}/move", json={"after": first})
            await editor.post(f"/api/v1/cells/{between}/move", json={"before": world.cell_id})
        assert await cell_ids(editor, nb) == [b, first, between, world.cell_id, a]
        for index, cell_id in enumerate([b, first, between, world.cell_id, a]):
            assert (await editor.get(f"/api/v1/cells/{cell_id}")).json()["index"] == index


async def test_a_cell_cannot_move_next_to_a_cell_of_another_notebook(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        other = (
            await editor.post(
                f"/api/v1/projects/{world.project_id}/notebooks", json={"title": "Other"}
            )
        ).json()
        foreign = (await add_cell(editor, other["id"], "code", "z = 1"))["id"]
        before = await cell_ids(editor, world.notebook_id)

        response = await editor.post(f"/api/v1/cells/{world.cell_id}/move", json={"after": foreign})
        both = await editor.post(
            f"/api/v1/cells/{world.cell_id}/move", json={"after": foreign, "position": 1}
        )

        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "after"
        assert both.status_code == 422
        assert await cell_ids(editor, world.notebook_id) == before
        assert await cell_ids(editor, other["id"]) == [foreign]


async def test_a_notebook_of_a_thousand_cells_loads_in_one_query(
    app: FastAPI, world: World
) -> None:
    rows = [
        {
            "id": new_id(),
            "notebook_id": world.notebook_id,
            "position": key,
            "kind": "code",
            "source": f"x{n} = {n}",
            "outputs": [],
            "status": "idle",
        }
        for n, key in enumerate(spread_keys(1000))
    ]
    async with app.state.database.transaction() as session:
        await session.execute(sa.delete(Cell))
        await session.execute(sa.insert(Cell), rows)

    async with world.viewer.client(app) as viewer:
        with counting_queries(app.state.database.engine) as statements:
            cells = (await viewer.get(f"/api/v1/notebooks/{world.notebook_id}/cells")).json()

    assert [cell["source"] for cell in cells] == [f"x{n} = {n}" for n in range(1000)]
    cell_queries = [s for s in statements if "FROM cells" in s]
    assert len(cell_queries) == 1


async def test_dataframe_inputs_offer_tables_of_earlier_cells_and_changes_mark_later_cells_stale(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        nb = world.notebook_id
        await editor.delete(f"/api/v1/cells/{world.cell_id}")
        load = await add_template_cell(
            editor, nb, "load-csv", file="data/survey.csv", target="survey"
        )
        await add_cell(editor, nb, "code", "extra = survey.head()")
        filtered = await add_template_cell(
            editor,
            nb,
            "filter-rows",
            data="survey",
            column="age",
            operator=">=",
            value="18",
            target="adults",
        )
        plot = await add_template_cell(editor, nb, "histogram", data="adults", column="age")
        unrelated = await add_cell(editor, nb, "code", "print(1 + 1)")

        choices = (await editor.get(f"/api/v1/cells/{plot['id']}/choices/data")).json()
        not_df = await editor.get(f"/api/v1/cells/{plot['id']}/choices/column")
        assert choices == {"input": "data", "choices": ["survey", "extra", "adults"]}
        assert not_df.status_code == 422

        async with app.state.database.transaction() as session:
            await session.execute(sa.update(Cell).values(status="ok"))
        await editor.patch(
            f"/api/v1/cells/{load['id']}",
            json={"inputs": {"file": "data/v2.csv", "target": "survey"}},
        )
        statuses = {
            c["id"]: (c["status"], c["status_reason"])
            for c in (await editor.get(f"/api/v1/notebooks/{nb}/cells")).json()
        }

    assert statuses[load["id"]] == ("stale", "edited")
    assert statuses[filtered["id"]] == ("stale", f"after:{load['id']}")
    # through `adults`, which the filter defines; the cause is still the changed cell
    assert statuses[plot["id"]] == ("stale", f"after:{load['id']}")
    assert statuses[unrelated["id"]] == ("ok", None)
