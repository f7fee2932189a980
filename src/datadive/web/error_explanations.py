"""A cell's error in plain words, with the step that fixes it.

Researchers meet a handful of errors again and again: a column name with a typo, text where
numbers are needed, a file path that does not exist, a table used before the cell that makes
it has run, a package that is not installed, a table too big for memory. For these the page
says first what happened and what to do; the traceback stays below, folded. Anything else
still gets a sentence (the error's name and message, the line where Python stopped).

Pure functions of the stored error output (`ename`, `evalue`, `traceback`) and of what the
notebook knows about its cells (which cell defines which name). Everything that comes from the
kernel goes into the words through `Markup.format`, so it is escaped.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from datadive.services.authoring.cell_status import INTERRUPTED_ERROR, KERNEL_DIED
from datadive.web.tracebacks import FailingLine, failing_line, involves, mentions

CODE = Markup("<code>{}</code>")
MAX_QUOTED = 160  # kernel text quoted in a sentence; longer is cut


@dataclass(frozen=True)
class Definer:
    """A cell that assigns a name, as the explanation refers to it."""

    number: int
    title: str
    status: str
    before: bool  # it comes before the failing cell


Definitions = Mapping[str, Sequence[Definer]]


@dataclass(frozen=True)
class Explanation:
    kind: str  # which case it is ("unknown-column", …, "other"), for styling and tests
    headline: Markup
    detail: Markup = field(default_factory=Markup)
    fix: Markup = field(default_factory=Markup)
    line: FailingLine | None = None


# What `datadive.analysis` raises for data an analysis cannot use (its message is in words).
ANALYSIS_ERROR = "AnalysisError"
MAX_MESSAGE = 2000  # Python's own message, quoted whole in a sentence up to this length


def cut(text: str, limit: int) -> str:
    """`text`, or its start and "…" when it is longer than `limit`."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def said(message: str) -> str:
    return cut(message, MAX_MESSAGE)


def code(text: object) -> Markup:
    return CODE.format(cut(str(text), MAX_QUOTED))


def listing(items: Sequence[object]) -> Markup:
    """`a`, `b` and `c`."""
    quoted = [code(item) for item in items]
    if len(quoted) < 2:
        return Markup("").join(quoted)
    return Markup(", ").join(quoted[:-1]) + Markup(" and ") + quoted[-1]


def literal(text: str) -> object:
    """A Python literal as written in an error message (`'age'`, `['a', 'b']`), or the text."""
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text.strip()


# `df["age"]` in the line where Python stopped: the table and column the person meant.
SUBSCRIPT = re.compile(r"""([A-Za-z_]\w*)\[(['"])([^'"\]]+)\2\]""")


def table_and_column(line: FailingLine | None) -> tuple[str, str] | None:
    match = SUBSCRIPT.search(line.code) if line is not None else None
    return (match.group(1), match.group(3)) if match is not None else None


# --- unknown column ----------------------------------------------------------------------

MISSING_LIST = re.compile(
    r"^(?:None of \[Index\((\[.*\]).*\)\] are in the \[\w+\]|(\[.*\]) not in index)$", re.S
)


def missing_keys(evalue: str) -> list[object]:
    """The keys a pandas KeyError names: `'age'`, `"['a', 'b'] not in index"`, `"None of
    [Index(['a'], dtype='object')] are in the [columns]"`."""
    value = literal(evalue)
    if isinstance(value, str):
        match = MISSING_LIST.match(value)
        if match is not None:
            listed = literal(match.group(1) or match.group(2))
            if isinstance(listed, list):
                return listed
    return [value]


def unknown_key(evalue: str, traceback: Sequence[object]) -> Explanation:
    keys = missing_keys(evalue)
    if not involves(traceback, "pandas"):
        return Explanation(
            kind="unknown-key",
            headline=Markup("There is no entry with the key {}.").format(listing(keys)),
            detail=Markup("The code looked up a key that the dictionary does not hold."),
            fix=Markup("Check the spelling (capitals count); {} lists the keys there are.").format(
                code("print(name.keys())")
            ),
            line=failing_line(traceback),
        )
    is_column = mentions(traceback, "DataFrame.__getitem__") or "[columns]" in evalue
    noun = "column" if is_column else "row or column"
    plural = "s" if len(keys) > 1 else ""
    headline = (
        Markup("The table has no {}{} named {}.").format(noun, plural, listing(keys))
        if is_column or len(keys) > 1
        else Markup("The table has no row or column labelled {}.").format(listing(keys))
    )
    line = failing_line(traceback)
    named = table_and_column(line)
    table = named[0] if named is not None else "df"
    return Explanation(
        kind="unknown-column",
        headline=headline,
        detail=Markup(
            "Column names must match exactly: capitals, spaces and accents count. A column "
            "renamed or dropped by an earlier cell has its new name from there on."
        ),
        fix=Markup(
            "Compare the name with the table's columns ({} lists them, and so does the "
            "file's preview) and correct it in this cell."
        ).format(code(f"print({table}.columns)")),
        line=line,
    )


# --- text where numbers are needed ---------------------------------------------------------

TEXT_AND_NUMBERS = re.compile(
    r"\bstr(?:ing)?\b|dtype->object|to numeric|to float|invalid literal for int|parse string",
    re.IGNORECASE,
)
QUOTED_VALUE = re.compile(
    r"""(?:string to \w+|for int\(\) with base \d+|string)\s*:?\s*(['"])(.*?)\1"""
)


def text_for_numbers(evalue: str, traceback: Sequence[object]) -> Explanation:
    value = QUOTED_VALUE.search(evalue)
    detail = Markup(
        "A calculation needs numbers, but a column (or value) holds text. Columns read from a "
        "file become text when any cell in them is not a number, such as {} or {}."
    ).format(code("n/a"), code("21 years"))
    if value is not None:
        detail = Markup("A calculation needs numbers, but it met the text {}.").format(
            code(value.group(2))
        ) + Markup(" A column read from a file becomes text when any of its cells is not a number.")
    line = failing_line(traceback)
    table, column = table_and_column(line) or ("df", "column")
    convert = f'{table}["{column}"] = pd.to_numeric({table}["{column}"], errors="coerce")'
    return Explanation(
        kind="text-not-number",
        headline=Markup("Text was used where numbers are needed."),
        detail=detail,
        fix=Markup(
            "Choose a numeric column, or convert this one first: {} turns every value that is "
            "not a number into a missing value. The file's preview shows each column's type."
        ).format(code(convert)),
        line=line,
    )


# --- file not found ------------------------------------------------------------------------

MISSING_PATH = re.compile(r"""(['"])(.+)\1\s*$""")


def file_not_found(evalue: str, traceback: Sequence[object]) -> Explanation:
    match = MISSING_PATH.search(evalue)
    path = match.group(2) if match is not None else ""
    headline = (
        Markup("There is no file {}.").format(code(path))
        if path
        else Markup("A file the code opens does not exist.")
    )
    if path and not path.replace("\\", "/").startswith(("data/", "/")):
        fix = Markup(
            "Project files are opened through the {} folder: write {}. The project page lists "
            "the files and their paths."
        ).format(code("data/"), code(f"data/{path}"))
    else:
        fix = Markup(
            "Check the path against the project's files (names and capitals must match "
            "exactly), or upload the file on the project page first."
        )
    return Explanation(
        kind="file-not-found",
        headline=headline,
        detail=Markup("Python looked for the file at that path and found nothing there."),
        fix=fix,
        line=failing_line(traceback),
    )


# --- a name no cell has defined yet ----------------------------------------------------------

NAME_IN = re.compile(r"""name (['"])(.+?)\1 is not defined""")


def cell_named(definer: Definer, *, start: bool = False) -> Markup:
    word = "Cell" if start else "cell"
    return Markup("{} {} ({})").format(word, definer.number, definer.title)


def undefined_name(
    evalue: str, traceback: Sequence[object], definitions: Callable[[], Definitions]
) -> Explanation:
    match = NAME_IN.search(evalue)
    name = match.group(2) if match is not None else evalue
    found = definitions()
    definers = list(found.get(name, ()))
    earlier = [definer for definer in definers if definer.before]
    later = [definer for definer in definers if not definer.before]
    headline = Markup("{} is not defined yet.").format(code(name))
    if earlier:
        first = earlier[0]
        run_first = Markup(
            "Run cell {} first (its “Run from here” runs it and every cell after it, this one "
            "included)."
        ).format(first.number)
        state = Markup("it has not run since the kernel started")
        if first.status == "error":
            state = Markup("it stopped with an error, so {} was never made").format(code(name))
            run_first = Markup("Correct the error in cell {} and run it, then run this cell.")
            run_first = run_first.format(first.number)
        return Explanation(
            kind="undefined-name",
            headline=headline,
            detail=Markup("{} defines it, but {}.").format(cell_named(first, start=True), state),
            fix=run_first,
            line=failing_line(traceback),
        )
    if later:
        first = later[0]
        return Explanation(
            kind="undefined-name",
            headline=headline,
            detail=Markup("Only {}, further down, defines it.").format(cell_named(first)),
            fix=Markup(
                "Move this cell below cell {} (or move cell {} up), then run from there."
            ).format(first.number, first.number),
            line=failing_line(traceback),
        )
    close = difflib.get_close_matches(name, list(found), n=1, cutoff=0.75)
    fix = Markup("Check the spelling (capitals count), or add a cell that creates {}.").format(
        code(name)
    )
    if close:
        [other] = close
        owner = found[other][0]
        fix = Markup(
            "Did you mean {}? {} defines that. Otherwise add a cell that creates {}."
        ).format(code(other), cell_named(owner, start=True), code(name))
    return Explanation(
        kind="undefined-name",
        headline=headline,
        detail=Markup("No cell of this notebook defines {}.").format(code(name)),
        fix=fix,
        line=failing_line(traceback),
    )


# --- a package that is not installed --------------------------------------------------------

MODULE_IN = re.compile(r"""No module named (['"])(.+?)\1""")
# Import names whose package is called otherwise on PyPI.
PACKAGE_NAMES = {
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "PIL": "Pillow",
    "yaml": "PyYAML",
    "bs4": "beautifulsoup4",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "dateutil": "python-dateutil",
    "Bio": "biopython",
    "skimage": "scikit-image",
}


def module_missing(evalue: str, traceback: Sequence[object]) -> Explanation:
    match = MODULE_IN.search(evalue)
    module = match.group(2) if match is not None else evalue
    top = module.split(".")[0]
    package = PACKAGE_NAMES.get(top, top)
    return Explanation(
        kind="module-missing",
        headline=Markup("The package {} is not installed.").format(code(top)),
        detail=Markup("The kernel has no module called {} to import.").format(code(module)),
        fix=Markup(
            "If the name is misspelt, correct it. Otherwise install the package in a cell of "
            "its own with {}, then run this cell again; if the server cannot download "
            "packages, ask whoever runs Datadive to add {}."
        ).format(code(f"%pip install {package}"), code(package)),
        line=failing_line(traceback),
    )


# --- out of memory -------------------------------------------------------------------------

LESS_MEMORY = Markup(
    "Work on less at once: read only the columns you need ({}) or fewer rows ({}), and delete "
    "tables you no longer need ({})."
).format(code("usecols=[…]"), code("nrows=…"), code("del name"))


def out_of_memory(evalue: str, traceback: Sequence[object]) -> Explanation:
    detail = Markup("The kernel ran out of memory for this step.")
    if evalue:
        detail = detail + Markup(" Python said: {}").format(said(evalue))
    return Explanation(
        kind="out-of-memory",
        headline=Markup("Not enough memory."),
        detail=detail,
        fix=LESS_MEMORY,
        line=failing_line(traceback),
    )


# `execution.kernel_memory` stopped the kernel: over the memory limit, not a crash.
OVER_MEMORY_LIMIT = "the cell used more than"


def kernel_died(evalue: str) -> Explanation:
    detail = Markup("{}").format(said(evalue))
    if OVER_MEMORY_LIMIT in evalue:
        return Explanation(
            kind="memory-limit",
            headline=Markup("The cell used more memory than one kernel may use."),
            detail=detail,
            fix=LESS_MEMORY + Markup(" Then run the cells again from the top (Run all)."),
        )
    fix = Markup("Run the cells again from the top (Run all).")
    if "memory" in evalue.lower():
        fix = (
            Markup("Most often the kernel ran out of memory. ")
            + LESS_MEMORY
            + Markup(" Then run the cells again from the top (Run all).")
        )
    return Explanation(
        kind="kernel-died",
        headline=Markup("The kernel stopped while running this cell."),
        detail=detail,
        fix=fix,
    )


# --- everything else -----------------------------------------------------------------------


def syntax_error(ename: str, evalue: str, traceback: Sequence[object]) -> Explanation:
    reason = re.sub(r"\s*\([^()]*, line \d+\)$", "", evalue)
    return Explanation(
        kind="syntax",
        headline=Markup("Python cannot read this code."),
        detail=Markup("{}: {}.").format(ename, reason or "invalid syntax"),
        fix=Markup(
            "Look at the line below and the one before it: a bracket, quote or colon is often "
            "missing, or the indentation is off."
        ),
        line=failing_line(traceback),
    )


def interrupted(traceback: Sequence[object]) -> Explanation:
    return Explanation(
        kind="interrupted",
        headline=Markup("The cell was interrupted."),
        detail=Markup("Someone pressed Interrupt while it ran, so it stopped where it was."),
        fix=Markup("Run it again when you are ready."),
        line=failing_line(traceback),
    )


def analysis_refused(evalue: str, traceback: Sequence[object]) -> Explanation:
    """An analysis of `datadive.analysis` that cannot run on these data: its message already
    says why in words (one group only, a text column as outcome …)."""
    return Explanation(
        kind="analysis-refused",
        headline=Markup("The analysis cannot run on these data."),
        detail=Markup("{}").format(said(evalue)),
        fix=Markup(
            "Change the cell's choices (columns, groups) or the data as the sentence above "
            "says, then run it again."
        ),
        line=failing_line(traceback),
    )


def other_error(ename: str, evalue: str, traceback: Sequence[object]) -> Explanation:
    message = Markup("{}: {}").format(ename, said(evalue)) if evalue else Markup("{}").format(ename)
    return Explanation(
        kind="other",
        headline=Markup("The code stopped with an error."),
        detail=Markup("Python said: {}").format(message),
        fix=Markup(
            "The last lines of the details below show where it happened; the earlier steps "
            "show how Python got there."
        ),
        line=failing_line(traceback),
    )


def no_definitions() -> Definitions:
    return {}


def explain(
    ename: str,
    evalue: str,
    traceback: Sequence[object],
    *,
    definitions: Callable[[], Definitions] = no_definitions,
) -> Explanation:
    """The plain-words explanation of an error output. `definitions` is asked (only for a
    NameError) which cells of the notebook define which names."""
    if ename == "KeyError":
        return unknown_key(evalue, traceback)
    if ename in {"TypeError", "ValueError"} and TEXT_AND_NUMBERS.search(evalue):
        return text_for_numbers(evalue, traceback)
    if ename == "FileNotFoundError":
        return file_not_found(evalue, traceback)
    if ename == "NameError":
        return undefined_name(evalue, traceback, definitions)
    if ename == "ModuleNotFoundError":
        return module_missing(evalue, traceback)
    if ename == "MemoryError":
        return out_of_memory(evalue, traceback)
    if ename == KERNEL_DIED:
        return kernel_died(evalue)
    if ename in {"SyntaxError", "IndentationError", "TabError"}:
        return syntax_error(ename, evalue, traceback)
    if ename == INTERRUPTED_ERROR:
        return interrupted(traceback)
    if ename == ANALYSIS_ERROR:
        return analysis_refused(evalue, traceback)
    return other_error(ename, evalue, traceback)
