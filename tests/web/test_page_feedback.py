"""What the pages give a person to go on: the signed-out home page says what Datadive is
beside the sign-in form, a new code cell opens with its editor ready, the notebook lists its
keyboard shortcuts in a dialog, and every page has one notification stack announced through
two live regions."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from tests.support.world import build_world


def sentences(html: str) -> list[str]:
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    return [part for part in re.split(r"(?<=[.!?])\s+", text) if part]


async def test_the_signed_out_home_page_says_what_datadive_is_beside_the_form(
    client: httpx.AsyncClient,
) -> None:
    home = await client.get("/")

    welcome = re.search(r'<div class="welcome">(.*)</div>\s*</main>', home.text, re.S)
    assert welcome is not None
    form, intro = welcome[1].split('<section class="welcome-intro"', 1)
    assert 'id="sign-in-form"' in form
    body = intro.split("</h2>", 1)[1]
    said = sentences(body.split("</section>")[0])
    assert len(said) == 2, said
    assert said[0].startswith("Datadive lets researchers analyse their data without programming")
    assert "Jupyter" in said[1]


async def test_a_new_code_cell_opens_with_its_editor_shown_and_focused(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.editor.client(app) as editor:
        added = await editor.post(
            f"/notebooks/{world.notebook_id}/cells",
            data={"kind": "code", "after": world.cell_id},
            headers={"HX-Request": "true"},
        )
        again = await editor.get(f"/notebooks/{world.notebook_id}/cells")

    assert added.status_code == 200
    cells = re.findall(r'<article class="cell cell-(\w+)".*?</article>', added.text, re.S)
    assert cells == ["template", "code"]
    new = re.findall(r"<article.*?</article>", added.text, re.S)[1]
    assert '<details class="cell-code" data-part="code" open>' in new
    assert re.search(r'<textarea class="code-editor"[^>]* data-autofocus', new)
    # Only the cell just added takes the focus; drawn again later, it is just open (empty).
    assert added.text.count("data-autofocus") == 1
    assert "data-autofocus" not in again.text
    assert '<details class="cell-code" data-part="code" open>' in again.text


async def test_the_notebook_lists_its_keyboard_shortcuts_in_a_dialog(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.viewer.client(app) as viewer:
        page = await viewer.get(f"/notebooks/{world.notebook_id}")

    dialog = re.search(r'<dialog id="keys-help".*?</dialog>', page.text, re.S)
    assert dialog is not None
    assert 'aria-labelledby="keys-help-title"' in dialog[0]
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th><td>(.*?)</td></tr>", dialog[0])
    keys = [(" ".join(re.sub(r"<[^>]+>", "", k).split()), what) for k, what in rows]
    assert keys == [
        ("Shift + Enter", "Run the cell and move to the next one"),
        ("Ctrl + Enter (⌘ + Enter on a Mac)", "Run the cell and stay in it"),
        ("Esc", "Leave the code editor"),
    ]
    assert '<form method="dialog"' in dialog[0]
    assert re.search(
        r'<button type="button"[^>]*data-opens="keys-help"[^>]*>Keyboard shortcuts', page.text
    )


async def test_every_page_has_one_notification_stack_with_two_live_regions(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/sign-in")

    stack = re.search(r'<section id="toast-stack".*?</section>', page.text, re.S)
    assert stack is not None
    assert 'aria-label="Notifications"' in stack[0]
    assert stack[0].count("<ol") == 1
    assert (
        '<div id="toasts-status" role="status" aria-live="polite" aria-atomic="false">' in stack[0]
    )
    assert (
        '<div id="toasts-alert" role="alert" aria-live="assertive" aria-atomic="false">' in stack[0]
    )
