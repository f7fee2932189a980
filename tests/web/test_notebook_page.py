"""The notebook page lists the cells in order with their kind and status, and links to the
exports; the workspace takes it over later."""

from __future__ import annotations

import re

from fastapi import FastAPI

from tests.support.world import build_world


async def test_the_notebook_page_lists_its_cells(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.viewer.client(app) as viewer:
        page = await viewer.get(f"/notebooks/{world.notebook_id}")

    assert page.status_code == 200
    rows = re.findall(
        r"<tr>\s*<td>(\d+)</td>\s*<th scope=\"row\">(.*?)</th>\s*<td>(\w+)</td>", page.text, re.S
    )
    assert rows == [("1", "Descriptive statistics", "Template")]
    assert "Idle" in page.text
    assert f"/api/v1/notebooks/{world.notebook_id}/export?format=py" in page.text
    assert f'<a href="/projects/{world.project_id}">Pilot study</a>' in page.text
