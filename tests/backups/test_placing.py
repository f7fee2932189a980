"""Moving a staged restore into place is all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from datadive.backups.placing import Placement


def test_a_rename_that_fails_undoes_the_ones_before_it(tmp_path: Path) -> None:
    (tmp_path / "stage").mkdir()
    (tmp_path / "stage" / "files").mkdir()
    (tmp_path / "stage" / "db").write_text("restored database")
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "blob").write_text("old blob")
    (tmp_path / "db").write_text("old database")
    # Something already sits where the old database would be moved aside.
    (tmp_path / "aside").mkdir()
    (tmp_path / "aside" / "db").write_text("in the way")
    placement = Placement(aside_name="aside")
    placement.add(tmp_path / "stage" / "files", tmp_path / "files")
    placement.add(tmp_path / "stage" / "db", tmp_path / "db")

    with pytest.raises(FileExistsError):
        placement.apply()

    assert (tmp_path / "files" / "blob").read_text() == "old blob"
    assert (tmp_path / "db").read_text() == "old database"
    assert (tmp_path / "stage" / "db").read_text() == "restored database"
    assert (tmp_path / "stage" / "files").is_dir()
    assert placement.moved_aside == []


def test_what_was_there_is_moved_aside_and_kept(tmp_path: Path) -> None:
    (tmp_path / "staged-db").write_text("restored database")
    (tmp_path / "db").write_text("old database")
    (tmp_path / "db-wal").write_text("old log")
    placement = Placement(aside_name="aside")
    placement.clear.append(tmp_path / "db-wal")
    placement.add(tmp_path / "staged-db", tmp_path / "db")

    placement.apply()

    assert (tmp_path / "db").read_text() == "restored database"
    assert not (tmp_path / "db-wal").exists()
    assert (tmp_path / "aside" / "db").read_text() == "old database"
    assert (tmp_path / "aside" / "db-wal").read_text() == "old log"
    assert placement.moved_aside == [tmp_path / "aside" / "db-wal", tmp_path / "aside" / "db"]
