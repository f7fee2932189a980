"""Helpers of the column picker tests: files, user templates and what the picker routes
answer, read back from their HTML."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

REVERSE: dict[str, Any] = {
    "slug": "reverse-item",
    "title": "Reverse an item",
    "category": "Prepare",
    "inputs": [
        {"name": "data", "type": "dataframe", "default": "df", "required": True},
        {"name": "column", "type": "column", "of": "data", "required": True},
        {"name": "scale_min", "type": "integer", "label": "Lowest answer", "default": 1},
        {"name": "scale_max", "type": "integer", "label": "Highest answer", "default": 5},
    ],
    "code": "{{ data }}[{{ column }}] = "
    "({{ scale_min }} + {{ scale_max }}) - {{ data }}[{{ column }}]",
}
# The same, with its bounds checked against the values of the chosen column.
RANGED: dict[str, Any] = {
    **REVERSE,
    "inputs": [
        {**item, "range_of": "column"} if item["name"].startswith("scale_") else item
        for item in REVERSE["inputs"]
    ],
}


async def upload(client: httpx.AsyncClient, project: str, name: str, body: bytes) -> None:
    answer = await client.post(
        f"/api/v1/projects/{project}/files", files={"file": (name, body, "text/plain")}
    )
    assert answer.status_code == 201, answer.text


async def add_own_cell(
    client: httpx.AsyncClient, notebook: str, template: dict[str, Any], **inputs: Any
) -> dict[str, Any]:
    made = await client.post("/api/v1/cell-templates", json=template)
    assert made.status_code in {201, 409}, made.text
    listed = await client.get("/api/v1/cell-templates", params={"q": template["title"]})
    [found] = [t for t in listed.json()["items"] if t["slug"] == template["slug"]]
    answer = await client.post(
        f"/api/v1/notebooks/{notebook}/cells",
        json={"kind": "template", "template_id": found["id"], "inputs": inputs},
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def choices(answer: httpx.Response) -> list[tuple[str, str, str]]:
    """(name, label, level) of each column a picker is offered."""
    assert answer.status_code == 200, answer.text
    found = re.findall(
        r'<option value="([^"]*)" data-label="([^"]*)" data-level="([^"]*)">', answer.text
    )
    return [(html.unescape(n), html.unescape(label), level) for n, label, level in found]


def origin_of(answer: httpx.Response) -> str:
    found = re.search(r'data-origin="([^"]*)"', answer.text)
    assert found is not None, answer.text
    return found.group(1)


def warnings_of(answer: httpx.Response) -> dict[str, str]:
    assert answer.status_code == 200, answer.text
    found = re.findall(
        r'<p class="field-warning" data-input="([^"]+)">(.*?)</p>', answer.text, re.S
    )
    return {
        name: html.unescape(re.sub(r"<[^>]+>", "", text)).replace("⚠ ", "").strip()
        for name, text in found
    }
