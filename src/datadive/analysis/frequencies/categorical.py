"""Tests on counts of categories: are two categorical columns related (chi-square test of
independence, Fisher's exact test), and did yes/no answers of the same people change between
two measures (McNemar's test) or several (Cochran's Q test)?

    chi_square_independence(df, "programme", "gender")
    fisher_exact(df, "treatment", "recovered")
    mcnemar(df, "smoker_before", "smoker_after")
    cochrans_q(df, ["item1", "item2", "item3"])

Categories are named by their value labels and come in the columns' own order; rows with a
missing value in a column of the analysis are left out (listwise) and counted in a note.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.contingency_tables import cochrans_q as sm_cochrans_q
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar

from datadive.analysis.apa import effect_phrase, number, p_phrase, statistic_phrase
from datadive.analysis.assumptions import ALPHA
from datadive.analysis.frequencies.contingency import TwoWay, binary_columns, two_way
from datadive.analysis.frequencies.exact_enumeration import TooManyOutcomes, fisher_rxc_p
from datadive.analysis.frequencies.odds_ratios import conditional_odds_ratio
from datadive.analysis.noncentral import chi2_noncentrality
from datadive.analysis.results import AnalysisError, Check, Result
from datadive.analysis.selection import missing_note

LEVEL = 0.95
CI_LOW, CI_HIGH = "95% CI low", "95% CI high"
EXACT_BELOW = 25  # McNemar: exact binomial test when fewer discordant pairs
MONTE_CARLO_TABLES = 100_000  # Fisher r × c: random tables when too many to enumerate
MONTE_CARLO_SEED = 20240516  # the same p on every run


def _related(p: float, rows: str, columns: str) -> str:
    if p < ALPHA:
        return f"showed that {rows} and {columns} were related"
    return f"showed no significant association between {rows} and {columns}"


def _cramers_v(chi2: float, table: TwoWay) -> tuple[float, float, float]:
    """Cramér's V = sqrt(χ² / (N (k − 1))), k the smaller of rows and columns (Cramér, 1946),
    with the 95% CI from the noncentrality bounds of χ² put through the same formula, the
    upper bound at most 1 (Smithson, 2003; effectsize::cramers_v(adjust = FALSE,
    alternative = "two.sided"))."""
    k = min(table.counts.shape)
    denominator = table.n * (k - 1)
    low, high = chi2_noncentrality(chi2, (table.counts.shape[0] - 1) * (table.counts.shape[1] - 1))
    return (
        math.sqrt(chi2 / denominator),
        math.sqrt(low / denominator),
        min(1.0, math.sqrt(high / denominator)),
    )


def _standardized_residuals(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Adjusted standardized residuals (O − E) / sqrt(E (1 − row share) (1 − column share))
    (Agresti, 2007, p. 38; R's chisq.test()$stdres): about standard normal under
    independence."""
    n = observed.sum()
    row_share = observed.sum(axis=1, keepdims=True) / n
    column_share = observed.sum(axis=0, keepdims=True) / n
    spread = np.sqrt(expected * (1 - row_share) * (1 - column_share))
    return np.asarray((observed - expected) / spread, dtype=float)


def expected_counts_check(expected: np.ndarray, *, alternative: str) -> Check:
    """Cochran's (1954) rule: no expected count below 1 and at most 20% below 5."""
    cells = expected.size
    below_five = int((expected < 5).sum())
    smallest = float(expected.min())
    passed = smallest >= 1 and below_five <= 0.2 * cells
    share = f"{below_five} of {cells} expected counts ({100 * below_five / cells:.0f}%) are below 5"
    if passed:
        verdict = f"Large enough: {share}, the smallest is {number(smallest)}."
    else:
        verdict = (
            f"Too small for the χ² approximation: {share} (at most 20% may be) and the "
            f"smallest is {number(smallest)} (none may be below 1). Use an exact test."
        )
    return Check("Expected counts", verdict, passed, alternative=alternative)


def chi_square_independence(
    df: pd.DataFrame, rows: str, columns: str, *, yates: bool = False
) -> Result:
    """Pearson's chi-square test of independence of two categorical columns, with Cramér's V
    (φ for a 2 × 2 table) and its 95% CI, the observed and expected counts and the adjusted
    standardized residuals. `yates=True` applies Yates' continuity correction to a 2 × 2
    table's χ² (as R's chisq.test(correct = TRUE)); the effect size always comes from the
    uncorrected χ²."""
    table = two_way(df, rows, columns)
    shape = table.counts.shape
    corrected = bool(yates) and shape == (2, 2)
    test = stats.chi2_contingency(table.counts, correction=corrected)
    plain = stats.chi2_contingency(table.counts, correction=False) if corrected else test
    chi2, p, dof = float(test.statistic), float(test.pvalue), int(test.dof)
    v, v_low, v_high = _cramers_v(float(plain.statistic), table)
    effect = "φ" if shape == (2, 2) else "V"
    expected = np.asarray(test.expected_freq, dtype=float)
    residuals = _standardized_residuals(table.counts.astype(float), expected)
    label = "Pearson χ² (Yates' continuity correction)" if corrected else "Pearson χ²"
    main = {"χ²": chi2, "df": dof, "p": p, "N": table.n, effect: v, CI_LOW: v_low, CI_HIGH: v_high}
    values: dict[str, Any] = {
        "analysis": "Chi-square test of independence",
        "statistic": chi2,
        "statistic_name": "χ²",
        "df": dof,
        "p": p,
        "effect_size": v,
        "effect_size_name": effect,
        "ci_low": v_low,
        "ci_high": v_high,
        "ci_level": LEVEL,
        "n": table.n,
        "n_missing": table.n_missing,
        "yates": corrected,
        "chi2_uncorrected": float(plain.statistic),
        "cramers_v": v,
        "cramers_v_ci_low": v_low,
        "cramers_v_ci_high": v_high,
    }
    notes = [missing_note(table.n, table.n_missing, [rows, columns])]
    if corrected:
        notes.append(
            f"χ² with Yates' continuity correction; {effect} is computed from the uncorrected "
            f"χ² ({number(float(plain.statistic))})."
        )
    elif yates:
        notes.append("Yates' continuity correction applies to 2 × 2 tables only; not applied.")
    notes.append(
        ("φ (Cramér's V of a 2 × 2 table)" if effect == "φ" else "V: Cramér's V")
        + ", with a 95% CI from the noncentral χ² distribution. Standardized "
        "residuals beyond ±1.96 mark cells with more (+) or fewer (−) cases than independence "
        "predicts."
    )
    with_yates = " with Yates' continuity correction" if corrected else ""
    stat = statistic_phrase("χ²", chi2, dof, f"N = {table.n}")
    effect_text = effect_phrase(effect, v, v_low, v_high)
    report = (
        f"A chi-square test of independence{with_yates} {_related(p, rows, columns)}, "
        f"{stat}, {p_phrase(p)}, {effect_text}"
        + (f" ({effect} from the uncorrected χ²)." if corrected else ".")
    )
    counts_kinds: dict[str, Any] = dict.fromkeys([*table.column_names, "Total"], "count")
    return Result(
        title=f"Chi-square test of independence: {rows} × {columns}",
        tables={
            "Chi-square test": _one_row(label, main),
            "Observed counts": table.frame(totals=True),
            "Expected counts": table.frame(expected),
            "Standardized residuals": table.frame(residuals),
        },
        values=values,
        report=report,
        checks=[expected_counts_check(expected, alternative="fisher_exact")],
        notes=notes,
        kinds={
            "Chi-square test": {effect: "bounded", CI_LOW: "bounded", CI_HIGH: "bounded"},
            "Observed counts": counts_kinds,
        },
    )


def _one_row(name: str, row: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame([row], index=pd.Index([name]))


def _odds_ratio_text(value: float, low: float, high: float) -> str:
    def shown(x: float) -> str:
        return "∞" if math.isinf(x) else number(x, 2)

    return f"OR = {shown(value)}, 95% CI [{shown(low)}, {shown(high)}]"


def fisher_exact(df: pd.DataFrame, rows: str, columns: str) -> Result:
    """Fisher's exact test of independence of two categorical columns. A 2 × 2 table also gets
    the conditional maximum likelihood odds ratio with its exact 95% CI (as R's fisher.test);
    a larger table the exact p by enumerating every table with the observed margins (or, when
    there are too many, an estimate from 100,000 random tables)."""
    table = two_way(df, rows, columns)
    counts = table.counts
    notes = [missing_note(table.n, table.n_missing, [rows, columns])]
    values: dict[str, Any] = {
        "analysis": "Fisher's exact test",
        "n": table.n,
        "n_missing": table.n_missing,
    }
    row: dict[str, Any] = {}
    kinds: dict[str, Any] = {}
    if counts.shape == (2, 2):
        p = float(stats.fisher_exact(counts).pvalue)
        ratio, low, high = conditional_odds_ratio(counts, LEVEL)
        values |= {
            "p": p,
            "effect_size": ratio,
            "effect_size_name": "OR",
            "ci_low": low,
            "ci_high": high,
            "ci_level": LEVEL,
            "method": "exact (hypergeometric)",
        }
        row = {"p": p, "OR": ratio, CI_LOW: low, CI_HIGH: high, "N": table.n}
        first_row, second_row = table.row_names
        first_column, second_column = table.column_names
        notes.append(
            f"OR: the odds of {columns} = {first_column} (rather than {second_column}) when "
            f"{rows} = {first_row}, divided by those when {rows} = {second_row}; the "
            "conditional maximum likelihood estimate with its exact 95% CI (as R's "
            "fisher.test). OR > 1: "
            f"{first_column} is more likely when {rows} = {first_row}."
        )
        effect = ", " + _odds_ratio_text(ratio, low, high)
    else:
        try:
            p = fisher_rxc_p(counts)
            method = "exact (every table with these margins)"
        except TooManyOutcomes:
            found = stats.fisher_exact(
                counts,
                method=stats.MonteCarloMethod(
                    n_resamples=MONTE_CARLO_TABLES, rng=np.random.default_rng(MONTE_CARLO_SEED)
                ),
            )
            p = float(found.pvalue)
            method = "Monte Carlo (100,000 random tables)"
            notes.append(
                "There are too many tables with these margins to enumerate; p is estimated "
                "from 100,000 random tables with the same margins (as R's fisher.test("
                "simulate.p.value = TRUE)). With counts this large, the chi-square test "
                "(chi_square_independence) is accurate too."
            )
        values |= {"p": p, "method": method}
        row = {"p": p, "N": table.n, "method": method}
        kinds = {"method": "text"}
        effect = ""
    report = f"Fisher's exact test {_related(p, rows, columns)}, {p_phrase(p)}{effect}."
    return Result(
        title=f"Fisher's exact test: {rows} × {columns}",
        tables={
            "Fisher's exact test": _one_row("Fisher's exact test", row),
            "Observed counts": table.frame(totals=True),
        },
        values=values,
        report=report,
        notes=notes,
        kinds={
            "Fisher's exact test": {CI_LOW: "number", CI_HIGH: "number", **kinds},
            "Observed counts": dict.fromkeys([*table.column_names, "Total"], "count"),
        },
    )


def mcnemar(df: pd.DataFrame, first: str, second: str) -> Result:
    """McNemar's test: did paired yes/no answers (the same people, two measures) change? The
    χ² test with continuity correction (R's mcnemar.test default) when 25 or more pairs
    changed, the exact binomial test otherwise; with the odds ratio of the changed pairs and
    its exact 95% CI."""
    if first == second:
        raise AnalysisError("Choose two different columns: the first and the second measure.")
    data = binary_columns(df, [first, second], test="McNemar's test")
    a_name, b_name = data.names
    cells = np.bincount(data.values[:, 0] * 2 + data.values[:, 1], minlength=4).reshape(2, 2)
    b, c = int(cells[0, 1]), int(cells[1, 0])
    if b + c == 0:
        raise AnalysisError(
            f"No pair changed between {first!r} and {second!r}, so McNemar's test has nothing "
            "to test: every answer stayed the same."
        )
    exact = b + c < EXACT_BELOW
    test = sm_mcnemar(cells, exact=exact, correction=True)
    p = float(test.pvalue)
    # Odds ratio of the changed pairs, b / c, with the exact CI of the binomial proportion
    # b / (b + c) turned into odds (Breslow & Day, 1980, §7.6; R's exact2x2::mcnemar.exact).
    share = stats.binomtest(b, b + c).proportion_ci(confidence_level=LEVEL, method="exact")
    ratio = b / c if c else math.inf
    low = share.low / (1 - share.low) if share.low < 1 else math.inf
    high = share.high / (1 - share.high) if share.high < 1 else math.inf
    n = data.n
    percent = 100 * data.values.mean(axis=0)
    values: dict[str, Any] = {
        "analysis": "McNemar's test",
        "p": p,
        "effect_size": ratio,
        "effect_size_name": "OR",
        "ci_low": low,
        "ci_high": high,
        "ci_level": LEVEL,
        "n": n,
        "n_missing": data.n_missing,
        "method": "exact binomial" if exact else "chi-square with continuity correction",
        "b": b,
        "c": c,
        f"proportion[{first}]": float(data.values[:, 0].mean()),
        f"proportion[{second}]": float(data.values[:, 1].mean()),
    }
    if exact:
        label = "Exact binomial test"
        row: dict[str, Any] = {"p": p}
        stat = f"exact binomial test on the {b + c} changed pairs, {p_phrase(p)}"
    else:
        chi2 = float(test.statistic)
        values |= {"statistic": chi2, "statistic_name": "χ²", "df": 1}
        label = "McNemar χ² (continuity correction)"
        row = {"χ²": chi2, "df": 1, "p": p}
        stat = f"{statistic_phrase('χ²', chi2, 1, f'N = {n}')}, {p_phrase(p)}"
    row |= {"N": n, "b": b, "c": c, "OR": ratio, CI_LOW: low, CI_HIGH: high}
    change = "changed" if p < ALPHA else "did not change significantly"
    report = (
        f"McNemar's test showed that the share of {b_name} {change} from {first} "
        f"({percent[0]:.1f}%) to {second} ({percent[1]:.1f}%), {stat}, "
        f"{_odds_ratio_text(ratio, low, high)}."
    )
    notes = [
        missing_note(n, data.n_missing, [first, second]),
        f"b = {b} pairs went from {a_name} to {b_name}, c = {c} from {b_name} to {a_name}. "
        + (
            f"With fewer than {EXACT_BELOW} changed pairs, the exact binomial test is used."
            if exact
            else f"With {EXACT_BELOW} or more changed pairs, the χ² test with continuity "
            "correction is used (as R's mcnemar.test)."
        ),
        "OR = b / c, with the exact 95% CI of b / (b + c) turned into odds.",
    ]
    names = [a_name, b_name]
    paired = TwoWay(first, second, cells, names, names, data.n_missing).frame(totals=True)
    return Result(
        title=f"McNemar's test: {first} → {second}",
        tables={"McNemar's test": _one_row(label, row), "Paired counts": paired},
        values=values,
        report=report,
        notes=notes,
        kinds={
            "McNemar's test": {CI_LOW: "number", CI_HIGH: "number", "b": "count", "c": "count"},
            "Paired counts": dict.fromkeys([a_name, b_name, "Total"], "count"),
        },
    )


def cochrans_q(df: pd.DataFrame, columns: Sequence[str]) -> Result:
    """Cochran's Q test: do k related yes/no measures (the same people answering k items, or
    at k times) have the same proportion of the second category (1, yes)?"""
    columns = [columns] if isinstance(columns, str) else list(columns)
    if len(columns) < 2:
        raise AnalysisError("Cochran's Q test compares at least two yes/no columns; choose more.")
    data = binary_columns(df, columns, test="Cochran's Q test")
    totals = data.values.sum(axis=1)
    if np.all((totals == 0) | (totals == len(columns))):
        raise AnalysisError(
            "Every row gave the same answer in all columns, so the columns cannot differ: "
            "Cochran's Q is undefined."
        )
    test = sm_cochrans_q(data.values)
    q, p, dof = float(test.statistic), float(test.pvalue), int(test.df)
    n = data.n
    shares = data.values.mean(axis=0)
    success = data.names[1]
    values: dict[str, Any] = {
        "analysis": "Cochran's Q test",
        "statistic": q,
        "statistic_name": "Q",
        "df": dof,
        "p": p,
        "n": n,
        "n_missing": data.n_missing,
        "counted": success,
    } | {f"proportion[{c}]": float(s) for c, s in zip(columns, shares, strict=True)}
    proportions = pd.DataFrame(
        {"n": [n] * len(columns), f"% {success}": 100 * shares},
        index=pd.Index(columns, name="Measure"),
    )
    differ = "differed" if p < ALPHA else "did not differ significantly"
    report = (
        f"Cochran's Q test showed that the share of {success} {differ} between the "
        f"{len(columns)} measures, {statistic_phrase('Q', q, dof, f'N = {n}')}, {p_phrase(p)}."
    )
    return Result(
        title="Cochran's Q test: " + ", ".join(columns),
        tables={
            "Cochran's Q test": _one_row("Cochran's Q", {"Q": q, "df": dof, "p": p, "N": n}),
            "Proportions": proportions,
        },
        values=values,
        report=report,
        notes=[
            missing_note(n, data.n_missing, columns),
            f"Counted: {success} (rather than {data.names[0]}).",
        ],
    )
