"""What Datadive keeps of the notebook files it wrote: the base of the merge."""

from __future__ import annotations

from datadive.services.ipynb.file_base import KEEP_REVISIONS, BaseCell, FileBase, Revision


def revision(number: int, *sources: str) -> Revision:
    return Revision(number, tuple(BaseCell(f"c{i}", "code", s) for i, s in enumerate(sources)))


def test_the_base_survives_the_database_and_stores_each_source_once() -> None:
    shared = "df = pd.read_csv('survey.csv')\n" * 50
    base = FileBase(sha256="f" * 64, written=(("c0", "e" * 16), ("n1", None)))
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
    base = FileBase()
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
