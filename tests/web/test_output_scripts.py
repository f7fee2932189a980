"""SECURITY.md check 17 for outputs that carry script in other forms than HTML: a kernel's
`application/javascript` (IPython's `Javascript`), and an output whose only text looks like
markup. Shown to another member, none of it reaches the page as markup or as a frame."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.models import Cell
from tests.support.world import build_world

SCRIPT = "window.parent.__pwned = 1"
OUTPUTS = [
    {
        "output_type": "display_data",
        "data": {
            "application/javascript": SCRIPT,
            "text/plain": "<IPython.core.display.Javascript object>",
        },
    },
    {"output_type": "execute_result", "data": {"application/javascript": SCRIPT}},
    {"output_type": "execute_result", "data": {"text/plain": "<script>alert(4)</script>"}},
]


@pytest.mark.parametrize("role", ["editor", "viewer"])
async def test_javascript_outputs_never_run_in_the_page(app: FastAPI, role: str) -> None:
    world = await build_world(app)
    async with app.state.database.transaction() as session:
        await session.execute(
            sa.update(Cell).where(Cell.id == world.cell_id).values(outputs=OUTPUTS)
        )

    async with world.person(role).client(app) as member:
        page = await member.get(f"/notebooks/{world.notebook_id}")
        frames = [await member.get(f"/cells/{world.cell_id}/outputs/{i}") for i in range(3)]

    assert page.status_code == 200
    assert SCRIPT not in page.text
    assert "<script>alert(4)" not in page.text
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in page.text
    assert "&lt;IPython.core.display.Javascript object&gt;" in page.text
    assert "<iframe" not in page.text
    assert [frame.status_code for frame in frames] == [404, 404, 404]
