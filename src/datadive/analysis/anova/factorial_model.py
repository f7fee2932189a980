"""The linear model behind the factorial analyses (two-way ANOVA, ANCOVA): choosing the rows
and levels, fitting it with statsmodels, and its ANOVA table with effect sizes.

Columns are renamed to safe names inside the model (`y`, `f0`, `f1` …, `x0` …), so that any
column name works in the formula; the table is named by the columns again.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from statsmodels.regression.linear_model import RegressionResultsWrapper
from statsmodels.stats.anova import anova_lm
from statsmodels.tools.sm_exceptions import SingularMatrixWarning

from datadive.analysis.apa import Kind
from datadive.analysis.labels import categories, labelled
from datadive.analysis.noncentral import variance_explained_bounds
from datadive.analysis.results import AnalysisError
from datadive.analysis.selection import numbers_of, plain_value, require_columns

RESIDUALS = "Residuals"
TERM_COLUMNS = ["SS", "df", "MS", "F", "p", "partial η²", "95% CI low", "95% CI high"]
LEVEL = 0.95


def sum_of_squares_type(value: Any) -> int:
    """2 or 3, also from a form's text ("3", "III")."""
    known = {"2": 2, "II": 2, "3": 3, "III": 3}
    found = known.get(str(value).strip().upper())
    if found is None:
        raise AnalysisError(
            f"sum_of_squares must be 2 or 3 (type II or type III sums of squares), not {value!r}."
        )
    return found


def column_list(value: Sequence[str] | str | None, what: str) -> list[str]:
    """Column names from a list, or from one name or a form's comma-separated text."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, Sequence):
        raise AnalysisError(f"{what} must be a list of column names, not {value!r}.")
    return [str(item) for item in value]


@dataclass
class Design:
    """The rows an analysis uses: `y`, factors `f0`… as Categoricals (levels in order) and
    covariates `x0`…, listwise complete."""

    data: pd.DataFrame
    outcome: str
    factors: list[str]
    covariates: list[str]
    levels: list[list[Any]]
    n_missing: int
    n_other: int  # rows in levels that were not chosen

    @property
    def n(self) -> int:
        return len(self.data)

    @property
    def columns(self) -> list[str]:
        return [self.outcome, *self.factors, *self.covariates]

    def name_of(self, safe: str) -> str:
        """The column a safe model name (`f0`, `x1`) stands for."""
        index = int(safe[1:])
        return self.factors[index] if safe.startswith("f") else self.covariates[index]


def select_design(
    frame: pd.DataFrame,
    outcome: str,
    factors: Sequence[str],
    *,
    covariates: Sequence[str] = (),
    levels: Mapping[str, Sequence[Any] | str] | None = None,
    smallest: int = 1,
) -> Design:
    """The complete rows for `outcome`, `factors` and `covariates`, with each factor's levels
    named by value labels, in the order `levels` gives (only those) or the column's own order.
    Refuses, in words, a column that is not there or used twice, a text outcome or covariate,
    a factor with fewer than two levels, a level with fewer than `smallest` rows and an
    outcome with the same value everywhere."""
    require_columns(frame, outcome, *factors, *covariates)
    everything = [outcome, *factors, *covariates]
    repeated = [c for c in dict.fromkeys(everything) if everything.count(c) > 1]
    if repeated:
        raise AnalysisError(
            f"{repeated[0]!r} is named twice; the outcome, the factors and the covariates must "
            "be different columns."
        )
    columns: dict[str, pd.Series] = {"y": numbers_of(frame, outcome)}
    for index, factor in enumerate(factors):
        columns[f"f{index}"] = _whole_numbers(labelled(frame, factor))
    for index, covariate in enumerate(covariates):
        columns[f"x{index}"] = numbers_of(frame, covariate, role="covariate")
    data = pd.DataFrame(columns)
    used = data.dropna()
    n_missing = len(data) - len(used)
    chosen = [
        _chosen_levels(factor, used[f"f{index}"], (levels or {}).get(factor))
        for index, factor in enumerate(factors)
    ]
    keep = np.ones(len(used), dtype=bool)
    for index, order in enumerate(chosen):
        keep &= used[f"f{index}"].isin(order).to_numpy()
    n_other = int((~keep).sum())
    used = used[keep].copy()
    for index, (factor, order) in enumerate(zip(factors, chosen, strict=True)):
        column = used[f"f{index}"]
        if isinstance(column.dtype, pd.CategoricalDtype):  # labels: only the chosen, in order
            values = column.cat.set_categories(order).array
        else:
            values = pd.Categorical(column, categories=order)
        counts = pd.Series(values).value_counts(sort=False)
        present = [level for level in order if counts.get(level, 0) > 0]
        _enough_levels(factor, present)
        small = [level for level in present if counts[level] < smallest]
        if small:
            raise AnalysisError(
                f"The group {str(small[0])!r} of {factor!r} has {counts[small[0]]} value(s) of "
                f"{outcome!r}; each group needs at least {smallest}."
            )
        used[f"f{index}"] = values.remove_unused_categories()
        chosen[index] = present
    if _constant(used["y"]):
        shown = "" if used.empty else f" ({plain_value(used['y'].iloc[0])})"
        raise AnalysisError(
            f"{outcome!r} has the same value{shown} in every row used, so there is no variation "
            "to analyse."
        )
    for index, covariate in enumerate(covariates):
        if _constant(used[f"x{index}"]):
            raise AnalysisError(
                f"The covariate {covariate!r} has the same value in every row used, so it "
                "cannot adjust for anything. Leave it out."
            )
    return Design(used, outcome, list(factors), list(covariates), chosen, n_missing, n_other)


def _whole_numbers(series: pd.Series) -> pd.Series:
    """Codes read as floats because of a blank (`1.0`) as whole numbers (`1`)."""
    if pd.api.types.is_float_dtype(series.dtype):
        present = series.dropna()
        if len(present) and bool((present % 1 == 0).all()):
            return series.astype("Int64")
    return series


def _constant(values: pd.Series) -> bool:
    numbers = values.to_numpy(dtype=float)
    return len(numbers) == 0 or bool(numbers.min() == numbers.max())


def _chosen_levels(factor: str, values: pd.Series, wanted: Sequence[Any] | str | None) -> list[Any]:
    present = categories(values)
    if wanted is None:
        return present
    if isinstance(wanted, str):  # a form's text field: "Psychology, Sociology"
        wanted = [part.strip() for part in wanted.split(",") if part.strip()]
    by_text = {str(level): level for level in present}
    unknown = [w for w in wanted if w not in present and str(w) not in by_text]
    if unknown:
        raise AnalysisError(
            f"{factor!r} has no group {unknown[0]!r} with data; its groups are "
            + ", ".join(repr(str(p)) for p in present)
            + "."
        )
    names = [w if w in present else by_text[str(w)] for w in wanted]
    if len(set(map(str, names))) != len(names):
        raise AnalysisError(f"Each group of {factor!r} may be chosen only once.")
    return names


def _enough_levels(factor: str, order: Sequence[Any]) -> None:
    if len(order) < 2:
        listed = ", ".join(repr(str(p)) for p in order) or "none"
        raise AnalysisError(
            f"{factor!r} has only {len(order)} group with data ({listed}); each factor needs "
            "at least two groups."
        )


def fit_model(design: Design, formula: str) -> RegressionResultsWrapper:
    """Ordinary least squares; refuses a model that has no residual degrees of freedom or
    whose terms cannot be separated."""
    with warnings.catch_warnings():  # a rank-deficient design is refused in words below
        warnings.simplefilter("ignore", SingularMatrixWarning)
        fit = smf.ols(formula, data=design.data).fit()
    if fit.model.rank < fit.model.exog.shape[1]:
        what = "the covariates and the groups" if design.covariates else "the factors"
        raise AnalysisError(
            f"The effects of {what} cannot be told apart in these data (one is fully "
            "determined by the others). Leave out a covariate, or merge groups."
        )
    if fit.df_resid < 1:
        raise AnalysisError(
            f"There are only {design.n} rows with complete data, as many as the model has "
            "parameters, so no error variance is left to test against. More data are needed."
        )
    return fit


def anova_table(
    fit: RegressionResultsWrapper, design: Design, typ: int
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Each term (named by its columns, `programme × housing`) and the residuals with SS, df,
    MS, F, p and partial η² with its 95% CI; and each term's key for `values`
    (`programme:housing`)."""
    found = anova_lm(fit, typ=typ)
    residual = found.loc["Residual"]
    df_error = float(residual["df"])
    ss_error = float(residual["sum_sq"])
    rows: dict[str, list[float]] = {}
    keys: dict[str, str] = {}
    for term, row in found.iterrows():
        if term in {"Intercept", "Residual"}:
            continue
        parts = [design.name_of(_safe_name(piece)) for piece in str(term).split(":")]
        name = " × ".join(parts)
        keys[name] = ":".join(parts)
        ss, df1, f = float(row["sum_sq"]), float(row["df"]), float(row["F"])
        low, high = variance_explained_bounds(f, df1, df_error, LEVEL)  # of partial η²
        rows[name] = [
            ss,
            df1,
            ss / df1,
            f,
            float(row["PR(>F)"]),
            ss / (ss + ss_error),
            low,
            high,
        ]
    nan = math.nan
    rows[RESIDUALS] = [ss_error, df_error, ss_error / df_error, nan, nan, nan, nan, nan]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=TERM_COLUMNS)
    table.index.name = "Term"
    return table, keys


def _safe_name(piece: str) -> str:
    """`C(f0, Sum)` → `f0`; `x1` → `x1`."""
    piece = piece.strip()
    if piece.startswith("C("):
        return piece[2:].split(",", maxsplit=1)[0].strip()
    return piece


def partial_omega_squared(table: pd.DataFrame, n: int) -> pd.Series:
    """Partial ω² per term, (SS − df·MSₑ) / (SS + (N − df)·MSₑ), set to 0 when negative
    (Olejnik & Algina, 2003, Psychological Methods 8, 434; effectsize::omega_squared with
    `partial = TRUE`)."""
    mse = float(table.loc[RESIDUALS, "MS"])
    terms = table.drop(index=RESIDUALS)
    omega = (terms["SS"] - terms["df"] * mse) / (terms["SS"] + (n - terms["df"]) * mse)
    return omega.clip(lower=0.0).reindex(table.index)


def term_values(table: pd.DataFrame, keys: Mapping[str, str]) -> dict[str, Any]:
    """Per-term `values`: `statistic[programme]`, `p[programme:housing]` …"""
    values: dict[str, Any] = {}
    for name, key in keys.items():
        row = table.loc[name]
        values |= {
            f"statistic[{key}]": float(row["F"]),
            f"df[{key}]": float(row["df"]),
            f"p[{key}]": float(row["p"]),
            f"ss[{key}]": float(row["SS"]),
            f"ms[{key}]": float(row["MS"]),
            f"effect_size[{key}]": float(row["partial η²"]),
            f"ci_low[{key}]": float(row["95% CI low"]),
            f"ci_high[{key}]": float(row["95% CI high"]),
        }
        if "partial ω²" in table.columns:
            values[f"partial_omega_squared[{key}]"] = float(row["partial ω²"])
    residual = table.loc[RESIDUALS]
    values |= {
        "df2": float(residual["df"]),
        "ss_residual": float(residual["SS"]),
        "ms_residual": float(residual["MS"]),
    }
    return values


def main_values(table: pd.DataFrame, term: str, analysis: str) -> dict[str, Any]:
    """The documented keys for one term (the one a write-up leads with)."""
    row = table.loc[term]
    return {
        "analysis": analysis,
        "statistic": float(row["F"]),
        "statistic_name": "F",
        "df": float(row["df"]),
        "df2": float(table.loc[RESIDUALS, "df"]),
        "p": float(row["p"]),
        "effect_size": float(row["partial η²"]),
        "effect_size_name": "partial η²",
        "ci_low": float(row["95% CI low"]),
        "ci_high": float(row["95% CI high"]),
        "ci_level": LEVEL,
    }


TABLE_KINDS: dict[str, Kind] = {"95% CI low": "bounded", "95% CI high": "bounded"}
