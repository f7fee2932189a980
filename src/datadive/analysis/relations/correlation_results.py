"""How a correlation is shown: its APA table, notes and write-up (pairs), and the APA
correlation table, pairs table and heat map of a correlation matrix."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from datadive.analysis import apa
from datadive.analysis.apa import Kind
from datadive.analysis.assumptions import ALPHA, normality
from datadive.analysis.columns import column_title
from datadive.analysis.relations.correlation_heatmap import HeatMap
from datadive.analysis.results import Check, Result
from datadive.analysis.selection import missing_note

ALTERNATIVES = {
    "two-sided": "a correlation in either direction",
    "greater": "a positive correlation",
    "less": "a negative correlation",
}
METHODS = {"pearson": "Pearson", "spearman": "Spearman", "kendall": "Kendall"}
SYMBOLS = {"pearson": "r", "spearman": "ρ", "kendall": "τb"}


@dataclass
class Pairs:
    """Two columns' values on the rows where both (and every control) have one."""

    x: str
    y: str
    xs: np.ndarray
    ys: np.ndarray
    n_missing: int
    controls: tuple[str, ...] = ()  # a partial correlation's, also needed on every row

    @property
    def n(self) -> int:
        return len(self.xs)


def titles_note(frame: pd.DataFrame, columns: Sequence[str]) -> str | None:
    """`sleep: How many hours …?` for the columns that have a question text."""
    titled = [column_title(frame, c) for c in columns]
    shown = [t for t, c in zip(titled, columns, strict=True) if t != str(c)]
    return "; ".join(shown) + "." if shown else None


def sentence(
    analysis: str,
    pairs: Pairs,
    *,
    statistic: str,
    numbers: str,
    p: float,
    r: float,
    controls: str = "",
) -> str:
    if p < ALPHA:
        direction = "positively" if r > 0 else "negatively"
        return (
            f"A {analysis}{controls} showed that {pairs.x} and {pairs.y} were {direction} "
            f"correlated, {statistic}, {numbers}."
        )
    return (
        f"A {analysis}{controls} showed no significant correlation between {pairs.x} and "
        f"{pairs.y}, {statistic}, {numbers}."
    )


def p_and_ci(p: float, low: float, high: float, level: float, alternative: str) -> str:
    text = apa.p_phrase(p) + (", one-sided" if alternative != "two-sided" else "")
    if math.isfinite(low) and math.isfinite(high):
        text += ", " + apa.interval(low, high, bounded=True, level=level)
    return text


def _notes(frame: pd.DataFrame, pairs: Pairs, alternative: str, symbol: str) -> list[str]:
    notes = [missing_note(pairs.n, pairs.n_missing, [pairs.x, pairs.y, *pairs.controls])]
    notes.append(f"A positive {symbol}: higher {pairs.x} goes with higher {pairs.y}.")
    if alternative != "two-sided":
        notes.append(
            f"p and the CI are one-sided: the alternative hypothesis is "
            f"{ALTERNATIVES[alternative]}."
        )
    titles = titles_note(frame, [pairs.x, pairs.y])
    if titles:
        notes.append(titles)
    return notes


def _ci_kinds(level_text: str) -> dict[str, Kind]:
    return {f"{level_text} low": "bounded", f"{level_text} high": "bounded"}


def pair_result(
    frame: pd.DataFrame,
    pairs: Pairs,
    *,
    analysis: str,
    symbol: str,
    r: float,
    p: float,
    ci: tuple[float, float],
    level: float,
    alternative: str,
    statistic: tuple[str, float, float | None],
    extra: dict[str, Any],
    more_columns: Mapping[str, float] | None = None,
    checks: Sequence[Check] = (),
    notes: Sequence[str] = (),
    report: str,
) -> Result:
    name, value, df = statistic
    level_text = f"{round(level * 100):g}% CI"
    columns: dict[str, Any] = {"n": pairs.n, symbol: r, f"{level_text} low": ci[0]}
    columns[f"{level_text} high"] = ci[1]
    columns[name] = value
    if df is not None:
        columns["df"] = df
    columns["p"] = p
    columns |= more_columns or {}
    table = pd.DataFrame(columns, index=pd.Index([f"{pairs.x} – {pairs.y}"]))
    values: dict[str, Any] = {
        "analysis": analysis,
        "statistic": float(value),
        "statistic_name": name,
        "df": df,
        "p": float(p),
        "effect_size": float(r),
        "effect_size_name": symbol,
        "ci_low": float(ci[0]),
        "ci_high": float(ci[1]),
        "ci_level": level,
        "n": pairs.n,
        "n_missing": pairs.n_missing,
        "alternative": alternative,
    } | extra
    if df is None:
        del values["df"]
    kinds = _ci_kinds(level_text)
    kinds["T"] = "count"  # Kendall's exact test: the number of concordant pairs
    return Result(
        title=f"{analysis}: {pairs.x} and {pairs.y}",
        tables={analysis: table},
        values=values,
        report=report,
        checks=checks,
        notes=[*_notes(frame, pairs, alternative, symbol), *notes],
        kinds={analysis: kinds},
    )


def matrix_result(
    df: pd.DataFrame,
    data: pd.DataFrame,
    *,
    method: str,
    level: float,
    rows: list[tuple[Any, ...]],
    r: np.ndarray,
) -> Result:
    chosen = [str(c) for c in data.columns]
    symbol = SYMBOLS[method]
    k = len(chosen)
    level_text = f"{round(level * 100):g}% CI"
    pairs = pd.DataFrame(
        [row[2:] for row in rows],
        index=pd.Index([f"{a} – {b}" for a, b, *_ in rows]),
        columns=["n", symbol, f"{level_text} low", f"{level_text} high", "p"],
    )
    if method != "pearson":
        pairs = pairs.drop(columns=[f"{level_text} low", f"{level_text} high"])
    lower = np.where(np.tril(np.ones((k, k), dtype=bool), -1), r, np.nan)
    table = pd.DataFrame(
        {"n": data.notna().sum().to_numpy(), "M": data.mean(), "SD": data.std()}
    ).set_axis([f"{i + 1}. {c}" for i, c in enumerate(chosen)])
    for j in range(k - 1):  # APA: the lower triangle, without the diagonal
        table[str(j + 1)] = lower[:, j]
    used = int((data.notna().sum(axis=1) >= 2).sum())
    analysis = f"{METHODS[method]} correlation matrix"
    values: dict[str, Any] = {
        "analysis": analysis,
        "method": method,
        "effect_size_name": symbol,
        "ci_level": level,
        "n": used,
        "n_missing": len(df) - used,
    }
    for column in chosen:
        values[f"n[{column}]"] = int(data[column].notna().sum())
        values[f"mean[{column}]"] = float(data[column].mean())
        values[f"sd[{column}]"] = float(data[column].std())
    for a, b, n, value, low, high, p in rows:
        key = f"{a}, {b}"
        values |= {f"r[{key}]": value, f"n[{key}]": n, f"p[{key}]": p}
        if method == "pearson":
            values |= {f"ci_low[{key}]": low, f"ci_high[{key}]": high}
    strongest = max(rows, key=lambda row: abs(row[3]) if math.isfinite(row[3]) else -1)
    a, b, n, value, _, _, p = strongest
    report = (
        f"{METHODS[method]} correlations of {_listed(chosen)} (pairwise complete, n = "
        f"{_n_range(pairs['n'])}): the strongest was between {a} and {b}, "
        f"{apa.statistic_phrase(symbol, value, *([n - 2] if method != 'kendall' else []))}, "
        f"{apa.p_phrase(p)}."
    )
    notes = [_pairwise_note(len(df), used, pairs["n"])]
    notes.append("p is two-sided and not adjusted for multiple comparisons.")
    notes.append(
        {
            "pearson": f"{level_text}s by Fisher's z transformation.",
            "spearman": "p is from the t approximation (df = n − 2), as psych::corr.test.",
            "kendall": "p is exact without ties for fewer than 50 pairs, else from the normal "
            "approximation corrected for ties (as R's cor.test).",
        }[method]
    )
    if pairs[symbol].isna().any():
        notes.append(f"A pair with fewer than 3 rows with both values has no {symbol} (–).")
    titles = titles_note(df, chosen)
    if titles:
        notes.append(titles)
    checks = (
        [normality(data[c].dropna().to_numpy(), what=c, alternative="spearman") for c in chosen]
        if method == "pearson"
        else []
    )
    number_kinds: dict[str, Kind] = {str(j + 1): "bounded" for j in range(k - 1)}
    return Result(
        title=analysis,
        tables={"Correlations": table, "Pairs": pairs},
        values=values,
        report=report,
        checks=checks,
        notes=notes,
        figures=[HeatMap(chosen, r, symbol=symbol, title=f"{METHODS[method]} correlations")],
        kinds={"Correlations": number_kinds, "Pairs": _ci_kinds(level_text) | {symbol: "bounded"}},
    )


def _listed(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1]


def _n_range(counts: pd.Series) -> str:
    low, high = int(counts.min()), int(counts.max())
    return str(low) if low == high else f"{low}–{high}"


def _pairwise_note(rows: int, used: int, counts: pd.Series) -> str:
    text = (
        f"Pairwise complete: each correlation uses the rows with values in both of its "
        f"columns (n = {_n_range(counts)} per pair, of {rows} rows)."
    )
    if rows > used:
        left = rows - used
        text += (
            f" {left} {'row' if left == 1 else 'rows'} with fewer than two values were left out."
        )
    return text
