"""The univariate repeated-measures ANOVA of one within factor (optionally crossed with one
between-subjects factor), with Mauchly's test of sphericity and the Greenhouse-Geisser and
Huynh-Feldt corrections, computed as R's car::Anova (and so afex::aov_car) does: the scores are
turned into k − 1 orthonormal contrasts (scipy.linalg.helmert), and each within term's SS, its
error SS and the sphericity statistics come from the contrasts' sums of squares and products.

- Mauchly (1940): W = det(E) / (tr(E) / p)^p for the p × p error SSP matrix E of the
  contrasts; its χ² approximation and p-value as R's stats::mauchly.test computes them
  (Anderson, 2003, sec. 10.7, with R's second-order term).
- Greenhouse & Geisser (1959), Box (1954): ε = tr(E)² / (p · tr(E²)).
- Huynh & Feldt (1976), with Lecoutre's (1991) correction as R's car uses it:
  ε̃ = ((ν + 1) p ε − 2) / (p (ν − p ε)), ν the error df; capped at 1 for its p-value.
- Type III sums of squares for the mixed design (unequal group sizes): the within effect
  tests the unweighted mean of the groups' contrast means (sum-to-zero coding, as afex).

Every F and p comes from scipy.stats.f; nothing here is a hand-written distribution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import linalg, stats


@dataclass(frozen=True)
class Term:
    """One tested term: its sums of squares, df, F and p (sphericity assumed)."""

    ss: float
    df: float
    ss_error: float
    df_error: float
    within: bool  # a within-subjects term (its df are corrected for non-sphericity)

    @property
    def ms(self) -> float:
        return self.ss / self.df

    @property
    def ms_error(self) -> float:
        return self.ss_error / self.df_error

    @property
    def f(self) -> float:
        return self.ms / self.ms_error

    def p(self, epsilon: float = 1.0) -> float:
        """The p-value with both df multiplied by `epsilon` (1: sphericity assumed)."""
        return float(stats.f.sf(self.f, epsilon * self.df, epsilon * self.df_error))

    @property
    def partial_eta2(self) -> float:
        return self.ss / (self.ss + self.ss_error)


@dataclass(frozen=True)
class Sphericity:
    """Mauchly's test and the ε estimates of the within terms (NaN when not computable:
    two conditions, where sphericity always holds, or fewer people than conditions)."""

    w: float
    chi2: float
    df: float
    p: float
    epsilon_gg: float
    epsilon_hf: float

    @property
    def epsilon_hf_capped(self) -> float:
        return min(1.0, self.epsilon_hf) if math.isfinite(self.epsilon_hf) else math.nan

    @property
    def testable(self) -> bool:
        return math.isfinite(self.p)


@dataclass(frozen=True)
class Anova:
    terms: dict[str, Term]
    sphericity: Sphericity
    ss_subjects: float  # the between-subjects error SS (the error of the between term)
    residuals: np.ndarray  # within-subject residuals, n × k


def contrasts(scores: np.ndarray) -> np.ndarray:
    """The scores as k − 1 orthonormal contrasts (n × (k − 1))."""
    k = scores.shape[1]
    found: np.ndarray = scores @ linalg.helmert(k).T
    return found


def within_anova(
    scores: np.ndarray,
    *,
    factor: str,
    group_codes: np.ndarray | None = None,
    between: str | None = None,
) -> Anova:
    """The ANOVA table of `scores` (n × k); with `group_codes` (0 … g − 1 per person), the
    mixed design with the between term `between` and the interaction `between:factor`."""
    n, k = scores.shape
    diffs = contrasts(scores)
    totals = scores.sum(axis=1) / math.sqrt(k)  # the constant contrast, as car uses it
    terms: dict[str, Term] = {}
    if group_codes is None:
        mean = diffs.mean(axis=0)
        centred = diffs - mean
        error_df = n - 1
        ss_within = float(n * mean @ mean)
        ss_subjects = float(((totals - totals.mean()) ** 2).sum())
        fitted = scores.mean(axis=1, keepdims=True) + scores.mean(axis=0) - scores.mean()
    else:
        g = int(group_codes.max()) + 1
        sizes = np.bincount(group_codes, minlength=g).astype(float)
        group_means = np.stack([diffs[group_codes == j].mean(axis=0) for j in range(g)])
        centred = diffs - group_means[group_codes]
        error_df = n - g
        unweighted = group_means.mean(axis=0)
        # Type III: the intercept of the sum-coded model is the unweighted mean, with
        # variance (Σ 1/n_j) / g² per unit error variance.
        ss_within = float(unweighted @ unweighted / ((1 / sizes).sum() / g**2))
        weighted = diffs.mean(axis=0)
        ss_inter = float((sizes[:, None] * (group_means - weighted) ** 2).sum())
        total_means = np.bincount(group_codes, weights=totals) / sizes
        ss_between = float((sizes * (total_means - totals.mean()) ** 2).sum())
        ss_subjects = float(((totals - total_means[group_codes]) ** 2).sum())
        terms[str(between)] = Term(ss_between, g - 1, ss_subjects, error_df, within=False)
        cell_means = np.stack([scores[group_codes == j].mean(axis=0) for j in range(g)])
        fitted = (
            scores.mean(axis=1, keepdims=True)
            + cell_means[group_codes]
            - cell_means.mean(axis=1, keepdims=True)[group_codes]
        )
    error = centred.T @ centred  # the error SSP matrix of the contrasts
    p = k - 1
    ss_error = float(np.trace(error))
    terms[factor] = Term(ss_within, p, ss_error, p * error_df, within=True)
    if group_codes is not None:
        g = int(group_codes.max()) + 1
        terms[f"{between}:{factor}"] = Term(ss_inter, p * (g - 1), ss_error, p * error_df, True)
    return Anova(
        terms=terms,
        sphericity=sphericity(error, error_df=error_df, k=k),
        ss_subjects=ss_subjects,
        residuals=scores - fitted,
    )


def sphericity(error: np.ndarray, *, error_df: int, k: int) -> Sphericity:
    """Mauchly's test and the ε estimates from the error SSP matrix of k − 1 orthonormal
    contrasts (see the module's docstring for the sources)."""
    p = k - 1
    nan = math.nan
    if p < 2:
        return Sphericity(nan, nan, nan, nan, 1.0, 1.0)
    sign, logdet = np.linalg.slogdet(error)
    trace = float(np.trace(error))
    if error_df < p or sign <= 0 or trace <= 0:
        return Sphericity(nan, nan, nan, nan, nan, nan)
    gg = trace**2 / (p * float(np.trace(error @ error)))
    hf = ((error_df + 1) * p * gg - 2) / (p * (error_df - p * gg))
    log_w = float(logdet) - p * math.log(trace / p)
    # R's stats::mauchly.test: χ² = −ν ρ log W on p(p + 1)/2 − 1 df, with a second-order term
    # w2; R writes its "3p" with the number of measures k, and so does this, to agree with R.
    rho = 1 - (2 * p**2 + p + 2) / (6 * p * error_df)
    w2 = (
        (p + 2)
        * (p - 1)
        * (p - 2)
        * (2 * p**3 + 6 * p**2 + 3 * k + 2)
        / (288 * (error_df * p * rho) ** 2)
    )
    chi2 = -error_df * rho * log_w
    df = p * (p + 1) / 2 - 1
    first = float(stats.chi2.sf(chi2, df))
    second = float(stats.chi2.sf(chi2, df + 4))
    return Sphericity(
        w=math.exp(log_w),
        chi2=chi2,
        df=df,
        p=first + w2 * (second - first),
        epsilon_gg=gg,
        epsilon_hf=hf,
    )
