"""What the regressions report beyond their coefficients (`regression` uses it): model fit of
the likelihood-based models, the classification table, influential points, the residual plots,
the notes and phrases, and the words for perfect separation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats
from statsmodels.stats.diagnostic import het_breuschpagan

from datadive.analysis.apa import number, p_phrase
from datadive.analysis.assumptions import ALPHA
from datadive.analysis.plots import Plot
from datadive.analysis.relations.regression_design import Design
from datadive.analysis.results import Check

SHOWN_INFLUENTIAL = 20  # rows listed in the table; the check counts them all
PLOTTED = 5000  # points drawn in the residual plots (a random subset of larger data)


def coefficient_values(table: pd.DataFrame, keys: Mapping[str, str]) -> dict[str, float]:
    """`{"B[belonging]": 0.53, …}`: a table's columns as values keyed by row (a number that
    does not apply, such as the intercept's β, is left out)."""
    return {
        f"{key}[{row}]": float(table.loc[row, column])
        for column, key in keys.items()
        for row in table.index
        if not pd.isna(table.loc[row, column])
    }


def text(value: Any) -> str:
    """A category as tables and sentences show it: a whole number without `.0`."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def terms_phrase(design: Design) -> str:
    names = [term.name for term in design.terms]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def spoken(design: Design) -> dict[str, str]:
    """How the write-up names each coefficient: `belonging`, `programme (Sociology vs
    Psychology)`."""
    names = {}
    for term in design.terms:
        if term.categorical:
            for column, level in zip(term.columns, term.levels, strict=True):
                names[column] = f"{term.name} ({level} vs {term.reference})"
        else:
            names[term.name] = term.name
    return names


def dummy_notes(design: Design) -> list[str]:
    notes = []
    for term in design.terms:
        if term.categorical:
            notes.append(
                f"{term.name} is dummy-coded with {term.reference} as the reference category: "
                f"each row '{term.name}: …' compares that category with {term.reference}."
            )
    ordinal = [term.name for term in design.terms if term.ordinal]
    if ordinal:
        notes.append(
            f"Ordinal predictor(s) {', '.join(ordinal)} entered as numbers (one coefficient per "
            "step); mark a column nominal to compare its categories instead."
        )
    return notes


def model_r2(ll: float, ll0: float, n: int, *, df: int) -> dict[str, float]:
    """Fit of a likelihood-based model against the model without predictors: −2LL, the
    likelihood-ratio χ², and pseudo-R²s from their definitions: McFadden (1974) 1 − LL/LL₀,
    Cox & Snell (1989) 1 − exp(2(LL₀ − LL)/n), Nagelkerke (1991, Biometrika 78, 691–692)
    Cox-Snell / (1 − exp(2LL₀/n))."""
    chi2 = 2 * (ll - ll0)
    cox_snell = 1 - math.exp(2 * (ll0 - ll) / n)
    return {
        "−2LL": -2 * ll,
        "χ²": chi2,
        "df": float(df),
        "p": float(stats.chi2.sf(chi2, df)),
        "McFadden R²": 1 - ll / ll0,
        "Cox-Snell R²": cox_snell,
        "Nagelkerke R²": cox_snell / (1 - math.exp(2 * ll0 / n)),
    }


def classification(
    y: np.ndarray, probabilities: np.ndarray, event: Any, other: Any
) -> tuple[pd.DataFrame, float]:
    """Observed by predicted (cut-off .5), with the % correct per observed value and overall."""
    predicted = probabilities > 0.5
    observed = y == 1
    rows = []
    for name, mask in ((other, ~observed), (event, observed)):
        hits = int((predicted[mask] == (name == event)).sum())
        rows.append(
            {
                f"Predicted {other}": int((mask & ~predicted).sum()),
                f"Predicted {event}": int((mask & predicted).sum()),
                "% correct": 100 * hits / max(int(mask.sum()), 1),
            }
        )
    correct = float(100 * np.mean(predicted == observed))
    rows.append(
        {f"Predicted {other}": math.nan, f"Predicted {event}": math.nan, "% correct": correct}
    )
    table = pd.DataFrame(rows, index=pd.Index([str(other), str(event), "Overall"], name="Observed"))
    return table, correct


def influence(fit: Any, index: pd.Index) -> tuple[pd.DataFrame, Check]:
    """Rows whose Cook's distance exceeds 4/n (R's cooks.distance), largest first, by the
    table's row labels."""
    cooks = np.asarray(fit.get_influence().cooks_distance[0], dtype=float)
    n = len(cooks)
    cut = 4 / n
    above = np.flatnonzero(cooks > cut)
    above = above[np.argsort(-cooks[above], kind="stable")]
    table = pd.DataFrame(
        {"Cook's D": cooks[above[:SHOWN_INFLUENTIAL]]},
        index=pd.Index(index[above[:SHOWN_INFLUENTIAL]], name="Row"),
    )
    name = "Influential points (Cook's distance > 4/n)"
    if not len(above):
        verdict = f"No row has a Cook's distance above 4/n = {number(cut, 3)}."
        return table, Check(name, verdict, True, float(cooks.max()))
    listed = ", ".join(str(v) for v in table.index[:10])
    more = (
        f" (the {SHOWN_INFLUENTIAL} largest in the table)" if len(above) > SHOWN_INFLUENTIAL else ""
    )
    verdict = (
        f"{len(above)} row(s) have a Cook's distance above 4/n = {number(cut, 3)}{more}: "
        f"{listed}{' …' if len(above) > 10 else ''}. Check them for entry errors, and whether "
        "the results hold without them."
    )
    return table, Check(name, verdict, False, float(cooks.max()))


class ResidualPlot(Plot):
    """Residuals against fitted values, and a normal Q-Q plot of the residuals. Drawn when
    first shown or touched (`figure`, `axes`, `parts`): on large data, making a matplotlib
    figure costs more than fitting the model."""

    def __init__(self, residuals: np.ndarray, fitted: np.ndarray, outcome: str) -> None:
        shown = np.arange(len(residuals))
        if len(shown) > PLOTTED:  # a fixed random subset: the picture, not 100,000 markers
            shown = np.sort(np.random.default_rng(0).choice(shown, PLOTTED, replace=False))
        self._points = (fitted[shown], residuals[shown])
        self._outcome = outcome
        subset = (
            f" ({len(shown)} of {len(residuals)} rows drawn)" if len(shown) < len(residuals) else ""
        )
        self.description = (
            f"Residual plots of the regression of {outcome}: residuals against fitted values, "
            f"and a normal Q-Q plot of the residuals{subset}."
        )

    def __getattr__(self, name: str) -> Any:
        if name not in {"figure", "axes", "parts"} or "_points" not in self.__dict__:
            raise AttributeError(name)
        self._draw()
        return self.__dict__[name]

    def _draw(self) -> None:
        fitted, residuals = self._points
        figure = Figure(figsize=(9.0, 4.0), layout="constrained")
        left, right = figure.subplots(1, 2)
        left.scatter(fitted, residuals, alpha=0.6, s=14)
        left.axhline(0, color="grey", linewidth=1)
        left.set_xlabel(f"Fitted {self._outcome}")
        left.set_ylabel("Residual")
        left.set_title("Residuals vs fitted")
        (theoretical, ordered), (slope, intercept, _) = stats.probplot(residuals)
        right.scatter(theoretical, ordered, alpha=0.6, s=14)
        right.plot(theoretical, slope * theoretical + intercept, color="grey", linewidth=1)
        right.set_xlabel("Normal quantile")
        right.set_ylabel("Residual")
        right.set_title("Normal Q-Q plot of residuals")
        Plot.__init__(self, figure, left, self.description, {"axes": [left, right]})


def separation(design: Design, y: np.ndarray, outcome: str, event: Any) -> str:
    """Why a logistic model cannot be estimated, naming the predictor that separates the
    outcomes where one does so on its own."""
    matrix = design.matrix
    for term in design.terms:
        if term.categorical:
            for column, level in zip(term.columns, term.levels, strict=True):
                inside = y[matrix[column].to_numpy() == 1]
                if len(inside) and np.ptp(inside) == 0:
                    return _separated(outcome, event, f"{term.name} = {level}", inside[0] == 1)
            reference = y[(matrix[term.columns].to_numpy() == 0).all(axis=1)]
            if len(reference) and np.ptp(reference) == 0:
                return _separated(
                    outcome, event, f"{term.name} = {term.reference}", reference[0] == 1
                )
        else:
            x = matrix[term.name].to_numpy()
            ones, zeros = x[y == 1], x[y == 0]
            if ones.min() >= zeros.max() or ones.max() <= zeros.min():
                return (
                    f"{term.name} separates the outcomes completely: every case on one side of a "
                    f"value of {term.name} has the same {outcome} (perfect separation), so its "
                    "odds ratio would be infinite. Leave it out, or use penalized (Firth) "
                    "logistic regression."
                )
    return (
        f"The predictors together predict {outcome} perfectly for some cases (perfect "
        "separation), so some odds ratios would be infinite and the model cannot be "
        "estimated. Leave out a predictor, merge small categories, or use penalized (Firth) "
        "logistic regression."
    )


def _separated(outcome: str, event: Any, where: str, all_events: bool) -> str:
    what = f"= {event}" if all_events else f"other than {event}"
    return (
        f"Every case with {where} has {outcome} {what} (perfect separation), so its odds ratio "
        "would be infinite and the model cannot be estimated. Merge that category with another, "
        "leave the predictor out, or use penalized (Firth) logistic regression."
    )


def ordinal_separation(design: Design, codes: np.ndarray, count: int, outcome: str) -> str:
    """Why an ordinal model cannot be estimated: a category of a predictor whose cases all
    gave the lowest or the highest answer, or a predictor that sorts the answers perfectly."""
    matrix = design.matrix
    extremes = {0: "lowest", count - 1: "highest"}
    for term in design.terms:
        if term.categorical:
            masks = [matrix[column].to_numpy() == 1 for column in term.columns]
            masks.append((matrix[term.columns].to_numpy() == 0).all(axis=1))
            for level, mask in zip([*term.levels, term.reference], masks, strict=True):
                inside = codes[mask]
                if len(inside) and np.ptp(inside) == 0 and int(inside[0]) in extremes:
                    end = extremes[int(inside[0])]
                    return (
                        f"Every case with {term.name} = {level} gave the {end} "
                        f"answer of {outcome} (separation), so its odds ratio would be infinite. "
                        "Merge that category with another, or leave the predictor out."
                    )
        else:
            x = matrix[term.name].to_numpy()
            order = np.argsort(x, kind="stable")
            steps = np.diff(codes[order])
            if np.all(steps >= 0) or np.all(steps <= 0):
                return (
                    f"{term.name} sorts the answers of {outcome} perfectly (separation), so its "
                    "odds ratio would be infinite. Leave it out."
                )
    return (
        f"The predictors together sort the answers of {outcome} perfectly for some cases "
        "(separation), so some odds ratios would be infinite and the model cannot be "
        "estimated. Merge rare categories, or leave out a predictor."
    )


def equal_variance(residuals: np.ndarray, fitted: np.ndarray) -> Check:
    """Breusch-Pagan's score test (Cook & Weisberg, 1983), non-studentized, of the residuals'
    variance against the fitted values: R's car::ncvTest."""
    name = "Equal variance of residuals (Breusch-Pagan against fitted values)"
    if np.ptp(fitted) == 0:
        return Check(name, "Not checked: the fitted values are all the same.")
    exog = np.column_stack([np.ones_like(fitted), fitted])
    statistic, p, _, _ = het_breuschpagan(residuals, exog, robust=False)
    if p >= ALPHA:
        verdict = (
            "No evidence that the residuals' spread changes with the fitted values "
            f"({p_phrase(p)})."
        )
        return Check(name, verdict, True, float(statistic), float(p))
    verdict = (
        f"The residuals' spread changes with the fitted values ({p_phrase(p)}): standard errors "
        "and p-values may be off; a transformed outcome or robust standard errors would help."
    )
    return Check(name, verdict, False, float(statistic), float(p))


def events_per_term(smaller: int, terms: int) -> Check:
    """Peduzzi et al. (1996, J Clin Epidemiol 49, 1373–1379): fewer than 10 of the rarer
    outcome per coefficient biases the estimates."""
    per = smaller / terms
    name = "Cases per coefficient (rarer outcome)"
    if per >= 10:
        return Check(
            name, f"{per:.1f} cases of the rarer outcome per coefficient (10 or more).", True, per
        )
    return Check(
        name,
        f"Only {per:.1f} cases of the rarer outcome per coefficient (fewer than 10): the "
        "estimates may be biased and unstable; use fewer predictors if you can.",
        False,
        per,
    )
