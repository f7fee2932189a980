"""The parts every analysis shares: APA number formats, confidence intervals for
noncentrality parameters (checked against R's effectsize), the choice of data with errors in
words, and how a result shows itself."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from datadive.analysis import apa
from datadive.analysis.columns import set_column_info
from datadive.analysis.noncentral import (
    chi2_noncentrality,
    f_noncentrality,
    t_noncentrality,
)
from datadive.analysis.results import AnalysisError, Check, Result
from datadive.analysis.selection import missing_note, numbers_of, split_groups
from tests.support.r_reference import r_value


@pytest.mark.parametrize(
    ("p", "table", "sentence"),
    [
        (0.0203, ".020", "p = .020"),
        (0.04999, ".050", "p = .050"),
        (0.0004, "< .001", "p < .001"),
        (9.045e-09, "< .001", "p < .001"),
        (0.9996, "> .999", "p > .999"),
        (0.5, ".500", "p = .500"),
    ],
)
def test_p_values_are_written_as_apa_asks(p: float, table: str, sentence: str) -> None:
    assert apa.p_value(p) == table
    assert apa.p_phrase(p) == sentence


def test_statistics_bounded_by_one_lose_the_leading_zero_and_others_keep_it() -> None:
    assert apa.effect_phrase("ω²", 0.1712, 0.0, 0.3804) == "ω² = .17, 95% CI [.00, .38]"
    assert apa.effect_phrase("d", 0.512, 0.08, 0.94) == "d = 0.51, 95% CI [0.08, 0.94]"
    assert apa.effect_phrase("r", -0.4321) == "r = −.43"
    assert apa.statistic_phrase("F", 5.2149, 2, 14.3181) == "F(2, 14.32) = 5.21"
    assert apa.statistic_phrase("t", -2.1, 38) == "t(38) = −2.10"
    assert apa.statistic_phrase("χ²", 4.123, 1, "N = 80") == "χ²(1, N = 80) = 4.12"
    assert apa.number(-0.0001) == "0.00"  # never "-0.00"
    assert apa.number(math.nan) == apa.DASH


def test_a_table_is_shown_with_each_column_in_its_own_format() -> None:
    table = pd.DataFrame(
        {"n": [30.0], "M": [3.14159], "df": [14.318], "p": [0.00001], "ω²": [0.2], "V": [None]},
        index=["Psychology"],
    )
    shown = apa.shown_table(table)
    assert shown.loc["Psychology"].tolist() == ["30", "3.14", "14.32", "< .001", ".20", "–"]


@pytest.mark.parametrize(("t", "df"), [(2.5, 38), (-1.2, 10), (0.3, 100)])
def test_the_noncentral_t_interval_is_effectsizes(t: float, df: float) -> None:
    # R 4.2.2, effectsize::t_to_d(t, df, ci = .95, alternative = "two.sided"), ncp = d √df / 2
    assert t_noncentrality(t, df) == pytest.approx(r_value("core", f"t_{t:g}_{df:g}"), rel=1e-6)


@pytest.mark.parametrize(("f", "df1", "df2"), [(5.21, 2, 27), (0.3, 2, 27), (12.7, 3, 120)])
def test_the_noncentral_f_interval_is_effectsizes(f: float, df1: int, df2: int) -> None:
    # R 4.2.2, effectsize::F_to_eta2(..., alternative = "two.sided"), λ = η² df2 / (1 − η²)
    expected = r_value("core", f"F_{f:g}_{df1}_{df2}")
    assert f_noncentrality(f, df1, df2) == pytest.approx(expected, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("chi2", [9.0, 25.5, 1.5])
def test_the_noncentral_chi2_interval_is_effectsizes(chi2: float) -> None:
    # R 4.2.2, effectsize::chisq_to_cramers_v(n = 100, 3 × 3), λ = V² n (k − 1)
    expected = r_value("core", f"chi2_{chi2:g}_4")
    assert chi2_noncentrality(chi2, 4) == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_noncentral_intervals_of_impossible_statistics_are_unknown() -> None:
    assert all(math.isnan(v) for v in t_noncentrality(math.inf, 10))
    assert all(math.isnan(v) for v in f_noncentrality(2.0, 0, 10))


def programmes() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "programme": [1, 1, 1, 2, 2, 2, 3, 3, None, 1],
            "score": [3.0, 4.0, 5.0, 2.0, 3.5, 2.5, 4.0, 4.5, 3.0, None],
            "comment": ["ok", "fine", "good", "ok", "meh", "ok", "yes", "no", "ok", "ok"],
        }
    )
    set_column_info(
        frame,
        "programme",
        measurement="nominal",
        value_labels={1: "Psychology", 2: "Sociology", 3: "Economics"},
    )
    return frame


def test_groups_are_named_by_their_labels_in_the_order_asked_and_rows_are_left_out_listwise() -> (
    None
):
    split = split_groups(programmes(), "score", "programme", groups="Sociology, Psychology")

    assert split.names == ["Sociology", "Psychology"]
    assert split.values["Psychology"].tolist() == [3.0, 4.0, 5.0]
    assert split.n_missing == 2
    assert split.n_other == 2
    assert split.note() == (
        "N = 6. 2 rows with a missing value in score or programme were left out (listwise). "
        "2 rows in other groups of programme were not used."
    )


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"outcome": "comment", "group": "programme"}, "'comment' holds text ('ok', 'fine'"),
        ({"outcome": "score", "group": "nothing"}, "There is no column 'nothing'"),
        ({"outcome": "score", "group": "programme", "exactly": 2}, "exactly 2 groups"),
        ({"outcome": "score", "group": "programme", "groups": ["Law"]}, "no group 'Law'"),
        ({"outcome": "score", "group": "score"}, "must be different columns"),
        ({"outcome": "score", "group": "programme", "smallest": 3}, "'Economics' has 2"),
    ],
)
def test_data_that_cannot_be_analysed_is_refused_in_words(
    arguments: dict[str, object], words: str
) -> None:
    with pytest.raises(AnalysisError, match=None) as refused:
        split_groups(programmes(), **arguments)  # type: ignore[arg-type]
    assert words in str(refused.value)


def test_one_group_and_a_constant_outcome_are_refused_in_words() -> None:
    frame = pd.DataFrame({"g": ["a", "a", "b", "b"], "y": [1.0, 1.0, 1.0, 1.0]})
    with pytest.raises(AnalysisError, match="same value \\(1\\) in every row"):
        split_groups(frame, "y", "g")
    with pytest.raises(AnalysisError, match="only 1 group with data \\('a'\\)"):
        split_groups(frame.assign(g="a", y=[1.0, 2.0, 3.0, 4.0]), "y", "g")


def test_numbers_are_read_from_numeric_text_and_booleans() -> None:
    frame = pd.DataFrame({"t": ["1", "2.5", None], "b": [True, False, True]})
    assert numbers_of(frame, "t").tolist()[:2] == [1.0, 2.5]
    assert numbers_of(frame, "b").tolist() == [1.0, 0.0, 1.0]
    assert missing_note(10, 1, ["a"]) == (
        "N = 10. 1 row with a missing value in a was left out (listwise)."
    )


def result() -> Result:
    return Result(
        title="Welch ANOVA",
        tables={
            "Welch ANOVA": pd.DataFrame(
                {"F": [5.2149], "df1": [2.0], "df2": [14.318], "p": [0.0203], "ω²": [0.171]},
                index=["programme"],
            )
        },
        values={"statistic": 5.2149, "p": 0.0203},
        report="A Welch ANOVA showed … F(2, 14.32) = 5.21, p = .020.",
        checks=[
            Check("Normality", "Fine.", True, 0.9712, 0.6, bounded=True),
            Check("Equal variances", "They differ.", False, 4.1, 0.02, "welch_anova"),
        ],
        notes=["N = 57. No values were missing."],
    )


def test_a_result_shows_apa_tables_checks_notes_and_its_write_up() -> None:
    shown = result()
    text = str(shown)
    html = shown._repr_html_()

    for piece in ("5.21", "14.32", ".020", ".17", "Suggested instead", "welch_anova"):
        assert piece in text
        assert piece in html
    assert "<caption>Assumption checks</caption>" in html
    assert "<td>.97</td>" in html  # Shapiro-Wilk's W cannot exceed 1: no leading zero
    assert "<td>4.10</td>" in html
    assert "<em>Note.</em> N = 57. No values were missing." in html
    assert html.count("<table") == 2
    assert text.endswith("A Welch ANOVA showed … F(2, 14.32) = 5.21, p = .020.")
    assert shown["p"] == 0.0203
    assert shown.checks["alternative"].tolist() == [None, "welch_anova"]


def test_html_in_names_is_escaped() -> None:
    frame = pd.DataFrame({"<b>x</b>": [np.float64(1.0)]}, index=["<script>"])
    shown = Result(title="<i>t</i>", tables={"a": frame}, values={}, report="<b>")._repr_html_()
    assert "<script>" not in shown
    assert "&lt;script&gt;" in shown
