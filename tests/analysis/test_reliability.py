"""`reliability`: Cronbach's α with Feldt's CI, standardized α, McDonald's ω and item
statistics, every number against R 4.2.2 (tests/analysis/reference/reliability.R):
psych 2.2.9 `alpha` (raw_alpha, std.alpha, average_r, feldt, item.stats, alpha.drop) and
`stats::factanal` (one factor, ML) with ω = (Σλ)² / ((Σλ)² + Σψ) computed in R."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pandas as pd
import pytest

import datadive.analysis
from datadive.analysis import AnalysisError, reliability
from tests.support.r_reference import close, r_value, reference_data

FIVE = [f"item{i}" for i in range(1, 6)]
SIX = [*FIVE, "item6"]


def r(key: str) -> object:
    return r_value("reliability", key)


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return reference_data("reliability_survey")


def test_alpha_its_feldt_interval_and_standardized_alpha_match_psych_alpha(
    survey: pd.DataFrame,
) -> None:
    for prefix, items in (("five", FIVE), ("six", SIX), ("two", ["item1", "item2"])):
        result = reliability(survey, items)
        v = result.values
        assert v["alpha"] == v["statistic"] == close(r(f"{prefix}_alpha"))  # psych::alpha
        assert v["alpha_standardized"] == close(r(f"{prefix}_alpha_std"))
        assert v["mean_inter_item_r"] == close(r(f"{prefix}_average_r"))
        assert v["ci_low"] == close(r(f"{prefix}_feldt_low"))  # psych::alpha()$feldt
        assert v["ci_high"] == close(r(f"{prefix}_feldt_high"))
        assert v["n"] == r(f"{prefix}_n")
        assert (v["n_items"], v["ci_level"], v["statistic_name"]) == (len(items), 0.95, "α")
        table = result.tables["Reliability"]
        assert table.loc["Cronbach's α"].tolist() == [v["alpha"], v["ci_low"], v["ci_high"]]


def test_item_statistics_match_psych_alpha(survey: pd.DataFrame) -> None:
    result = reliability(survey, SIX)
    items = result.tables["Item statistics"]
    assert list(items.index) == SIX
    assert items["M"].tolist() == pytest.approx(r("six_mean"), rel=1e-9)
    assert items["SD"].tolist() == pytest.approx(r("six_sd"), rel=1e-9)  # item.stats$sd
    assert items["item-total r"].tolist() == pytest.approx(r("six_r_drop"), rel=1e-9)
    assert items["α if item deleted"].tolist() == pytest.approx(r("six_alpha_drop"), rel=1e-9)
    assert result.values["item_total_r[item6]"] == close(r("six_r_drop")[5])
    assert result.values["alpha_if_deleted[item3]"] == close(r("six_alpha_drop")[2])
    assert result.values["sd[item2]"] == close(r("six_sd")[1])


def test_omega_matches_a_one_factor_factanal(survey: pd.DataFrame) -> None:
    for prefix, items in (("five", FIVE), ("six", SIX)):
        result = reliability(survey, items)
        # stats::factanal (ML, factr = 1) and the ω formula in reliability.R
        assert result.values["omega"] == close(r(f"{prefix}_omega"))
        loadings = result.tables["Item statistics"]["loading"].tolist()
        assert loadings == pytest.approx(r(f"{prefix}_loadings"), rel=1e-6)
        uniqueness = [result.values[f"uniqueness[{item}]"] for item in items]
        assert uniqueness == pytest.approx(r(f"{prefix}_uniquenesses"), rel=1e-6)
        assert result.tables["Reliability"].at["McDonald's ω", "Estimate"] == result.values["omega"]


def test_two_items_give_alpha_but_no_omega_and_say_why(survey: pd.DataFrame) -> None:
    result = reliability(survey, ["item1", "item2"])
    assert math.isnan(result.values["omega"])
    assert result.tables["Item statistics"]["α if item deleted"].isna().all()
    assert "ω needs at least three items" in " ".join(result.notes)
    assert "McDonald's ω" not in result.report


def test_an_item_that_is_not_reversed_is_named_with_what_to_do(survey: pd.DataFrame) -> None:
    result = reliability(survey, SIX)
    check = result.checks.set_index("check").loc["Item direction"]
    assert check["passed"] is not None
    assert not check["passed"]
    assert check["verdict"] == (
        "item6 correlates negatively with the other items (r = −.50): probably not reversed "
        "— reverse it with the Reverse-code template."
    )
    assert "item6 correlates negatively with the other items and is probably not reversed" in (
        result.report
    )
    reversed_six = survey.assign(item6=6 - survey["item6"])
    fine = reliability(reversed_six, SIX).checks.set_index("check").loc["Item direction"]
    assert fine["passed"]
    assert fine["verdict"] == "Every item correlates positively with the other items."


def test_missing_answers_are_left_out_listwise_and_said(survey: pd.DataFrame) -> None:
    result = reliability(survey, FIVE)
    assert (result.values["n"], result.values["n_missing"]) == (58, 2)
    assert result.notes[0] == (
        "N = 58. 2 rows with a missing value in item1, item2, item3, item4 or item5 were left "
        "out (listwise)."
    )


def test_the_display_shows_apa_numbers_and_the_write_up(survey: pd.DataFrame) -> None:
    result = reliability(survey, FIVE)
    text, page = str(result), result._repr_html_()
    expected = (
        "The scale of 5 items (item1, item2, item3, item4, item5) had an internal consistency "
        "of Cronbach's α = .78, 95% CI [.68, .86], and McDonald's ω = .78 (N = 58)."
    )
    assert result.report == expected
    assert expected in text
    assert "Cronbach&#x27;s α = .78, 95% CI [.68, .86]" in page
    shown = result.shown_tables()
    assert shown["Reliability"].loc["Cronbach's α"].tolist() == [".78", ".68", ".86"]
    assert shown["Item statistics"].loc["item3"].tolist() == ["3.09", "1.10", ".64", ".71", ".77"]


def test_the_function_is_offered_under_its_own_name() -> None:
    """The function and its module share a name: the package gives the function, also after
    the module was imported."""
    importlib.import_module("datadive.analysis.scales.reliability")
    assert callable(datadive.analysis.reliability)
    assert datadive.analysis.reliability is reliability


def test_items_from_a_form_as_text_work_like_a_list(survey: pd.DataFrame) -> None:
    assert (
        reliability(survey, "item1, item2, item3").values["alpha"]
        == (reliability(survey, ["item1", "item2", "item3"]).values["alpha"])
    )


def test_bad_input_is_refused_in_words(survey: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match=r"at least two items of the scale; you chose 'item1'"):
        reliability(survey, ["item1"])
    with pytest.raises(AnalysisError, match=r"The item 'item1' is chosen twice"):
        reliability(survey, ["item1", "item2", "item1"])
    with pytest.raises(AnalysisError, match=r"There is no column 'item9'"):
        reliability(survey, ["item1", "item9"])
    text = survey.assign(item2=np.where(survey["item2"] > 2, "agree", "disagree"))
    with pytest.raises(AnalysisError, match=r"'item2' holds text \('agree'"):
        reliability(text, FIVE)
    constant = survey.assign(item3=4)
    with pytest.raises(AnalysisError, match=r"'item3' has the same value \(4\) in every row used"):
        reliability(constant, FIVE)
    few = survey.head(2)
    with pytest.raises(AnalysisError, match=r"Only 2 row\(s\) have an answer to every item"):
        reliability(few, FIVE)
