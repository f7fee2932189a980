"""Ordering keys: always strictly between their neighbours, never ending in 0."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from datadive.services.positions import key_between, spread_keys


@given(st.lists(st.tuples(st.integers(min_value=0, max_value=1000), st.booleans()), max_size=60))
def test_inserting_anywhere_keeps_keys_ordered_and_unique(steps: list[tuple[int, bool]]) -> None:
    keys: list[str] = []
    for where, _ in steps:
        slot = where % (len(keys) + 1)
        low = keys[slot - 1] if slot > 0 else None
        high = keys[slot] if slot < len(keys) else None
        key = key_between(low, high)
        assert low is None or low < key
        assert high is None or key < high
        assert not key.endswith("0")
        keys.insert(slot, key)
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_squeezing_into_one_gap_grows_keys_slowly() -> None:
    low, high = "a", "b"
    for _ in range(40):
        high = key_between(low, high)
    assert len(high) < 45


def test_spread_keys_are_sorted_and_short() -> None:
    for count in (1, 2, 35, 1000, 5000):
        keys = spread_keys(count)
        assert len(keys) == count
        assert keys == sorted(keys)
        assert len(set(keys)) == count
        assert all(not key.endswith("0") for key in keys)
