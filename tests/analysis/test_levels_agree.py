"""A column has the same question text, level and value labels on the file page and in the
notebook: the app's metadata (`datadive.files`) and the kernel reader (`datadive.analysis`)
apply the same Qualtrics rules to the same file."""

from __future__ import annotations

from pathlib import Path

import pytest

from datadive.analysis import column_info, read_qualtrics
from datadive.files import read_metadata
from datadive.files import read_qualtrics as read_export_metadata
from tests.files.survey_files import FIXTURES, write_export, write_qsf
from tests.support.programme_survey import programme_export, programme_qsf


def exports(folder: Path) -> list[tuple[Path, Path | None]]:
    habits, programmes = folder / "habits.csv", folder / "programmes.csv"
    write_export(habits)
    programmes.write_bytes(programme_export())
    (folder / "programmes.qsf").write_bytes(programme_qsf())
    return [
        (FIXTURES / "qualtrics_export_de.csv", None),
        (FIXTURES / "qualtrics_export_legacy_de.csv", None),
        (habits, None),
        (habits, write_qsf(folder / "habits.qsf")),
        (programmes, folder / "programmes.qsf"),
    ]


@pytest.mark.parametrize("which", range(5))
def test_the_file_page_and_the_notebook_describe_each_column_alike(
    tmp_path: Path, which: int, capsys: pytest.CaptureFixture[str]
) -> None:
    export, qsf = exports(tmp_path)[which]
    if qsf is None:
        metadata = read_metadata(export, "csv", original_name=export.name)
    else:
        metadata = read_export_metadata(export, qsf)
    table = read_qualtrics(export, qsf=qsf, drop_previews=False)
    capsys.readouterr()  # what the reader printed

    page = {
        column["name"]: (column["label"], column["measurement"], column["value_labels"])
        for column in metadata["columns"]
    }
    notebook = {}
    for name in table.columns:
        info = column_info(table, name)
        notebook[name] = (info["label"], info["measurement"], info["value_labels"])
    # The reader drops a nameless empty column (a trailing separator); the page lists it.
    unnamed = {c["name"] for c in metadata["columns"] if c["qualtrics"]["role"] == "unnamed"}
    assert [name for name in page if name not in unnamed] == list(notebook)
    differing = {
        name: (page[name], notebook[name]) for name in notebook if page[name] != notebook[name]
    }
    assert differing == {}
