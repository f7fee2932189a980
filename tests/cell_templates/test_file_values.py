"""A `file` input takes a relative path inside the kernel's working folder, nothing else:
no way out of the project (`..`, absolute paths, `~`), no URL that pandas would fetch."""

from __future__ import annotations

import pytest

from datadive.cell_templates.library import builtin_template
from datadive.cell_templates.values import check_values
from datadive.errors import Invalid


def file_error(path: str) -> str | None:
    template = builtin_template("load-csv")
    assert template is not None
    try:
        check_values(template, {"file": path})
    except Invalid as error:
        return {problem.field: problem.message for problem in error.errors}.get("inputs.file")
    return None


@pytest.mark.parametrize(
    "path",
    ["data/survey.csv", "data/raw/wave 2/Umfrage ä.csv", "survey.tsv", "./data/a.csv"],
)
def test_relative_paths_inside_the_project_are_accepted(path: str) -> None:
    assert file_error(path) is None


@pytest.mark.parametrize(
    "path",
    [
        "../secret.csv",
        "data/../../secret.csv",
        "/etc/passwd.csv",
        "//server/share.csv",
        "~/secret.csv",
        "~root/secret.csv",
        "data\\..\\secret.csv",
        "C:/Users/x.csv",
        "C:x.csv",
        "https://example.org/data.csv",
        "s3://bucket/data.csv",
        "file:///etc/passwd.csv",
        "data/a.csv\x00.txt",
        "data/a\n.csv",
        ".",
    ],
)
def test_paths_leaving_the_project_are_refused(path: str) -> None:
    problem = file_error(path)
    assert problem is not None
    assert "inside the project" in problem or "file in the project" in problem


def test_the_file_ending_must_be_one_the_template_accepts() -> None:
    assert file_error("data/survey.xlsx") == "must be a file ending in .csv, .tsv, .txt"
