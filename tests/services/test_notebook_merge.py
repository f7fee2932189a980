"""The three-way merge of a notebook file saved in JupyterLab into Datadive's cells, in
process: the file, the base Datadive wrote, and the cells as Datadive has them now."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from datadive.services.ipynb.file_base import BaseCell, Revision
from datadive.services.ipynb.notebook_merge import (
    FileCell,
    FileNotebook,
    Merge,
    NotANotebook,
    OurCell,
    merge_notebook,
    read_file_notebook,
)

NOTEBOOK_ID = "nb-1"
# Ids as Datadive makes them (UUIDv7) and as JupyterLab makes them (UUIDv4).
A, B, C, D = (f"0199aaaa-0000-7000-8000-00000000000{n}" for n in range(1, 5))
LAB_1 = "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b"
LAB_2 = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"


def new_ids() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"new-{next(counter)}"


def base(*cells: tuple[str, str, str], number: int = 1) -> Revision:
    return Revision(number, tuple(BaseCell(i, t, s) for i, t, s in cells))


def ours(*cells: tuple[str, str, str]) -> list[OurCell]:
    return [OurCell(i, k, s) for i, k, s in cells]


def file_cell(
    cell_id: str | None, source: str, cell_type: str = "code", *, claims: str | None = "same"
) -> FileCell:
    claimed = cell_id if claims == "same" else claims
    return FileCell(file_id=cell_id, claimed_id=claimed, cell_type=cell_type, source=source)


def file(*cells: FileCell, revision: int | None = 1) -> FileNotebook:
    return FileNotebook(cells=tuple(cells), revision=revision)


def merge(
    the_file: FileNotebook,
    the_base: Revision,
    our_cells: Sequence[OurCell],
    *,
    taken_elsewhere: Sequence[str] = (),
) -> Merge:
    return merge_notebook(
        file=the_file,
        base=the_base,
        ours=our_cells,
        taken_elsewhere=taken_elsewhere,
        new_id=new_ids(),
    )


def shown(result: Merge) -> list[tuple[str, str, str, str]]:
    return [(c.id, c.kind, c.source, c.change) for c in result.cells]


THREE = (
    (A, "code", "import pandas as pd"),
    (B, "code", "df = pd.read_csv('x.csv')"),
    (C, "markdown", "# Results"),
)
THREE_OURS = ours(
    (A, "code", "import pandas as pd"),
    (B, "template", "df = pd.read_csv('x.csv')"),
    (C, "markdown", "# Results"),
)


def the_file_of(*changes: tuple[str, str]) -> FileNotebook:
    """THREE as written, with some sources replaced."""
    replaced = dict(changes)
    return file(*(file_cell(i, replaced.get(i, s), t) for i, t, s in THREE))


def test_an_unchanged_file_changes_nothing() -> None:
    result = merge(the_file_of(), base(*THREE), THREE_OURS)

    assert [c.change for c in result.cells] == ["kept"] * 3
    assert [c.kind for c in result.cells] == ["code", "template", "markdown"]
    assert result.deleted == ()
    assert not result.changes_anything(THREE_OURS)
    assert result.matches_file(the_file_of())


def test_edited_code_becomes_the_cells_source() -> None:
    edited = the_file_of((A, "import pandas as pd\nimport numpy as np"))

    result = merge(edited, base(*THREE), THREE_OURS)

    assert shown(result)[0] == (A, "code", "import pandas as pd\nimport numpy as np", "updated")
    assert [c.change for c in result.cells[1:]] == ["kept", "kept"]
    assert result.changes_anything(THREE_OURS)
    assert result.matches_file(edited)  # nothing to write back


def test_an_edited_template_cell_becomes_a_code_cell_with_the_new_code() -> None:
    edited = the_file_of((B, "df = pd.read_csv('x.csv', sep=';')"))

    result = merge(edited, base(*THREE), THREE_OURS)

    assert shown(result)[1] == (B, "code", "df = pd.read_csv('x.csv', sep=';')", "updated")


def test_a_template_cell_left_alone_stays_a_template_cell() -> None:
    result = merge(the_file_of((A, "x = 1")), base(*THREE), THREE_OURS)

    assert shown(result)[1] == (B, "template", "df = pd.read_csv('x.csv')", "kept")


def test_markdown_edits_and_a_changed_cell_type_follow() -> None:
    edited = file(
        file_cell(A, "Notes instead of code", "markdown"),
        file_cell(B, "df = pd.read_csv('x.csv')"),
        file_cell(C, "# Results, revised", "markdown"),
    )

    result = merge(edited, base(*THREE), THREE_OURS)

    assert shown(result)[0] == (A, "markdown", "Notes instead of code", "updated")
    assert shown(result)[2] == (C, "markdown", "# Results, revised", "updated")


def test_new_cells_keep_jupyterlabs_ids_and_their_place() -> None:
    edited = file(
        file_cell(LAB_1, "# Setup", "markdown", claims=None),
        file_cell(A, "import pandas as pd"),
        file_cell(B, "df = pd.read_csv('x.csv')"),
        file_cell(LAB_2, "df.describe()", claims=None),
        file_cell(C, "# Results", "markdown"),
    )

    result = merge(edited, base(*THREE), THREE_OURS)

    assert shown(result) == [
        (LAB_1, "markdown", "# Setup", "created"),
        (A, "code", "import pandas as pd", "kept"),
        (B, "template", "df = pd.read_csv('x.csv')", "kept"),
        (LAB_2, "code", "df.describe()", "created"),
        (C, "markdown", "# Results", "kept"),
    ]
    assert result.matches_file(edited)


@pytest.mark.parametrize(
    ("lab_id", "elsewhere"),
    [
        pytest.param(None, (), id="no-id"),
        pytest.param("x1", (), id="too-short"),
        pytest.param("not/an id!", (), id="not-an-nbformat-id"),
        pytest.param("a" * 37, (), id="too-long"),
        pytest.param(LAB_1, (LAB_1,), id="a-cell-elsewhere-has-it"),
        pytest.param(A, (), id="an-id-of-this-notebook"),
    ],
)
def test_a_new_cell_gets_an_id_of_its_own_when_jupyterlabs_cannot_be_used(
    lab_id: str | None, elsewhere: tuple[str, ...]
) -> None:
    cells = [file_cell(i, s, t) for i, t, s in THREE]
    cells.append(file_cell(lab_id, "print('new')", claims=None))
    edited = file(*cells)

    result = merge(edited, base(*THREE), THREE_OURS, taken_elsewhere=elsewhere)

    assert shown(result)[:3] == [(i, k, s, "kept") for i, k, s in map(astuple, THREE_OURS)]
    assert shown(result)[3] == ("new-1", "code", "print('new')", "created")
    assert not result.matches_file(edited)  # the file must get Datadive's id


def astuple(cell: OurCell) -> tuple[str, str, str]:
    return (cell.id, cell.kind, cell.source)


def test_a_cell_deleted_in_jupyterlab_is_deleted() -> None:
    edited = file(file_cell(A, "import pandas as pd"), file_cell(C, "# Results", "markdown"))

    result = merge(edited, base(*THREE), THREE_OURS)

    assert result.deleted == (B,)
    assert [c.id for c in result.cells] == [A, C]
    assert result.matches_file(edited)


def test_a_cell_deleted_in_jupyterlab_but_changed_in_datadive_is_kept() -> None:
    edited = file(file_cell(A, "import pandas as pd"), file_cell(C, "# Results", "markdown"))
    changed = ours(
        (A, "code", "import pandas as pd"),
        (B, "template", "df = pd.read_csv('y.csv')"),
        (C, "markdown", "# Results"),
    )

    result = merge(edited, base(*THREE), changed)

    assert result.deleted == ()
    assert shown(result) == [
        (A, "code", "import pandas as pd", "kept"),
        (B, "template", "df = pd.read_csv('y.csv')", "kept"),
        (C, "markdown", "# Results", "kept"),
    ]


def test_cells_moved_in_jupyterlab_move() -> None:
    moved = file(
        file_cell(C, "# Results", "markdown"),
        file_cell(A, "import pandas as pd"),
        file_cell(B, "df = pd.read_csv('x.csv')"),
    )

    result = merge(moved, base(*THREE), THREE_OURS)

    assert [c.id for c in result.cells] == [C, A, B]
    assert [c.change for c in result.cells] == ["kept"] * 3
    assert result.changes_anything(THREE_OURS)
    assert result.matches_file(moved)


def test_a_move_in_datadive_stays_when_jupyterlab_only_edited() -> None:
    moved_here = ours(
        (C, "markdown", "# Results"),
        (A, "code", "import pandas as pd"),
        (B, "template", "df = pd.read_csv('x.csv')"),
    )

    result = merge(the_file_of((A, "import pandas")), base(*THREE), moved_here)

    assert [(c.id, c.change) for c in result.cells] == [(C, "kept"), (A, "updated"), (B, "kept")]


def test_when_both_sides_moved_cells_datadives_order_wins_and_nothing_is_lost() -> None:
    moved_here = ours(
        (B, "template", "df = pd.read_csv('x.csv')"),
        (A, "code", "import pandas as pd"),
        (C, "markdown", "# Results"),
    )
    moved_there = file(
        file_cell(C, "# Results", "markdown"),
        file_cell(A, "import pandas as pd"),
        file_cell(LAB_1, "x = 1", claims=None),
        file_cell(B, "df = pd.read_csv('x.csv')"),
    )

    result = merge(moved_there, base(*THREE), moved_here)

    assert [c.id for c in result.cells] == [B, A, LAB_1, C]


def test_a_cell_changed_on_both_sides_keeps_datadives_and_offers_jupyterlabs_after_it() -> None:
    changed_here = ours(
        (A, "code", "import pandas as pd"),
        (B, "template", "df = pd.read_csv('y.csv')"),
        (C, "markdown", "# Results"),
    )
    edited = the_file_of((B, "df = pd.read_csv('z.csv')"))

    result = merge(edited, base(*THREE), changed_here)

    assert shown(result)[:2] == [
        (A, "code", "import pandas as pd", "kept"),
        (B, "template", "df = pd.read_csv('y.csv')", "kept"),
    ]
    offered = result.cells[2]
    assert offered.change == "conflict"
    assert offered.conflict_of == B
    assert offered.kind == "code"
    first_line, rest = offered.source.split("\n", 1)
    assert first_line == "# JupyterLab's conflicting version of cell 2 (cell 2 keeps Datadive's)"
    assert rest == "df = pd.read_csv('z.csv')"
    assert offered.id not in {A, B, C}
    assert result.cells[3].id == C
    assert result.conflicts == (offered,)
    assert not result.matches_file(edited)  # the offered cell is not in the file yet


def test_a_markdown_conflict_is_offered_as_notes() -> None:
    changed_here = ours(
        (A, "code", "import pandas as pd"),
        (B, "template", "df = pd.read_csv('x.csv')"),
        (C, "markdown", "# Findings"),
    )

    result = merge(the_file_of((C, "# Outcomes")), base(*THREE), changed_here)

    offered = result.cells[3]
    assert (offered.kind, offered.change) == ("markdown", "conflict")
    assert offered.source.splitlines()[0].startswith("*JupyterLab's conflicting version of cell 3")
    assert offered.source.endswith("# Outcomes")


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    changed_here = ours(
        (A, "code", "import pandas as pd\n"),
        (B, "template", "df = pd.read_csv('x.csv')"),
        (C, "markdown", "# Results"),
    )

    result = merge(the_file_of((A, "import pandas as pd\n")), base(*THREE), changed_here)

    assert [c.change for c in result.cells] == ["kept"] * 3


def test_cells_added_in_datadive_since_the_base_keep_their_place() -> None:
    added_here = [*THREE_OURS[:2], OurCell(D, "code", "df.head()"), THREE_OURS[2]]
    edited = file(
        file_cell(A, "import pandas as pd"),
        file_cell(B, "df = pd.read_csv('x.csv')"),
        file_cell(C, "# Results", "markdown"),
        file_cell(LAB_1, "df.tail()", claims=None),
    )

    result = merge(edited, base(*THREE), added_here)

    assert [(c.id, c.change) for c in result.cells] == [
        (A, "kept"),
        (B, "kept"),
        (D, "kept"),
        (C, "kept"),
        (LAB_1, "created"),
    ]
    assert result.deleted == ()


def test_a_cell_deleted_in_datadive_stays_deleted_unless_jupyterlab_changed_it() -> None:
    without_b = [THREE_OURS[0], THREE_OURS[2]]

    untouched = merge(the_file_of(), base(*THREE), without_b)
    edited = merge(the_file_of((B, "df = pd.read_csv('w.csv')")), base(*THREE), without_b)

    assert [c.id for c in untouched.cells] == [A, C]
    assert not untouched.changes_anything(without_b)
    assert shown(edited) == [
        (A, "code", "import pandas as pd", "kept"),
        (B, "code", "df = pd.read_csv('w.csv')", "created"),
        (C, "markdown", "# Results", "kept"),
    ]


def test_a_pasted_copy_is_a_new_cell_not_the_original() -> None:
    pasted = file(
        file_cell(A, "import pandas as pd"),
        file_cell(B, "df = pd.read_csv('x.csv')"),
        file_cell(LAB_1, "df = pd.read_csv('x.csv')  # copy", claims=B),
        file_cell(C, "# Results", "markdown"),
    )

    result = merge(pasted, base(*THREE), THREE_OURS)

    assert shown(result) == [
        (A, "code", "import pandas as pd", "kept"),
        (B, "template", "df = pd.read_csv('x.csv')", "kept"),
        (LAB_1, "code", "df = pd.read_csv('x.csv')  # copy", "created"),
        (C, "markdown", "# Results", "kept"),
    ]


def test_cut_and_paste_moves_the_cell() -> None:
    cut_and_pasted = file(
        file_cell(A, "import pandas as pd"),
        file_cell(C, "# Results", "markdown"),
        file_cell(LAB_1, "df = pd.read_csv('x.csv')", claims=B),
    )

    result = merge(cut_and_pasted, base(*THREE), THREE_OURS)

    assert [(c.id, c.kind, c.change) for c in result.cells] == [
        (A, "code", "kept"),
        (C, "markdown", "kept"),
        (B, "template", "kept"),
    ]
    assert result.deleted == ()
    assert result.taken_in[2] == BaseCell(B, "code", "df = pd.read_csv('x.csv')", file_id=LAB_1)
    assert not result.matches_file(cut_and_pasted)  # the file gets the cell's own id back


def test_two_pasted_copies_of_a_cut_cell_are_both_new() -> None:
    twice = file(
        file_cell(A, "import pandas as pd"),
        file_cell(LAB_1, "df = 1", claims=B),
        file_cell(LAB_2, "df = 2", claims=B),
        file_cell(C, "# Results", "markdown"),
    )

    result = merge(twice, base(*THREE), THREE_OURS)

    assert [(c.id, c.change) for c in result.cells] == [
        (A, "kept"),
        (LAB_1, "created"),
        (LAB_2, "created"),
        (C, "kept"),
    ]
    assert result.deleted == (B,)


def test_a_second_cell_with_the_same_id_is_new() -> None:
    doubled = file(
        file_cell(A, "import pandas as pd"),
        file_cell(A, "import numpy as np"),
        file_cell(B, "df = pd.read_csv('x.csv')"),
        file_cell(C, "# Results", "markdown"),
    )

    result = merge(doubled, base(*THREE), THREE_OURS)

    assert [(c.id, c.source, c.change) for c in result.cells][:2] == [
        (A, "import pandas as pd", "kept"),
        ("new-1", "import numpy as np", "created"),
    ]


def test_a_raw_cell_becomes_a_notes_cell() -> None:
    with_raw = file(*the_file_of().cells, file_cell(LAB_1, "raw text", "raw", claims=None))

    result = merge(with_raw, base(*THREE), THREE_OURS)

    assert shown(result)[3] == (LAB_1, "markdown", "raw text", "created")
    assert not result.matches_file(with_raw)  # written back as markdown


def test_without_a_base_a_difference_is_a_conflict_never_a_loss() -> None:
    edited = the_file_of((A, "import polars as pl"))

    same = merge(the_file_of(), base(), THREE_OURS)
    different = merge(edited, base(), THREE_OURS)

    assert not same.changes_anything(THREE_OURS)
    assert [(c.id, c.change) for c in different.cells][:2] == [(A, "kept"), ("new-1", "conflict")]
    assert different.cells[1].source.endswith("import polars as pl")
    assert different.deleted == ()


def test_the_taken_in_cells_record_the_file_in_datadives_ids() -> None:
    edited = file(
        file_cell(A, "import pandas as pd"),
        file_cell(None, "print(1)", claims=None),
        file_cell(C, "# Results", "markdown"),
    )

    result = merge(edited, base(*THREE), THREE_OURS)

    assert result.taken_in == (
        BaseCell(A, "code", "import pandas as pd"),
        BaseCell("new-1", "code", "print(1)", file_id=None),
        BaseCell(C, "markdown", "# Results"),
    )


def ipynb(cells: list[dict[str, Any]], **metadata: Any) -> bytes:
    return json.dumps(
        {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}
    ).encode()


def test_reading_a_file_takes_ids_sources_and_the_revision() -> None:
    data = ipynb(
        [
            {
                "id": A,
                "cell_type": "code",
                "source": ["x = 1\n", "y = 2"],
                "metadata": {"datadive": {"cell_id": A, "kind": "code"}},
                "outputs": [],
                "execution_count": None,
            },
            {"id": LAB_1, "cell_type": "markdown", "source": "# Hi", "metadata": {}},
        ],
        datadive={"notebook_id": NOTEBOOK_ID, "revision": 7},
    )

    found = read_file_notebook(data, notebook_id=NOTEBOOK_ID)

    assert found.revision == 7
    assert found.cells == (
        FileCell(file_id=A, claimed_id=A, cell_type="code", source="x = 1\ny = 2"),
        FileCell(file_id=LAB_1, claimed_id=None, cell_type="markdown", source="# Hi"),
    )


@pytest.mark.parametrize(
    "datadive",
    [
        {"notebook_id": "another-notebook", "revision": 7},
        {"notebook_id": NOTEBOOK_ID, "revision": "7"},
        {"notebook_id": NOTEBOOK_ID, "revision": True},
        {"notebook_id": NOTEBOOK_ID},
        "not a mapping",
    ],
)
def test_a_revision_counts_only_when_written_for_this_notebook(datadive: Any) -> None:
    found = read_file_notebook(ipynb([], datadive=datadive), notebook_id=NOTEBOOK_ID)
    assert found.revision is None


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b'{"cells": [', id="broken-json"),
        pytest.param(b"\xff\xfe not text", id="not-utf8"),
        pytest.param(b"[1, 2]", id="a-list"),
        pytest.param(json.dumps({"nbformat": 3, "worksheets": []}).encode(), id="nbformat-3"),
        pytest.param(json.dumps({"nbformat": 4}).encode(), id="no-cells"),
        pytest.param(ipynb([{"cell_type": "widget", "source": ""}]), id="unknown-cell-type"),
        pytest.param(ipynb([{"cell_type": "code", "source": 5}]), id="source-not-text"),
        pytest.param(ipynb([{"cell_type": "code", "source": ["x = 1", "\x00"]}]), id="nul"),
        pytest.param(ipynb(["a cell?"]), id="cell-not-a-mapping"),
    ],
)
def test_a_file_that_is_not_a_notebook_is_refused(data: bytes) -> None:
    with pytest.raises(NotANotebook):
        read_file_notebook(data, notebook_id=NOTEBOOK_ID)


@st.composite
def edited_side(draw: st.DrawFn, base_ids: list[str], side: str) -> list[tuple[str, str]]:
    """One side's notebook after random edits of the base: (id, source) in order."""
    cells = [(i, f"base {i}") for i in base_ids]
    for index in draw(st.sets(st.integers(0, len(cells) - 1))) if cells else ():
        cells[index] = (cells[index][0], f"{side} edit {cells[index][0]}")
    deleted = draw(st.sets(st.sampled_from(base_ids))) if base_ids else set()
    cells = [cell for cell in cells if cell[0] not in deleted]
    if draw(st.booleans()):
        cells = draw(st.permutations(cells))
    for number in range(draw(st.integers(0, 3))):
        cell_id = f"{side}-new-{number:04d}"
        cells.insert(draw(st.integers(0, len(cells))), (cell_id, f"{side} new {number}"))
    return cells


@given(st.data(), st.integers(0, 6))
def test_nothing_is_lost_whatever_both_sides_did(data: st.DataObject, size: int) -> None:
    base_ids = [f"cell-{n:04d}" for n in range(size)]
    the_base = base(*((i, "code", f"base {i}") for i in base_ids))
    our_side = data.draw(edited_side(base_ids, "datadive"))
    their_side = data.draw(edited_side(base_ids, "lab"))
    our_cells = ours(*((i, "code", s) for i, s in our_side))
    the_file = file(*(file_cell(i, s) for i, s in their_side))

    result = merge(the_file, the_base, our_cells)

    sources = [c.source for c in result.cells]
    ids = [c.id for c in result.cells]
    assert len(set(ids)) == len(ids)
    offered = [s.split("\n", 1)[1] for s in sources if s.startswith("# JupyterLab's")]
    for _, source in our_side + their_side:
        if not source.startswith("base"):  # changed or new on one side: never lost
            assert source in sources or source in offered, source
    now, there = dict(our_side), dict(their_side)
    for cell_id in base_ids:
        was, ours_now, theirs_now = f"base {cell_id}", now.get(cell_id), there.get(cell_id)
        if ours_now is None and theirs_now in (None, was):
            assert cell_id not in ids  # deleted in Datadive, not changed in JupyterLab
        elif theirs_now is None and ours_now == was:
            assert cell_id not in ids  # deleted in JupyterLab, not changed in Datadive
        else:
            assert cell_id in ids  # on both sides, or changed where it was not deleted
    if their_side == [(i, f"base {i}") for i in base_ids]:  # nothing done in JupyterLab
        assert [(c.id, c.source) for c in result.cells] == our_side
        assert not result.changes_anything(our_cells)
    if our_side == [(i, f"base {i}") for i in base_ids]:  # nothing done in Datadive
        assert [(c.id, c.source) for c in result.cells] == their_side
        assert result.matches_file(the_file)
