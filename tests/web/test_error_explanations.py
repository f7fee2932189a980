"""A failed cell explained in plain words, with the step that fixes it, from error outputs a
real kernel gave (`tests/fixtures/kernel_errors.json`, kept true by
`tests/execution/test_kernel_errors.py`); Python's report folded, library steps apart."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from markupsafe import Markup

from datadive.execution.client import KERNEL_DIED, KERNEL_UNRESPONSIVE
from datadive.execution.kernel_memory import over_limit_message
from datadive.web.error_explanations import Definer, Definitions, Explanation, explain
from datadive.web.outputs import MAX_TEXT, output_pieces
from datadive.web.tracebacks import FailingLine, blocks_of, failing_line, plain

RECORDED = Path(__file__).parents[1] / "fixtures" / "kernel_errors.json"


@cache
def recorded() -> dict[str, dict[str, Any]]:
    cases: dict[str, dict[str, Any]] = json.loads(RECORDED.read_text(encoding="utf-8"))
    return cases


def output(case: str) -> dict[str, Any]:
    found: dict[str, Any] = recorded()[case]["output"]
    return found


def explained(case: str, definitions: Definitions | None = None) -> Explanation:
    error = output(case)
    return explain(
        error["ename"],
        error["evalue"],
        error["traceback"],
        definitions=lambda: definitions or {},
    )


def words(markup: Markup) -> str:
    """What a person reads: the text without tags, entities resolved."""
    return markup.striptags()


# Each common case: what the headline says, and what the fix tells the person to do.
CASES = [
    (
        "unknown_column",
        "The table has no column named belongin.",
        ["print(df.columns)", "correct it in this cell"],
    ),
    (
        "unknown_columns",
        "The table has no columns named Belonging and gender.",
        ["print(df.columns)"],
    ),
    ("unknown_row", "The table has no row or column labelled 7.", ["print(df.columns)"]),
    ("dictionary_key", "There is no entry with the key 3.", ["print(name.keys())"]),
    (
        "mean_of_text",
        "Text was used where numbers are needed.",
        ['survey["age"] = pd.to_numeric(survey["age"], errors="coerce")'],
    ),
    (
        "text_plus_number",
        "Text was used where numbers are needed.",
        ['survey["age"] = pd.to_numeric(survey["age"], errors="coerce")'],
    ),
    ("text_to_float", "Text was used where numbers are needed.", ["pd.to_numeric("]),
    ("t_test_on_text", "Text was used where numbers are needed.", ["Choose a numeric column"]),
    ("file_in_data", "There is no file data/raw/survey.csv.", ["project's files"]),
    ("file_without_data", "There is no file survey.csv.", ["write data/survey.csv"]),
    ("module_missing", "The package seaborn_not_installed is not installed.", ["%pip install"]),
    ("module_other_name", "The package sklearn is not installed.", ["%pip install scikit-learn"]),
    ("memory", "Not enough memory.", ["usecols=", "nrows=", "del name"]),
    ("syntax", "Python cannot read this code.", ["bracket, quote or colon"]),
    ("interrupted", "The cell was interrupted.", ["Run it again"]),
    ("analysis_refused", "The analysis cannot run on these data.", ["Change the cell's choices"]),
    ("other", "The code stopped with an error.", ["details below"]),
]


def test_an_analysis_that_refuses_its_data_says_why_in_its_own_words() -> None:
    explanation = explained("analysis_refused")

    assert words(explanation.detail) == (
        "The group 'b' has 1 value(s) of 'belonging'; each group needs at least 2."
    )
    assert explanation.line is not None
    assert "independent_t(" in explanation.line.code


@pytest.mark.parametrize(("case", "headline", "fix_says"), CASES)
def test_common_errors_are_said_in_words_with_the_step_to_fix_them(
    case: str, headline: str, fix_says: list[str]
) -> None:
    explanation = explained(case)

    assert words(explanation.headline) == headline
    for step in fix_says:
        assert step in words(explanation.fix), words(explanation.fix)
    # Nothing of Python's own vocabulary in the headline but the names the person wrote.
    assert output(case)["ename"] not in words(explanation.headline)


def test_the_line_where_python_stopped_is_the_cells_own() -> None:
    # The error happened inside `share`, a function of the cell; the cell stopped at line 3.
    assert explained("other").line == FailingLine(number=3, code="share(3, 0)")
    assert explained("unknown_column").line == FailingLine(3, 'df["belongin"].mean()')
    assert explained("syntax").line == FailingLine(number=2, code="print(x")
    assert "ZeroDivisionError: division by zero" in words(explained("other").detail)


def test_the_offending_text_value_is_quoted() -> None:
    assert "it met the text twenty" in words(explained("text_to_float").detail)


def test_an_undefined_name_names_the_earlier_cell_that_must_run_first() -> None:
    load = Definer(number=2, title="Load a CSV file", status="idle", before=True)
    explanation = explained("undefined_name", {"scores": [load]})

    assert words(explanation.headline) == "scores is not defined yet."
    assert words(explanation.detail) == (
        "Cell 2 (Load a CSV file) defines it, but it has not run since the kernel started."
    )
    assert words(explanation.fix).startswith("Run cell 2 first")
    assert explanation.line == FailingLine(number=1, code="print(scores.mean())")


def test_an_undefined_name_from_a_cell_that_failed_asks_to_correct_that_cell() -> None:
    load = Definer(number=1, title="Code cell", status="error", before=True)
    explanation = explained("undefined_name", {"scores": [load]})

    assert "it stopped with an error, so scores was never made" in words(explanation.detail)
    assert words(explanation.fix) == "Correct the error in cell 1 and run it, then run this cell."


def test_an_undefined_name_defined_further_down_asks_to_move_the_cell() -> None:
    later = Definer(number=5, title="Scale score", status="idle", before=False)
    explanation = explained("undefined_name", {"scores": [later]})

    assert words(explanation.detail) == "Only cell 5 (Scale score), further down, defines it."
    assert "Move this cell below cell 5" in words(explanation.fix)


def test_an_undefined_name_no_cell_defines_suggests_a_close_one() -> None:
    score = Definer(number=3, title="Code cell", status="ok", before=True)

    close = explained("undefined_name", {"score": [score], "df": [score]})
    nothing = explained("undefined_name", {"df": [score]})

    assert words(close.detail) == "No cell of this notebook defines scores."
    assert words(close.fix).startswith("Did you mean score? Cell 3 (Code cell) defines that.")
    assert words(nothing.fix).startswith("Check the spelling (capitals count)")


def test_the_notebook_is_asked_about_its_names_only_for_a_name_error() -> None:
    asked: list[str] = []

    def definitions() -> Definitions:
        asked.append("asked")
        return {}

    error = output("unknown_column")
    explain(error["ename"], error["evalue"], error["traceback"], definitions=definitions)
    assert asked == []
    error = output("undefined_name")
    explain(error["ename"], error["evalue"], error["traceback"], definitions=definitions)
    assert asked == ["asked"]


def test_a_kernel_that_died_suggests_memory_first() -> None:
    died = explained("kernel_died")
    unresponsive = explain("KernelDied", KERNEL_UNRESPONSIVE.format(seconds=30), [])

    assert output("kernel_died")["evalue"] == KERNEL_DIED
    assert words(died.headline) == "The kernel stopped while running this cell."
    assert words(died.detail) == KERNEL_DIED
    assert words(died.fix).startswith("Most often the kernel ran out of memory.")
    assert "Run all" in words(died.fix)
    assert "memory" not in words(unresponsive.fix)


def test_a_kernel_stopped_over_its_memory_limit_says_so_and_how_to_use_less() -> None:
    stopped = explain("KernelDied", over_limit_message(0.3), [])

    assert stopped.kind == "memory-limit"
    assert words(stopped.headline) == "The cell used more memory than one kernel may use."
    assert "the cell used more than 0.3 GB of memory" in words(stopped.detail)
    assert words(stopped.fix).startswith("Work on less at once: read only the columns you need")


def test_kernel_text_in_the_words_is_escaped() -> None:
    explanation = explain("KeyError", "'<img src=x onerror=alert(1)>'", [])

    assert "<img" not in str(explanation.headline)
    assert "&lt;img src=x onerror=alert(1)&gt;" in str(explanation.headline)


def test_library_steps_are_gathered_apart_from_the_cells_own() -> None:
    blocks = blocks_of(output("text_plus_number")["traceback"])

    shown = [block for block in blocks if not block.is_library]
    folded = [(block.packages, len(block.steps)) for block in blocks if block.is_library]
    # pandas calls into pyarrow, which raised; then the cell's own step, then pandas again.
    assert folded == [(("pandas", "pyarrow"), 5), (("pandas",), 9)]
    assert any("Cell In[" in plain(block.text) for block in shown)
    assert all("site-packages" not in block.text for block in shown)
    # The last line, the error itself, is never folded away.
    assert plain(blocks[-1].text).startswith("TypeError: operation 'add'")
    assert not blocks[-1].is_library
    assert len([step for block in blocks for step in block.steps]) == len(
        output("text_plus_number")["traceback"]
    )


def test_a_traceback_without_a_cell_step_has_no_line() -> None:
    assert failing_line(["\x1b[31mKeyError\x1b[39m: 'a'"]) is None
    assert explain("KeyError", "'a'", []).line is None


def test_a_huge_message_or_traceback_is_cut_not_refused() -> None:
    explanation = explain("RuntimeError", "x" * 100_000, [])
    # A recursion error's report: thousands of steps of the person's own function.
    step = "\x1b[36mCell\x1b[39m In[1], line 2, in f(n)\n----> 2 return f(n + 1)\n"
    [piece] = output_pieces(
        [
            {
                "output_type": "error",
                "ename": "RecursionError",
                "evalue": "deep",
                "traceback": [step] * 50_000,
            }
        ]
    )

    assert 2000 <= len(words(explanation.detail)) < 2100
    assert sum(len(part.text) for part in piece.traceback) < 2 * MAX_TEXT
    assert words(piece.explanation.headline) == "The code stopped with an error."
