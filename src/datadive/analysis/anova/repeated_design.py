"""The data of a repeated-measures analysis as one row per person and one column per
condition, from either layout a researcher holds:

- wide: `measures=["wellbeing_t1", "wellbeing_t2", "wellbeing_t3"]`, each row one person;
- long: `outcome="wellbeing", within="time", subject="id"`, one row per person and condition.

People with a missing value in any condition (or, in long data, without a row for one) are left
out (listwise) and counted, so that every analysis can say how many it used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from datadive.analysis.labels import categories, labelled
from datadive.analysis.results import AnalysisError
from datadive.analysis.selection import (
    chosen_groups,
    listed_names,
    numbers_of,
    require_columns,
)

DEFAULT_FACTOR = "condition"


@dataclass
class Design:
    """Complete people only: `scores[i, j]` is person i in condition j."""

    scores: np.ndarray  # n × k
    conditions: list[str]  # the conditions' names, in order
    factor: str  # the within factor's name: the `within` column, or what the user called it
    outcome: str | None  # what was measured (long data), None for wide data
    n_missing: int  # people left out for a missing value
    missing_in: list[str]  # the columns whose missing values left people out
    long: bool
    group_labels: np.ndarray | None = None  # the between factor per person (mixed designs)
    groups: list[Any] | None = None  # the between factor's groups, in order
    between: str | None = None
    n_other: int = 0  # people in groups that were not chosen

    @property
    def n(self) -> int:
        return int(self.scores.shape[0])

    @property
    def k(self) -> int:
        return int(self.scores.shape[1])

    def what(self) -> str:
        """What the analysis compares, for a sentence: `wellbeing` or `the scores`."""
        return self.outcome if self.outcome is not None else "the scores"

    def note(self) -> str:
        """N used and the people left out, e.g. `N = 23 people. 2 people with a missing …`."""
        people = "person" if self.n == 1 else "people"
        text = f"N = {self.n} {people}."
        if self.n_missing:
            left = "person" if self.n_missing == 1 else "people"
            verb = "was" if self.n_missing == 1 else "were"
            where = listed_names(self.missing_in)
            extra = f" (or without a row for a level of {self.factor})" if self.long else ""
            text += (
                f" {self.n_missing} {left} with a missing value in {where}{extra} {verb} left "
                "out (listwise)."
            )
        else:
            text += " No values were missing."
        if self.n_other:
            rows = "person" if self.n_other == 1 else "people"
            text += f" {self.n_other} {rows} in other groups of {self.between} were not used."
        return text


def design(
    frame: pd.DataFrame,
    measures: Sequence[str] | None,
    *,
    outcome: str | None,
    within: str | None,
    subject: str | None,
    between: str | None = None,
    groups: Sequence[Any] | str | None = None,
) -> Design:
    """The people × conditions table from wide or long data (see the module's docstring)."""
    if not isinstance(frame, pd.DataFrame):
        raise AnalysisError(
            f"The data must be a table (a pandas DataFrame), not {type(frame).__name__}."
        )
    if measures is not None:
        if outcome is not None or subject is not None:
            raise AnalysisError(
                "Give either the measures (wide data: one column per condition, one row per "
                "person) or outcome, within and subject (long data: one row per person and "
                "condition), not both."
            )
        found = _wide(frame, measures, factor=within or DEFAULT_FACTOR, between=between)
    elif outcome is None or within is None or subject is None:
        raise AnalysisError(
            "Say which data to analyse: the measures (wide data: one column per condition, "
            "e.g. measures=['wellbeing_t1', 'wellbeing_t2']) or outcome, within and subject "
            "(long data: one row per person and condition)."
        )
    else:
        found = _long(frame, outcome=outcome, within=within, subject=subject, between=between)
    if between is not None:
        found = _choose_groups(found, groups)
    return found


def _wide(
    frame: pd.DataFrame, measures: Sequence[str], *, factor: str, between: str | None
) -> Design:
    if isinstance(measures, str):
        measures = [part.strip() for part in measures.split(",") if part.strip()]
    names = [str(m) for m in measures]
    if len(names) < 2:
        raise AnalysisError(
            "Choose at least two measures (one column per condition, e.g. the same "
            "questionnaire at two times)."
        )
    twice = [m for m in dict.fromkeys(names) if names.count(m) > 1]
    if twice:
        raise AnalysisError(f"{twice[0]!r} is chosen twice; choose each measure once.")
    require_columns(frame, *names, *([between] if between is not None else []))
    if between is not None and between in names:
        raise AnalysisError(f"{between!r} cannot be both a measure and the grouping column.")
    scores = np.column_stack([numbers_of(frame, m, role="measure").to_numpy() for m in names])
    complete = np.isfinite(scores).all(axis=1)
    group_labels = None
    if between is not None:
        labels = labelled(frame, between)
        complete &= labels.notna().to_numpy()
        group_labels = labels
    missing_in = [m for m in names if frame[m].isna().any()]
    if between is not None and frame[between].isna().any():
        missing_in.append(between)
    return Design(
        scores=scores[complete],
        conditions=names,
        factor=factor,
        outcome=None,
        n_missing=int((~complete).sum()),
        missing_in=missing_in or names,
        long=False,
        group_labels=None if group_labels is None else group_labels[complete].to_numpy(),
        groups=None if group_labels is None else categories(group_labels[complete]),
        between=between,
    )


def _long(
    frame: pd.DataFrame, *, outcome: str, within: str, subject: str, between: str | None
) -> Design:
    columns = [outcome, within, subject, *([between] if between is not None else [])]
    require_columns(frame, *columns)
    if len(set(columns)) != len(columns):
        raise AnalysisError(
            "The outcome, the within factor, the subject column and the grouping column must "
            "be different columns."
        )
    values = numbers_of(frame, outcome)
    levels_of = labelled(frame, within)
    data = pd.DataFrame({"y": values, "level": levels_of, "subject": frame[subject]})
    if between is not None:
        data["group"] = labelled(frame, between)
    data = data[data["subject"].notna() & data["level"].notna()]
    conditions = categories(data["level"])
    if len(conditions) < 2:
        listed = ", ".join(repr(str(c)) for c in conditions) or "none"
        raise AnalysisError(
            f"{within!r} has only {len(conditions)} level with data ({listed}); a "
            "repeated-measures analysis needs at least two conditions."
        )
    repeated = data.duplicated(["subject", "level"])
    if repeated.any():
        first = data[repeated].iloc[0]
        raise AnalysisError(
            f"{subject!r} {_plain(first['subject'])} has more than one row for "
            f"{within!r} = {str(first['level'])!r}; each person needs one value per condition. "
            "Average the repeated rows first, or check the subject column."
        )
    subjects = pd.unique(data["subject"])
    wide = data.pivot(index="subject", columns="level", values="y")
    wide = wide.reindex(index=subjects, columns=conditions)
    scores = wide.to_numpy(dtype=float)
    complete = np.isfinite(scores).all(axis=1)
    group_labels = None
    groups = None
    if between is not None:
        per_subject = data.groupby("subject", sort=False, observed=True)["group"]
        mixed = per_subject.nunique(dropna=False) > 1
        if mixed.any():
            raise AnalysisError(
                f"{between!r} differs between the rows of {subject!r} "
                f"{_plain(mixed[mixed].index[0])}; a between-subjects factor has one value "
                "per person."
            )
        group_of = per_subject.first().reindex(subjects)
        complete &= group_of.notna().to_numpy()
        group_labels = group_of[complete].to_numpy()
        present = set(group_labels.tolist())
        groups = [g for g in categories(data["group"]) if g in present]
    return Design(
        scores=scores[complete],
        conditions=[str(c) for c in conditions],
        factor=within,
        outcome=outcome,
        n_missing=int((~complete).sum()),
        missing_in=[outcome, *([between] if between is not None else [])],
        long=True,
        group_labels=group_labels,
        groups=groups,
        between=between,
    )


def _choose_groups(found: Design, groups: Sequence[Any] | str | None) -> Design:
    """Keep the chosen groups of the between factor, in the chosen order (a list, or a form's
    comma-separated text), as `selection.split_groups` does for one outcome."""
    assert found.group_labels is not None
    assert found.groups is not None
    present = found.groups
    between = str(found.between)
    names = chosen_groups(between, list(present), groups)
    if len(names) < 2:
        listed = ", ".join(repr(str(p)) for p in names) or "none"
        raise AnalysisError(
            f"{between!r} has only {len(names)} group with complete data ({listed}); "
            "a mixed ANOVA needs at least two groups. With one group, use "
            "repeated_measures_anova."
        )
    chosen = pd.Series(found.group_labels).isin(names).to_numpy()
    for name in names:
        size = int((found.group_labels[chosen] == name).sum())
        if size < 2:
            raise AnalysisError(
                f"The group {str(name)!r} of {between!r} has {size} person(s) with "
                "complete data; each group needs at least 2."
            )
    found.n_other = int((~chosen).sum())
    found.scores = found.scores[chosen]
    found.group_labels = found.group_labels[chosen]
    found.groups = names
    return found


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)
