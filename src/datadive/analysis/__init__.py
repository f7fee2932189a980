"""The Datadive library that notebooks import: readers that keep what a file says about its
columns, outputs that show it, and the statistical analyses.

    from datadive.analysis import read_qualtrics, frequency_table, welch_anova

    df = read_qualtrics("data/survey.csv", qsf="data/survey.qsf", drop_previews=True)
    frequency_table(df, "programme")            # Psychology, Sociology…, not 1, 2…
    welch_anova(df, outcome="belonging", group="programme", post_hoc="games-howell")

It runs inside the user's kernel, so it never imports the app, the database or the web layer:
only pandas, NumPy, SciPy, statsmodels, matplotlib and pyreadstat (a test checks it). An
exported notebook runs wherever `datadive` is installed.

**How values are held.** A reader attaches each column's question text or variable label,
measurement level (nominal, ordinal, scale, binary) and value labels to the table
(`df.attrs["datadive"]`, `datadive.analysis.columns`). Nominal columns with value labels are
Categoricals of their labels, so that every table, plot and test shows `Psychology` (codes:
`codes(df, column)`). Ordinal, scale and binary columns stay numbers, so that means, scale
scores and correlations work on them; the display helpers show their labels. Every display
helper takes `show="codes"` to show the codes instead. `datadive.analysis.labels` explains why.

**Analyses.** One function per analysis returns a `Result` (`results`): APA tables (`apa`),
assumption checks with verdicts (`assumptions`), notes and a write-up, every number in
`.values`. Data are chosen listwise with errors in words (`selection`); effect-size intervals
come from noncentral distributions (`noncentral`).

Layout: `readers/` (one module per kind of file), `columns` (the metadata contract), `labels`
(holding and showing labelled values), `describe` (tables), `plots` (figures), `checks`
(assumption checks on their own), the shared rules for Qualtrics files (`qualtrics_format`,
`qsf`) that the file page uses too, and one package per family of analyses: `ttests/`,
`anova/`, `frequencies/`, `relations/` (correlation, regression), `scales/` (reliability).

Names are loaded on first use, so that the app (which shares the Qualtrics rules) does not load
matplotlib or statsmodels.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names, for type checkers; loaded by __getattr__ at run time
    from datadive.analysis.anova.factorial import ancova, two_way_anova
    from datadive.analysis.anova.one_way import (
        brown_forsythe_anova,
        kruskal_wallis,
        one_way_anova,
        welch_anova,
    )
    from datadive.analysis.anova.post_hoc import dunn_test, games_howell, post_hoc_tests, tukey_hsd
    from datadive.analysis.anova.repeated import friedman, mixed_anova, repeated_measures_anova
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
    from datadive.analysis.describe import cross_table, descriptives, frequency_table
    from datadive.analysis.frequencies.categorical import (
        chi_square_independence,
        cochrans_q,
        fisher_exact,
        mcnemar,
    )
    from datadive.analysis.frequencies.goodness_of_fit import (
        chi_square_goodness_of_fit,
        multinomial_test,
    )
    from datadive.analysis.labels import categories, codes, labelled, recode_value
    from datadive.analysis.plots import Plot, box_plot, histogram, scatter_plot
    from datadive.analysis.readers import (
        read_csv,
        read_excel,
        read_qualtrics,
        read_spss,
        read_stata,
    )
    from datadive.analysis.relations.correlation import (
        correlation,
        correlation_matrix,
        kendall_tau,
        partial_correlation,
        pearson,
        spearman,
    )
    from datadive.analysis.relations.regression import (
        linear_regression,
        logistic_regression,
        ordinal_regression,
    )
    from datadive.analysis.results import AnalysisError, Result
    from datadive.analysis.scales.reliability import reliability
    from datadive.analysis.ttests.proportions import binomial_test
    from datadive.analysis.ttests.rank_tests import mann_whitney, sign_test, wilcoxon_signed_rank
    from datadive.analysis.ttests.t_tests import independent_t, one_sample_t, paired_t

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
    "one_sample_t": "ttests.t_tests",
    "paired_t": "ttests.t_tests",
    "independent_t": "ttests.t_tests",
    "mann_whitney": "ttests.rank_tests",
    "wilcoxon_signed_rank": "ttests.rank_tests",
    "sign_test": "ttests.rank_tests",
    "binomial_test": "ttests.proportions",
    "one_way_anova": "anova.one_way",
    "welch_anova": "anova.one_way",
    "brown_forsythe_anova": "anova.one_way",
    "kruskal_wallis": "anova.one_way",
    "tukey_hsd": "anova.post_hoc",
    "games_howell": "anova.post_hoc",
    "dunn_test": "anova.post_hoc",
    "post_hoc_tests": "anova.post_hoc",
    "two_way_anova": "anova.factorial",
    "ancova": "anova.factorial",
    "repeated_measures_anova": "anova.repeated",
    "mixed_anova": "anova.repeated",
    "friedman": "anova.repeated",
    "chi_square_independence": "frequencies.categorical",
    "fisher_exact": "frequencies.categorical",
    "mcnemar": "frequencies.categorical",
    "cochrans_q": "frequencies.categorical",
    "chi_square_goodness_of_fit": "frequencies.goodness_of_fit",
    "multinomial_test": "frequencies.goodness_of_fit",
    "correlation": "relations.correlation",
    "pearson": "relations.correlation",
    "spearman": "relations.correlation",
    "kendall_tau": "relations.correlation",
    "partial_correlation": "relations.correlation",
    "correlation_matrix": "relations.correlation",
    "linear_regression": "relations.regression",
    "logistic_regression": "relations.regression",
    "ordinal_regression": "relations.regression",
    "reliability": "scales.reliability",
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
    "correlation",
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
    # Kept, so that the next access finds it at once.
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
