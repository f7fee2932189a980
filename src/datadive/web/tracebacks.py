"""A Jupyter traceback (the `traceback` list of an nbformat error output) read as a person reads
it: which steps are the person's own code and which are inside libraries, and the line of the
cell where Python stopped.

IPython sends one entry per step (a frame, with its source lines), plus header lines (the
dashes, "KeyError  Traceback (most recent call last)", "The above exception was the direct
cause…") and the final "KeyError: 'x'". Entries carry ANSI colour codes, kept here for
display and stripped only to read them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Every terminal escape sequence: colours, cursor moves, window titles, one-character ones.
ANSI = re.compile(r"\x1b(?:\[[0-9;?]*[A-Za-z]|\][^\x07]*\x07|[@-Z\\-_])")
# "File /…/site-packages/pandas/core/frame.py:4102, in DataFrame.__getitem__(self, key)",
# "File pandas/_libs/index.pyx:172, in …", "File <frozen importlib._bootstrap>:1204, in …"
FILE_FRAME = re.compile(r"^\s*File\s+(?P<path><[^>]*>|[^\n]+?)(?::\d+)?(?:,\s*in\b|\n|$)")
# "Cell In[3], line 7" (IPython 8 and later) or "Input In [3], in <cell line: 7>()" (IPython 7).
CELL_FRAME = re.compile(r"^\s*(?:Cell\s+In\s*\[\d*\]|Input\s+In\s*\[\d*\])")
CELL_LINE = re.compile(r"line (\d+)")
# The marked line of a step: "----> 7 df['b']" (the cell's own step) or "-> 3823 raise …".
MARKED_LINE = re.compile(r"^-*>\s*(\d+)\s?(.*)$", re.MULTILINE)
SECTION_START = re.compile(r"Traceback \(most recent call last\)")
# Library code: installed packages, the standard library, compiled modules (a bare relative
# path such as `pandas/_libs/index.pyx`), Python's frozen modules, IPython's own machinery.
LIBRARY_PATH = re.compile(
    r"[\\/](?:site|dist)-packages[\\/]|[\\/]lib[\\/]python3[^\\/]*[\\/]|^<frozen|"
    r"^[A-Za-z_][\w.]*[\\/][^\s]*\.(?:pyx|pxi|pxd)$|[\\/](?:IPython|ipykernel)[\\/]"
)
PACKAGE_AFTER = re.compile(r"[\\/](?:site|dist)-packages[\\/]([A-Za-z_][\w]*)")


def plain(text: str) -> str:
    """`text` without its ANSI escape sequences."""
    return ANSI.sub("", text)


@dataclass(frozen=True)
class Step:
    """One entry of the traceback, as sent (with its colour codes)."""

    text: str
    library: str = ""  # the package a library step is inside ("pandas", "Python"); "" if not

    @property
    def is_library(self) -> bool:
        return bool(self.library)


@dataclass(frozen=True)
class Block:
    """Consecutive steps shown together: the person's own, or a run of library steps that the
    page folds away ("3 steps inside pandas")."""

    steps: tuple[Step, ...]
    packages: tuple[str, ...] = ()

    @property
    def is_library(self) -> bool:
        return bool(self.packages)

    @property
    def text(self) -> str:
        return "\n".join(step.text.rstrip("\n") for step in self.steps)


@dataclass(frozen=True)
class FailingLine:
    number: int
    code: str


def library_of(entry: str) -> str:
    """The package a traceback step runs in, or "" for the person's own code and for the
    lines that are not steps."""
    match = FILE_FRAME.match(plain(entry))
    if match is None:
        return ""
    path = match.group("path").strip()
    if not LIBRARY_PATH.search(path):
        return ""
    package = PACKAGE_AFTER.search(path)
    if package is not None:
        return package.group(1)
    if path.startswith("<") or "/lib/python3" in path.replace("\\", "/"):
        return "Python"
    return re.split(r"[\\/]", path, maxsplit=1)[0]


def read_steps(traceback: Sequence[object]) -> list[Step]:
    steps = []
    for entry in traceback:
        text = str(entry)
        steps.append(Step(text=text, library=library_of(text)))
    return steps


def blocks_of(traceback: Sequence[object]) -> list[Block]:
    """The traceback in display order, library steps gathered into foldable runs."""
    blocks: list[Block] = []
    run: list[Step] = []

    def close_run() -> None:
        if run:
            packages = tuple(dict.fromkeys(step.library for step in run))
            blocks.append(Block(steps=tuple(run), packages=packages))
            run.clear()

    for step in read_steps(traceback):
        if step.is_library:
            run.append(step)
            continue
        close_run()
        if blocks and not blocks[-1].is_library:
            blocks[-1] = Block(steps=(*blocks[-1].steps, step))
        else:
            blocks.append(Block(steps=(step,)))
    close_run()
    return blocks


def last_section(traceback: Sequence[object]) -> list[str]:
    """The steps of the exception that stopped the cell (after "The above exception was the
    direct cause of the following exception", only the last chained part)."""
    entries = [plain(str(entry)) for entry in traceback]
    starts = [index for index, entry in enumerate(entries) if SECTION_START.search(entry)]
    return entries[starts[-1] :] if starts else entries


def failing_line(traceback: Sequence[object]) -> FailingLine | None:
    """The line of the cell where Python stopped: the cell's own step (the first one of the
    exception that ended the run, since later cell steps may be functions defined by other
    cells), or the line a SyntaxError points at."""
    for entry in last_section(traceback):
        if not CELL_FRAME.match(entry):
            continue
        marked = MARKED_LINE.search(entry)
        if marked is not None:
            return FailingLine(number=int(marked.group(1)), code=marked.group(2).strip())
        header, _, rest = entry.strip().partition("\n")
        number = CELL_LINE.search(header)
        if number is not None:
            # A SyntaxError: the header names the line, the next line shows it.
            code = next((line.strip() for line in rest.splitlines() if line.strip()), "")
            return FailingLine(number=int(number.group(1)), code=code)
    return None


def involves(traceback: Sequence[object], *packages: str) -> bool:
    """Whether any step runs inside one of `packages`."""
    return any(step.library in packages for step in read_steps(traceback))


def mentions(traceback: Sequence[object], text: str) -> bool:
    """Whether `text` appears in a step of the exception that stopped the cell."""
    return any(text in entry for entry in last_section(traceback))
