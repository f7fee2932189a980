"""Waiting for a notebook's `.ipynb` to hold what a test expects (it is written a moment after
each change)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nbformat


async def notebook_file_when(path: Path, sources: list[str], *, seconds: float = 30) -> list[str]:
    """The cell sources of the .ipynb once they are `sources` (or what it holds at the end)."""
    found: list[str] = []
    for _ in range(int(seconds * 10)):
        if path.is_file():
            found = [cell.source for cell in nbformat.read(path, as_version=4).cells]
            if found == sources:
                break
        await asyncio.sleep(0.1)
    return found
