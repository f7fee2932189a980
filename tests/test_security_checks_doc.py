"""docs/reference/security-checks.md stays true: every check of SECURITY.md has a row, and every
test the page names exists (a renamed or deleted test fails here, not in a reader's hands)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
PAGE = REPOSITORY / "docs" / "reference" / "security-checks.md"
CHECKS = range(1, 27)
NOT_BUILT = 15  # share links: the row says so, and names no test
# `tests/x.py`, `tests/x.py::test_name`, or `::test_name` (of the file named before it).
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`|`::(\w+)`")


def table_rows() -> dict[int, str]:
    rows = {}
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"\| (\d+) \|", line):
            rows[int(match.group(1))] = line
    return rows


def defined_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def named_tests(row: str) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    current = None
    for match in REFERENCE.finditer(row):
        if match.group(1):
            current = match.group(1)
            found.append((current, match.group(2)))
        else:
            assert current is not None, f"`::{match.group(3)}` follows no file in {row[:40]}"
            found.append((current, match.group(3)))
    return found


def test_every_check_has_one_row() -> None:
    assert sorted(table_rows()) == list(CHECKS)


def test_every_check_but_the_unbuilt_one_names_a_test() -> None:
    untested = [number for number, row in table_rows().items() if not named_tests(row)]
    assert untested == [NOT_BUILT]


def test_every_named_test_exists() -> None:
    missing = []
    named = 0
    for number, row in table_rows().items():
        for file, name in named_tests(row):
            path = REPOSITORY / file
            if not path.is_file():
                missing.append(f"check {number}: {file}")
            elif name is not None:
                named += 1
                if name not in defined_functions(path):
                    missing.append(f"check {number}: {file}::{name}")
    assert missing == []
    assert named > 100
