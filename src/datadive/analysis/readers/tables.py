"""Plain tables (CSV/TSV text, Excel sheets): pandas' readers, with the file noted as the
table's source. Such files say nothing about labels or levels, so no column entry is made:
levels are guessed from the types wherever they are needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from datadive.analysis.columns import attach_metadata


def read_csv(
    path: str | Path,
    *,
    sep: str = ",",
    decimal: str = ".",
    encoding: str = "utf-8",
    **options: Any,
) -> pd.DataFrame:
    """A comma-, semicolon- or tab-separated text file; `options` go to `pandas.read_csv`."""
    frame = pd.read_csv(path, sep=sep, decimal=decimal, encoding=encoding, **options)
    return attach_metadata(frame, {}, source=str(path))


def read_excel(
    path: str | Path, *, sheet: str | int = 0, header_row: int = 1, **options: Any
) -> pd.DataFrame:
    """One sheet (a name, or 0 for the first) whose column names are in row `header_row`
    (counted from 1, as Excel shows rows); `options` go to `pandas.read_excel`."""
    if header_row < 1:
        raise ValueError("header_row counts from 1, the first row of the sheet")
    frame = pd.read_excel(path, sheet_name=sheet, header=header_row - 1, **options)
    return attach_metadata(frame, {}, source=str(path))
