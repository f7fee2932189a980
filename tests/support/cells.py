"""Helpers to build notebooks of cells through the HTTP API."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.cell_templates.library import builtin_template
from datadive.db.models import Cell
from datadive.services.authoring.cell_templates import builtin_id


def template_id(slug: str) -> str:
    template = builtin_template(slug)
    assert template is not None, slug
    return builtin_id(template)


async def add_template_cell(
    client: httpx.AsyncClient, notebook_id: str, slug: str, **inputs: Any
) -> dict[str, Any]:
    """A cell of the built-in template `slug`."""
    return await add_cell_of_template(client, notebook_id, template_id(slug), **inputs)


async def add_cell_of_template(
    client: httpx.AsyncClient, notebook_id: str, template: str, **inputs: Any
) -> dict[str, Any]:
    """A cell of any template the client may use, by its id."""
    response = await client.post(
        f"/api/v1/notebooks/{notebook_id}/cells",
        json={"kind": "template", "template_id": template, "inputs": inputs},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def add_cell(
    client: httpx.AsyncClient, notebook_id: str, kind: str, source: str, **place: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/notebooks/{notebook_id}/cells", json={"kind": kind, "source": source, **place}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def run_code(client: httpx.AsyncClient, notebook_id: str, source: str) -> dict[str, Any]:
    """Add a code cell and run it alone, waiting for it; the cell as the run left it (`ok`)."""
    cell = await add_cell(client, notebook_id, "code", source)
    response = await client.post(f"/api/v1/cells/{cell['id']}/execute", params={"wait": 120})
    assert response.status_code == 200, response.text
    ran = response.json()
    assert ran["status"] == "ok", ran
    [done] = ran["cells"]
    assert done["status"] == "ok", done
    return dict(done)


async def cell_ids(client: httpx.AsyncClient, notebook_id: str) -> list[str]:
    cells = (await client.get(f"/api/v1/notebooks/{notebook_id}/cells")).json()
    return [cell["id"] for cell in cells]


async def store_outputs(
    app: FastAPI, cell_id: str, outputs: list[dict[str, Any]], **values: Any
) -> None:
    """Give a cell outputs (and other values: `status`, `execution_count`) as if it had run,
    for tests of how pages show them."""
    async with app.state.database.transaction() as session:
        await session.execute(
            sa.update(Cell).where(Cell.id == cell_id).values(outputs=outputs, **values)
        )
