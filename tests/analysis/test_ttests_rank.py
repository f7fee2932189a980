"""Rank tests, the sign test and the binomial test against R 4.2.2: `stats::wilcox.test`
(defaults: exact below 50 values without ties, else normal approximation with tie and
continuity correction), `effectsize::rank_biserial` 0.8.3 (r and its Fisher-z CI),
`stats::binom.test` (exact p, Clopper-Pearson CI). R's numbers: reference/ttests.R → .json."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datadive.analysis import (
    AnalysisError,
    binomial_test,
    mann_whitney,
    sign_test,
    wilcoxon_signed_rank,
)
from tests.analysis.ttests_data import binomial_frame, groups_frame, near, paired_frame, r


def assert_rank_biserial(values: dict[str, float], key: str) -> None:
    assert values["effect_size"] == near(f"{key}.r.value")
    assert values["ci_low"] == near(f"{key}.r.ci_low")
    assert values["ci_high"] == near(f"{key}.r.ci_high")


@pytest.mark.parametrize(
    ("outcome", "groups", "alternative", "key", "exact"),
    [
        ("belonging", "Psychology, Sociology", "two-sided", "belonging", True),
        ("belonging", "Psychology, Sociology", "less", "belonging.less", True),
        ("satisfaction", "Psychology, Sociology", "two-sided", "satisfaction", False),
        ("belonging", ["Economics", "Psychology"], "two-sided", "economics_psychology", True),
    ],
)
def test_mann_whitney_matches_r(
    outcome: str, groups: object, alternative: str, key: str, exact: bool
) -> None:
    result = mann_whitney(
        groups_frame(),
        outcome,
        "programme",
        groups=groups,  # type: ignore[arg-type]
        alternative=alternative,
    )
    key = f"mann_whitney.{key}"

    values = result.values
    assert values["statistic"] == near(f"{key}.W")
    assert values["p"] == near(f"{key}.p")
    assert_rank_biserial(values, key)
    assert values["exact"] is exact
    assert ("exact" in r(f"{key}.method")) is exact
    first, second = values["group_1"], values["group_2"]
    assert values[f"median[{first}]"] == near(f"{key}.median_a")
    assert values[f"median[{second}]"] == near(f"{key}.median_b")
    assert values[f"n[{first}]"] == r(f"{key}.n_a")
    assert values[f"n[{second}]"] == r(f"{key}.n_b")


def test_mann_whitney_says_how_p_was_computed() -> None:
    frame = groups_frame()
    exact = mann_whitney(frame, "belonging", "programme", groups="Psychology, Sociology")
    tied = mann_whitney(frame, "satisfaction", "programme", groups="Psychology, Sociology")

    assert exact.report == (
        "A Mann-Whitney U test showed that belonging did not differ significantly between "
        "Psychology (Mdn = 4.81) and Sociology (Mdn = 4.77), U = 49.00, p > .999, "
        "rank-biserial r = −.01, 95% CI [−.49, .47]."
    )
    assert "p: exact p-value" in str(exact)
    assert tied.report == (
        "A Mann-Whitney U test showed that satisfaction was higher in Psychology (Mdn = 4.00) "
        "than in Sociology (Mdn = 3.00), U = 84.00, p = .035, rank-biserial r = .53, "
        "95% CI [.08, .80]."
    )
    text = str(tied)
    assert "normal approximation with tie and continuity correction" in text
    assert "Tied values: no exact p-value" in text
    assert "<td>.53</td>" in tied._repr_html_()


@pytest.mark.parametrize(
    ("first", "second", "mu", "alternative", "key", "exact"),
    [
        ("stress_pre", "stress_post", 0, "two-sided", "stress", True),
        ("stress_pre", "stress_post", 0, "greater", "stress.greater", True),
        ("wellbeing_pre", "wellbeing_post", 0, "two-sided", "wellbeing", False),
    ],
)
def test_wilcoxon_signed_rank_of_pairs_matches_r(
    first: str, second: str, mu: float, alternative: str, key: str, exact: bool
) -> None:
    result = wilcoxon_signed_rank(paired_frame(), first, second, mu=mu, alternative=alternative)
    key = f"wilcoxon.{key}"

    values = result.values
    assert values["statistic"] == near(f"{key}.V")
    assert values["p"] == near(f"{key}.p")
    assert_rank_biserial(values, key)
    assert values["exact"] is exact
    assert ("exact" in r(f"{key}.method")) is exact
    assert values["n"] == r(f"{key}.n")
    assert values["n"] - values["n_zero"] == r(f"{key}.n_nonzero")
    assert values["median_difference"] == near(f"{key}.median")


def test_the_two_column_call_is_rs_paired_call() -> None:
    values = wilcoxon_signed_rank(paired_frame(), "stress_pre", "stress_post").values

    assert values["statistic"] == near("wilcoxon.stress.two_columns.V")
    assert values["p"] == near("wilcoxon.stress.two_columns.p")


@pytest.mark.parametrize(
    ("column", "mu", "key"),
    [("belonging", 4, "one_sample"), ("satisfaction", 3, "satisfaction")],
)
def test_wilcoxon_signed_rank_against_a_value_matches_r(column: str, mu: float, key: str) -> None:
    values = wilcoxon_signed_rank(groups_frame(), column, mu=mu).values
    key = f"wilcoxon.{key}"

    assert values["statistic"] == near(f"{key}.V")
    assert values["p"] == near(f"{key}.p")
    assert_rank_biserial(values, key)
    assert values["n"] - values["n_zero"] == r(f"{key}.n_nonzero")


def test_wilcoxon_write_up_and_zero_differences() -> None:
    result = wilcoxon_signed_rank(paired_frame(), "wellbeing_pre", "wellbeing_post")

    assert result.report == (
        "A Wilcoxon signed-rank test showed that wellbeing_pre was lower than wellbeing_post "
        "(median difference = −0.45), V = 16.50, p = .026, rank-biserial r = −.69, "
        "95% CI [−.89, −.24]."
    )
    assert "2 zero difference(s) were left out before ranking (n = 14)." in str(result)
    assert "N = 16 pairs. 2 rows with a missing value" in str(result)


@pytest.mark.parametrize(
    ("second", "mu", "alternative", "key"),
    [
        ("wellbeing_post", 0, "two-sided", "wellbeing"),
        ("wellbeing_post", 0, "less", "wellbeing.less"),
        (None, 3, "two-sided", "satisfaction"),
    ],
)
def test_sign_test_matches_binom_test_on_the_signs(
    second: str | None, mu: float, alternative: str, key: str
) -> None:
    frame = paired_frame() if second else groups_frame()
    first = "wellbeing_pre" if second else "satisfaction"
    result = sign_test(frame, first, second, mu=mu, alternative=alternative)
    key = f"sign.{key}"

    values = result.values
    assert (values["positive"], values["negative"], values["ties"]) == (
        r(f"{key}.plus"),
        r(f"{key}.minus"),
        r(f"{key}.ties"),
    )
    assert values["p"] == near(f"{key}.p")
    assert values["effect_size"] == near(f"{key}.proportion")
    assert values["ci_low"] == near(f"{key}.ci_low")
    assert values["ci_high"] == near(f"{key}.ci_high")
    assert values["median_difference"] == near(f"{key}.median")


def test_sign_test_says_ties_were_dropped() -> None:
    result = sign_test(paired_frame(), "wellbeing_pre", "wellbeing_post")

    assert result.report == (
        "A sign test showed that wellbeing_pre did not differ significantly from "
        "wellbeing_post: of 14 non-zero differences, 3 were positive and 11 negative "
        "(2 ties left out), exact binomial p = .057."
    )
    assert "Ties (zero differences) are left out of the test: 2." in str(result)


@pytest.mark.parametrize(
    ("success", "proportion", "alternative", "key"),
    [
        ("Passed", 0.5, "two-sided", "passed"),
        (1, 0.7, "greater", "passed.greater"),
        ("0", 0.25, "less", "failed"),
    ],
)
def test_binomial_test_matches_binom_test(
    success: object, proportion: float, alternative: str, key: str
) -> None:
    result = binomial_test(
        binomial_frame(), "passed", success=success, proportion=proportion, alternative=alternative
    )
    key = f"binomial.{key}"

    values = result.values
    assert (values["count"], values["n"]) == (r(f"{key}.k"), r(f"{key}.n"))
    assert values["n_missing"] == r("binomial.n_missing")
    assert values["p"] == near(f"{key}.p")
    assert values["proportion"] == near(f"{key}.estimate")
    assert values["ci_low"] == near(f"{key}.ci_low")
    assert values["ci_high"] == near(f"{key}.ci_high")


def test_binomial_test_names_the_answer_by_its_label() -> None:
    result = binomial_test(binomial_frame(), "passed", success=1)

    assert result.values["success"] == "Passed"
    assert result.report == (
        "Of 28 answers to passed, 22 (79%) were Passed; this proportion (.79, 95% CI "
        "[.59, .92]) differed from .50, exact binomial p = .004."
    )
    assert "passed = Passed" in str(result)
    assert "N = 28. 2 rows with a missing value in passed were left out (listwise)." in str(result)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda f: mann_whitney(f, "belonging", "programme"), "exactly 2 groups"),
        (lambda f: mann_whitney(f, "name", "programme", groups="1, 2"), "'name' holds text"),
        (lambda f: wilcoxon_signed_rank(f, "belonging", "belonging"), "different columns"),
        (lambda f: wilcoxon_signed_rank(f, "constant", mu=3), "Every difference is zero"),
        (lambda f: sign_test(f, "constant", mu=3), "at least one positive or negative"),
        (lambda f: sign_test(f, "belonging", "nothing"), "There is no column 'nothing'"),
        (lambda f: binomial_test(f, "programme", success="Law"), "has no answer 'Law'"),
        (lambda f: binomial_test(f, "programme", success=""), "Say which answer counts"),
        (lambda f: binomial_test(f, "programme", success=1, proportion=50), "between 0 and 1"),
        (lambda f: binomial_test(f, "empty", success=1), "has no answers"),
    ],
)
def test_data_that_cannot_be_analysed_are_refused_in_words(call: object, words: str) -> None:
    frame = groups_frame()
    frame["constant"] = 3.0
    frame["name"] = ["Ann", "Bo"] * 14 + ["Cy"]
    frame["empty"] = np.nan

    with pytest.raises(AnalysisError) as caught:
        call(frame)  # type: ignore[operator]

    assert words in str(caught.value)


def test_binomial_success_matches_text_answers_too() -> None:
    frame = pd.DataFrame({"answer": ["yes", "no", "yes", None, "yes"]})

    values = binomial_test(frame, "answer", success="yes").values

    assert (values["count"], values["n"], values["n_missing"]) == (3, 4, 1)
