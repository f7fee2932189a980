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
    from datadive.analysis.categorical import (
        chi_square_independence,
        cochrans_q,
        fisher_exact,
        mcnemar,
    )
    from datadive.analysis.checks import (
        group_descriptives,
        levene_test,
        outliers,
        qq_plot,
        shapiro_wilk,
    )
    from datadive.analysis.columns import (
        column_info,
        column_title,
        rename_column,
        set_column_info,
    )
    from datadive.analysis.correlation import (
        correlation_matrix,
        kendall_tau,
        partial_correlation,
        pearson,
        spearman,
    )
    from datadive.analysis.describe import cross_table, descriptives, frequency_table
    from datadive.analysis.factorial import ancova, two_way_anova
    from datadive.analysis.goodness_of_fit import chi_square_goodness_of_fit, multinomial_test
    from datadive.analysis.labels import categories, codes, labelled, recode_value
    from datadive.analysis.one_way import (
        brown_forsythe_anova,
        kruskal_wallis,
        one_way_anova,
        welch_anova,
    )
    from datadive.analysis.plots import Plot, box_plot, histogram, scatter_plot
    from datadive.analysis.post_hoc import dunn_test, games_howell, post_hoc_tests, tukey_hsd
    from datadive.analysis.proportions import binomial_test
    from datadive.analysis.rank_tests import mann_whitney, sign_test, wilcoxon_signed_rank
    from datadive.analysis.readers import (
        read_csv,
        read_excel,
        read_qualtrics,
        read_spss,
        read_stata,
    )
    from datadive.analysis.regression import (
        linear_regression,
        logistic_regression,
        ordinal_regression,
    )
    from datadive.analysis.reliability import reliability
    from datadive.analysis.repeated import friedman, mixed_anova, repeated_measures_anova
    from datadive.analysis.results import AnalysisError, Result
    from datadive.analysis.t_tests import independent_t, one_sample_t, paired_t

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
    "one_sample_t": "t_tests",
    "paired_t": "t_tests",
    "independent_t": "t_tests",
    "mann_whitney": "rank_tests",
    "wilcoxon_signed_rank": "rank_tests",
    "sign_test": "rank_tests",
    "binomial_test": "proportions",
    "one_way_anova": "one_way",
    "welch_anova": "one_way",
    "brown_forsythe_anova": "one_way",
    "kruskal_wallis": "one_way",
    "tukey_hsd": "post_hoc",
    "games_howell": "post_hoc",
    "dunn_test": "post_hoc",
    "post_hoc_tests": "post_hoc",
    "two_way_anova": "factorial",
    "ancova": "factorial",
    "repeated_measures_anova": "repeated",
    "mixed_anova": "repeated",
    "friedman": "repeated",
    "chi_square_independence": "categorical",
    "fisher_exact": "categorical",
    "mcnemar": "categorical",
    "cochrans_q": "categorical",
    "chi_square_goodness_of_fit": "goodness_of_fit",
    "multinomial_test": "goodness_of_fit",
    "pearson": "correlation",
    "spearman": "correlation",
    "kendall_tau": "correlation",
    "partial_correlation": "correlation",
    "correlation_matrix": "correlation",
    "linear_regression": "regression",
    "logistic_regression": "regression",
    "ordinal_regression": "regression",
    "reliability": "reliability",
    "shapiro_wilk": "checks",
    "levene_test": "checks",
    "qq_plot": "checks",
    "outliers": "checks",
    "group_descriptives": "checks",
    "Result": "results",
    "AnalysisError": "results",
}
__all__ = [
    "AnalysisError",
    "Plot",
    "Result",
    "ancova",
    "binomial_test",
    "box_plot",
    "brown_forsythe_anova",
    "categories",
    "chi_square_goodness_of_fit",
    "chi_square_independence",
    "cochrans_q",
    "codes",
    "column_info",
    "column_title",
    "correlation_matrix",
    "cross_table",
    "descriptives",
    "dunn_test",
    "fisher_exact",
    "frequency_table",
    "friedman",
    "games_howell",
    "group_descriptives",
    "histogram",
    "independent_t",
    "kendall_tau",
    "kruskal_wallis",
    "labelled",
    "levene_test",
    "linear_regression",
    "logistic_regression",
    "mann_whitney",
    "mcnemar",
    "mixed_anova",
    "multinomial_test",
    "one_sample_t",
    "one_way_anova",
    "ordinal_regression",
    "outliers",
    "paired_t",
    "partial_correlation",
    "pearson",
    "post_hoc_tests",
    "qq_plot",
    "read_csv",
    "read_excel",
    "read_qualtrics",
    "read_spss",
    "read_stata",
    "recode_value",
    "reliability",
    "rename_column",
    "repeated_measures_anova",
    "scatter_plot",
    "set_column_info",
    "shapiro_wilk",
    "sign_test",
    "spearman",
    "tukey_hsd",
    "two_way_anova",
    "welch_anova",
    "wilcoxon_signed_rank",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'datadive.analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"datadive.analysis.{home}"), name)
    # Kept, so that a submodule named like its function (`reliability`), which importing
    # binds here as a module, does not hide the function on the next access.
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
