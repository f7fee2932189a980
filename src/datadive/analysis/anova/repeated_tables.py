"""How the repeated-measures ANOVAs show their numbers: the sphericity tables, the
sphericity check with its verdict, descriptives per condition (and per group), and the
`values` keys that hold them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from datadive.analysis import assumptions
from datadive.analysis.anova.repeated_design import Design
from datadive.analysis.anova.sphericity import Sphericity, Term
from datadive.analysis.apa import Kind, effect_phrase, number, p_phrase
from datadive.analysis.results import Check

GENERALIZED = "generalized η²"
CI_LOW, CI_HIGH = "95% CI low", "95% CI high"
ANOVA_KINDS: dict[str, Kind] = {GENERALIZED: "bounded", CI_LOW: "bounded", CI_HIGH: "bounded"}
SPHERICITY_KINDS: dict[str, Kind] = {"Mauchly's W": "bounded", "χ²": "number"}
CORRECTION_KINDS: dict[str, Kind] = {"ε": "bounded"}


def sphericity_tables(terms: dict[str, Term], sphericity: Sphericity) -> dict[str, pd.DataFrame]:
    if not math.isfinite(sphericity.w):
        return {}
    mauchly = pd.DataFrame(
        {
            "Mauchly's W": [sphericity.w],
            "χ²": [sphericity.chi2],
            "df": [sphericity.df],
            "p": [sphericity.p],
        },
        index=pd.Index([next(iter(terms))], name="Within factor"),
    )
    rows, index = [], []
    corrections = [
        ("none", 1.0),
        ("Greenhouse-Geisser", sphericity.epsilon_gg),
        ("Huynh-Feldt", sphericity.epsilon_hf),
    ]
    for name, term in terms.items():
        for correction, epsilon in corrections:
            used = min(1.0, epsilon)
            rows.append(
                {
                    "ε": epsilon,
                    "df": used * term.df,
                    "df (error)": used * term.df_error,
                    "F": term.f,
                    "p": term.p(used),
                }
            )
            index.append(f"{name}, {correction}" if len(terms) > 1 else correction)
    table = pd.DataFrame(rows, index=pd.Index(index, name="Correction"))
    return {"Mauchly's test of sphericity": mauchly, "Sphericity corrections": table}


def sphericity_values(sphericity: Sphericity, term: Term) -> dict[str, float]:
    gg, hf = sphericity.epsilon_gg, sphericity.epsilon_hf_capped
    return {
        "epsilon_gg": gg,
        "epsilon_hf": sphericity.epsilon_hf,
        "df_gg": gg * term.df,
        "df2_gg": gg * term.df_error,
        "p_gg": term.p(gg),
        "df_hf": hf * term.df,
        "df2_hf": hf * term.df_error,
        "p_hf": term.p(hf),
        "mauchly_w": sphericity.w,
        "mauchly_chi2": sphericity.chi2,
        "mauchly_df": sphericity.df,
        "mauchly_p": sphericity.p,
    }


def sphericity_check(sphericity: Sphericity, factor: str, *, alternative: str | None) -> Check:
    name = "Sphericity (Mauchly)"
    if not math.isfinite(sphericity.w):
        if sphericity.epsilon_gg == 1.0:
            return Check(name, "Not needed: with two conditions sphericity always holds.")
        return Check(
            name,
            "Not checked: there are too few people for the number of conditions; read the "
            "uncorrected test with caution.",
        )
    statistic = effect_phrase("W", sphericity.w)
    if sphericity.p >= assumptions.ALPHA:
        return Check(
            name,
            f"No evidence against sphericity ({statistic}, {p_phrase(sphericity.p)}); the "
            "uncorrected test holds.",
            True,
            sphericity.w,
            sphericity.p,
            bounded=True,
        )
    epsilon = number(sphericity.epsilon_gg, 2, leading_zero=False)
    return Check(
        name,
        f"The variances of the differences between {factor} differ "
        f"({statistic}, {p_phrase(sphericity.p)}): read the Greenhouse-Geisser-corrected test "
        f"(ε = {epsilon}), as the write-up does.",
        False,
        sphericity.w,
        sphericity.p,
        alternative,
        bounded=True,
    )


def descriptives(data: Design) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "n": data.n,
            "M": data.scores.mean(axis=0),
            "SD": data.scores.std(axis=0, ddof=1),
        },
        index=pd.Index(data.conditions, name=data.factor),
    )


def condition_values(data: Design) -> dict[str, float]:
    means, sds = data.scores.mean(axis=0), data.scores.std(axis=0, ddof=1)
    found: dict[str, float] = {}
    for c, condition in enumerate(data.conditions):
        found[f"mean[{condition}]"] = float(means[c])
        found[f"sd[{condition}]"] = float(sds[c])
    return found


def cell_descriptives(data: Design, codes: np.ndarray) -> pd.DataFrame:
    assert data.groups is not None
    rows, index = [], []
    for j, group in enumerate(data.groups):
        cell = data.scores[codes == j]
        for c, condition in enumerate(data.conditions):
            rows.append({"n": len(cell), "M": cell[:, c].mean(), "SD": cell[:, c].std(ddof=1)})
            index.append((str(group), condition))
    return pd.DataFrame(
        rows, index=pd.MultiIndex.from_tuples(index, names=[data.between, data.factor])
    )


def cell_values(data: Design, codes: np.ndarray) -> dict[str, float]:
    assert data.groups is not None
    found: dict[str, float] = {}
    for j, group in enumerate(data.groups):
        cell = data.scores[codes == j]
        found[f"n[{group}]"] = len(cell)
        for c, condition in enumerate(data.conditions):
            found[f"mean[{group}:{condition}]"] = float(cell[:, c].mean())
            found[f"sd[{group}:{condition}]"] = float(cell[:, c].std(ddof=1))
    return found


def kinds() -> dict[str, dict[str, Kind]]:
    return {
        "Repeated-measures ANOVA": ANOVA_KINDS,
        "Mixed ANOVA": ANOVA_KINDS,
        "Mauchly's test of sphericity": SPHERICITY_KINDS,
        "Sphericity corrections": CORRECTION_KINDS,
    }
