"""Kernel outputs (stored nbformat output dicts) turned into safe, renderable pieces.

Everything a kernel produces is untrusted (SECURITY.md check 17): text is escaped by the
template, ANSI colour codes become spans with fixed classes, images are shown only as
`<img src="data:…">` (an SVG in an `<img>` cannot run script). `text/html` holding a table (a
pandas DataFrame, a test result) is cleaned with nh3 down to table and text elements, with no
attributes but `colspan`/`rowspan`, and shown in the page; any other HTML only inside an
`<iframe sandbox>` without `allow-scripts` or `allow-same-origin`, loaded from
`/cells/{id}/outputs/{index}` (`output_document`) with a policy of its own that allows its
inline styles and nothing else (a `srcdoc` frame would inherit the page's policy, which refuses
them).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import nh3
from markupsafe import Markup, escape

from datadive.web.error_explanations import Definitions, Explanation, explain, no_definitions
from datadive.web.tracebacks import ANSI, blocks_of

# SGR: ESC [ params m. Other escape sequences (`tracebacks.ANSI`: cursor moves, titles) are
# dropped.
SGR = re.compile(r"\x1b\[([0-9;]*)m")
COLOURS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
# A big image or page of HTML is still shown, but nothing without bounds goes into a page.
MAX_TEXT = 200_000
MAX_IMAGE_BYTES = 5_000_000

# `Markup.format` escapes what it is given: only the class names and the text go in.
SPAN = Markup('<span class="{}">{}</span>')

PieceKind = Literal["text", "error", "image", "html", "table"]

# What survives of an HTML table: structure and text, nothing that runs, links or styles.
TABLE_TAGS = {
    "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td",
    "p", "br", "b", "i", "em", "strong", "code", "pre", "span", "div", "sub", "sup", "small",
}  # fmt: skip
TABLE_ATTRIBUTES = {"th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"}}
HAS_TABLE = re.compile(r"<table[\s>]", re.IGNORECASE)


@dataclass(frozen=True)
class TracebackPart:
    """Consecutive steps of a traceback; `folded` names the libraries of a run of library
    steps, which the page shows only on request."""

    text: Markup
    folded: str = ""
    steps: int = 0


@dataclass(frozen=True)
class Piece:
    """One output as the cell template shows it."""

    kind: PieceKind
    text: Markup = field(default_factory=Markup)
    stream: str = ""
    title: str = ""
    src: str = ""
    alt: str = ""
    html: str = ""
    explanation: Explanation | None = None
    traceback: tuple[TracebackPart, ...] = ()
    index: int = -1  # of the output in the cell's list (an HTML frame loads it by that)


def ansi_to_html(text: str) -> Markup:
    """Escape `text`, turning SGR colour and bold codes into `<span class="ansi-…">`."""
    text = ANSI.sub("", SGR.sub(lambda m: f"\x00{m.group(1)}\x00", text))
    parts = text.split("\x00")
    out: list[Markup] = []
    classes: list[str] = []
    for index, part in enumerate(parts):
        if index % 2 == 1:
            classes = next_classes(classes, part)
        elif part and classes:
            out.append(SPAN.format(" ".join(classes), part))
        elif part:
            out.append(escape(part))
    return Markup().join(out)


def next_classes(current: list[str], params: str) -> list[str]:
    # An empty parameter means 0 (`ESC[m` resets); SGR holds nothing but digits and `;`.
    codes = [int(code or 0) for code in params.split(";")]
    bold = "ansi-bold" in current
    colour = next((name for name in current if name.startswith("ansi-fg-")), None)
    index = 0
    while index < len(codes):
        code = codes[index]
        index += 1
        if code in {38, 48}:
            # Extended colours (IPython's tracebacks use 256 colours: `38;5;28`): their
            # numbers are not codes of their own. The 16 basic ones keep their names.
            mode = codes[index] if index < len(codes) else -1
            width = 2 if mode == 5 else 4 if mode == 2 else 1
            value = codes[index + 1] if mode == 5 and index + 1 < len(codes) else -1
            index += width
            if code == 38 and 0 <= value < 16:
                colour = f"ansi-fg-{COLOURS[value % 8]}"
            elif code == 38:
                colour = None
            continue
        if code == 0:
            bold, colour = False, None
        elif code == 1:
            bold = True
        elif code == 22:
            bold = False
        elif 30 <= code <= 37:
            colour = f"ansi-fg-{COLOURS[code - 30]}"
        elif 90 <= code <= 97:
            colour = f"ansi-fg-{COLOURS[code - 90]}"
        elif code == 39:
            colour = None
    return [name for name in ("ansi-bold" if bold else None, colour) if name]


def joined(value: Any) -> str:
    """nbformat keeps multi-line strings either as one string or as a list of lines."""
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if isinstance(value, list):
        return "".join(str(item) for item in value)[:MAX_TEXT]
    return ""


def image_src(mime: str, data: Any) -> str | None:
    """A `data:` URL for a PNG (base64 as stored) or an SVG (text, encoded here)."""
    if mime == "image/png":
        encoded = "".join(joined(data).split())
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            return None
        if len(raw) > MAX_IMAGE_BYTES or not raw.startswith(b"\x89PNG"):
            return None
        return f"data:image/png;base64,{encoded}"
    svg = joined(data).encode()
    if len(svg) > MAX_IMAGE_BYTES:
        return None
    return f"data:image/svg+xml;base64,{base64.b64encode(svg).decode()}"


def clean_table(html: str) -> Markup:
    """An HTML table reduced to elements that cannot run, load or restyle anything."""
    cleaned = nh3.clean(html, tags=TABLE_TAGS, attributes=TABLE_ATTRIBUTES, strip_comments=True)
    return Markup(cleaned)  # noqa: S704 - cleaned by nh3 with the allow-list above


def rich_piece(bundle: Mapping[str, Any]) -> Piece | None:
    """The best thing to show from a display bundle, in the order a notebook would."""
    alt = joined(bundle.get("text/plain", "")).strip()[:200] or "Figure"
    for mime in ("image/png", "image/svg+xml"):
        if mime in bundle:
            src = image_src(mime, bundle[mime])
            if src is not None:
                return Piece(kind="image", src=src, alt=alt)
    if "text/html" in bundle:
        html = joined(bundle["text/html"])
        if HAS_TABLE.search(html):
            return Piece(kind="table", text=clean_table(html))
        return Piece(kind="html", html=html)
    if "text/plain" in bundle:
        return Piece(kind="text", text=ansi_to_html(joined(bundle["text/plain"])))
    return None


def traceback_parts(lines: Sequence[object]) -> tuple[TracebackPart, ...]:
    """The traceback as coloured text, library steps gathered into parts shown on request."""
    parts = []
    room = MAX_TEXT  # a traceback of thousands of steps (deep recursion) is cut, not refused
    for block in blocks_of(lines):
        if room <= 0:
            break
        text = ansi_to_html(block.text[:room])
        room -= len(block.text)
        folded = ""
        if block.is_library:
            folded = " and ".join(
                filter(None, [", ".join(block.packages[:-1]), block.packages[-1]])
            )
        parts.append(TracebackPart(text=text, folded=folded, steps=len(block.steps)))
    return tuple(parts)


def error_piece(output: Mapping[str, Any], definitions: Callable[[], Definitions]) -> Piece:
    traceback = output.get("traceback")
    lines: list[object] = traceback if isinstance(traceback, list) else []
    ename = str(output.get("ename") or "Error")
    evalue = str(output.get("evalue") or "")[:MAX_TEXT]
    return Piece(
        kind="error",
        title=f"{ename}: {evalue}" if evalue else ename,
        explanation=explain(ename, evalue, lines, definitions=definitions),
        traceback=traceback_parts(lines),
    )


def output_pieces(
    outputs: Sequence[Any], *, definitions: Callable[[], Definitions] = no_definitions
) -> list[Piece]:
    """What to show for a cell's stored outputs; unknown or malformed entries are skipped.
    `definitions` (which cells define which names) is asked only to explain a NameError."""
    pieces: list[Piece] = []
    for index, output in enumerate(outputs):
        if not isinstance(output, Mapping):
            continue
        kind = output.get("output_type")
        if kind == "stream":
            name = "stderr" if output.get("name") == "stderr" else "stdout"
            text = ansi_to_html(joined(output.get("text", "")))
            pieces.append(Piece(kind="text", text=text, stream=name))
        elif (piece := display_piece(output)) is not None:
            pieces.append(replace(piece, index=index))
        elif kind == "error":
            pieces.append(error_piece(output, definitions))
    return pieces


# Kernel HTML shown in a frame: a document of its own, with a charset (kernel text is UTF-8).
FRAME_DOCUMENT = '<!doctype html><html><head><meta charset="utf-8"></head><body>{}</body></html>'


def output_document(outputs: Sequence[Any], index: int) -> str | None:
    """The document an HTML output's frame loads: only for an output the page shows in a
    frame (never a table, an image or text, which the page shows itself)."""
    if not 0 <= index < len(outputs):
        return None
    output = outputs[index]
    piece = display_piece(output) if isinstance(output, Mapping) else None
    if piece is None or piece.kind != "html":
        return None
    return FRAME_DOCUMENT.format(piece.html)


def display_piece(output: Mapping[str, Any]) -> Piece | None:
    """What a result or displayed output shows (None for other outputs, or nothing shown)."""
    if output.get("output_type") not in {"execute_result", "display_data"}:
        return None
    bundle = output.get("data")
    return rich_piece(bundle) if isinstance(bundle, Mapping) else None
