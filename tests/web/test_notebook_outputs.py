"""Stored kernel outputs become escaped text, coloured spans, data-URL images or sandboxed
HTML; anything malformed is left out rather than breaking the page. A failed cell explains
itself in words first (real kernel errors from `tests/fixtures/kernel_errors.json`)."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from markupsafe import Markup

from datadive.web.outputs import ansi_to_html, output_pieces
from tests.support.cells import add_cell, store_outputs
from tests.support.world import build_world

RECORDED = Path(__file__).parents[1] / "fixtures" / "kernel_errors.json"


def test_ansi_colours_become_classes_and_other_escapes_go() -> None:
    text = "\x1b[1;31mError\x1b[0m <x> \x1b[2K\x1b[32mfine\x1b[39m plain"
    assert str(ansi_to_html(text)) == (
        '<span class="ansi-bold ansi-fg-red">Error</span> &lt;x&gt; '
        '<span class="ansi-fg-green">fine</span> plain'
    )


def test_an_empty_parameter_resets_as_zero_does() -> None:
    # `ESC[m` is `ESC[0m`; `ESC[;31m` resets, then colours.
    text = "\x1b[1;31mred\x1b[m plain \x1b[1m\x1b[;32mgreen"
    assert str(ansi_to_html(text)) == (
        '<span class="ansi-bold ansi-fg-red">red</span> plain '
        '<span class="ansi-fg-green">green</span>'
    )


def test_images_are_data_urls_and_bad_ones_are_left_out() -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\nrest").decode()
    not_png = base64.b64encode(b"<html>").decode()
    pieces = output_pieces(
        [
            {"output_type": "display_data", "data": {"image/png": png, "text/plain": "fig"}},
            {"output_type": "display_data", "data": {"image/png": not_png, "text/plain": "x"}},
            {"output_type": "display_data", "data": {"image/png": "%%%"}},
            "not an output",
            {"output_type": "stream", "name": "stderr", "text": ["a", "b\n"]},
        ]
    )
    assert [(p.kind, p.src[:22], p.stream) for p in pieces] == [
        ("image", "data:image/png;base64,", ""),
        ("text", "", ""),  # the bad PNG falls back to its text/plain
        ("text", "", "stderr"),
    ]
    assert str(pieces[1].text) == "x"
    assert str(pieces[2].text) == "ab\n"


def test_html_is_kept_as_text_for_a_sandboxed_frame() -> None:
    [piece] = output_pieces(
        [{"output_type": "execute_result", "data": {"text/html": ["<b>", "t</b>"]}}]
    )
    assert (piece.kind, piece.html) == ("html", "<b>t</b>")


def test_extended_colours_are_not_read_as_basic_ones() -> None:
    # IPython colours tracebacks with 256 colours: `38;5;31` is one colour, not red (31).
    text = "\x1b[38;5;31mfrom\x1b[39m \x1b[38;5;28;01mimport\x1b[39;00m \x1b[38;5;1mx\x1b[0m"
    assert str(ansi_to_html(text)) == (
        'from <span class="ansi-bold">import</span> <span class="ansi-fg-red">x</span>'
    )


def recorded_error(case: str) -> dict[str, Any]:
    cases = json.loads(RECORDED.read_text(encoding="utf-8"))
    error: dict[str, Any] = cases[case]["output"]
    return error


def paragraphs(html: str) -> list[str]:
    """The text of each paragraph, as a person reads it."""
    found = re.findall(r"<p[^>]*>(.*?)</p>", html, re.S)
    return [Markup(paragraph).striptags() for paragraph in found]  # noqa: S704 - read only


async def test_a_failed_cell_says_first_in_words_what_happened_then_folds_the_report(
    app: FastAPI,
) -> None:
    world = await build_world(app)
    async with world.editor.client(app) as editor:
        await add_cell(editor, world.notebook_id, "code", "scores = [1, 2]")
        failed = await add_cell(editor, world.notebook_id, "code", "print(scores.mean())")
        await store_outputs(app, failed["id"], [recorded_error("undefined_name")], status="error")
        fragment = await editor.get(f"/cells/{failed['id']}", headers={"HX-Request": "true"})

    assert fragment.status_code == 200
    error = re.search(r'<div class="output output-error.*?</details>\s*</div>', fragment.text, re.S)
    assert error is not None
    words, report = error[0].split('<details class="traceback"', 1)
    # The earlier cell that defines the name, and that it must run first, before the report.
    assert paragraphs(words) == [
        "⚠ scores is not defined yet.",
        "Cell 2 (Code cell) defines it, but it has not run since the kernel started.",
        "Python stopped at line 1: print(scores.mean())",
        "To fix it: Run cell 2 first (its “Run from here” runs it and every cell after it, this "
        "one included).",
    ]
    # Python's report is folded (no `open`), named by the error, still coloured.
    assert report.startswith(f' id="cell-{failed["id"]}-error-1-traceback">')
    assert "<summary>Python's report" in report
    assert "NameError: name &#39;scores&#39; is not defined</code></summary>" in report
    assert '<span class="ansi-fg-red">NameError</span>' in report


async def test_library_steps_are_folded_inside_the_report(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.editor.client(app) as editor:
        failed = await add_cell(editor, world.notebook_id, "code", 'df["belongin"].mean()')
        await store_outputs(app, failed["id"], [recorded_error("unknown_column")], status="error")
        fragment = await editor.get(f"/cells/{failed['id']}", headers={"HX-Request": "true"})

    html = fragment.text
    assert "The table has no column named <code>belongin</code>." in html
    fold = r'<details class="traceback-library" id="[^"]+">\s*<summary>(.*?)</summary>'
    folds = re.findall(fold + r"\s*<pre>(.*?)</pre>", html, re.S)
    assert [summary for summary, _ in folds] == [
        "5 steps inside pandas",
        "2 steps inside pandas",
    ]
    assert all("site-packages/pandas" in text for _, text in folds)
    # Outside the folds: the cell's own step and the error, never a library path.
    outside = re.sub(r'<details class="traceback-library".*?</details>', "", html, flags=re.S)
    assert "site-packages" not in outside
    assert "Cell </span>" in outside or "Cell</span>" in outside
    assert outside.count("KeyError</span>: &#39;belongin&#39;") == 2


async def test_a_kernel_that_died_is_explained_without_a_report(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.editor.client(app) as editor:
        await store_outputs(app, world.cell_id, [recorded_error("kernel_died")], status="error")
        fragment = await editor.get(f"/cells/{world.cell_id}", headers={"HX-Request": "true"})

    assert "The kernel stopped while running this cell." in fragment.text
    assert "Most often the kernel ran out of memory." in fragment.text
    assert 'class="traceback"' not in fragment.text


async def test_kernel_html_is_framed_from_a_document_with_its_own_strict_policy(
    app: FastAPI,
) -> None:
    world = await build_world(app)
    styled = (
        '<style>b { color: red }</style><b style="font-size: 2em">widget</b><script>x()</script>'
    )
    table = "<table><tr><td>1</td></tr></table>"
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": "before\n"},
        {"output_type": "display_data", "data": {"text/html": styled}},
        {"output_type": "execute_result", "data": {"text/html": table}, "execution_count": 1},
    ]
    await store_outputs(app, world.cell_id, outputs, status="error")
    async with world.viewer.client(app) as viewer:
        page = await viewer.get(f"/notebooks/{world.notebook_id}")
        framed = await viewer.get(f"/cells/{world.cell_id}/outputs/1")
        not_framed = [await viewer.get(f"/cells/{world.cell_id}/outputs/{n}") for n in (0, 2, 9)]

    # The page keeps its own policy: nothing inline, no frame may hold it.
    policy = page.headers["content-security-policy"]
    assert "style-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    frames = re.findall(r"<iframe[^>]*>", page.text)
    assert frames == [
        f'<iframe class="output output-html" sandbox src="/cells/{world.cell_id}/outputs/1" '
        f'loading="lazy" title="HTML output of cell 1">'
    ]
    # The frame's document: the output as the kernel sent it, under a policy that lets its
    # styles apply and nothing else, sandboxed even when opened on its own.
    assert framed.status_code == 200
    assert framed.headers["content-type"] == "text/html; charset=utf-8"
    assert styled in framed.text
    frame_policy = [part.strip() for part in framed.headers["content-security-policy"].split(";")]
    assert frame_policy == [
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "img-src data:",
        "font-src data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
        "sandbox",
    ]
    assert framed.headers["x-content-type-options"] == "nosniff"
    # Text, tables and missing outputs are never served as documents.
    assert [response.status_code for response in not_framed] == [404, 404, 404]
    assert all("<table>" not in response.text for response in not_framed)
