"""Repeated measures: the same people measured in several conditions (times, versions).

    repeated_measures_anova(df, ["wellbeing_t1", "wellbeing_t2", "wellbeing_t3"], within="time")
    repeated_measures_anova(long, outcome="wellbeing", within="time", subject="id")
    mixed_anova(df, ["wellbeing_t1", "wellbeing_t2"], between="programme")
    friedman(df, ["rating_plain", "rating_photo", "rating_video"])

Wide data name the measures (one column per condition, one row per person; `within` then
names the factor in tables, default "condition"); long data name the outcome, the within
column and the subject column. People with a missing value in any condition are left out
(listwise). The ANOVAs test sphericity (Mauchly) and report the Greenhouse-Geisser and
Huynh-Feldt corrections; when sphericity is violated the write-up reads the
Greenhouse-Geisser-corrected test (`sphericity.py` has the formulas and their sources).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from datadive.analysis import assumptions
from datadive.analysis.anova import repeated_tables as tables
from datadive.analysis.anova.repeated_design import DEFAULT_FACTOR, Design, design
from datadive.analysis.anova.repeated_tables import CI_HIGH, CI_LOW, GENERALIZED
from datadive.analysis.anova.sphericity import Sphericity, Term, within_anova
from datadive.analysis.apa import effect_phrase, number, p_phrase, statistic_phrase
from datadive.analysis.noncentral import variance_explained_bounds
from datadive.analysis.results import AnalysisError, Result

LEVEL = 0.95
ETA = "partial η²"
KENDALL = "Kendall's W"
CORRECTIONS_NOTE = (
    "Sphericity corrections: Greenhouse-Geisser (1959) and Huynh-Feldt (1976) with Lecoutre's "
    "(1991) correction, as R's car and afex; a Huynh-Feldt ε above 1 counts as 1."
)
ETA_NOTE = (
    "Partial η² with a 95% CI from the noncentral F with the uncorrected df (as R's "
    "effectsize); generalized η² (Olejnik & Algina, 2003) counts every factor as manipulated."
)


def repeated_measures_anova(
    df: pd.DataFrame,
    measures: Sequence[str] | None = None,
    *,
    outcome: str | None = None,
    within: str | None = None,
    subject: str | None = None,
) -> Result:
    """Do the means differ between conditions measured on the same people? A one-way
    repeated-measures ANOVA with Mauchly's test and Greenhouse-Geisser/Huynh-Feldt
    corrections, partial η² (95% CI) and generalized η²."""
    data = design(df, measures, outcome=outcome, within=within, subject=subject)
    _enough(data, groups=1)
    anova = within_anova(data.scores, factor=data.factor)
    term = anova.terms[data.factor]
    _has_error(term, data)
    sphericity = anova.sphericity
    epsilon, correction = _read_correction(sphericity)
    low, high = _eta_interval(term)
    generalized = term.ss / (term.ss + anova.ss_subjects + term.ss_error)
    residual_row = {"SS": term.ss_error, "df": term.df_error, "MS": term.ms_error}
    table = pd.DataFrame(
        [
            _term_row(term, low, high, generalized),
            residual_row,
        ],
        index=pd.Index([data.factor, "Residual"], name="Source"),
    )
    values: dict[str, Any] = {
        "analysis": "Repeated-measures ANOVA",
        "statistic": term.f,
        "statistic_name": "F",
        "df": epsilon * term.df,
        "df2": epsilon * term.df_error,
        "p": term.p(epsilon),
        "correction": correction,
        "effect_size": term.partial_eta2,
        "effect_size_name": ETA,
        "ci_low": low,
        "ci_high": high,
        "ci_level": LEVEL,
        "n": data.n,
        "n_missing": data.n_missing,
        "k": data.k,
        "ss": term.ss,
        "ss_error": term.ss_error,
        "ss_subjects": anova.ss_subjects,
        "ms": term.ms,
        "ms_error": term.ms_error,
        "df_uncorrected": term.df,
        "df2_uncorrected": term.df_error,
        "p_uncorrected": term.p(),
        "generalized_eta2": generalized,
        **tables.sphericity_values(sphericity, term),
        **tables.condition_values(data),
    }
    verb = "differed" if values["p"] < assumptions.ALPHA else "did not differ significantly"
    report = (
        f"{_correction_lead(sphericity, correction)}"
        f"a repeated-measures ANOVA showed that {data.what()} {verb} across {_across(data)}, "
        f"{statistic_phrase('F', term.f, values['df'], values['df2'])}, {p_phrase(values['p'])}, "
        f"{effect_phrase(ETA, term.partial_eta2, low, high)}."
    )
    return Result(
        title="Repeated-measures ANOVA",
        tables={
            "Repeated-measures ANOVA": table,
            **tables.sphericity_tables({data.factor: term}, sphericity),
            "Descriptives": tables.descriptives(data),
        },
        values=values,
        report=_capitalised(report),
        checks=[
            tables.sphericity_check(sphericity, _levels(data), alternative="friedman"),
            assumptions.normality(
                anova.residuals.ravel(), what="the residuals", alternative="friedman"
            ),
        ],
        notes=[data.note(), CORRECTIONS_NOTE, ETA_NOTE],
        kinds=tables.kinds(),
    )


def mixed_anova(
    df: pd.DataFrame,
    measures: Sequence[str] | None = None,
    *,
    between: str,
    outcome: str | None = None,
    within: str | None = None,
    subject: str | None = None,
    groups: Sequence[Any] | str | None = None,
) -> Result:
    """One between-subjects factor × one within factor (a split-plot design): the between,
    within and interaction terms with type III sums of squares, sphericity check and
    corrections for the within terms, partial η² (95% CI) and generalized η². `groups`
    chooses and orders the between factor's groups."""
    data = design(
        df,
        measures,
        outcome=outcome,
        within=within,
        subject=subject,
        between=between,
        groups=groups,
    )
    assert data.groups is not None
    assert data.group_labels is not None
    _enough(data, groups=len(data.groups))
    codes = pd.Categorical(data.group_labels, categories=data.groups).codes.astype(int)
    anova = within_anova(data.scores, factor=data.factor, group_codes=codes, between=between)
    main = anova.terms[data.factor]
    _has_error(main, data)
    sphericity = anova.sphericity
    epsilon, correction = _read_correction(sphericity)
    errors = main.ss_error + anova.ss_subjects
    rows: list[dict[str, float]] = []
    values: dict[str, Any] = {}
    names = list(anova.terms)
    intervals = {name: _eta_interval(term) for name, term in anova.terms.items()}
    for name, term in anova.terms.items():
        low, high = intervals[name]
        generalized = term.ss / (term.ss + errors)
        rows.append(_term_row(term, low, high, generalized))
        if not term.within or name == names[-1]:  # each error term after its last effect
            rows.append({"SS": term.ss_error, "df": term.df_error, "MS": term.ms_error})
        values |= {
            f"ss[{name}]": term.ss,
            f"df[{name}]": term.df,
            f"df2[{name}]": term.df_error,
            f"ms[{name}]": term.ms,
            f"ss_error[{name}]": term.ss_error,
            f"F[{name}]": term.f,
            f"p[{name}]": term.p(),
            f"partial_eta2[{name}]": term.partial_eta2,
            f"ci_low[{name}]": low,
            f"ci_high[{name}]": high,
            f"generalized_eta2[{name}]": generalized,
        }
        if term.within:
            values[f"p_gg[{name}]"] = term.p(sphericity.epsilon_gg)
            values[f"p_hf[{name}]"] = term.p(sphericity.epsilon_hf_capped)
    index = [names[0], "Residual (between)", names[1], names[2], "Residual (within)"]
    table = pd.DataFrame(rows, index=pd.Index(index, name="Source"))
    interaction = anova.terms[names[2]]
    values |= {
        "analysis": "Mixed ANOVA",
        "statistic": interaction.f,
        "statistic_name": "F",
        "df": epsilon * interaction.df,
        "df2": epsilon * interaction.df_error,
        "p": interaction.p(epsilon),
        "correction": correction,
        "effect_size": interaction.partial_eta2,
        "effect_size_name": ETA,
        "ci_low": values[f"ci_low[{names[2]}]"],
        "ci_high": values[f"ci_high[{names[2]}]"],
        "ci_level": LEVEL,
        "n": data.n,
        "n_missing": data.n_missing,
        "k": data.k,
        **{
            key: value
            for key, value in tables.sphericity_values(sphericity, main).items()
            if not key.startswith(("p_", "df"))
        },
        **tables.cell_values(data, codes),
    }
    parts = []
    for name, term in anova.terms.items():
        e = epsilon if term.within else 1.0
        p = term.p(e)
        head = "a significant " if p < assumptions.ALPHA else "no significant "
        head += "interaction" if term is interaction else f"main effect of {name}"
        parts.append(
            f"{head}, {statistic_phrase('F', term.f, e * term.df, e * term.df_error)}, "
            f"{p_phrase(p)}, {effect_phrase(ETA, term.partial_eta2, *intervals[name])}"
        )
    report = (
        f"{_correction_lead(sphericity, correction)}"
        f"a mixed ANOVA of {data.what()} with {between} (between subjects) and "
        f"{_across(data)} (within subjects) showed {parts[0]}; {parts[1]}; and {parts[2]}."
    )
    levene = [
        dataclasses.replace(
            assumptions.equal_variances(
                {g: data.scores[codes == j, c] for j, g in enumerate(data.groups)}
            ),
            check=f"Equal variances of {condition} across {between} (Levene, median-centred)",
        )
        for c, condition in enumerate(data.conditions)
    ]
    return Result(
        title="Mixed ANOVA",
        tables={
            "Mixed ANOVA": table,
            **tables.sphericity_tables({n: anova.terms[n] for n in names[1:]}, sphericity),
            "Descriptives": tables.cell_descriptives(data, codes),
        },
        values=values,
        report=_capitalised(report),
        checks=[
            tables.sphericity_check(sphericity, _levels(data), alternative=None),
            *levene,
            assumptions.normality(anova.residuals.ravel(), what="the residuals"),
        ],
        notes=[
            data.note(),
            "Type III sums of squares (sum-to-zero coding, as R's afex).",
            CORRECTIONS_NOTE,
            ETA_NOTE,
        ],
        kinds=tables.kinds(),
    )


def friedman(
    df: pd.DataFrame,
    measures: Sequence[str] | None = None,
    *,
    outcome: str | None = None,
    within: str | None = None,
    subject: str | None = None,
) -> Result:
    """Do the conditions differ, ranking each person's scores (no normality assumed)? The
    Friedman test with Kendall's W and each condition's median and quartiles."""
    data = design(df, measures, outcome=outcome, within=within, subject=subject)
    if data.k < 3:
        raise AnalysisError(
            "The Friedman test compares three or more conditions; for two, use "
            "wilcoxon_signed_rank (or sign_test)."
        )
    _enough(data, groups=1)
    scores = data.scores
    if bool((scores == scores[:, :1]).all()):
        raise AnalysisError(
            "Every person has the same value in every condition, so there are no differences "
            "to rank."
        )
    chi2, p = stats.friedmanchisquare(*scores.T)
    chi2, p = float(chi2), float(p)
    df_ = data.k - 1
    w = chi2 / (data.n * df_)  # Kendall's W from χ² (Tomczak & Tomczak, 2014; rstatix)
    # one partition of contiguous rows for all three quartiles (type 7, as R's quantile)
    q1, medians, q3 = np.quantile(np.ascontiguousarray(scores.T), [0.25, 0.5, 0.75], axis=1)
    descriptives = pd.DataFrame(
        {"n": data.n, "Mdn": medians, "Q1": q1, "Q3": q3},
        index=pd.Index(data.conditions, name=data.factor),
    )
    table = pd.DataFrame(
        {"χ²": [chi2], "df": [df_], "p": [p], "Kendall's W": [w], "N": [data.n]},
        index=pd.Index([data.factor], name="Factor"),
    )
    values: dict[str, Any] = {
        "analysis": "Friedman test",
        "statistic": chi2,
        "statistic_name": "χ²",
        "df": df_,
        "p": p,
        "effect_size": w,
        "effect_size_name": "Kendall's W",
        "n": data.n,
        "n_missing": data.n_missing,
        "k": data.k,
    }
    for c, condition in enumerate(data.conditions):
        values |= {
            f"median[{condition}]": float(medians[c]),
            f"q1[{condition}]": float(q1[c]),
            f"q3[{condition}]": float(q3[c]),
        }
    verb = "differed" if p < assumptions.ALPHA else "did not differ significantly"
    report = (
        f"A Friedman test showed that {data.what()} {verb} across {_across(data)}, "
        f"{statistic_phrase('χ²', chi2, df_, f'N = {data.n}')}, {p_phrase(p)}, "
        f"{effect_phrase(KENDALL, w)}."
    )
    return Result(
        title="Friedman test",
        tables={"Friedman test": table, "Descriptives": descriptives},
        values=values,
        report=report,
        notes=[
            data.note(),
            "χ² corrected for ties (as R's friedman.test); Kendall's W = χ² / (N (k − 1)), "
            "from 0 (no agreement between people's rankings) to 1.",
        ],
        kinds={"Friedman test": {"Kendall's W": "bounded"}},
    )


# — shared pieces —


def _enough(data: Design, *, groups: int) -> None:
    if data.n < groups + 1:
        people = "person has" if data.n == 1 else "people have"
        raise AnalysisError(
            f"Only {data.n} {people} a value in every condition; this analysis needs at least "
            f"{groups + 1}."
        )
    if data.scores.size and np.ptp(data.scores) == 0:
        raise AnalysisError(
            f"{data.what().capitalize()} have the same value ({number(data.scores[0, 0])}) in "
            "every condition for every person, so there is no variation to analyse."
        )


def _has_error(term: Term, data: Design) -> None:
    if term.ss_error <= 1e-12 * max(1.0, term.ss):
        raise AnalysisError(
            "Every person changes by exactly the same amount between conditions, so there is "
            "no error variance and no F test. Check that the measures are the right columns."
        )


def _read_correction(sphericity: Sphericity) -> tuple[float, str]:
    """The ε the write-up uses: Greenhouse-Geisser's when Mauchly's test fails."""
    if sphericity.testable and sphericity.p < assumptions.ALPHA:
        return sphericity.epsilon_gg, "Greenhouse-Geisser"
    return 1.0, "none"


def _correction_lead(sphericity: Sphericity, correction: str) -> str:
    if correction == "none":
        return ""
    epsilon = number(sphericity.epsilon_gg, 2, leading_zero=False)
    return (
        f"Mauchly's test indicated that sphericity was violated, "
        f"{effect_phrase('W', sphericity.w)}, {p_phrase(sphericity.p)}; with a "
        f"Greenhouse-Geisser correction (ε = {epsilon}), "
    )


def _eta_interval(term: Term) -> tuple[float, float]:
    """Partial η²'s CI: λ / (λ + df_error) at the bounds of the noncentrality of F (Steiger,
    2004; the method and uncorrected df of R's effectsize::eta_squared)."""
    return variance_explained_bounds(term.f, term.df, term.df_error, LEVEL)


def _term_row(term: Term, low: float, high: float, generalized: float) -> dict[str, float]:
    return {
        "SS": term.ss,
        "df": term.df,
        "MS": term.ms,
        "F": term.f,
        "p": term.p(),
        ETA: term.partial_eta2,
        CI_LOW: low,
        CI_HIGH: high,
        GENERALIZED: generalized,
    }


def _across(data: Design) -> str:
    """`time (t1, t2, t3)`, or `the conditions (…)` when the factor has no name of its own."""
    factor = "the conditions" if data.factor == DEFAULT_FACTOR else data.factor
    return f"{factor} ({', '.join(data.conditions)})"


def _levels(data: Design) -> str:
    return "the conditions" if data.factor == DEFAULT_FACTOR else f"the levels of {data.factor}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


__all__ = ["friedman", "mixed_anova", "repeated_measures_anova"]
