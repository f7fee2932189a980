"""One-way analyses of variance: do the groups of one column differ in an outcome?

    one_way_anova(df, outcome="belonging", group="programme", post_hoc="tukey")
    welch_anova(df, outcome="belonging", group="programme", post_hoc="games-howell")
    brown_forsythe_anova(df, outcome="belonging", group="programme")
    kruskal_wallis(df, outcome="belonging", group="programme", post_hoc="dunn")

Each reports descriptives per group, the test, and effect sizes with two-sided 95% CIs:

- F tests: ω² (the main effect size, `effect_size`) and η², computed from F and its degrees
  of freedom as R's effectsize does (`F_to_omega2`, `F_to_eta2`; for the classic ANOVA the
  same as `omega_squared` / `eta_squared` of the `aov` model): η² = F·df1 / (F·df1 + df2),
  ω² = (F − 1)·df1 / (F·df1 + df2 + 1), negative ω² shown as 0. For Welch's and
  Brown-Forsythe's tests F and df2 are theirs. The interval inverts the noncentral F
  distribution at the F that the estimate implies (Steiger, 2004; effectsize's method).
- Kruskal-Wallis: ε² = H / (n − 1) (Tomczak & Tomczak, 2014; R's
  `effectsize::rank_epsilon_squared`), and η²[H] = (H − k + 1) / (n − k) in `values`
  (`rstatix::kruskal_effsize`). No interval: R's is a bootstrap.

`post_hoc` ("tukey", "games-howell", "dunn" or None) adds every pairwise comparison
(`datadive.analysis.anova.post_hoc`) as the table `Post hoc comparisons (…)`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.oneway import anova_generic

from datadive.analysis import apa
from datadive.analysis.anova.group_statistics import (
    Moments,
    Ranks,
    mean_table,
    mean_values,
    moments,
    rank_table,
    rank_values,
    ranks,
)
from datadive.analysis.anova.post_hoc import (
    Comparisons,
    dunn_comparisons,
    games_howell_comparisons,
    tukey_comparisons,
)
from datadive.analysis.assumptions import (
    ALPHA,
    enough_per_group,
    equal_variances,
    normality_by_group,
)
from datadive.analysis.noncentral import variance_explained_bounds
from datadive.analysis.results import AnalysisError, Check, Result
from datadive.analysis.selection import Groups, split_groups

LEVEL = 0.95
POST_HOC = ("tukey", "games-howell", "dunn")
GroupChoice = Sequence[Any] | str | None


def check_post_hoc(post_hoc: str | None) -> str | None:
    """The post hoc method's key, or None; a form's "none" means None."""
    if post_hoc is None or str(post_hoc).strip().lower() in {"", "none"}:
        return None
    key = str(post_hoc).strip().lower().replace("_", "-").replace(" ", "-")
    if key not in POST_HOC:
        raise AnalysisError(
            f"post_hoc must be 'tukey', 'games-howell', 'dunn' or None, not {post_hoc!r}."
        )
    return key


def variance_explained_interval(
    estimate: float, df1: float, df2: float, level: float = LEVEL
) -> tuple[float, float]:
    """The CI of η² or ω² as R's effectsize computes it (`.F_to_pve`): the F that the
    (non-negative) estimate implies, its noncentrality bounds λ, each as λ / (λ + df2)."""
    share = max(0.0, estimate)
    if share >= 1:
        return (1.0, 1.0)
    implied = (share / df1) / ((1 - share) / df2)
    return variance_explained_bounds(implied, df1, df2, level)


@dataclass
class _FTest:
    analysis: str  # "Welch ANOVA"
    spoken: str  # as a sentence names it: "a Welch ANOVA"
    symbol: str  # "F" or "F*"
    f: float
    df1: float
    df2: float
    p: float


def _effect_sizes(test: _FTest) -> tuple[pd.DataFrame, dict[str, Any]]:
    f, df1, df2 = test.f, test.df1, test.df2
    # effectsize::F_to_eta2 and F_to_omega2 (Ben-Shachar, Lüdecke & Makowski, 2020).
    eta = f * df1 / (f * df1 + df2)
    omega = max(0.0, (f - 1) * df1 / (f * df1 + df2 + 1))
    eta_ci = variance_explained_interval(eta, df1, df2)
    omega_ci = variance_explained_interval(omega, df1, df2)
    table = pd.DataFrame(
        {
            "Estimate": [omega, eta],
            "95% CI low": [omega_ci[0], eta_ci[0]],
            "95% CI high": [omega_ci[1], eta_ci[1]],
        },
        index=pd.Index(["ω²", "η²"], name="Effect size"),
    )
    values = {
        "effect_size": omega,
        "effect_size_name": "ω²",
        "ci_low": omega_ci[0],
        "ci_high": omega_ci[1],
        "ci_level": LEVEL,
        "eta_squared": eta,
        "eta_squared_ci_low": eta_ci[0],
        "eta_squared_ci_high": eta_ci[1],
    }
    return table, values


EFFECT_KINDS: dict[str, apa.Kind] = {
    "Estimate": "bounded",
    "95% CI low": "bounded",
    "95% CI high": "bounded",
}


def _post_hoc(
    key: str | None,
    split: Groups,
    summary: Moments | None = None,
    ranked: Ranks | None = None,
) -> Comparisons | None:
    """The comparisons asked for, from the moments or ranks the test already computed."""
    if key is None:
        return None
    if key == "dunn":
        return dunn_comparisons(split, ranked if ranked is not None else ranks(split))
    summary = summary or moments(split)
    if key == "tukey":
        return tukey_comparisons(split, summary)
    return games_howell_comparisons(split, summary)


def _sentence(spoken: str, split: Groups, p: float, numbers: Sequence[str]) -> str:
    """`A Welch ANOVA showed that belonging differed between the groups of programme,
    F(2, 9.29) = 25.65, p < .001, ω² = .80, 95% CI [.41, .90].`"""
    if p < ALPHA:
        finding = f"that {split.outcome} differed between the groups of {split.column}"
    else:
        finding = (
            f"no significant difference in {split.outcome} between the groups of {split.column}"
        )
    shown = ", ".join([numbers[0], apa.p_phrase(p), *numbers[1:]])
    return f"{spoken[0].upper()}{spoken[1:]} showed {finding}, {shown}."


def _assemble(
    split: Groups,
    *,
    title: str,
    main: tuple[str, pd.DataFrame],
    values: dict[str, Any],
    descriptives: tuple[pd.DataFrame, dict[str, Any]],
    report: str,
    checks: Sequence[Check | None],
    notes: Sequence[str],
    comparisons: Comparisons | None,
    effects: pd.DataFrame | None = None,
) -> Result:
    tables = {main[0]: main[1], "Descriptives": descriptives[0]}
    kinds: dict[str, dict[str, apa.Kind]] = {}
    if effects is not None:
        tables["Effect sizes"] = effects
        kinds["Effect sizes"] = EFFECT_KINDS
    all_notes = [split.note(), *notes]
    values = values | {"n": split.n, "n_missing": split.n_missing} | descriptives[1]
    if comparisons is not None:
        tables[comparisons.title] = comparisons.table
        values = values | {"post_hoc": comparisons.method} | comparisons.values
        all_notes += comparisons.notes
        report += " " + comparisons.report
    return Result(
        title=f"{title}: {split.outcome} by {split.column}",
        tables=tables,
        values=values,
        report=report,
        checks=[c for c in checks if c is not None],
        notes=all_notes,
        kinds=kinds,
    )


def _f_test_result(
    split: Groups,
    summary: Moments,
    test: _FTest,
    *,
    main: pd.DataFrame,
    extra: dict[str, Any],
    checks: Sequence[Check | None],
    notes: Sequence[str],
    post_hoc: str | None,
) -> Result:
    effects, effect_values = _effect_sizes(test)
    values: dict[str, Any] = {
        "analysis": test.analysis,
        "statistic": test.f,
        "statistic_name": test.symbol,
        "df": test.df1,
        "df2": test.df2,
        "p": test.p,
        **effect_values,
        **extra,
    }
    statistic = apa.statistic_phrase(test.symbol, test.f, test.df1, test.df2)
    effect = apa.effect_phrase(
        "ω²", effect_values["effect_size"], effect_values["ci_low"], effect_values["ci_high"]
    )
    report = _sentence(test.spoken, split, test.p, [statistic, effect])
    return _assemble(
        split,
        title=test.analysis,
        main=(test.analysis, main),
        values=values,
        descriptives=(mean_table(split, summary), mean_values(split, summary)),
        report=report,
        checks=checks,
        notes=notes,
        comparisons=_post_hoc(post_hoc, split, summary),
        effects=effects,
    )


def _no_spread_within(split: Groups, summary: Moments) -> None:
    if np.all(summary.var == 0):
        raise AnalysisError(
            f"Within each group, {split.outcome!r} has the same value in every row, so there "
            "is no variation within groups to compare the groups' differences with."
        )


def _moment_checks(split: Groups, *, variances_assumed: bool) -> list[Check | None]:
    return [
        *normality_by_group(split.values, outcome=split.outcome, alternative="kruskal_wallis"),
        equal_variances(split.values, alternative="welch_anova", used=variances_assumed),
        enough_per_group(split.values),
    ]


EFFECT_NOTE = (
    "ω² and η² with 95% CIs (two-sided) from the noncentral F distribution, as R's "
    "effectsize computes them; a negative ω² is shown as 0."
)


def one_way_anova(
    df: pd.DataFrame,
    outcome: str,
    group: str,
    *,
    groups: GroupChoice = None,
    post_hoc: str | None = None,
) -> Result:
    """The classic one-way ANOVA (Fisher's F, equal variances assumed). R: `aov`,
    `oneway.test(var.equal = TRUE)`."""
    key = check_post_hoc(post_hoc)
    split = split_groups(df, outcome, group, groups=groups)
    summary = moments(split)
    _no_spread_within(split, summary)
    fit = anova_generic(summary.mean, summary.var, summary.n, use_var="equal")
    df1, df2 = len(split.names) - 1, split.n - len(split.names)
    grand = float((summary.n * summary.mean).sum() / summary.n.sum())
    ss_between = float((summary.n * (summary.mean - grand) ** 2).sum())
    ss_within = float(((summary.n - 1) * summary.var).sum())
    test = _FTest(
        "One-way ANOVA", "a one-way ANOVA", "F", float(fit.statistic), df1, df2, float(fit.pvalue)
    )
    main = pd.DataFrame(
        {
            "SS": [ss_between, ss_within],
            "df": [df1, df2],
            "MS": [ss_between / df1, ss_within / df2],
            "F": [test.f, math.nan],
            "p": [test.p, math.nan],
        },
        index=pd.Index([group, "Residuals"], name="Source"),
    )
    extra = {
        "ss_between": ss_between,
        "ss_within": ss_within,
        "ms_between": ss_between / df1,
        "ms_within": ss_within / df2,
    }
    return _f_test_result(
        split,
        summary,
        test,
        main=main,
        extra=extra,
        checks=_moment_checks(split, variances_assumed=True),
        notes=[EFFECT_NOTE],
        post_hoc=key,
    )


def _zero_variance_group(split: Groups, summary: Moments, analysis: str) -> None:
    """Welch's and Brown-Forsythe's tests weigh groups by their variances."""
    constant = [str(name) for name, v in zip(split.names, summary.var, strict=True) if v == 0]
    if constant:
        raise AnalysisError(
            f"The group {constant[0]!r} has the same value of {split.outcome!r} in every row, "
            f"so {analysis}, which weighs each group by its variance, cannot be computed. "
            "Use one_way_anova or kruskal_wallis instead."
        )


def _unequal_variance_anova(
    df: pd.DataFrame,
    outcome: str,
    group: str,
    *,
    groups: GroupChoice,
    use_var: str,
    test_of: tuple[str, str, str, str],
    lead: str,
    computed_from: str,
) -> tuple[Groups, Moments, _FTest, pd.DataFrame, Any, str]:
    """What Welch's and Brown-Forsythe's tests share: the groups, their moments, statsmodels'
    `anova_generic(use_var=...)`, the one-row table and the note's second half.
    `test_of`: the analysis's name, its spoken name, its symbol and the name refused as."""
    analysis, spoken, symbol, refused_as = test_of
    split = split_groups(df, outcome, group, groups=groups)
    summary = moments(split)
    _zero_variance_group(split, summary, refused_as)
    fit = anova_generic(summary.mean, summary.var, summary.n, use_var=use_var)
    # Brown & Forsythe's own numerator df is k − 1 (statsmodels' pvalue2; df_num is Mehrotra's)
    p = float(fit.pvalue2) if use_var == "bf" else float(fit.pvalue)
    test = _FTest(
        analysis,
        spoken,
        symbol,
        float(fit.statistic),
        len(split.names) - 1,
        float(fit.df_denom),
        p,
    )
    main = pd.DataFrame(
        {symbol: [test.f], "df1": [test.df1], "df2": [test.df2], "p": [test.p]},
        index=pd.Index([group], name="Source"),
    )
    note = (
        f"{lead} ω² and η² are computed from {computed_from} and its degrees of freedom (as R's "
        "effectsize::F_to_omega2 and F_to_eta2), with 95% CIs (two-sided) from the "
        "noncentral F distribution; a negative ω² is shown as 0."
    )
    return split, summary, test, main, fit, note


def welch_anova(
    df: pd.DataFrame,
    outcome: str,
    group: str,
    *,
    groups: GroupChoice = None,
    post_hoc: str | None = None,
) -> Result:
    """Welch's ANOVA (Welch, 1951): means compared without assuming equal variances.
    R: `oneway.test(var.equal = FALSE)`."""
    key = check_post_hoc(post_hoc)
    split, summary, test, main, _, note = _unequal_variance_anova(
        df,
        outcome,
        group,
        groups=groups,
        use_var="unequal",
        test_of=("Welch ANOVA", "a Welch ANOVA", "F", "Welch's ANOVA"),
        lead="Welch's F does not assume equal variances.",
        computed_from="Welch's F",
    )
    return _f_test_result(
        split,
        summary,
        test,
        main=main,
        extra={},
        checks=_moment_checks(split, variances_assumed=False),
        notes=[note],
        post_hoc=key,
    )


def brown_forsythe_anova(
    df: pd.DataFrame,
    outcome: str,
    group: str,
    *,
    groups: GroupChoice = None,
    post_hoc: str | None = None,
) -> Result:
    """Brown and Forsythe's (1974) test of means, F*: means compared without assuming equal
    variances, on k − 1 and Satterthwaite's degrees of freedom (as SPSS reports it).
    Mehrotra's (1997) corrected numerator df and its p are in `values` (`df_mehrotra`,
    `p_mehrotra`)."""
    key = check_post_hoc(post_hoc)
    split, summary, test, main, fit, note = _unequal_variance_anova(
        df,
        outcome,
        group,
        groups=groups,
        use_var="bf",
        test_of=(
            "Brown-Forsythe ANOVA",
            "a Brown-Forsythe test of means",
            "F*",
            "the Brown-Forsythe test",
        ),
        lead="Brown-Forsythe's F* does not assume equal variances (df2 by Satterthwaite's "
        "approximation).",
        computed_from="F*",
    )
    return _f_test_result(
        split,
        summary,
        test,
        main=main,
        extra={"df_mehrotra": float(fit.df_num), "p_mehrotra": float(fit.pvalue)},
        checks=_moment_checks(split, variances_assumed=False),
        notes=[note],
        post_hoc=key,
    )


def kruskal_wallis(
    df: pd.DataFrame,
    outcome: str,
    group: str,
    *,
    groups: GroupChoice = None,
    post_hoc: str | None = None,
) -> Result:
    """The Kruskal-Wallis test (Kruskal & Wallis, 1952): ranks compared between groups,
    corrected for ties. R: `kruskal.test`."""
    key = check_post_hoc(post_hoc)
    # Ranks work with one value in a group; mean comparisons need two.
    smallest = 1 if key in {None, "dunn"} else 2
    split = split_groups(df, outcome, group, groups=groups, smallest=smallest)
    ranked = ranks(split)
    h, p = stats.kruskal(*split.values.values())
    h, p = float(h), float(p)
    n, k = split.n, len(split.names)
    df1 = k - 1
    epsilon = h / (n - 1)  # Tomczak & Tomczak (2014), eq. 13; effectsize::rank_epsilon_squared
    eta_h = (h - k + 1) / (n - k)  # Tomczak & Tomczak (2014), eq. 12; rstatix::kruskal_effsize
    main = pd.DataFrame(
        {"H": [h], "df": [df1], "p": [p], "ε²": [epsilon]},
        index=pd.Index([group], name="Source"),
    )
    values: dict[str, Any] = {
        "analysis": "Kruskal-Wallis test",
        "statistic": h,
        "statistic_name": "H",
        "df": df1,
        "p": p,
        "effect_size": epsilon,
        "effect_size_name": "ε²",
        "eta_squared_h": eta_h,
    }
    table = rank_table(split, ranked)
    numbers = [apa.statistic_phrase("H", h, df1), apa.effect_phrase("ε²", epsilon)]
    report = _sentence("a Kruskal-Wallis test", split, p, numbers)
    notes = [
        "H is corrected for ties. ε² = H / (n − 1) (Tomczak & Tomczak, 2014). The test "
        "compares mean ranks; it compares medians only when the groups' distributions have "
        "the same shape."
    ]
    comparisons = _post_hoc(key, split, ranked=ranked)
    return _assemble(
        split,
        title="Kruskal-Wallis test",
        main=("Kruskal-Wallis test", main),
        values=values,
        descriptives=(table, rank_values(split, table)),
        report=report,
        checks=[enough_per_group(split.values)],
        notes=notes,
        comparisons=comparisons,
    )
