"""What does an analysis of `datadive.analysis` cost over the bare SciPy/statsmodels call it
wraps? Each analysis runs on 100,000 rows against that call, on the same data, in turns.

The analysis does more than the bare call (it selects and checks the data, names the groups,
computes effect sizes with their CIs, runs its assumption checks and builds its tables and
write-up); the ratio says what that costs. Aim: ≤ 1.2 where the test itself dominates.
Analyses without a bare call that does the same work (Games-Howell, Dunn, a repeated-measures
or mixed ANOVA, a partial correlation, reliability) are timed alone.

    .venv/bin/python -m bench.analyses                  # every analysis, 100,000 rows
    .venv/bin/python -m bench.analyses --rows 10000 --rounds 5 --only welch
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.stats.anova import anova_lm
from statsmodels.stats.contingency_tables import cochrans_q, mcnemar
from statsmodels.stats.oneway import anova_oneway

import datadive.analysis as dd
from bench.timing import Samples, compare, report
from datadive.analysis import set_column_info

GROUPS = {1: "Psychology", 2: "Sociology", 3: "Economics"}


def study(rows: int) -> pd.DataFrame:
    """A survey of `rows` students: three programmes, two genders, three repeated measures,
    four items, a yes/no answer and an ordinal rating."""
    rng = np.random.default_rng(16)
    programme = rng.integers(1, 4, rows)
    gender = rng.integers(1, 3, rows)
    latent = 3 + 0.2 * programme + 0.1 * gender + rng.normal(0, 1, rows)
    frame = pd.DataFrame(
        {
            "programme": programme,
            "gender": gender,
            "score": latent,
            "before": latent + rng.normal(0, 1, rows),
            "after": latent + 0.1 + rng.normal(0, 1, rows),
            "later": latent + 0.2 + rng.normal(0, 1, rows),
            "hours": 10 + 2 * latent + rng.normal(0, 3, rows),
            "passed": (rng.random(rows) < 1 / (1 + np.exp(-(latent - 3.5)))).astype(int),
            "passed_later": (rng.random(rows) < 0.6).astype(int),
            "passed_last": (rng.random(rows) < 0.55).astype(int),
            "rating": np.clip(np.round(latent), 1, 5).astype(int),
        }
    )
    for item in range(1, 5):
        frame[f"item{item}"] = np.clip(np.round(latent + rng.normal(0, 0.8, rows)), 1, 5)
    set_column_info(frame, "programme", measurement="nominal", value_labels=GROUPS)
    set_column_info(frame, "gender", measurement="nominal", value_labels={1: "Woman", 2: "Man"})
    set_column_info(frame, "rating", measurement="ordinal")
    return frame


@dataclass(frozen=True)
class Case:
    name: str
    subject: Callable[[pd.DataFrame], Any]
    baseline: Callable[[pd.DataFrame], Any] | None  # the bare call it wraps


def _by_programme(frame: pd.DataFrame, column: str = "score") -> list[np.ndarray]:
    return [frame.loc[frame["programme"] == code, column].to_numpy() for code in GROUPS]


def _two(frame: pd.DataFrame) -> list[np.ndarray]:
    return _by_programme(frame)[:2]


CASES = [
    Case(
        "one_sample_t",
        lambda f: dd.one_sample_t(f, outcome="score", mu=3),
        lambda f: stats.ttest_1samp(f["score"], 3),
    ),
    Case(
        "paired_t",
        lambda f: dd.paired_t(f, first="before", second="after"),
        lambda f: stats.ttest_rel(f["before"], f["after"]),
    ),
    Case(
        "independent_t",
        lambda f: dd.independent_t(
            f, outcome="score", group="programme", groups=["Psychology", "Sociology"]
        ),
        lambda f: stats.ttest_ind(*_two(f), equal_var=False),
    ),
    Case(
        "mann_whitney",
        lambda f: dd.mann_whitney(
            f, outcome="score", group="programme", groups=["Psychology", "Sociology"]
        ),
        lambda f: stats.mannwhitneyu(*_two(f)),
    ),
    Case(
        "wilcoxon_signed_rank",
        lambda f: dd.wilcoxon_signed_rank(f, first="before", second="after"),
        lambda f: stats.wilcoxon(f["before"], f["after"]),
    ),
    Case(
        "sign_test",
        lambda f: dd.sign_test(f, first="before", second="after"),
        lambda f: stats.binomtest(
            int((f["after"] > f["before"]).sum()), int((f["after"] != f["before"]).sum())
        ),
    ),
    Case(
        "binomial_test",
        lambda f: dd.binomial_test(f, column="passed", success=1),
        lambda f: stats.binomtest(int(f["passed"].sum()), len(f)),
    ),
    Case(
        "one_way_anova",
        lambda f: dd.one_way_anova(f, outcome="score", group="programme"),
        lambda f: stats.f_oneway(*_by_programme(f)),
    ),
    Case(
        "welch_anova",
        lambda f: dd.welch_anova(f, outcome="score", group="programme"),
        lambda f: anova_oneway(_by_programme(f), use_var="unequal"),
    ),
    Case(
        "brown_forsythe_anova",
        lambda f: dd.brown_forsythe_anova(f, outcome="score", group="programme"),
        lambda f: anova_oneway(_by_programme(f), use_var="bf"),
    ),
    Case(
        "kruskal_wallis",
        lambda f: dd.kruskal_wallis(f, outcome="score", group="programme"),
        lambda f: stats.kruskal(*_by_programme(f)),
    ),
    Case(
        "tukey_hsd",
        lambda f: dd.tukey_hsd(f, outcome="score", group="programme"),
        lambda f: stats.tukey_hsd(*_by_programme(f)),
    ),
    Case("games_howell", lambda f: dd.games_howell(f, outcome="score", group="programme"), None),
    Case("dunn_test", lambda f: dd.dunn_test(f, outcome="score", group="programme"), None),
    Case(
        "two_way_anova",
        lambda f: dd.two_way_anova(f, outcome="score", factors=["programme", "gender"]),
        lambda f: anova_lm(
            smf.ols("score ~ C(programme, Sum) * C(gender, Sum)", data=f).fit(), typ=3
        ),
    ),
    Case(
        "ancova",
        lambda f: dd.ancova(f, outcome="score", group="programme", covariates=["hours"]),
        lambda f: anova_lm(smf.ols("score ~ C(programme, Sum) + hours", data=f).fit(), typ=3),
    ),
    # statsmodels' AnovaRM builds a dense design of subjects × conditions: with 20,000
    # people it asks for 48 GiB, so there is no bare call to compare with at this size.
    Case(
        "repeated_measures_anova",
        lambda f: dd.repeated_measures_anova(f, measures=["before", "after", "later"]),
        None,
    ),
    Case(
        "mixed_anova",
        lambda f: dd.mixed_anova(f, measures=["before", "after", "later"], between="gender"),
        None,
    ),
    Case(
        "friedman",
        lambda f: dd.friedman(f, measures=["before", "after", "later"]),
        lambda f: stats.friedmanchisquare(f["before"], f["after"], f["later"]),
    ),
    Case(
        "chi_square_independence",
        lambda f: dd.chi_square_independence(f, rows="programme", columns="gender"),
        lambda f: stats.chi2_contingency(pd.crosstab(f["programme"], f["gender"])),
    ),
    Case(
        "fisher_exact",
        lambda f: dd.fisher_exact(f, rows="passed", columns="gender"),
        lambda f: stats.fisher_exact(pd.crosstab(f["passed"], f["gender"]).to_numpy()),
    ),
    Case(
        "mcnemar",
        lambda f: dd.mcnemar(f, first="passed", second="passed_later"),
        lambda f: mcnemar(pd.crosstab(f["passed"], f["passed_later"]).to_numpy(), exact=False),
    ),
    Case(
        "cochrans_q",
        lambda f: dd.cochrans_q(f, columns=["passed", "passed_later", "passed_last"]),
        lambda f: cochrans_q(f[["passed", "passed_later", "passed_last"]].to_numpy()),
    ),
    Case(
        "chi_square_goodness_of_fit",
        lambda f: dd.chi_square_goodness_of_fit(f, column="programme"),
        lambda f: stats.chisquare(f["programme"].value_counts().to_numpy()),
    ),
    Case(
        "pearson",
        lambda f: dd.pearson(f, x="score", y="hours"),
        lambda f: stats.pearsonr(f["score"], f["hours"]),
    ),
    Case(
        "spearman",
        lambda f: dd.spearman(f, x="score", y="hours"),
        lambda f: stats.spearmanr(f["score"], f["hours"]),
    ),
    Case(
        "kendall_tau",
        lambda f: dd.kendall_tau(f, x="score", y="hours"),
        lambda f: stats.kendalltau(f["score"], f["hours"]),
    ),
    Case(
        "partial_correlation",
        lambda f: dd.partial_correlation(f, x="score", y="hours", controls=["before"]),
        None,
    ),
    Case(
        "correlation_matrix",
        lambda f: dd.correlation_matrix(f, columns=["score", "hours", "before", "after"]),
        lambda f: f[["score", "hours", "before", "after"]].corr(),
    ),
    Case(
        "linear_regression",
        lambda f: dd.linear_regression(f, outcome="score", predictors=["hours", "before"]),
        lambda f: smf.ols("score ~ hours + before", data=f).fit(),
    ),
    Case(
        "logistic_regression",
        lambda f: dd.logistic_regression(f, outcome="passed", predictors=["score", "hours"]),
        lambda f: smf.logit("passed ~ score + hours", data=f).fit(disp=False),
    ),
    Case(
        "ordinal_regression",
        lambda f: dd.ordinal_regression(f, outcome="rating", predictors=["hours"]),
        lambda f: OrderedModel(f["rating"], f[["hours"]], distr="logit").fit(
            method="bfgs", disp=False
        ),
    ),
    Case("reliability", lambda f: dd.reliability(f, items=[f"item{i}" for i in range(1, 5)]), None),
    Case(
        "levene_test",
        lambda f: dd.levene_test(f, outcome="score", group="programme"),
        lambda f: stats.levene(*_by_programme(f), center="median"),
    ),
    Case(
        "group_descriptives",
        lambda f: dd.group_descriptives(f, outcome="score", by="programme"),
        lambda f: f.groupby("programme")["score"].describe(),
    ),
]


def _timed(work: Callable[[], Any], rounds: int) -> Samples:
    work()
    seconds = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - start)
    return Samples("subject", seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", default="", help="run only cases whose name contains this")
    options = parser.parse_args()
    frame = study(options.rows)
    summary = []
    for case in CASES:
        if options.only not in case.name:
            continue

        def subject(case: Case = case) -> Any:
            return case.subject(frame)

        if case.baseline is None:
            alone = _timed(subject, options.rounds)
            print(f"{case.name}: alone, median {alone.median * 1000:.1f} ms")
            summary.append((case.name, None, alone.median, None))
            continue

        def baseline(case: Case = case) -> Any:
            assert case.baseline is not None
            return case.baseline(frame)

        async def run_baseline(work: Callable[[], Any] = baseline) -> Any:
            return work()

        async def run_subject(work: Callable[[], Any] = subject) -> Any:
            return work()

        base, measured = asyncio.run(
            compare(run_baseline, run_subject, rounds=options.rounds, warmup=1)
        )
        report(f"{case.name} ({options.rows:,} rows)", base, measured)
        summary.append((case.name, base.median, measured.median, measured.median / base.median))
    print("\n| analysis | bare call | analysis | ratio |\n| --- | --- | --- | --- |")
    for name, base_median, subject_median, ratio in summary:
        bare = f"{base_median * 1000:.1f} ms" if base_median is not None else "–"
        shown = f"{ratio:.2f}" if ratio is not None else "–"
        print(f"| `{name}` | {bare} | {subject_median * 1000:.1f} ms | {shown} |")


if __name__ == "__main__":
    main()
