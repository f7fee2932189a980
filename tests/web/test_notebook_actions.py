"""What the notebook workspace's buttons and forms do: add, edit, move, apply a template's
form, with the permission table of the API; bad input comes back next to its field with what
was typed; kernel output never becomes markup of the page (SECURITY.md check 17)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.cell_templates.library import builtin_template
from datadive.db.models import Cell
from datadive.services.authoring.cell_templates import builtin_id
from tests.support.accounts import browser
from tests.support.world import World, build_world


def histogram_id() -> str:
    template = builtin_template("histogram")
    assert template is not None
    return builtin_id(template)


async def cells_of(app: FastAPI, world: World) -> list[Cell]:
    async with app.state.database.transaction() as session:
        rows = await session.scalars(
            sa.select(Cell).where(Cell.notebook_id == world.notebook_id).order_by(Cell.position)
        )
        return list(rows)


def actions(world: World) -> list[tuple[str, dict[str, str]]]:
    n, c = world.notebook_id, world.cell_id
    return [
        (f"/notebooks/{n}/cells", {"kind": "code", "after": c}),
        (f"/notebooks/{n}/add", {"template_id": histogram_id(), "in.column": "x"}),
        (f"/cells/{c}/code", {"source": "print(1)"}),
        (f"/cells/{c}/move", {"direction": "up"}),
        (f"/cells/{c}/move", {"before": c}),
        (f"/cells/{c}/delete", {}),
        (f"/cells/{c}/inputs", {"in.data": "df"}),
        (f"/cells/{c}/draft", {"in.data": "df2"}),
        (f"/cells/{c}/run", {}),
        (f"/notebooks/{n}/run", {}),
        (f"/notebooks/{n}/kernel/interrupt", {}),
        (f"/notebooks/{n}/kernel/restart", {}),
        (f"/projects/{world.project_id}/server/start", {}),
        (f"/projects/{world.project_id}/server/stop", {}),
    ]


async def test_viewers_and_outsiders_cannot_act_and_nothing_changes(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.viewer.client(app) as viewer, world.other.client(app) as other:
        for path, form in actions(world):
            assert (await viewer.post(path, data=form)).status_code == 403, path
            assert (await other.post(path, data=form)).status_code == 404, path
        assert (await viewer.get(f"/notebooks/{world.notebook_id}/add")).status_code == 403
        assert (await other.get(f"/cells/{world.cell_id}")).status_code == 404
    async with browser(app) as anonymous:
        answer = await anonymous.post(f"/cells/{world.cell_id}/move", data={"direction": "up"})
        assert answer.status_code == 303
    [cell] = await cells_of(app, world)
    assert cell.kind == "template"
    assert cell.status == "idle"


async def test_an_editor_adds_edits_and_moves_cells(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.editor.client(app) as editor:
        added = await editor.post(
            f"/notebooks/{world.notebook_id}/cells", data={"kind": "code", "after": ""}
        )
        assert added.status_code == 303
        first, template_cell = await cells_of(app, world)
        assert (first.kind, template_cell.id) == ("code", world.cell_id)

        saved = await editor.post(
            f"/cells/{first.id}/code",
            data={"source": "x = 1\r\nprint(x)"},
            headers={"HX-Request": "true"},
        )
        assert saved.status_code == 204
        assert "The code was saved." in saved.headers["HX-Trigger"]

        moved = await editor.post(
            f"/cells/{first.id}/move", data={"direction": "down"}, headers={"HX-Request": "true"}
        )
        assert moved.status_code == 200
        titles = re.findall(r'<span class="cell-number">\d+\.</span> ([^<]+)</h3>', moved.text)
        assert titles == ["Descriptive statistics", "Code cell"]
        assert f'id="move-down-{first.id}"' in moved.text

    order = await cells_of(app, world)
    assert [cell.id for cell in order] == [world.cell_id, first.id]
    assert order[1].source == "x = 1\nprint(x)"


async def test_a_template_form_is_applied_or_sent_back_with_the_errors(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.editor.client(app) as editor:
        picker = await editor.get(f"/notebooks/{world.notebook_id}/add", params={"q": "histo"})
        assert "Histogram" in picker.text
        assert "Independent-samples t-test" not in picker.text

        form = await editor.get(
            f"/notebooks/{world.notebook_id}/add",
            params={"after": world.cell_id, "template": histogram_id()},
        )
        assert re.search(r'type="number" value="20" step="1" min="1" max="500"', form.text)
        assert re.search(r'<option value="df" selected>df</option>', form.text)

        rejected = await editor.post(
            f"/notebooks/{world.notebook_id}/add",
            data={
                "after": world.cell_id,
                "template_id": histogram_id(),
                "in.data": "df",
                "in.column": "",
                "in.bins": "0",
                "in.title": "My <title>",
            },
        )
        assert rejected.status_code == 422
        bins_error = re.search(r'id="new-in-bins-error">.*?</p>', rejected.text, re.S)
        assert bins_error is not None
        assert "at least 1" in bins_error.group(0)
        assert re.search(r'id="new-in-column-error">.*?required', rejected.text, re.S)
        assert 'name="in.bins" type="number" value="0"' in rejected.text
        assert 'value="My &lt;title&gt;"' in rejected.text
        assert len(await cells_of(app, world)) == 1

        created = await editor.post(
            f"/notebooks/{world.notebook_id}/add",
            data={
                "after": world.cell_id,
                "template_id": histogram_id(),
                "in.data": "df",
                "in.column": "score",
                "in.bins": "12",
            },
        )
        assert created.status_code == 303
        histogram = (await cells_of(app, world))[1]
        assert "bins=12" in histogram.source

        bad = await editor.post(
            f"/cells/{histogram.id}/inputs",
            data={"in.data": "df", "in.column": "score", "in.bins": "many"},
            headers={"HX-Request": "true"},
        )
        assert bad.status_code == 422
        assert f'id="cell-{histogram.id}-in-bins-error"' in bad.text
        assert 'value="many"' in bad.text

        drafted = await editor.post(
            f"/cells/{histogram.id}/draft",
            data={"in.data": "df", "in.column": "score", "in.bins": "3"},
        )
        assert drafted.status_code == 204
        page = await editor.get(f"/notebooks/{world.notebook_id}")
        assert 'name="in.bins" type="number" value="3"' in page.text
        assert "Draft not applied yet." in page.text
        assert "bins=12" in (await cells_of(app, world))[1].source

        applied = await editor.post(
            f"/cells/{histogram.id}/inputs",
            data={"in.data": "df", "in.column": "age", "in.bins": "7"},
            headers={"HX-Request": "true"},
        )
        # The answer is the cell as applied: its code view shows the new code.
        assert applied.status_code == 200
        assert "bins=7" in applied.text
        assert "The form was applied." in applied.headers["HX-Trigger"]
        assert "Draft not applied yet." not in applied.text
    histogram = (await cells_of(app, world))[1]
    assert histogram.inputs is not None
    assert (histogram.inputs["column"], histogram.inputs["bins"]) == ("age", 7)
    assert "bins=7" in histogram.source
    assert histogram.draft_inputs is None


HOSTILE_HTML = '<b>table</b><script>alert("x")</script><img src=x onerror="alert(1)">'
HOSTILE_SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(2)</script></svg>'


@pytest.mark.parametrize("role", ["owner", "viewer"])
async def test_kernel_html_is_only_shown_in_a_sandboxed_frame(app: FastAPI, role: str) -> None:
    world = await build_world(app)
    async with app.state.database.transaction() as session:
        await session.execute(
            sa.update(Cell)
            .where(Cell.id == world.cell_id)
            .values(
                outputs=[
                    {"output_type": "display_data", "data": {"text/html": HOSTILE_HTML}},
                    {"output_type": "display_data", "data": {"image/svg+xml": HOSTILE_SVG}},
                    {"output_type": "stream", "name": "stdout", "text": "<script>alert(3)"},
                ]
            )
        )
    async with world.person(role).client(app) as person:
        page = await person.get(f"/notebooks/{world.notebook_id}")
        framed = await person.get(f"/cells/{world.cell_id}/outputs/0")

    html = page.text
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<svg" not in html
    frames = re.findall(r"<iframe [^>]*>", html)
    assert len(frames) == 1
    assert re.search(r"\bsandbox\b(?!=)", frames[0])
    assert "allow-" not in frames[0]
    assert f'src="/cells/{world.cell_id}/outputs/0"' in frames[0]
    # The frame's own document: the HTML as sent, under a policy without scripts, sandboxed.
    assert HOSTILE_HTML in framed.text
    policy = framed.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy
    assert policy.endswith("sandbox")
    assert re.search(r'<img class="output output-image" src="data:image/svg\+xml;base64,', html)
    assert "&lt;script&gt;alert(3)" in html


HOSTILE_TABLE = (
    '<style>body { display: none }</style><table class="dataframe" border="1" '
    'style="position:fixed"><thead><tr><th onclick="alert(1)">mean</th></tr></thead>'
    '<tbody><tr><td colspan="2">4.2<script>alert("x")</script>'
    '<a href="javascript:alert(2)">more</a><img src=x onerror="alert(3)"></td></tr></tbody>'
    '</table><iframe src="https://example.org"></iframe>'
)


async def test_kernel_tables_are_shown_in_the_page_cleaned_to_structure_and_text(
    app: FastAPI,
) -> None:
    world = await build_world(app)
    async with app.state.database.transaction() as session:
        await session.execute(
            sa.update(Cell)
            .where(Cell.id == world.cell_id)
            .values(
                outputs=[
                    {
                        "output_type": "execute_result",
                        "data": {"text/html": HOSTILE_TABLE, "text/plain": "mean 4.2"},
                    }
                ]
            )
        )
    async with world.person("viewer").client(app) as person:
        page = await person.get(f"/notebooks/{world.notebook_id}")

    table = re.search(r'<div class="output output-table"[^>]*>(.*?)</div>', page.text, re.S)
    assert table is not None
    assert table.group(1) == (
        "<table><thead><tr><th>mean</th></tr></thead>"
        '<tbody><tr><td colspan="2">4.2more</td></tr></tbody></table>'
    )
    assert "<iframe" not in page.text
    assert "alert(" not in page.text
