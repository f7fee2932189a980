"""A member who loses the right to run code (removed, or made a viewer) loses the project
server's token their kernel code could read (issue 17): Datadive rotates it, and the other
members' kernels and runs go on. A real server and kernel, started through the API."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.support.cells import run_code
from tests.support.world import World, build_world

pytestmark = pytest.mark.slow

TAKE_TOKEN = """
import os, urllib.request, urllib.error
STOLEN, SERVER = os.environ["JUPYTER_TOKEN"], "{url}"

def with_stolen_token():
    request = urllib.request.Request(
        SERVER + "/api/contents", headers={{"Authorization": "token " + STOLEN}}
    )
    try:
        return urllib.request.urlopen(request, timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code
print(with_stolen_token())
"""


def printed(cell: dict[str, object]) -> str:
    outputs = cell["outputs"]
    assert isinstance(outputs, list)
    return "".join(output.get("text", "") for output in outputs).strip()


async def lose_access(owner: httpx.AsyncClient, world: World, how: str) -> int:
    member = f"/api/v1/projects/{world.project_id}/members/{world.editor.user_id}"
    if how == "removed":
        return (await owner.delete(member)).status_code
    return (await owner.patch(member, json={"role": "viewer"})).status_code


@pytest.mark.parametrize("how", ["removed", "downgraded"])
async def test_a_token_an_editor_took_in_a_kernel_opens_nothing_once_they_lose_access(
    app: FastAPI, how: str
) -> None:
    world = await build_world(app)
    notebook = world.notebook_id
    async with world.editor.client(app) as editor:
        await editor.post(f"/api/v1/projects/{world.project_id}/server")
        handle = await app.state.backend.ensure_server(world.project_id)
        taken = await run_code(editor, notebook, TAKE_TOKEN.format(url=handle.url))

    async with world.owner.client(app) as owner:
        changed = await lose_access(owner, world, how)
        # The same kernel (its variables kept), run by Datadive with the server's new token.
        after = await run_code(owner, notebook, "print(with_stolen_token())")

    assert printed(taken) == "200"
    assert changed in (200, 204)
    assert printed(after) == "403"
