"""Ordering keys: always strictly between their neighbours, never ending in 0."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from datadive.services.authoring.positions import (
    LONGEST_KEY,
    key_between,
    keys_for_order,
    longest_in_order,
    spread_keys,
)


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


@given(
    st.permutations(list(range(12))),
    st.lists(st.integers(min_value=0, max_value=12), max_size=30),
)
def test_a_new_order_keeps_as_many_keys_as_it_can(order: list[int], inserts: list[int]) -> None:
    """As when a save from JupyterLab moved and added cells."""
    old = spread_keys(12)
    current: list[str | None] = [old[i] for i in order]
    for slot in inserts:
        current.insert(min(slot, len(current)), None)

    keys = keys_for_order(current)

    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys) == len(current)
    rewritten = [i for i, key in enumerate(current) if key is not None and keys[i] != key]
    # Only the keys outside the longest run already in order change.
    assert len(rewritten) == 12 - longest_increasing_length(order)


def longest_increasing_length(values: list[int]) -> int:
    """The length of the longest increasing subsequence, the plain quadratic way."""
    best: list[int] = []
    for i, value in enumerate(values):
        best.append(1 + max((best[j] for j in range(i) if values[j] < value), default=0))
    return max(best, default=0)


def test_moving_one_item_rewrites_its_key_only() -> None:
    current: list[str | None] = list(spread_keys(6))
    current.insert(1, current.pop(4))

    keys = keys_for_order(current)

    assert [i for i, key in enumerate(keys) if key != current[i]] == [1]
    assert keys == sorted(keys)


def test_many_new_items_in_one_gap_keep_short_keys() -> None:
    current: list[str | None] = ["a", *([None] * 1500), "b"]

    keys = keys_for_order(current)

    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert max(len(key) for key in keys) <= LONGEST_KEY
    assert (keys[0], keys[-1]) == ("a", "b")


def test_the_longest_run_in_order_is_found() -> None:
    assert longest_in_order(["b", None, "a", "c", "d", "0"]) in ({0, 3, 4}, {2, 3, 4})
    assert longest_in_order([None, None]) == set()
