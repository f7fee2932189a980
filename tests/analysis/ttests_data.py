"""The data of the t-test family's tests (tests/analysis/reference/data/ttests_*.csv, which
ttests.R reads too) with the value labels a reader would attach, and R's numbers."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from datadive.analysis import set_column_info
from tests.support.r_reference import r_value, reference_data

PROGRAMMES = {1: "Psychology", 2: "Sociology", 3: "Economics"}


def groups_frame() -> pd.DataFrame:
    frame = reference_data("ttests_groups")
    set_column_info(frame, "programme", measurement="nominal", value_labels=PROGRAMMES)
    set_column_info(frame, "satisfaction", measurement="ordinal")
    return frame


def paired_frame() -> pd.DataFrame:
    return reference_data("ttests_paired")


def binomial_frame() -> pd.DataFrame:
    frame = reference_data("ttests_binomial")
    set_column_info(frame, "passed", measurement="binary", value_labels={0: "Failed", 1: "Passed"})
    return frame


def r(key: str) -> Any:
    """R's number for `key` (ttests.R), with R's Inf as a float."""
    value = r_value("ttests", key)
    if value in ("Inf", "-Inf"):
        return float(value.replace("Inf", "inf"))
    return value


def near(key: str) -> Any:
    """R's number for `key`, to compare with: equal to 1e-6 (relative)."""
    return pytest.approx(r(key), rel=1e-6, abs=1e-9)
