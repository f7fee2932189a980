"""How labelled values are held in a table, and shown.

- A **nominal** column with value labels (a programme, a gender, a yes/no) is held as a pandas
  Categorical of its labels (`Psychology`, not `1`), categories in the order of the value
  labels (the questionnaire's order). Its codes carry no arithmetic, and a Categorical of
  labels reads right everywhere: in pandas' own tables, group-bys, plots and hand-written code.
  The codes stay recoverable from the metadata: `codes(df, "programme")`.
- An **ordinal** (a Likert item) or **scale** column stays numeric, so that means, scale
  scores, reverse coding and correlations work on the numbers; its labels stay in the metadata
  and the display helpers (`frequency_table`, `box_plot`…) show them.
- A **binary** multi-select indicator (1 = chosen, blank = not chosen or not shown) stays
  numeric too; the label of its 1 is the choice (`Bus`).

`labelled(df, column, show="labels" | "codes")` is the one place where a column is turned into
what a table or plot shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from datadive.analysis.columns import ATTRS_KEY, ValueLabel, column_info, no_column_message

SHOW_CHOICES = ("labels", "codes")


def check_show(show: str) -> None:
    if show not in SHOW_CHOICES:
        raise ValueError(f"show must be 'labels' or 'codes', not {show!r}")


def code_key(value: Any) -> Any:
    """A value as a value label's key: "2", 2.0 and 2 are the same code."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, str):
        value = item()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            return text
        value = number
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def label_map(value_labels: Iterable[ValueLabel] | None) -> dict[Any, str]:
    """Code → label. Two codes with the same label get their code added (`Other (5)`), so
    that every label names one code."""
    pairs = [(code_key(item["value"]), str(item["label"])) for item in value_labels or []]
    counts: dict[str, int] = {}
    for _, text in pairs:
        counts[text] = counts.get(text, 0) + 1
    return {code: text if counts[text] == 1 else f"{text} ({code})" for code, text in pairs}


def _as_labels(series: pd.Series, by_code: Mapping[Any, str], *, ordered: bool) -> pd.Series:
    """A Categorical of labels: codes become their labels, labels stay, anything else is
    shown as its own text after the labelled values."""
    known = set(by_code.values())
    extra: set[str] = set()

    def label_of(value: Any) -> Any:
        key = code_key(value)
        if key is None:
            return None
        if key in by_code:
            return by_code[key]
        if isinstance(value, str) and value in known:
            return value
        extra.add(str(key))
        return str(key)

    shown = _each_distinct(series, label_of)
    extra -= known
    if ordered and all(isinstance(code, int | float) for code in by_code):
        # a scale's points in their order, unlabelled points (a 2 between 1 and 3) included
        points: dict[Any, str] = dict(by_code)
        points |= {float(text): text for text in extra if _is_number(text)}
        named = [points[code] for code in sorted(points)]
        categories = list(dict.fromkeys(named)) + sorted(extra - set(named))
    else:
        categories = list(dict.fromkeys(by_code.values())) + sorted(extra)
    data = pd.Categorical(shown, categories=categories, ordered=ordered)
    return pd.Series(data, index=series.index, name=series.name)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _as_codes(series: pd.Series, by_code: Mapping[Any, str]) -> pd.Series:
    """Numbers: labels become their codes; a value that is no label is kept as a number when
    it is one, missing otherwise."""
    by_label = {text: code for code, text in by_code.items()}

    def code_of(value: Any) -> Any:
        key = code_key(value)
        if key is None:
            return None
        if isinstance(value, str) and value in by_label:
            return by_label[value]
        if isinstance(key, int | float):
            return key
        return by_label.get(key)

    values = _each_distinct(series, code_of)
    result = pd.Series(values, index=series.index, name=series.name, dtype="object")
    return pd.to_numeric(result, errors="coerce")


def _each_distinct(series: pd.Series, convert: Callable[[Any], Any]) -> list[Any]:
    """`convert` of every value, called once per distinct value (a column of 100,000 answers
    holds a handful), missing values as None."""
    present = series.notna().to_numpy()
    out = np.full(len(series), None, dtype=object)
    if present.any():
        values = series[present]
        codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
        converted = np.array([convert(_python(u)) for u in uniques] + [None], dtype=object)
        out[present] = converted[codes]
    return out.tolist()


def _python(value: Any) -> Any:
    item = getattr(value, "item", None)
    return item() if callable(item) and not isinstance(value, str) else value


def labelled(frame: pd.DataFrame, column: str, *, show: str = "labels") -> pd.Series:
    """The column as tables and plots show it: with `show="labels"`, labelled values as a
    Categorical of their labels (ordered for ordinal columns); with `show="codes"`, labelled
    values as their numeric codes. A column without value labels is returned as it is."""
    check_show(show)
    info = column_info(frame, column)
    series = frame[column]
    by_code = label_map(info["value_labels"])
    if not by_code:
        return series
    if show == "codes":
        return _as_codes(series, by_code)
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series
    return _as_labels(series, by_code, ordered=info["measurement"] == "ordinal")


def codes(frame: pd.DataFrame, column: str) -> pd.Series:
    """The numeric codes of a labelled column (`Psychology` → 1), from its value labels."""
    return labelled(frame, column, show="codes")


def categories(series: pd.Series) -> list[Any]:
    """The distinct values present, in the order a table shows them: a Categorical's order
    (the value labels' order), numbers from small to large, anything else alphabetically."""
    present = series.dropna()
    if isinstance(series.dtype, pd.CategoricalDtype):
        found = set(present.tolist())
        return [category for category in series.cat.categories if category in found]
    values = list(dict.fromkeys(present.tolist()))
    if pd.api.types.is_numeric_dtype(series.dtype):
        return sorted(values)
    return sorted(values, key=str)


def hold_labelled_values(frame: pd.DataFrame, *, keep: Iterable[str] = ()) -> pd.DataFrame:
    """Put each column in the form the package docstring describes, after a reader attached
    the metadata: nominal labelled columns become Categoricals of their labels; ordinal
    columns exported as label texts (`Agree`) become their codes. `keep` names columns to
    leave as read (several codes in one cell, `1,3`)."""
    skip = set(keep)
    for column in frame.columns:
        if column in skip:
            continue
        info = column_info(frame, column)
        by_code = label_map(info["value_labels"])
        if not by_code:
            continue
        if info["measurement"] == "nominal":
            frame[column] = _as_labels(frame[column], by_code, ordered=False)
        elif info["measurement"] == "ordinal" and _all_labels(frame[column], by_code):
            frame[column] = _as_codes(frame[column], by_code)
    return frame


def _all_labels(series: pd.Series, by_code: Mapping[Any, str]) -> bool:
    present = series.dropna()
    texts = set(by_code.values())
    return len(present) > 0 and all(isinstance(v, str) and v in texts for v in present.tolist())


def recode_value(frame: pd.DataFrame, column: str, old: Any, new: Any) -> None:
    """Replace `old` by `new` in a column (in place). In a column held as labels, `old` is a
    label: a new label renames it (its code and place stay, and its value label follows); an
    existing label merges the two."""
    if column not in frame.columns:
        raise KeyError(no_column_message(frame, column))
    series = frame[column]
    if not isinstance(series.dtype, pd.CategoricalDtype):
        frame[column] = series.replace({old: new})
        return
    present = list(series.cat.categories)
    if old not in present:
        return
    if new in present:
        merged = series.astype(object).where(series != old, new)
        remaining = [category for category in present if category != old]
        kept_order = pd.Categorical(merged, categories=remaining, ordered=series.cat.ordered)
        frame[column] = pd.Series(kept_order, index=series.index, name=series.name)
        return
    frame[column] = series.cat.rename_categories({old: new})
    entry = (frame.attrs.get(ATTRS_KEY) or {}).get("columns", {}).get(str(column))
    for item in (entry or {}).get("value_labels") or []:
        if item.get("label") == old:
            item["label"] = str(new)
