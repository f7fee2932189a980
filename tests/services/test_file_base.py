"""What Datadive keeps of the notebook files it wrote (the merge base), and how the merged
cells get their ordering keys."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from datadive.db.models import Cell
from datadive.services.file_base import KEEP_REVISIONS, BaseCell, FileBase, Revision
from datadive.services.notebook_sync import kept_in_order, place_cells
from datadive.services.positions import LONGEST_KEY, spread_keys


def revision(number: int, *sources: str) -> Revision:
    return Revision(number, tuple(BaseCell(f"c{i}", "code", s) for i, s in enumerate(sources)))


def test_the_base_survives_the_database_and_stores_each_source_once() -> None:
    shared = "df = pd.read_csv('survey.csv')\n" * 50
    base = FileBase(sha256="f" * 64, written=(("c0", "e" * 16), ("n1", None)), current=2)
    base = base.with_revision(revision(1, shared, "x = 1"))
    base = base.with_revision(
        Revision(2, (BaseCell("c0", "code", shared), BaseCell("n1", "markdown", "# Hi", "lab-id")))
    )

    stored = base.to_json()
    again = FileBase.from_json(stored)

    assert again == base
    assert list(stored["sources"].values()).count(shared) == 1


def test_only_the_newest_revisions_are_kept() -> None:
    base = FileBase()
    for number in range(1, KEEP_REVISIONS + 6):
        base = base.with_revision(revision(number, f"x = {number}"))

    assert [r.number for r in base.revisions] == list(range(6, KEEP_REVISIONS + 6))
    assert base.next_number() == KEEP_REVISIONS + 6


def test_the_base_of_a_file_is_the_revision_it_names() -> None:
    base = FileBase(current=3)
    for number in (2, 3):
        base = base.with_revision(revision(number, f"x = {number}"))

    assert base.base_of(2).number == 2
    assert base.base_of(None).number == 3  # names none: the file on disk
    assert base.base_of(1).number == 2  # no longer kept: the oldest kept
    assert FileBase().base_of(5).cells == ()


def test_a_stored_base_of_an_unknown_format_counts_as_none() -> None:
    assert FileBase.from_json(None) == FileBase()
    assert FileBase.from_json({"format": 99, "revisions": []}) == FileBase()
    assert FileBase.from_json({"format": 1, "revisions": [{"number": 1}]}) == FileBase()
    assert FileBase.from_json({"format": 1, "revisions": "x", "sources": {}}) == FileBase()


def cells_with(keys: Sequence[str | None]) -> list[Cell]:
    return [Cell(id=f"c{i}", position=key or "") for i, key in enumerate(keys)]


@given(
    st.permutations(list(range(12))),
    st.lists(st.integers(min_value=0, max_value=12), max_size=30),
)
def test_merged_cells_get_keys_in_their_new_order(order: list[int], inserts: list[int]) -> None:
    keys = spread_keys(12)
    cells: list[Cell] = [Cell(id=f"c{i}", position=keys[i]) for i in order]
    for number, slot in enumerate(inserts):
        cells.insert(min(slot, len(cells)), Cell(id=f"new{number}", position=""))
    before = {cell.id: cell.position for cell in cells}
    existing = {f"c{i}" for i in range(12)}

    moved = place_cells(cells, existing)

    positions = [cell.position for cell in cells]
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)
    rewritten = {c.id for c in cells if c.id in existing and c.position != before[c.id]}
    assert rewritten == moved
    # Only cells out of the longest in-order run are rewritten.
    assert len(moved) == 12 - len(kept_in_order([before[c.id] or None for c in cells]))


def test_moving_one_cell_rewrites_that_cell_only() -> None:
    cells = cells_with(spread_keys(6))
    cells.insert(1, cells.pop(4))

    moved = place_cells(cells, {c.id for c in cells})

    assert moved == {"c4"}
    assert [c.position for c in cells] == sorted(c.position for c in cells)


def test_many_new_cells_in_one_gap_keep_short_keys() -> None:
    cells = cells_with(["a", "b"])
    cells[1:1] = [Cell(id=f"n{i}", position="") for i in range(1500)]

    place_cells(cells, {"c0", "c1"})

    positions = [c.position for c in cells]
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)
    assert max(len(p) for p in positions) <= LONGEST_KEY
    assert (cells[0].position, cells[-1].position) == ("a", "b")
