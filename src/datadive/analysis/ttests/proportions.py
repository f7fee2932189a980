"""The binomial test: is one answer as common as expected?

    binomial_test(df, "passed", success="Passed", proportion=0.5)

Counts the answers equal to `success` (its value label or its code) among the answers given
(missing answers left out), and tests that count with an exact binomial test (R's
`binom.test`). The observed proportion comes with its Clopper-Pearson confidence interval.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from datadive.analysis.apa import number, p_phrase
from datadive.analysis.assumptions import ALPHA
from datadive.analysis.labels import labelled
from datadive.analysis.results import AnalysisError, Result
from datadive.analysis.selection import missing_note, require_columns
from datadive.analysis.ttests.samples import (
    as_number,
    check_alternative,
    ci_text,
    direction_note,
    plain,
)

LEVEL = 0.95
CI = ["95% CI low", "95% CI high"]


def binomial_test(
    df: pd.DataFrame,
    column: str,
    *,
    success: Any,
    proportion: float = 0.5,
    alternative: str = "two-sided",
) -> Result:
    """Is the share of `success` among the answers in `column` different from `proportion`?"""
    alternative = check_alternative(alternative)
    proportion = as_number(proportion, "proportion")
    if not 0 < proportion < 1:
        raise AnalysisError(
            f"proportion must lie between 0 and 1 (e.g. 0.5), not {plain(proportion)}."
        )
    require_columns(df, column)
    given = df[column].notna().to_numpy()
    n = int(given.sum())
    if n == 0:
        raise AnalysisError(f"{column!r} has no answers; there is nothing to count.")
    hits, name = _successes(df, column, success)
    k = int((hits & given).sum())
    test = stats.binomtest(k, n, proportion, alternative=alternative)
    p = float(test.pvalue)
    # Clopper-Pearson ("exact") interval, one-sided for a one-sided test, as binom.test.
    ci = test.proportion_ci(confidence_level=LEVEL, method="exact")
    low, high = float(ci.low), float(ci.high)
    observed = k / n
    n_missing = len(given) - n
    table = pd.DataFrame(
        {
            "n": [n],
            "count": [k],
            "proportion": [observed],
            CI[0]: [low],
            CI[1]: [high],
            "test value": [proportion],
            "p": [p],
        },
        index=[f"{column} = {name}"],
    )
    verb = {
        "two-sided": "differed from",
        "greater": "was greater than",
        "less": "was less than",
    }[alternative]
    if p >= ALPHA:
        verb = {
            "two-sided": "did not differ significantly from",
            "greater": "was not significantly greater than",
            "less": "was not significantly less than",
        }[alternative]
    interval = ci_text(low, high, level=LEVEL, bounded=True)
    report = (
        f"Of {n} answers to {column}, {k} ({_percent(observed)}) were {name}; this proportion "
        f"({number(observed, 2, leading_zero=False)}, {interval}) {verb} "
        f"{number(proportion, 2, leading_zero=False)}, exact binomial {p_phrase(p)}."
    )
    notes = [missing_note(n, n_missing, [column])]
    one_sided = direction_note(
        alternative, f"the proportion of {name} {'>' if alternative == 'greater' else '<'} "
        f"{plain(proportion)}"
    )  # fmt: skip
    if one_sided:
        notes.append(one_sided)
    values = {
        "analysis": "Binomial test",
        "statistic": k,
        "statistic_name": "count",
        "p": p,
        "effect_size": observed,
        "effect_size_name": "proportion",
        "ci_low": low,
        "ci_high": high,
        "ci_level": LEVEL,
        "n": n,
        "n_missing": n_missing,
        "success": name,
        "count": k,
        "proportion": observed,
        "test_proportion": proportion,
        "alternative": alternative,
    }
    return Result(
        title="Binomial test",
        tables={"Binomial test": table},
        values=values,
        report=report,
        notes=notes,
        kinds={"Binomial test": {CI[0]: "bounded", CI[1]: "bounded", "test value": "bounded"}},
    )


def _successes(frame: pd.DataFrame, column: str, success: Any) -> tuple[np.ndarray, str]:
    """Which answers are `success`, matched by value label or by code (`"Passed"` or `1`,
    also `"1"` from a form), and the name to show for it."""
    if success is None or (isinstance(success, str) and not success.strip()):
        raise AnalysisError("Say which answer counts as a success (its label or its code).")
    shown = labelled(frame, column)
    present = list(dict.fromkeys(shown.dropna().tolist()))
    for value in present:
        if _same(value, success):
            return (shown == value).to_numpy(bool), str(value)
    codes = labelled(frame, column, show="codes")
    # each distinct (code, label) once, in the order of the rows
    for value, label in dict.fromkeys(zip(codes.tolist(), shown.tolist(), strict=True)):
        if pd.notna(value) and _same(value, success):
            return (codes == value).to_numpy(bool), str(label)
    listed = ", ".join(repr(str(v)) for v in present[:10])
    raise AnalysisError(
        f"{column!r} has no answer {str(success)!r}; its answers are {listed}. Give one of "
        "them (its label or its code) as the success."
    )


def _same(value: Any, success: Any) -> bool:
    if isinstance(success, str):
        success = success.strip()
    if value == success or str(value) == str(success):
        return True
    try:
        return float(value) == float(success)
    except (TypeError, ValueError):
        return False


def _percent(share: float) -> str:
    return f"{share * 100:.0f}%"
