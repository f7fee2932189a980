"""What every analysis returns: a `Result` that Jupyter shows as APA tables with a write-up,
and that holds every number as data.

    result = welch_anova(df, outcome="belonging", group="programme")
    result                      # tables, assumption checks, notes and the APA sentence
    result.values["p"]          # 0.0203…, unrounded
    result.tables["Welch ANOVA"]
    result.checks               # one row per assumption check, with a verdict in words
    result.report               # "A Welch ANOVA showed … F(2, 14.32) = 5.21, p = .020, …"

`values` is a flat dict with the same keys in every analysis where they apply (listed in
docs/reference/analyses.md: `statistic`, `df`, `p`, `effect_size`, `ci_low`, `n` …); values
for one group or term are keyed `"<key>[<group>]"`, e.g. `"mean[Psychology]"`.

An analysis that cannot run on the data raises `AnalysisError`, whose message says why in
words (one group only, a text column as outcome …); it is a `ValueError`, so code that
catches those keeps working.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from datadive.analysis.apa import Kind, number, p_value, shown_table

if TYPE_CHECKING:
    from datadive.analysis.plots import Plot

CHECK_COLUMNS = ["check", "statistic", "p", "passed", "verdict", "alternative"]


class AnalysisError(ValueError):
    """The analysis cannot run on these data; the message says why and what to change."""


@dataclass(frozen=True)
class Check:
    """One assumption check: what was checked, its numbers, and what it means in words."""

    check: str
    verdict: str
    passed: bool | None = None  # None: informative only, or could not be computed
    statistic: float | None = None
    p: float | None = None
    alternative: str | None = None  # the analysis to run instead when the check fails
    bounded: bool = False  # the statistic cannot exceed 1 (Shapiro-Wilk's W): no leading zero


def checks_table(checks: Iterable[Check]) -> pd.DataFrame:
    rows = [
        {
            "check": c.check,
            "statistic": c.statistic,
            "p": c.p,
            "passed": c.passed,
            "verdict": c.verdict,
            "alternative": c.alternative if c.passed is False else None,
        }
        for c in checks
    ]
    # Built as objects, so that None stays None (no alternative, nothing computed), not NaN.
    return pd.DataFrame(
        {name: pd.Series([row[name] for row in rows], dtype=object) for name in CHECK_COLUMNS}
    )


class Result:
    """The outcome of one analysis (see the module's docstring)."""

    def __init__(
        self,
        *,
        title: str,
        tables: Mapping[str, pd.DataFrame],
        values: Mapping[str, Any],
        report: str,
        checks: Sequence[Check] = (),
        notes: Sequence[str] = (),
        figures: Sequence[Plot] = (),
        kinds: Mapping[str, Mapping[str, Kind]] | None = None,
    ) -> None:
        self.title = title
        self.tables: dict[str, pd.DataFrame] = dict(tables)
        self.values: dict[str, Any] = dict(values)
        self.report = report
        self._checks = list(checks)
        self.checks = checks_table(self._checks)
        self.notes = list(notes)
        self.figures = list(figures)
        # How to show a table's columns when their names do not say (apa.kind_of_column).
        self._kinds = {name: dict(k) for name, k in (kinds or {}).items()}

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def shown_tables(self) -> dict[str, pd.DataFrame]:
        """The tables as they are shown: numbers formatted the APA way, as text."""
        return {
            name: shown_table(table, self._kinds.get(name)) for name, table in self.tables.items()
        }

    def _shown_checks(self) -> pd.DataFrame:
        shown = pd.DataFrame(
            {
                "Check": self.checks["check"],
                "Statistic": [
                    _statistic(v, bounded=c.bounded)
                    for v, c in zip(self.checks["statistic"], self._checks, strict=True)
                ],
                "p": [p_value(v) if v is not None else "–" for v in self.checks["p"]],
                "Verdict": self.checks["verdict"],
                "Suggested instead": self.checks["alternative"].fillna(""),
            }
        )
        if not shown["Suggested instead"].astype(bool).any():
            shown = shown.drop(columns="Suggested instead")
        return shown.set_index("Check")

    def _repr_html_(self) -> str:
        parts = [f"<div><p><strong>{html.escape(self.title)}</strong></p>"]
        for name, shown in self.shown_tables().items():
            parts.append(_html_table(name, shown))
        if len(self.checks):
            parts.append(_html_table("Assumption checks", self._shown_checks()))
        for note in self.notes:
            parts.append(f"<p><em>Note.</em> {html.escape(note)}</p>")
        parts.append(f"<p>{html.escape(self.report)}</p></div>")
        return "\n".join(parts)

    def __str__(self) -> str:
        parts = [self.title, "=" * len(self.title)]
        for name, shown in self.shown_tables().items():
            parts += ["", name, _cornered(shown).to_string()]
        if len(self.checks):
            parts += ["", "Assumption checks", _cornered(self._shown_checks()).to_string()]
        parts += [""] + [f"Note. {note}" for note in self.notes]
        parts += ["", self.report]
        return "\n".join(parts).replace("\n\n\n", "\n\n")

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _ipython_display_(self) -> None:
        """In Jupyter: the tables and write-up, then each figure as an image of its own (the
        Datadive page shows kernel tables as cleaned HTML, which holds no images)."""
        from IPython.display import display  # noqa: PLC0415 - only in a kernel

        display({"text/html": self._repr_html_(), "text/plain": str(self)}, raw=True)
        for figure in self.figures:
            display(figure)


def _statistic(value: Any, *, bounded: bool = False) -> str:
    if value is None or pd.isna(value):
        return "–"
    return number(float(value), 2, leading_zero=not bounded)


def _cornered(shown: pd.DataFrame) -> pd.DataFrame:
    """The rows' heading (`Source`, `Check`) in the table's top-left corner, not on a header
    row of its own."""
    if shown.index.name is None or isinstance(shown.columns, pd.MultiIndex):
        return shown
    cornered = shown.rename_axis(None)
    cornered.columns = pd.Index(cornered.columns, name=shown.index.name)
    return cornered


def _html_table(name: str, shown: pd.DataFrame) -> str:
    table = str(_cornered(shown).to_html(escape=True, border=0))
    caption = f"<caption>{html.escape(name)}</caption>"
    return table.replace(">", ">" + caption, 1) if "<table" in table else table
