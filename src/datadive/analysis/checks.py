"""Assumption checks on their own, and descriptive statistics by group: what a researcher looks
at before choosing a test.

    shapiro_wilk(df, "wellbeing", by="programme")       # normality, per group
    levene_test(df, outcome="wellbeing", group="programme")   # equal variances
    qq_plot(df, "wellbeing", by="programme")            # Q-Q figures with the Shapiro-Wilk rows
    outliers(df, "wellbeing", method="iqr")             # Tukey's fences, or method="z"
    group_descriptives(df, outcome="wellbeing", by="programme")

Each leaves out the rows with a missing value in its own columns and says how many. Groups are
named by their value labels and come in the column's order or the order of `groups=[...]`.

Sources: Shapiro-Wilk as R's `shapiro.test` (Royston's algorithm, in SciPy); Levene's test as
`car::leveneTest` (`center="median"` is Brown & Forsythe's 1974 variant); Q-Q plot positions
as R's `qqnorm` (`ppoints`: (i − a) / (n + 1 − 2a), a = 3/8 for n ≤ 10, else 1/2) and its
line as `qqline` (through the quartiles); quartiles as R's `quantile(type = 7)` (Hyndman & Fan,
1996), the same NumPy and matplotlib's box plots use; Tukey's fences (Tukey, 1977, p. 44).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from datadive.analysis.apa import Kind, number, p_phrase, statistic_phrase
from datadive.analysis.assumptions import SHAPIRO_MAX, equal_variances, normality
from datadive.analysis.columns import column_title
from datadive.analysis.labels import categories, code_key, labelled
from datadive.analysis.plots import Plot
from datadive.analysis.results import AnalysisError, Check, Result
from datadive.analysis.selection import (
    at_least,
    missing_note,
    not_constant,
    numbers_of,
    require_columns,
    split_groups,
)

LEVEL = 0.95
FENCE = 1.5  # Tukey's fences: 1.5 × IQR beyond the quartiles
Z_LIMIT = 3.0


@dataclass
class _Samples:
    """A column's values, whole or per group, listwise complete, with row labels kept."""

    column: str
    by: str | None
    names: list[Any]
    values: dict[Any, np.ndarray]
    data: pd.DataFrame  # the used rows: the column (and `by`, as labels), original index
    n_missing: int
    note: str

    @property
    def n(self) -> int:
        return len(self.data)

    def where(self, name: Any) -> str:
        return f"{self.column} in {name}" if self.by else self.column


def _samples(
    df: pd.DataFrame,
    column: str,
    by: str | None,
    groups: Sequence[Any] | str | None,
    *,
    smallest: int = 1,
) -> _Samples:
    if by is not None:
        split = split_groups(df, column, by, groups=groups, smallest=smallest)
        return _Samples(
            column, by, split.names, split.values, split.data, split.n_missing, split.note()
        )
    require_columns(df, column)
    values = numbers_of(df, column, role="column to check")
    used = values.dropna()
    at_least(len(used), smallest, f"values of {column!r}")
    not_constant(used, column)
    data = used.to_frame(column)
    n_missing = len(values) - len(used)
    return _Samples(
        column,
        None,
        [column],
        {column: used.to_numpy(float)},
        data,
        n_missing,
        missing_note(len(used), n_missing, [column]),
    )


def _float_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: float(v) if isinstance(v, np.floating) else v for k, v in values.items()}


# --- Normality ------------------------------------------------------------------------------


def _shapiro_parts(samples: _Samples) -> tuple[pd.DataFrame, list[Check], dict[str, Any]]:
    checks = [
        normality(values, what=samples.where(name)) for name, values in samples.values.items()
    ]
    table = pd.DataFrame(
        {
            "n": [len(v) for v in samples.values.values()],
            "W": [math.nan if c.statistic is None else c.statistic for c in checks],
            "p": [math.nan if c.p is None else c.p for c in checks],
        },
        index=pd.Index([str(name) for name in samples.names], name=samples.by or "Column"),
    )
    values: dict[str, Any] = {
        "analysis": "Shapiro-Wilk test",
        "statistic_name": "W",
        "n": samples.n,
        "n_missing": samples.n_missing,
    }
    if samples.by is None:
        values |= {"statistic": table["W"].iloc[0], "p": table["p"].iloc[0]}
    else:
        for name, row in zip(samples.names, table.itertuples(index=False), strict=True):
            values |= {f"n[{name}]": int(row.n), f"W[{name}]": row.W, f"p[{name}]": row.p}
    return table, checks, _float_values(values)


def _shapiro_notes(samples: _Samples) -> list[str]:
    notes = [samples.note]
    if any(len(v) > SHAPIRO_MAX for v in samples.values.values()):
        notes.append(
            f"Shapiro-Wilk is defined for up to {SHAPIRO_MAX} values (as in R); for larger "
            f"samples the test uses the first {SHAPIRO_MAX}, and with so many values even a "
            "harmless departure from normality is significant: look at the Q-Q plot."
        )
    return notes


def _shapiro_report(samples: _Samples, table: pd.DataFrame) -> str:
    def stat(row: Any) -> str:
        if not math.isfinite(row.W):
            return "not tested (too few values or all the same)"
        return f"{statistic_phrase('W', row.W)}, {p_phrase(row.p)}"

    rows = list(table.itertuples())
    if samples.by is None:
        row = rows[0]  # at least 3 values that are not all the same: W is known
        finding = (
            "showed that {c} departs from a normal distribution"
            if row.p < 0.05
            else "found no evidence that {c} departs from a normal distribution"
        ).format(c=samples.column)
        return f"A Shapiro-Wilk test {finding}, {stat(row)} (N = {samples.n})."
    parts = "; ".join(f"{row.Index} (n = {row.n}), {stat(row)}" for row in rows)
    departing = [str(row.Index) for row in rows if math.isfinite(row.p) and row.p < 0.05]
    text = f"Shapiro-Wilk tests of {samples.column} per group of {samples.by}: {parts}."
    if departing:
        text += f" The values depart from a normal distribution in {', '.join(departing)}."
    else:
        text += " No group departs significantly from a normal distribution."
    return text


def shapiro_wilk(
    df: pd.DataFrame,
    column: str,
    *,
    by: str | None = None,
    groups: Sequence[Any] | str | None = None,
) -> Result:
    """Shapiro-Wilk test of normality of `column`, or of each group of `by`."""
    samples = _samples(df, column, by, groups, smallest=3 if by is None else 1)
    table, checks, values = _shapiro_parts(samples)
    return Result(
        title=f"Normality of {column}" + (f" by {by}" if by else ""),
        tables={"Shapiro-Wilk test": table},
        values=values,
        report=_shapiro_report(samples, table),
        checks=checks,
        notes=_shapiro_notes(samples),
        kinds={"Shapiro-Wilk test": {"W": "bounded"}},
    )


def _plotting_positions(n: int) -> np.ndarray:
    """R's `ppoints(n)`."""
    a = 3 / 8 if n <= 10 else 1 / 2
    return (np.arange(1, n + 1) - a) / (n + 1 - 2 * a)


def _qq_figure(df: pd.DataFrame, samples: _Samples, name: Any, values: np.ndarray) -> Plot:
    ordered = np.sort(values)
    theoretical = stats.norm.ppf(_plotting_positions(len(ordered)))
    # R's qqline: the line through the first and third quartiles (type 7).
    q1, q3 = np.quantile(ordered, [0.25, 0.75])
    z1, z3 = stats.norm.ppf([0.25, 0.75])
    slope = float((q3 - q1) / (z3 - z1))
    intercept = float(q1 - slope * z1)
    figure = Figure(figsize=(5.0, 4.5), layout="constrained")
    axes = figure.add_subplot()
    axes.scatter(theoretical, ordered, s=12, alpha=0.7)
    axes.axline((0.0, intercept), slope=slope, color="C1")
    axes.set_xlabel("Theoretical quantiles (normal distribution)")
    axes.set_ylabel(column_title(df, samples.column))
    where = samples.where(name)
    axes.set_title(f"Normal Q-Q plot: {where}")
    description = (
        f"Normal Q-Q plot of {where}: {len(ordered)} points against the quantiles of a "
        "normal distribution, with the line through the quartiles; points close to the line "
        "mean the values are close to normal."
    )
    parts = {
        "theoretical": theoretical,
        "sample": ordered,
        "intercept": intercept,
        "slope": slope,
    }
    return Plot(figure, axes, description, parts)


def qq_plot(
    df: pd.DataFrame,
    column: str,
    *,
    by: str | None = None,
    groups: Sequence[Any] | str | None = None,
) -> Result:
    """A normal Q-Q plot of `column` (one per group of `by`), as a `Result` whose figures are
    the plots (`result.figures`) and whose table holds the Shapiro-Wilk tests beside them."""
    samples = _samples(df, column, by, groups, smallest=3 if by is None else 1)
    table, checks, values = _shapiro_parts(samples)
    figures = [
        _qq_figure(df, samples, name, group_values) for name, group_values in samples.values.items()
    ]
    values["analysis"] = "Normal Q-Q plot"
    for name, figure in zip(samples.names, figures, strict=True):
        key = "" if by is None else f"[{name}]"
        values[f"qq_intercept{key}"] = figure.parts["intercept"]
        values[f"qq_slope{key}"] = figure.parts["slope"]
    notes = [
        *_shapiro_notes(samples),
        "Points on the line: values as a normal distribution would give them. Points curving "
        "away at both ends: heavier or lighter tails; a bow: skew.",
    ]
    return Result(
        title=f"Normal Q-Q plot of {column}" + (f" by {by}" if by else ""),
        tables={"Shapiro-Wilk test": table},
        values=values,
        report=_shapiro_report(samples, table),
        checks=checks,
        notes=notes,
        figures=figures,
        kinds={"Shapiro-Wilk test": {"W": "bounded"}},
    )


# --- Equal variances ------------------------------------------------------------------------


def levene_test(
    df: pd.DataFrame,
    outcome: str,
    group: str,
    *,
    center: str = "median",
    groups: Sequence[Any] | str | None = None,
) -> Result:
    """Levene's test of equal variances of `outcome` across the groups of `group`:
    `center="median"` (Brown-Forsythe, robust to non-normal data, the default) or "mean"."""
    if center not in ("median", "mean"):
        raise AnalysisError(f"center must be 'median' or 'mean', not {center!r}.")
    split = split_groups(df, outcome, group, groups=groups, smallest=2)
    samples = list(split.values.values())
    if all(np.ptp(s) == 0 for s in samples):
        raise AnalysisError(
            f"Within every group of {group!r}, {outcome!r} has one value throughout, so there "
            "is no spread to compare."
        )
    # The test once, as the shared check computes it (its statistic is None only when SciPy's
    # p is not finite).
    check = equal_variances(split.values, center=center, alternative="welch_anova")
    statistic, p = math.nan, math.nan
    if check.statistic is not None and check.p is not None:
        statistic, p = check.statistic, check.p
    df1, df2 = len(samples) - 1, split.n - len(samples)
    variant = "median-centred (Brown-Forsythe)" if center == "median" else "mean-centred"
    table = pd.DataFrame(
        {"F": [statistic], "df1": [df1], "df2": [df2], "p": [p]},
        index=pd.Index([f"Levene, {variant}"], name="Test"),
    )
    sds = [float(np.std(s, ddof=1)) for s in samples]
    group_table = pd.DataFrame(
        {"n": [len(s) for s in samples], "SD": sds, "Variance": [sd**2 for sd in sds]},
        index=pd.Index([str(name) for name in split.names], name=group),
    )
    values: dict[str, Any] = {
        "analysis": "Levene's test",
        "statistic": statistic,
        "statistic_name": "F",
        "df": df1,
        "df2": df2,
        "p": p,
        "n": split.n,
        "n_missing": split.n_missing,
        "center": center,
    }
    for name, s, sd in zip(split.names, samples, sds, strict=True):
        values |= {f"n[{name}]": len(s), f"sd[{name}]": sd, f"variance[{name}]": sd**2}
    found = (
        f"showed that the variance of {outcome} differs between the groups of {group}"
        if p < 0.05
        else f"found no evidence that the variance of {outcome} differs between the groups "
        f"of {group}"
    )
    report = (
        f"Levene's test ({variant.replace(' (', ', ').rstrip(')')}) {found}, "
        f"{statistic_phrase('F', statistic, df1, df2)}, {p_phrase(p)}."
    )
    if p < 0.05:
        report += " A test that does not assume equal variances (Welch's) fits these data."
    return Result(
        title=f"Equal variances of {outcome} across {group}",
        tables={"Levene's test": table, "Spread per group": group_table},
        values=values,
        report=report,
        checks=[check],
        notes=[split.note()],
    )


# --- Outliers -------------------------------------------------------------------------------


def outliers(
    df: pd.DataFrame,
    column: str,
    *,
    by: str | None = None,
    method: str = "iqr",
    groups: Sequence[Any] | str | None = None,
) -> Result:
    """The rows whose value of `column` lies beyond Tukey's fences (`method="iqr"`: more than
    1.5 × IQR below the first or above the third quartile) or more than 3 SD from the mean
    (`method="z"`), within each group of `by`."""
    if method not in ("iqr", "z"):
        raise AnalysisError(f"method must be 'iqr' (Tukey's fences) or 'z', not {method!r}.")
    samples = _samples(df, column, by, groups, smallest=1)
    data = samples.data
    x = data[column]
    key = data[by] if by is not None else pd.Series(column, index=data.index)
    limits = _limits(x, key, method)
    low, high = limits.iloc[:, -2], limits.iloc[:, -1]
    flagged = (x < low) | (x > high)

    found = pd.DataFrame(index=pd.Index(data.index[flagged.to_numpy()], name="Row"))
    kinds: dict[str, Kind] = {column: "number"}
    if by is not None:
        found[by] = data.loc[flagged, by].astype(str)
        kinds[by] = "text"
    found[column] = x[flagged]
    if method == "iqr":
        below = (x < low)[flagged]
        found["Side"] = np.where(below, "below", "above")
        found["Fence"] = np.where(below, low[flagged], high[flagged])
        kinds["Side"] = "text"
    else:
        found["z"] = ((x - limits["M"]) / limits["SD"])[flagged]

    first = ~key.duplicated()
    summary = limits[first.to_numpy()].set_axis([str(k) for k in key[first]])
    summary.insert(0, "n", key.value_counts().reindex(key[first].to_numpy()).to_numpy())
    outside = key[flagged].value_counts().reindex(key[first].to_numpy(), fill_value=0)
    summary["Outliers"] = outside.to_numpy()
    summary = summary.loc[[str(name) for name in samples.names]].rename_axis(by or "Column")
    rule = (
        f"beyond Tukey's fences ({FENCE:g} × IQR beyond the quartiles)"
        if method == "iqr"
        else f"more than {Z_LIMIT:g} SD from the mean (|z| > {Z_LIMIT:g})"
    )
    values: dict[str, Any] = {
        "analysis": "Outliers",
        "method": method,
        "n": samples.n,
        "n_missing": samples.n_missing,
        "n_outliers": int(flagged.sum()),
        "outlier_rows": [_plain(label) for label in found.index],
    }
    bounds = ("lower_fence", "upper_fence") if method == "iqr" else ("lower_limit", "upper_limit")
    for name, row in zip(samples.names, summary.itertuples(index=False), strict=True):
        suffix = "" if by is None else f"[{name}]"
        values[f"{bounds[0]}{suffix}"] = row[-3]  # the limits come last, before the count
        values[f"{bounds[1]}{suffix}"] = row[-2]
        if by is not None:
            values[f"n_outliers[{name}]"] = int(row[-1])
    checks = _z_size_check(summary) if method == "z" else []
    within = f", within each group of {by}." if by else "."
    notes = [samples.note, f"Outliers: values {rule}{within}"]
    if method == "iqr":
        notes.append("Quartiles as R's quantile(type = 7), as the box plots draw them.")
    return Result(
        title=f"Outliers in {column}" + (f" by {by}" if by else ""),
        tables={"Outliers": found, "Limits": summary},
        values=_float_values(values),
        report=_outlier_report(column, samples.n, found, rule),
        checks=checks,
        notes=notes,
        kinds={"Outliers": kinds, "Limits": {"Outliers": "count"}},
    )


def _limits(x: pd.Series, key: pd.Series, method: str) -> pd.DataFrame:
    """Per row, its group's limits (the last two columns) and what they come from."""
    grouped = x.groupby(key, observed=True, sort=False)
    if method == "iqr":
        q1, q3 = grouped.transform("quantile", 0.25), grouped.transform("quantile", 0.75)
        return pd.DataFrame(
            {
                "Q1": q1,
                "Q3": q3,
                "IQR": q3 - q1,
                "Lower fence": q1 - FENCE * (q3 - q1),
                "Upper fence": q3 + FENCE * (q3 - q1),
            }
        )
    mean, sd = grouped.transform("mean"), grouped.transform("std")
    return pd.DataFrame(
        {
            "M": mean,
            "SD": sd,
            "Lower limit": mean - Z_LIMIT * sd,
            "Upper limit": mean + Z_LIMIT * sd,
        }
    )


def _z_size_check(summary: pd.DataFrame) -> list[Check]:
    """|z| cannot exceed (n − 1) / √n (Shiffler, 1988): with n ≤ 10 never 3."""
    small = [str(k) for k, n in zip(summary.index, summary["n"], strict=True) if n <= 10]
    if not small:
        return []
    return [
        Check(
            "Sample size for z-scores",
            f"With 10 or fewer values ({', '.join(small)}) no value can lie more than "
            f"{Z_LIMIT:g} SD from the mean, so none is flagged; use Tukey's fences.",
            False,
            alternative='outliers(method="iqr")',
        )
    ]


def _plain(label: Any) -> Any:
    item = getattr(label, "item", None)
    return item() if callable(item) else label


def _outlier_report(column: str, n: int, found: pd.DataFrame, rule: str) -> str:
    if found.empty:
        return f"No value of {column} lies {rule} (N = {n})."
    listed = [f"{label} ({number(v)})" for label, v in zip(found.index, found[column], strict=True)]
    shown = ", ".join(listed[:10]) + (f" and {len(listed) - 10} more" if len(listed) > 10 else "")
    verb = "lies" if len(found) == 1 else "lie"
    row = "row" if len(found) == 1 else "rows"
    return f"{len(found)} of {n} values of {column} {verb} {rule}: {row} {shown}."


# --- Descriptives by group ------------------------------------------------------------------


def group_descriptives(
    df: pd.DataFrame,
    outcome: str,
    by: str,
    *,
    groups: Sequence[Any] | str | None = None,
) -> Result:
    """n, mean, SD, SE, 95% CI of the mean (t), median, IQR and missing values of `outcome`
    in each group of `by`, and in all of them together."""
    require_columns(df, outcome, by)
    if outcome == by:
        raise AnalysisError("The outcome and the grouping column must be different columns.")
    values = numbers_of(df, outcome)
    labels = labelled(df, by)
    present = categories(labels.dropna())
    if isinstance(groups, str):
        groups = [part.strip() for part in groups.split(",") if part.strip()] or None
    if groups is not None:
        # "3" from a form names the group 3.0 of a numeric column without labels.
        by_text = {str(p): p for p in present} | {str(code_key(p)): p for p in present}
        unknown = [g for g in groups if str(g) not in by_text]
        if unknown:
            raise AnalysisError(
                f"{by!r} has no group {unknown[0]!r}; its groups are "
                + ", ".join(repr(str(p)) for p in present)
                + "."
            )
        names = [by_text[str(g)] for g in groups]
    else:
        names = present
    if not names:
        raise AnalysisError(f"{by!r} has no values, so there are no groups to describe.")
    in_groups = labels.isin(names).to_numpy()
    key = pd.Categorical(labels[in_groups].astype(object), categories=names)
    chosen = values[in_groups]
    grouped = chosen.groupby(key, observed=False)
    table = pd.DataFrame(
        {
            "n": grouped.count(),
            "Missing": chosen.isna().groupby(key, observed=False).sum(),
            "M": grouped.mean(),
            "SD": grouped.std(),
            "Mdn": grouped.median(),
            "Q1": grouped.quantile(0.25),
            "Q3": grouped.quantile(0.75),
        }
    )
    total = chosen.dropna()
    table.loc["Total"] = [
        len(total),
        int(chosen.isna().sum()),
        total.mean(),
        total.std(),
        total.median(),
        total.quantile(0.25),
        total.quantile(0.75),
    ]
    if table.at["Total", "n"] == 0:
        raise AnalysisError(f"{outcome!r} has no values in any group of {by!r}.")
    n = table["n"].to_numpy(float)
    table["SE"] = table["SD"] / np.sqrt(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = stats.t.ppf((1 + LEVEL) / 2, n - 1)
    table["95% CI low"] = table["M"] - t * table["SE"]
    table["95% CI high"] = table["M"] + t * table["SE"]
    table["IQR"] = table["Q3"] - table["Q1"]
    table = table[["n", "Missing", "M", "SD", "SE", "95% CI low", "95% CI high", "Mdn", "IQR"]]
    table.index = pd.Index([str(i) for i in table.index], name=by)
    table["n"] = table["n"].astype(int)
    table["Missing"] = table["Missing"].astype(int)

    no_group = int(labels.isna().sum())
    other = int((labels.notna() & ~labels.isin(names)).sum())
    result_values: dict[str, Any] = {
        "analysis": "Descriptive statistics by group",
        "n": int(table.at["Total", "n"]),
        "n_missing": int(table.at["Total", "Missing"]) + no_group,
    }
    keys = {"n": "n", "Missing": "missing", "M": "mean", "SD": "sd", "SE": "se"}
    keys |= {"95% CI low": "ci_low", "95% CI high": "ci_high", "Mdn": "median", "IQR": "iqr"}
    for name, row in zip(names, table.iloc[:-1].to_dict("records"), strict=True):
        for column, key_name in keys.items():
            value = row[column]
            result_values[f"{key_name}[{name}]"] = (
                int(value) if column in ("n", "Missing") else float(value)
            )
    notes = [
        f"N = {result_values['n']}. Missing: rows of the group without a value of {outcome}."
        + (f" {_rows(no_group, f'without a value of {by}', 'left out')}." if no_group else "")
        + (f" {_rows(other, f'in other groups of {by}', 'not used')}." if other else ""),
        "SE: standard error of the mean; 95% CI of the mean from the t distribution; "
        "Mdn: median; IQR: interquartile range (quartiles as R's quantile(type = 7)).",
    ]
    described = "; ".join(
        f"{row.Index}: M = {number(row.M)}, SD = {number(row.SD)}, n = {row.n}"
        for row in table.iloc[:-1].itertuples()
    )
    report = f"{outcome} by {by}: {described} (N = {result_values['n']})."
    return Result(
        title=f"{outcome} by {by}",
        tables={"Descriptive statistics": table},
        values=result_values,
        report=report,
        notes=notes,
    )


def _rows(count: int, which: str, what: str) -> str:
    """`1 row without a value of programme was left out`."""
    return f"1 row {which} was {what}" if count == 1 else f"{count} rows {which} were {what}"
