"""The interaction plot of a factorial ANOVA: the mean of each cell, the first factor along the
horizontal axis and one line per level of the second, with 95% confidence intervals as error
bars. Made without pyplot, as `plots.py` makes its figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from datadive.analysis.plots import HEIGHT, WIDTH, Plot, _questions


def cell_summary(values: pd.Series, by: list[pd.Series]) -> pd.DataFrame:
    """n, M, SD and the mean's 95% CI (t-based) of `values` per combination of `by`, every
    combination of their categories included (n = 0 where there is none)."""
    from scipy import stats  # noqa: PLC0415 - with the figure, not at import

    grouped = values.groupby(by, observed=False, sort=True)
    table = grouped.agg(["count", "mean", "std"])
    table.columns = ["n", "M", "SD"]
    n = table["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.975, n - 1) * table["SD"].to_numpy() / np.sqrt(n)
    table["n"] = table["n"].astype(int)
    table["95% CI low"] = table["M"] - half
    table["95% CI high"] = table["M"] + half
    return table


def interaction_plot(
    frame: pd.DataFrame,
    cells: pd.DataFrame,
    *,
    outcome: str,
    across: str,
    lines: str,
) -> Plot:
    """`cells`: `cell_summary` by `across` then `lines` (a two-level index)."""
    figure = Figure(figsize=(WIDTH, HEIGHT), layout="constrained")
    axes = figure.add_subplot()
    x_levels = list(cells.index.levels[0])
    line_levels = list(cells.index.levels[1])
    width = 0.08 * (len(line_levels) - 1)
    offsets = np.linspace(-width, width, len(line_levels)) if len(line_levels) > 1 else [0.0]
    drawn = []
    positions = np.arange(len(x_levels), dtype=float)
    for offset, level in zip(offsets, line_levels, strict=True):
        part = cells.xs(level, level=1).reindex(x_levels)
        means = part["M"].to_numpy(dtype=float)
        errors = np.vstack(
            [
                means - part["95% CI low"].to_numpy(float),
                part["95% CI high"].to_numpy(float) - means,
            ]
        )
        drawn.append(
            axes.errorbar(
                positions + offset, means, yerr=errors, marker="o", capsize=4, label=str(level)
            )
        )
    axes.set_xticks(positions, [str(level) for level in x_levels])
    axes.set_xlabel(str(across))
    axes.set_ylabel(f"Mean {outcome}")
    axes.legend(title=str(lines))
    names = ", ".join(str(level) for level in line_levels)
    description = (
        f"Interaction plot of {outcome}: the mean of each group of {across} (along the axis) "
        f"with one line for each group of {lines} ({names}); error bars show 95% confidence "
        f"intervals.{_questions(frame, outcome, across, lines)}"
    )
    return Plot(figure, axes, description, {"lines": drawn})
