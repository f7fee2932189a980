"""Fractional ordering keys: a cell moves by getting a key between its new neighbours, so no
other row is rewritten. Keys are base-36 strings compared as text; none ends in "0", so there
is always room before any key."""

from __future__ import annotations

from collections.abc import Sequence

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


def keys_between(low: str | None, high: str | None, count: int) -> list[str]:
    """`count` keys between `low` and `high`, split evenly (so they stay short)."""
    if count == 0:
        return []
    middle = count // 2
    key = key_between(low, high)
    return [*keys_between(low, key, middle), key, *keys_between(key, high, count - middle - 1)]


def longest_in_order(keys: Sequence[str | None]) -> set[int]:
    """Indexes of the longest increasing run of the keys that are not None."""
    tails: list[int] = []  # tails[k]: the index ending the best run of length k + 1 so far
    previous: dict[int, int | None] = {}
    for index, key in enumerate(keys):
        if key is None:
            continue
        low, high = 0, len(tails)
        while low < high:
            mid = (low + high) // 2
            if (keys[tails[mid]] or "") < key:
                low = mid + 1
            else:
                high = mid
        previous[index] = tails[low - 1] if low > 0 else None
        if low == len(tails):
            tails.append(index)
        else:
            tails[low] = index
    kept: set[int] = set()
    at = tails[-1] if tails else None
    while at is not None:
        kept.add(at)
        at = previous[at]
    return kept


def keys_for_order(current: Sequence[str | None]) -> list[str]:
    """Keys for items in this (new) order, given their keys now (None: a new item). As many
    items as can keep their key do; the others get keys between their neighbours; when keys
    would grow too long, the whole list is renumbered."""
    kept = longest_in_order(current)
    keys = [key if index in kept and key is not None else None for index, key in enumerate(current)]
    index = 0
    while index < len(keys):
        if keys[index] is not None:
            index += 1
            continue
        end = index
        while end < len(keys) and keys[end] is None:
            end += 1
        low = keys[index - 1] if index > 0 else None
        high = keys[end] if end < len(keys) else None
        keys[index:end] = keys_between(low, high, end - index)
        index = end
    placed = [key for key in keys if key is not None]
    if any(len(key) > LONGEST_KEY for key in placed):
        return spread_keys(len(placed))
    return placed
