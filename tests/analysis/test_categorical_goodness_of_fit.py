"""Goodness of fit (datadive.analysis.frequencies.goodness_of_fit): every number against R 4.2.2
(tests/analysis/reference/categorical.R): stats::chisq.test(x, p = ...), effectsize 0.8.3
cohens_w, and the exact multinomial p by enumerating every outcome with stats::dmultinom."""

from __future__ import annotations

import pandas as pd
import pytest

from datadive.analysis import (
    AnalysisError,
    chi_square_goodness_of_fit,
    multinomial_test,
    set_column_info,
)
from tests.support.r_reference import close, r_value, reference_data

SNACKS = ["chocolate", "crisps", "fruit", "nuts"]  # the order R's table uses
GIVEN = [0.4, 0.3, 0.2, 0.1]


def r(key: str) -> object:
    return r_value("categorical", key)


@pytest.fixture
def snacks() -> pd.DataFrame:
    return reference_data("categorical_snacks")


def test_chi_square_against_equal_proportions_matches_r(snacks: pd.DataFrame) -> None:
    result = chi_square_goodness_of_fit(snacks, "snack")
    values = result.values

    assert values["statistic"] == close(r("gof_equal_chi2"))  # stats::chisq.test(x)
    assert values["df"] == r("gof_equal_df") == 3
    assert values["p"] == close(r("gof_equal_p"))
    assert values["n"] == 40
    assert values["n_missing"] == 1
    assert values["effect_size_name"] == "w"
    assert values["effect_size"] == close(r("gof_equal_w"))  # effectsize::cohens_w
    assert values["ci_low"] == close(r("gof_equal_w_low"))
    assert values["ci_high"] == close(r("gof_equal_w_high"))
    table = result.tables["Frequencies"]
    assert list(table.index) == SNACKS
    assert table["Observed"].tolist() == r("gof_counts")
    assert table["Standardized residual"].to_numpy() == pytest.approx(
        r("gof_equal_stdres"), rel=1e-9
    )  # chisq.test()$stdres
    assert [values[f"observed[{name}]"] for name in SNACKS] == r("gof_counts")


def test_chi_square_against_given_proportions_matches_r(snacks: pd.DataFrame) -> None:
    result = chi_square_goodness_of_fit(snacks, "snack", expected=GIVEN)
    values = result.values

    assert values["statistic"] == close(r("gof_given_chi2"))  # chisq.test(x, p = ...)
    assert values["p"] == close(r("gof_given_p"))
    assert values["effect_size"] == close(r("gof_given_w"))  # cohens_w(x, p = ...)
    assert values["ci_low"] == close(r("gof_given_w_low"))
    assert values["ci_high"] == close(r("gof_given_w_high"))
    table = result.tables["Frequencies"]
    assert table["Expected"].to_numpy() == pytest.approx(r("gof_given_expected"), rel=1e-12)
    assert table["Standardized residual"].to_numpy() == pytest.approx(
        r("gof_given_stdres"), abs=1e-9
    )
    check = result.checks.iloc[0]
    assert not check["passed"]
    assert check["alternative"] == "multinomial_test"
    assert "1 of 4 expected counts are below 5 (smallest 4.00)" in check["verdict"]


def test_expected_proportions_may_be_text_percentages_or_by_category(
    snacks: pd.DataFrame,
) -> None:
    listed = chi_square_goodness_of_fit(snacks, "snack", expected=GIVEN).values["p"]
    for expected in (
        "0.4, 0.3, 0.2, 0.1",
        "40, 30, 20, 10",
        "40%; 30%; 20%; 10%",
        {"nuts": 0.1, "fruit": 0.2, "crisps": 0.3, "chocolate": 0.4},
    ):
        assert chi_square_goodness_of_fit(snacks, "snack", expected=expected).values["p"] == (
            pytest.approx(listed, rel=1e-12)
        )
    assert chi_square_goodness_of_fit(snacks, "snack", expected="").values["p"] == close(
        r("gof_equal_p")
    )


def test_goodness_of_fit_shows_apa_numbers(snacks: pd.DataFrame) -> None:
    result = chi_square_goodness_of_fit(snacks, "snack", expected=GIVEN)
    text = str(result)

    assert result.report == (
        "A chi-square goodness-of-fit test showed that the answers to snack did not differ "
        "significantly from the expected proportions, χ²(3, N = 40) = 4.69, p = .196, "
        "w = 0.34, 95% CI [0.00, 0.60]."
    )
    assert result.report in result._repr_html_()
    assert "Expected: chocolate 40.0%, crisps 30.0%, fruit 20.0%, nuts 10.0%." in text
    assert "N = 40. 1 row with a missing value in snack was left out (listwise)." in text


def test_a_labelled_category_nobody_chose_is_counted_as_zero(snacks: pd.DataFrame) -> None:
    coded = snacks.assign(snack=snacks["snack"].map({n: i + 1 for i, n in enumerate(SNACKS)}))
    labels = {i + 1: name for i, name in enumerate(SNACKS)} | {5: "cake"}
    set_column_info(coded, "snack", measurement="nominal", value_labels=labels)
    result = chi_square_goodness_of_fit(coded, "snack")

    assert list(result.tables["Frequencies"].index) == [*SNACKS, "cake"]
    assert result.values["observed[cake]"] == 0
    assert result.values["df"] == 4
    assert result.values["expected[cake]"] == pytest.approx(8.0)


def test_exact_multinomial_test_matches_enumeration_in_r(snacks: pd.DataFrame) -> None:
    equal = multinomial_test(snacks, "snack")
    given = multinomial_test(snacks, "snack", expected="0.4, 0.3, 0.2, 0.1")

    assert equal.values["p"] == close(r("multinomial_equal_p"))  # sum of stats::dmultinom
    assert given.values["p"] == close(r("multinomial_given_p"))
    assert equal.values["outcomes"] == r("multinomial_outcomes") == 12341
    assert equal.values["n"] == 40
    assert equal.values["n_missing"] == 1
    assert equal.report == (
        "An exact multinomial test showed that the answers to snack (N = 40) did not differ "
        "significantly from equal proportions, p = .132."
    )
    assert "p: the probability of all 12,341 possible outcomes" in str(equal)


def test_goodness_of_fit_errors_say_why_in_words(snacks: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match=r"has 4 categories \('chocolate', 'crisps'"):
        chi_square_goodness_of_fit(snacks, "snack", expected=[0.5, 0.5])
    with pytest.raises(AnalysisError, match=r"add up to 0\.9; they must add up to 1"):
        chi_square_goodness_of_fit(snacks, "snack", expected="0.4, 0.3, 0.1, 0.1")
    with pytest.raises(AnalysisError, match="must be above 0"):
        multinomial_test(snacks, "snack", expected=[0.5, 0.5, 0, 0])
    with pytest.raises(AnalysisError, match="must be numbers"):
        multinomial_test(snacks, "snack", expected="a lot, little, some, none")
    with pytest.raises(AnalysisError, match="has no category 'cake'"):
        multinomial_test(snacks, "snack", expected={"cake": 1})
    with pytest.raises(AnalysisError, match="'nuts' has none"):
        multinomial_test(snacks, "snack", expected={"chocolate": 0.5, "crisps": 0.2, "fruit": 0.3})
    with pytest.raises(AnalysisError, match=r"only one category \('fruit'\)"):
        chi_square_goodness_of_fit(snacks[snacks["snack"] == "fruit"], "snack")
    with pytest.raises(AnalysisError, match="There is no column 'snacks'"):
        chi_square_goodness_of_fit(snacks, "snacks")
    with pytest.raises(AnalysisError, match="has no values to count"):
        chi_square_goodness_of_fit(snacks.assign(snack=None), "snack")


def test_the_exact_test_refuses_too_many_outcomes_and_names_the_alternative() -> None:
    many = pd.DataFrame({"answer": list("abcdef") * 100})
    with pytest.raises(AnalysisError) as caught:
        multinomial_test(many, "answer")
    assert "would have to go through 664,353,676,371 possible outcomes" in str(caught.value)
    assert "(N = 600 in 6 categories; at most 1,000,000)" in str(caught.value)
    assert "use the chi-square goodness-of-fit test" in str(caught.value)
