"""Reading what the server-rendered pages say, as a person would read it."""

from __future__ import annotations

import re


def status_of(page: str, cell_id: str) -> str:
    """A cell's status as the page words it (tags removed, spaces collapsed)."""
    article = re.search(rf'<article[^>]*id="cell-{cell_id}".*?</article>', page, re.S)
    assert article is not None
    status = re.search(r'class="cell-status[^"]*"[^>]*>(.*?)</span>\s*<div', article[0], re.S)
    assert status is not None
    return " ".join(re.sub(r"<[^>]+>", " ", status[1]).split())
