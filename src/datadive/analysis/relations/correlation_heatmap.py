"""The heat map of a correlation matrix: one square per pair, coloured from −1 (blue) to 1
(red), with its value written in it, and the columns named along both axes.

Drawing costs more than correlating 100,000 rows, so the map is drawn when it is first shown
or asked for (`figure`, `axes`, `png()`), not when the analysis runs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from datadive.analysis import apa
from datadive.analysis.plots import Plot


class HeatMap(Plot):
    """A `Plot` of a correlation matrix `r` (k × k, symmetric; the diagonal drawn as 1)."""

    def __init__(self, columns: Sequence[str], r: np.ndarray, *, symbol: str, title: str) -> None:
        self._names = [str(c) for c in columns]
        self._r = r.copy()
        self._symbol = symbol
        self._title = title
        self._drawn: tuple[Figure, Axes, dict[str, Any]] | None = None
        pairs = [
            f"{self._names[i]} and {self._names[j]} {apa.number(r[i, j], 2, leading_zero=False)}"
            for i in range(len(self._names))
            for j in range(i)
        ]
        self.description = (
            f"Heat map of {title} ({symbol}) of {', '.join(self._names)}: {'; '.join(pairs)}."
        )

    @property
    def figure(self) -> Figure:  # type: ignore[override]
        return self._draw()[0]

    @property
    def axes(self) -> Axes:  # type: ignore[override]
        return self._draw()[1]

    @property
    def parts(self) -> dict[str, Any]:  # type: ignore[override]
        return self._draw()[2]

    def _draw(self) -> tuple[Figure, Axes, dict[str, Any]]:
        if self._drawn is None:
            self._drawn = _draw(self._names, self._r, symbol=self._symbol, title=self._title)
        return self._drawn


def _draw(
    names: list[str], r: np.ndarray, *, symbol: str, title: str
) -> tuple[Figure, Axes, dict[str, Any]]:
    k = len(names)
    shown = r.copy()
    np.fill_diagonal(shown, 1.0)
    size = min(3.0 + 0.7 * k, 12.0)
    figure = Figure(figsize=(size + 1.0, size), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(np.ma.masked_invalid(shown), cmap="RdBu_r", vmin=-1, vmax=1)
    axes.set_xticks(range(k), names, rotation=45, ha="right", rotation_mode="anchor")
    axes.set_yticks(range(k), names)
    axes.set_xlabel("Column")
    axes.set_ylabel("Column")
    axes.set_title(title)
    for i in range(k):
        for j in range(k):
            value = shown[i, j]
            text = apa.number(value, 2, leading_zero=False) if math.isfinite(value) else apa.DASH
            dark = math.isfinite(value) and abs(value) > 0.6  # white on a dark square
            axes.text(j, i, text, ha="center", va="center", color="white" if dark else "black")
    figure.colorbar(image, ax=axes, label=symbol, shrink=0.8)
    return figure, axes, {"image": image}
