"""Paths of project files are normalized into the project or refused with a reason."""

from __future__ import annotations

import pytest

from datadive.errors import Invalid
from datadive.services.data_files.file_paths import normalize_path, target_path


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("survey.csv", "survey.csv"),
        ("raw\\2024\\survey.csv", "raw/2024/survey.csv"),
        ("./raw//survey.csv", "raw/survey.csv"),
        ("notes. ", "notes"),
        ("Cafe\u0301.csv", "Café.csv"),
        ("console.csv", "console.csv"),
    ],
)
def test_harmless_differences_are_normalized(raw: str, normalized: str) -> None:
    assert normalize_path(raw) == normalized


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("../x", "`..`"),
        ("..\\x", "`..`"),
        ("a/../../x", "`..`"),
        ("/etc/passwd", "absolute"),
        ("\\\\server\\share\\x", "absolute"),
        ("C:\\x.csv", "absolute"),
        ("a\x00b", "control"),
        ("a\nb", "control"),
        ("a\x85b.csv", "control"),
        ("invoice\u202efdp.exe", "direction overrides"),
        ("raw/\u2066x\u2069.csv", "direction overrides"),
        ("x" * 300, "255 bytes"),
        ("NUL", "reserved"),
        ("raw/com1.txt", "reserved"),
        ("", "must name a file"),
        ("./", "must name a file"),
        ("/".join(["d"] * 20), "deep"),
        ("...", "not a usable"),
    ],
)
def test_unsafe_paths_are_refused_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(Invalid, match=reason) as caught:
        normalize_path(raw)
    assert caught.value.errors[0].field == "path"


def test_upload_targets() -> None:
    assert target_path(requested=None, filename="a.csv") == "a.csv"
    assert target_path(requested="raw/", filename="a.csv") == "raw/a.csv"
    assert target_path(requested="raw/b.csv", filename="a.csv") == "raw/b.csv"
    with pytest.raises(Invalid):
        target_path(requested=None, filename=None)
