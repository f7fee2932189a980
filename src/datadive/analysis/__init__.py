"""The Datadive library that notebooks import: readers that keep what a file says about its
columns, and outputs that show it.

    from datadive.analysis import read_qualtrics, frequency_table, box_plot

    df = read_qualtrics("data/survey.csv", qsf="data/survey.qsf", drop_previews=True)
    frequency_table(df, "programme")            # Psychology, Sociology…, not 1, 2…
    box_plot(df, "wellbeing", by="programme")   # one box per programme, named

It runs inside the user's kernel, so it never imports the app, the database or the web layer:
only pandas, NumPy, SciPy, matplotlib and pyreadstat (a test checks it). An exported notebook
runs wherever `datadive` is installed.

**How values are held.** A reader attaches each column's question text or variable label,
measurement level (nominal, ordinal, scale, binary) and value labels to the table
(`df.attrs["datadive"]`, `datadive.analysis.columns`). Nominal columns with value labels are
Categoricals of their labels, so that every table, plot and test shows `Psychology` (codes:
`codes(df, column)`). Ordinal, scale and binary columns stay numbers, so that means, scale
scores and correlations work on them; the display helpers show their labels. Every display
helper takes `show="codes"` to show the codes instead. `datadive.analysis.labels` explains why.

Layout: `readers/` (one module per kind of file), `columns` (the metadata contract), `labels`
(holding and showing labelled values), `describe` (tables), `plots` (figures), and the shared
rules for Qualtrics files (`qualtrics_format`, `qsf`) that the file page uses too. The
statistical analyses get one module per family next to these.

Names are loaded on first use, so that the app (which shares the Qualtrics rules) does not load
matplotlib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names, for type checkers; loaded by __getattr__ at run time
    from datadive.analysis.columns import (
        column_info,
        column_title,
        rename_column,
        set_column_info,
    )
    from datadive.analysis.describe import cross_table, descriptives, frequency_table
    from datadive.analysis.labels import categories, codes, labelled, recode_value
    from datadive.analysis.plots import Plot, box_plot, histogram, scatter_plot
    from datadive.analysis.readers import (
        read_csv,
        read_excel,
        read_qualtrics,
        read_spss,
        read_stata,
    )

_HOMES = {
    "read_csv": "readers",
    "read_excel": "readers",
    "read_qualtrics": "readers",
    "read_spss": "readers",
    "read_stata": "readers",
    "column_info": "columns",
    "column_title": "columns",
    "set_column_info": "columns",
    "rename_column": "columns",
    "recode_value": "labels",
    "labelled": "labels",
    "codes": "labels",
    "categories": "labels",
    "frequency_table": "describe",
    "cross_table": "describe",
    "descriptives": "describe",
    "Plot": "plots",
    "box_plot": "plots",
    "histogram": "plots",
    "scatter_plot": "plots",
}
__all__ = [
    "Plot",
    "box_plot",
    "categories",
    "codes",
    "column_info",
    "column_title",
    "cross_table",
    "descriptives",
    "frequency_table",
    "histogram",
    "labelled",
    "read_csv",
    "read_excel",
    "read_qualtrics",
    "read_spss",
    "read_stata",
    "recode_value",
    "rename_column",
    "scatter_plot",
    "set_column_info",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'datadive.analysis' has no attribute {name!r}")
    return getattr(importlib.import_module(f"datadive.analysis.{home}"), name)


def __dir__() -> list[str]:
    return __all__
