"""Templates grouped by category for the add-cell picker and the template library, in the order
of an analysis (import, prepare, describe, test, report), not alphabetically; a category of
one's own comes after these, by name."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from datadive.db.models import CellTemplate

CATEGORY_ORDER = (
    "Import",
    "Prepare",
    "Describe",
    "Plot",
    "Assumption checks",
    "T-tests",
    "ANOVA",
    "Frequencies",
    "Correlation",
    "Regression",
    "Reliability",
    "Export",
)
_PLACE = {name.lower(): place for place, name in enumerate(CATEGORY_ORDER)}


def category_key(category: str) -> tuple[int, str]:
    return (_PLACE.get(category.lower(), len(CATEGORY_ORDER)), category.lower())


def by_category(rows: Sequence[CellTemplate]) -> list[tuple[str, list[CellTemplate]]]:
    ordered = sorted(rows, key=lambda row: (category_key(row.category), row.title.lower()))
    return [(name, list(group)) for name, group in groupby(ordered, key=lambda r: r.category)]
