"""Fractional ordering keys: a cell moves by getting a key between its new neighbours, so no
other row is rewritten. Keys are base-36 strings compared as text; none ends in "0", so there
is always room before any key."""

from __future__ import annotations

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
# Keys grow when many cells are squeezed into the same gap; past this, renumber the notebook.
LONGEST_KEY = 48


def _midpoint(low: str, high: str | None) -> str:
    """A key strictly between `low` and `high` ("" is the very start, None the very end)."""
    if high is not None:
        common = 0
        while common < len(high) and (low[common] if common < len(low) else "0") == high[common]:
            common += 1
        if common > 0:
            return high[:common] + _midpoint(low[common:], high[common:])
    digit_low = DIGITS.index(low[0]) if low else 0
    digit_high = DIGITS.index(high[0]) if high is not None else BASE
    if digit_high - digit_low > 1:
        return DIGITS[(digit_low + digit_high) // 2]
    if high is not None and len(high) > 1:
        return high[:1]
    return DIGITS[digit_low] + _midpoint(low[1:], None)


def key_between(before: str | None, after: str | None) -> str:
    if before is not None and after is not None and not before < after:
        raise ValueError(f"{before!r} must sort before {after!r}")
    return _midpoint(before or "", after)


def spread_keys(count: int) -> list[str]:
    """`count` short, evenly spread keys, for a fresh numbering."""
    keys: list[str] = []
    width = 1
    while BASE**width <= count * 2:
        width += 1
    step = (BASE**width - 1) // (count + 1)
    for number in range(1, count + 1):
        value, digits = number * step, []
        for _ in range(width):
            value, digit = divmod(value, BASE)
            digits.append(DIGITS[digit])
        keys.append("".join(reversed(digits)).rstrip("0") or "1")
    return keys
