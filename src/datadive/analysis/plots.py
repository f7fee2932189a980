"""Figures that show labels (`Psychology`) and question texts; `show="codes"` shows the codes.

Each function returns a `Plot`: Jupyter shows it as an image whose text (the `text/plain`
beside the PNG, used as the image's alternative text) says what it shows, with the group names
read from the drawn axes. Its `figure` and `axes` are matplotlib's, to adjust; `save(path)`
writes a file. The figure is made without pyplot, so a notebook shows it once (pyplot's inline
backend would show it a second time) and a script run with plain `python` opens no window.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from datadive.analysis.columns import column_info, column_title, no_column_message
from datadive.analysis.labels import categories, check_show, label_map, labelled

WIDTH, HEIGHT, DPI = 7.0, 4.0, 100


class Plot:
    """A figure and what it shows in words."""

    def __init__(
        self, figure: Figure, axes: Axes, description: str, parts: dict[str, Any] | None = None
    ) -> None:
        self.figure = figure
        self.axes = axes
        self.description = description  # what it shows, in words (the page's alt text)
        # what matplotlib drew, by kind (a box plot's "medians", "boxes", "whiskers"…)
        self.parts = parts or {}

    @property
    def tick_labels(self) -> list[str]:
        """The labels along the horizontal axis, as drawn."""
        return _drawn(self.axes)

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
        return buffer.getvalue()

    def save(self, path: str | Path, **options: Any) -> None:
        """Write the figure to a file (`.png`, `.svg`, `.pdf`…); `options` go to savefig."""
        self.figure.savefig(path, **({"bbox_inches": "tight"} | options))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {
            "image/png": base64.b64encode(self.png()).decode("ascii"),
            "text/plain": self.description,
        }

    def __repr__(self) -> str:
        return f"<Plot: {self.description}>"


def _new_axes(width: float = WIDTH, height: float = HEIGHT) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.add_subplot()


def _check(frame: pd.DataFrame, *columns: str | None) -> None:
    for column in columns:
        if column is not None and column not in frame.columns:
            raise KeyError(no_column_message(frame, column))


def _numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    values = frame[column]
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values):
        level = column_info(frame, column)["measurement"]
        raise TypeError(
            f"{column!r} holds categories ({level}), not numbers: choose a numeric column, "
            "or use it to form the groups."
        )
    return values.astype(float)


def box_plot(
    frame: pd.DataFrame, value: str, *, by: str | None = None, show: str = "labels"
) -> Plot:
    """Median, quartiles and outliers of a numeric column, one box per group of `by` (in the
    order of its labels; groups without values are left out)."""
    check_show(show)
    _check(frame, value, by)
    numbers = _numbers(frame, value)
    figure, axes = _new_axes()
    if by is None:
        present = numbers.dropna()
        parts = axes.boxplot([present.to_numpy()])
        names, sizes = [str(value)], [len(present)]
    else:
        groups = labelled(frame, by, show=show)
        names, boxes, sizes = [], [], []
        for group in categories(groups):
            inside = numbers[(groups == group).to_numpy()].dropna()
            if len(inside):
                names.append(str(group))
                boxes.append(inside.to_numpy())
                sizes.append(len(inside))
        if not boxes:
            raise ValueError(f"{value!r} has no values in any group of {by!r}")
        parts = axes.boxplot(boxes)
        axes.set_xlabel(column_title(frame, by))
    axes.set_xticks(range(1, len(names) + 1), names)
    axes.set_ylabel(column_title(frame, value))
    shown = ", ".join(f"{name} (n = {n})" for name, n in zip(_drawn(axes), sizes, strict=True))
    # Names and groups first: a page may cut a long text (question texts come last).
    summary = f"Box plot of {value} by {by}: {shown}." if by else f"Box plot of {value}: {shown}."
    summary += _questions(frame, value, by)
    return Plot(figure, axes, summary, parts)


def _questions(frame: pd.DataFrame, *columns: str | None) -> str:
    """` Q1: What programme are you in? …` for the columns that have a question text."""
    named = [(column_title(frame, c), str(c)) for c in columns if c is not None]
    return "".join(
        f" {title}" if title.endswith((".", "?", "!", "…")) else f" {title}."
        for title, name in named
        if title != name
    )


def _drawn(axes: Axes) -> list[str]:
    """The labels along the horizontal axis, as drawn."""
    return [label.get_text() for label in axes.get_xticklabels()]


def histogram(
    frame: pd.DataFrame,
    column: str,
    *,
    bins: int = 20,
    title: str | None = None,
    show: str = "labels",
) -> Plot:
    """The distribution of a column: bars of `bins` equal widths for numbers; one bar per
    value, named by its label, for labelled or categorical columns."""
    check_show(show)
    _check(frame, column)
    if bins < 1:
        raise ValueError("bins must be at least 1")
    figure, axes = _new_axes()
    heading = column_title(frame, column)
    values = labelled(frame, column, show=show)
    labelled_values = bool(label_map(column_info(frame, column)["value_labels"]))
    if (
        isinstance(values.dtype, pd.CategoricalDtype)
        or not pd.api.types.is_numeric_dtype(values.dtype)
        or (labelled_values and show == "codes")
    ):
        counts = values.dropna().value_counts()
        order = (
            list(values.cat.categories)
            if isinstance(values.dtype, pd.CategoricalDtype)
            else categories(values)
        )
        names = [str(item) for item in order]
        heights = [int(counts.get(item, 0)) for item in order]
        axes.bar(range(len(names)), heights, edgecolor="white")
        axes.set_xticks(range(len(names)), names)
        detail = ", ".join(f"{name} {n}" for name, n in zip(_drawn(axes), heights, strict=True))
    else:
        present = values.dropna().astype(float)
        axes.hist(present.to_numpy(), bins=bins, edgecolor="white")
        detail = f"{len(present)} values in {bins} bars"
    axes.set_xlabel(heading)
    axes.set_ylabel("Count")
    axes.set_title(title or f"Distribution of {column}")
    return Plot(figure, axes, f"Histogram of {column}: {detail}.{_questions(frame, column)}")


def scatter_plot(frame: pd.DataFrame, x: str, y: str) -> Plot:
    """One point per row with both values, showing how two numeric columns go together."""
    _check(frame, x, y)
    pairs = pd.DataFrame({"x": _numbers(frame, x), "y": _numbers(frame, y)}).dropna()
    figure, axes = _new_axes(6.0, 5.0)
    axes.scatter(pairs["x"], pairs["y"], alpha=0.7)
    axes.set_xlabel(column_title(frame, x))
    axes.set_ylabel(column_title(frame, y))
    summary = f"Scatter plot of {y} against {x}: {len(pairs)} points."
    return Plot(figure, axes, summary + _questions(frame, y, x))
