"""Numbers as APA 7 prints them: `p = .023` and `p < .001`, no leading zero for a statistic
that cannot exceed 1 (r, η², V, α), two decimals for most statistics, degrees of freedom whole
where they are whole and with decimals where they are not (Welch).

These only format: every analysis keeps its numbers unrounded in `.tables` and `.values`.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import pandas as pd

# How a column of a result table is shown.
Kind = Literal["p", "bounded", "count", "df", "number", "text"]

# Names of statistics that cannot exceed 1 in absolute value: shown without a leading zero.
BOUNDED = frozenset(
    {
        "r", "ρ", "τ", "τ-b", "τb", "R", "R²", "adjusted R²", "η²", "partial η²", "ηp²", "ω²",
        "partial ω²", "ε²", "V", "φ", "Cramér's V", "α", "ω", "W", "Kendall's W",
        "rank-biserial r", "r (rank-biserial)", "pseudo-R²", "McFadden R²", "Nagelkerke R²",
        "Cox-Snell R²", "item-total r", "ε (Greenhouse-Geisser)", "ε (Huynh-Feldt)",
        "Greenhouse-Geisser ε", "Huynh-Feldt ε", "proportion", "partial r",
    }
)  # fmt: skip
COUNTS = frozenset({"n", "N", "k", "count", "observed", "Observed", "missing", "Missing"})
DEGREES = frozenset({"df", "df1", "df2", "df (effect)", "df (error)", "df (residual)"})
DASH = "–"  # what a table shows for a number that does not apply (en dash, as APA tables do)


def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def number(value: Any, decimals: int = 2, *, leading_zero: bool = True) -> str:
    """`value` with `decimals` decimals; `.17` instead of `0.17` when `leading_zero` is False;
    a minus sign for negatives and no `-0.00`."""
    if not _finite(value):
        return DASH
    text = f"{float(value):.{decimals}f}"
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")
    if not leading_zero:
        text = text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text
    return text.replace("-", "−")


def p_value(p: Any) -> str:
    """A p-value as a table shows it: `.023`, `< .001`, `1.000` never (`> .999`)."""
    if not _finite(p):
        return DASH
    p = float(p)
    if p < 0.001:
        return "< .001"
    if p > 0.999:
        return "> .999"
    return number(p, 3, leading_zero=False)


def p_phrase(p: Any) -> str:
    """A p-value as a sentence says it: `p = .023`, `p < .001`."""
    shown = p_value(p)
    if shown.startswith(("<", ">")):
        return f"p {shown}"
    return f"p = {shown}"


def degrees(df: Any) -> str:
    """Degrees of freedom: `2` when whole, `14.32` when not (Welch)."""
    if not _finite(df):
        return DASH
    df = float(df)
    if abs(df - round(df)) < 1e-9:
        return str(round(df))
    return number(df, 2)


def statistic_phrase(name: str, value: Any, *dfs: Any) -> str:
    """`F(2, 14.32) = 5.21`, `t(38) = −2.10`, `χ²(1, N = 80) = 4.12` (pass the N as text)."""
    inside = ", ".join(degrees(df) if not isinstance(df, str) else df for df in dfs)
    head = f"{name}({inside})" if inside else name
    bounded = name in BOUNDED
    return f"{head} = {number(value, 2, leading_zero=not bounded)}"


def interval(low: Any, high: Any, *, bounded: bool = False, level: float = 0.95) -> str:
    """`95% CI [0.12, 1.40]`, or `95% CI [.00, .38]` for a bounded statistic."""
    shown = [number(v, 2, leading_zero=not bounded) for v in (low, high)]
    return f"{round(level * 100):g}% CI [{shown[0]}, {shown[1]}]"


def effect_phrase(name: str, value: Any, low: Any = None, high: Any = None) -> str:
    """`ω² = .17, 95% CI [.00, .38]` (the interval only when it is known)."""
    bounded = name in BOUNDED
    text = f"{name} = {number(value, 2, leading_zero=not bounded)}"
    if _finite(low) and _finite(high):
        text += ", " + interval(low, high, bounded=bounded)
    return text


def kind_of_column(name: Any) -> Kind:
    """How a result table shows a column, guessed from its name (an analysis may say)."""
    text = str(name)
    if text == "p" or text.startswith(("p ", "p(")):
        return "p"
    if text in DEGREES:
        return "df"
    if text in COUNTS or text.startswith("n "):
        return "count"
    if text in BOUNDED or text.split(" ", maxsplit=1)[0] in BOUNDED:
        return "bounded"
    return "number"


def shown_value(value: Any, kind: Kind) -> str:
    if isinstance(value, str) or kind == "text":
        return "" if value is None else str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "p":
        return p_value(value)
    if kind == "df":
        return degrees(value)
    if kind == "count":
        return str(round(float(value))) if _finite(value) else DASH
    if kind == "bounded":
        return number(value, 2, leading_zero=False)
    missing = value is None or isinstance(value, float)  # NaN: a number that does not apply
    return number(value, 2) if _finite(value) or missing else str(value)


def shown_table(table: pd.DataFrame, kinds: dict[str, Kind] | None = None) -> pd.DataFrame:
    """The table as APA prints it: every number formatted by its column's kind."""
    kinds = kinds or {}
    shown = pd.DataFrame(index=table.index)
    for column in table.columns:
        kind = kinds.get(str(column)) or kind_of_column(column)
        shown[column] = [
            str(value) if isinstance(value, str) else shown_value(value, kind)
            for value in table[column].tolist()
        ]
    shown.index = pd.Index([_index_text(v) for v in table.index], name=table.index.name)
    return shown


def _index_text(value: Any) -> str:
    if isinstance(value, tuple):
        return " × ".join(str(part) for part in value)
    return str(value)
