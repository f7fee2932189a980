"""What the regressions fit (`regression` uses it): the outcome (two values for logistic,
ordered for ordinal), the model matrix, and the collinearity check they share.

Predictors are taken as the researcher sees them: a nominal column (a Categorical of value
labels, text, yes/no, or numbers marked nominal) is dummy-coded against a reference category
(the first category unless `reference` names another: `{"programme": "Psychology"}` or, from
a form, `"programme=Psychology; gender=Female"`); any other column enters as its numbers
(ordinal columns too, by their codes). Rows with a missing value in the outcome or any
predictor are left out (listwise).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from datadive.analysis.columns import column_info
from datadive.analysis.labels import categories, code_key, label_map, labelled
from datadive.analysis.results import AnalysisError, Check
from datadive.analysis.selection import numbers_of, require_columns

INTERCEPT = "Intercept"
VIF_MODERATE, VIF_SEVERE = 5.0, 10.0


@dataclass
class Term:
    """One predictor: its column and the model-matrix columns it became."""

    name: str
    columns: list[str]
    categorical: bool = False
    reference: Any = None  # the reference category of a dummy-coded predictor
    levels: list[Any] = field(default_factory=list)  # its categories other than the reference
    ordinal: bool = False  # an ordinal column entered as numbers


@dataclass
class Design:
    """The rows used (listwise), the outcome's values as shown and the model matrix."""

    outcome: pd.Series  # labels for labelled columns, numbers otherwise
    matrix: pd.DataFrame  # an `Intercept` column first, then one column per term's column
    terms: list[Term]
    n_missing: int
    variables: list[str]  # outcome and predictors, for the missing-values note

    @property
    def n(self) -> int:
        return len(self.matrix)

    @property
    def names(self) -> list[str]:
        return [str(c) for c in self.matrix.columns]

    def slices(self) -> list[list[int]]:
        """The positions (in the matrix without its intercept) of each term's columns."""
        positions, start = [], 0
        for term in self.terms:
            positions.append(list(range(start, start + len(term.columns))))
            start += len(term.columns)
        return positions


def predictor_list(predictors: Sequence[str] | str, outcome: str) -> list[str]:
    """Predictors as a list: a form gives them as a list, a hand-typed call may give one name
    or comma-separated names."""
    if isinstance(predictors, str):
        names = [part.strip() for part in predictors.split(",") if part.strip()]
    else:
        names = [str(name) for name in predictors]
    if not names:
        raise AnalysisError("Choose at least one predictor.")
    if outcome in names:
        raise AnalysisError(f"{outcome!r} is the outcome, so it cannot also be a predictor.")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise AnalysisError(f"{repeated[0]!r} is chosen twice as a predictor; choose it once.")
    return names


def is_categorical(frame: pd.DataFrame, column: str) -> bool:
    """Categories, not numbers: a Categorical, yes/no, text, or a column marked nominal."""
    dtype = frame[column].dtype
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype):
        return True
    if not pd.api.types.is_numeric_dtype(dtype):
        return True
    return column_info(frame, column)["measurement"] == "nominal"


def references(reference: Mapping[str, Any] | str | None) -> dict[str, Any]:
    """`{"programme": "Psychology"}` as given, or a form's text `programme=Psychology;
    gender=Female` (commas also separate pairs; a comma inside a label stays in it)."""
    if reference is None:
        return {}
    if isinstance(reference, Mapping):
        return {str(k): v for k, v in reference.items()}
    found: dict[str, Any] = {}
    last: str | None = None
    for part in str(reference).replace(";", ",").split(","):
        if "=" in part:
            column, _, value = part.partition("=")
            last = column.strip()
            found[last] = value.strip()
        elif last is not None and part.strip():
            found[last] = f"{found[last]}, {part.strip()}"
        elif part.strip():
            raise AnalysisError(
                f"The reference {part.strip()!r} names no column: write it as column=category, "
                "for example programme=Psychology."
            )
    return found


def matching(value: Any, levels: Sequence[Any], codes: Mapping[Any, str]) -> Any | None:
    """The level that `value` names: a level itself, its text, or its code (`1` for the level
    labelled `Psychology`)."""
    for level in levels:
        if value == level or str(value).strip() == str(level):
            return level
    key = code_key(value)
    for level in levels:
        if key is not None and code_key(level) == key:
            return level
    if key in codes and codes[key] in levels:
        return codes[key]
    return None


def build_design(
    frame: pd.DataFrame,
    outcome_values: pd.Series,
    outcome: str,
    predictors: Sequence[str],
    reference: Mapping[str, Any] | str | None,
) -> Design:
    """The listwise-complete rows and their model matrix (see the module's docstring)."""
    require_columns(frame, *predictors)
    chosen = references(reference)
    categorical = {name: is_categorical(frame, name) for name in predictors}
    for column in chosen:
        if not categorical.get(column):
            named = [name for name in predictors if categorical[name]]
            listed = ", ".join(repr(name) for name in named) or "none"
            raise AnalysisError(
                f"A reference category was given for {column!r}, which is not a categorical "
                f"predictor of this model (its categorical predictors: {listed})."
            )
    data = {outcome: outcome_values}
    for name in predictors:
        data[name] = (
            labelled(frame, name)
            if categorical[name]
            else numbers_of(frame, name, role="predictor")
        )
    table = pd.DataFrame(data, index=frame.index)
    used = table.dropna()
    columns: dict[str, np.ndarray] = {INTERCEPT: np.ones(len(used))}
    terms = []
    for name in predictors:
        values = used[name]
        if categorical[name]:
            term = _dummies(frame, name, values, chosen.get(name), columns)
        else:
            _varies(values, name)
            columns[name] = values.to_numpy(float)
            level = column_info(frame, name)["measurement"]
            term = Term(name, [name], ordinal=level == "ordinal")
        terms.append(term)
    matrix = pd.DataFrame(columns, index=used.index)
    return Design(
        outcome=used[outcome],
        matrix=matrix,
        terms=terms,
        n_missing=len(table) - len(used),
        variables=[outcome, *predictors],
    )


def _dummies(
    frame: pd.DataFrame, name: str, values: pd.Series, wanted: Any, columns: dict[str, np.ndarray]
) -> Term:
    if pd.api.types.is_float_dtype(values.dtype):  # nominal codes without labels: 1, not 1.0
        values = values.map(code_key)
    present = categories(values)
    if len(present) < 2:
        shown = ", ".join(repr(str(p)) for p in present) or "none"
        raise AnalysisError(
            f"{name!r} has only one category with data ({shown}), so it cannot predict "
            "anything; leave it out."
        )
    if wanted is None or (isinstance(wanted, str) and not wanted.strip()):
        base = present[0]
    else:
        base = matching(wanted, present, label_map(column_info(frame, name)["value_labels"]))
        if base is None:
            raise AnalysisError(
                f"{name!r} has no category {str(wanted)!r} with data to be the reference; its "
                "categories are " + ", ".join(repr(str(p)) for p in present) + "."
            )
    levels = [level for level in present if level != base]
    positions = pd.Index(present).get_indexer(values)  # vectorized, no object compares
    names = []
    for level in levels:
        column = f"{name}: {level}"
        columns[column] = (positions == present.index(level)).astype(float)
        names.append(column)
    return Term(name, names, categorical=True, reference=base, levels=levels)


def _varies(values: pd.Series, name: str) -> None:
    numbers = values.to_numpy(float)
    if len(numbers) and numbers.min() == numbers.max():
        value = numbers[0]
        shown = int(value) if value.is_integer() else value
        raise AnalysisError(
            f"{name!r} has the same value ({shown}) in every row used, so it cannot predict "
            "anything; leave it out."
        )


def full_rank(design: Design) -> None:
    """Refuse, in words, predictors that are exact combinations of each other."""
    matrix = design.matrix.to_numpy(float)
    rank = np.linalg.matrix_rank(matrix)
    if rank == matrix.shape[1]:
        return
    names = design.names
    involved = [
        names[j]
        for j in range(1, len(names))
        if np.linalg.matrix_rank(np.delete(matrix, j, axis=1)) == rank
    ]
    listed = ", ".join(repr(name) for name in involved)
    raise AnalysisError(
        f"Some predictors are exact combinations of each other ({listed}): one of them adds "
        "nothing the others do not say, so their effects cannot be separated. Leave one out."
    )


def enough_rows(design: Design, *, extra: int = 1) -> None:
    needed = design.matrix.shape[1] + extra
    if design.n < needed:
        predictors = len(design.terms)
        raise AnalysisError(
            f"There are only {design.n} rows with complete data; this model with {predictors} "
            f"predictor(s) ({design.matrix.shape[1]} coefficients) needs at least {needed}."
        )


def gvif(covariance: np.ndarray, slices: Sequence[Sequence[int]]) -> list[float]:
    """Generalized variance-inflation factors of the terms, from the covariance of their
    coefficients (intercept left out): GVIF = det(R₁₁) det(R₂₂) / det(R) with R its correlation
    matrix (Fox & Monette, 1992, JASA 87, 178–183); R's car::vif. For a one-column term it is
    the ordinary VIF."""
    sd = np.sqrt(np.diag(covariance))
    corr = covariance / np.outer(sd, sd)
    whole = np.linalg.det(corr)
    everything = np.arange(corr.shape[0])
    found = []
    for positions in slices:
        rest = np.setdiff1d(everything, positions)
        inside = np.linalg.det(corr[np.ix_(positions, positions)])
        outside = np.linalg.det(corr[np.ix_(rest, rest)]) if len(rest) else 1.0
        found.append(float(inside * outside / whole))
    return found


def collinearity(design: Design, covariance: np.ndarray) -> tuple[pd.DataFrame, Check]:
    """The VIF table (GVIF, df, GVIF^(1/(2·df)) as car::vif prints them) and its check: a
    one-column term is flagged when its VIF exceeds 5 (10: severe); a dummy-coded term when
    GVIF^(1/df), the same scale, does (Fox & Monette, 1992)."""
    slices = design.slices()
    values = gvif(covariance, slices)
    dfs = [len(s) for s in slices]
    table = pd.DataFrame(
        {
            "VIF": values,
            "df": dfs,
            "GVIF^(1/(2·df))": [v ** (1 / (2 * d)) for v, d in zip(values, dfs, strict=True)],
        },
        index=pd.Index([term.name for term in design.terms], name="Predictor"),
    )
    comparable = {
        term.name: v ** (1 / d) for term, v, d in zip(design.terms, values, dfs, strict=True)
    }
    severe = [name for name, v in comparable.items() if v > VIF_SEVERE]
    moderate = [name for name, v in comparable.items() if VIF_MODERATE < v <= VIF_SEVERE]
    name = "Multicollinearity (VIF)"
    largest = max(comparable, key=lambda k: comparable[k])
    if not severe and not moderate:
        verdict = f"No predictor has a VIF above 5 (largest: {largest}, {comparable[largest]:.2f})."
        return table, Check(name, verdict, True, comparable[largest])
    parts = []
    if severe:
        parts.append("above 10 (severe): " + ", ".join(severe))
    if moderate:
        parts.append("between 5 and 10: " + ", ".join(moderate))
    verdict = (
        "VIF " + "; ".join(parts) + ". These predictors overlap strongly with the others, so "
        "their coefficients are unstable and their standard errors inflated; consider leaving "
        "one of them out or combining them."
    )
    return table, Check(name, verdict, False, comparable[largest])


def binary_outcome(df: pd.DataFrame, outcome: str, event: Any) -> tuple[pd.Series, Any, Any]:
    """The outcome as shown (labels), its event (counted as 1) and its other category."""
    shown = labelled(df, outcome)
    present = categories(shown)
    if len(present) != 2:
        listed = ", ".join(repr(str(p)) for p in present[:6]) or "none"
        hint = (
            " Use ordinal_regression for ordered categories, or recode the outcome into two."
            if len(present) > 2
            else ""
        )
        raise AnalysisError(
            f"{outcome!r} has {len(present)} different value(s) with data ({listed}); a logistic "
            f"regression needs exactly two.{hint}"
        )
    if event is None or (isinstance(event, str) and not event.strip()):
        chosen = present[1]
    else:
        chosen = matching(event, present, label_map(column_info(df, outcome)["value_labels"]))
        if chosen is None:
            raise AnalysisError(
                f"{outcome!r} has no value {str(event)!r} to count as the event; its values are "
                + " and ".join(repr(str(p)) for p in present)
                + "."
            )
    other = present[0] if chosen == present[1] else present[1]
    return shown, chosen, other


def ordered_outcome(df: pd.DataFrame, outcome: str) -> pd.Series:
    """The outcome's values in their order: labels of an ordinal column, or numbers."""
    shown = labelled(df, outcome)
    nominal = column_info(df, outcome)["measurement"] == "nominal"
    if isinstance(shown.dtype, pd.CategoricalDtype):
        if shown.cat.ordered or not nominal:
            return shown
    elif is_numeric_dtype(shown.dtype) and not is_bool_dtype(shown.dtype) and not nominal:
        return shown
    raise AnalysisError(
        f"{outcome!r} holds categories without an order, so it cannot be the outcome of an "
        "ordinal regression. Choose an ordinal column (answers in order, such as a Likert "
        "item), or use logistic_regression for two categories."
    )
