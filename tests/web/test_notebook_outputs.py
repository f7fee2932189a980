"""Stored kernel outputs become escaped text, coloured spans, data-URL images or sandboxed
HTML; anything malformed is left out rather than breaking the page."""

from __future__ import annotations

import base64

from datadive.web.outputs import ansi_to_html, output_pieces


def test_ansi_colours_become_classes_and_other_escapes_go() -> None:
    text = "\x1b[1;31mError\x1b[0m <x> \x1b[2K\x1b[32mfine\x1b[39m plain"
    assert str(ansi_to_html(text)) == (
        '<span class="ansi-bold ansi-fg-red">Error</span> &lt;x&gt; '
        '<span class="ansi-fg-green">fine</span> plain'
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
