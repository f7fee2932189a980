"""Numbers computed by R, the independent second computation for the analysis library.

Each family of analyses has an R script, `tests/analysis/reference/<family>.R`, that reads the
CSV files in `tests/analysis/reference/data/` (the same files the Python tests read) and writes
`<family>.json` with every number at full precision (`jsonlite::write_json(digits = NA)`).
The JSON files are committed, so the tests need no R; `tests/analysis/reference/regenerate.sh`
runs the scripts again (R 4.2 and the packages it names, from Debian's r-cran-* packages).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

REFERENCE = Path(__file__).parents[1] / "analysis" / "reference"
DATA = REFERENCE / "data"


@functools.cache
def r_numbers(family: str) -> dict[str, Any]:
    """What `<family>.R` computed, as it wrote it."""
    with (REFERENCE / f"{family}.json").open(encoding="utf-8") as file:
        found: dict[str, Any] = json.load(file)
    return found


def r_value(family: str, key: str) -> Any:
    """One number (or list) from R's output; a one-element list is unwrapped."""
    value = r_numbers(family)[key]
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


def reference_data(name: str) -> pd.DataFrame:
    """A CSV file that both R and the Python tests read (`data/<name>.csv`)."""
    return pd.read_csv(DATA / f"{name}.csv")


def close(expected: Any, rel: float = 1e-6) -> Any:
    """`expected` as the analysis tests compare with it: to 1e-6 relative (the issue's bar),
    and 1e-9 absolute for numbers at zero."""
    return pytest.approx(expected, rel=rel, abs=1e-9)
