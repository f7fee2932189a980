"""The three kinds of text field and what each refuses, checked in-process."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from datadive.schemas.text import Code, OneLine, Prose, escape_nul

ONE_LINE = TypeAdapter(OneLine)
PROSE = TypeAdapter(Prose)
CODE = TypeAdapter(Code)


@pytest.mark.parametrize(
    "character",
    ["\x00", "\t", "\n", "\r", "\x1f", "\x7f", "\x80", "\x9f", "\u2028", "\u2029"]
    + [chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))],
)
def test_one_line_refuses_controls_separators_and_direction_overrides(character: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ONE_LINE.validate_python(f"ab{character}c")
    [error] = caught.value.errors()
    assert error["type"] == "control_character"
    assert f"U+{ord(character):04X}" in error["msg"]
    assert "(character 3)" in error["msg"]


@pytest.mark.parametrize("text", ["Pilot study", "Überprüfung 日本語", "a\u200db", "\u05e9\u05dc"])
def test_one_line_keeps_ordinary_unicode(text: str) -> None:
    assert ONE_LINE.validate_python(text) == text


def test_prose_keeps_line_breaks_tabs_and_direction_controls() -> None:
    text = "one\r\ntwo\tthree\n\u202bright to left\u202c\u2066isolated\u2069"
    assert PROSE.validate_python(text) == text


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_prose_refuses_other_controls(character: str) -> None:
    with pytest.raises(ValidationError, match="must not contain"):
        PROSE.validate_python(f"text{character}")


def test_code_refuses_only_nul() -> None:
    code = "s = 'bell\x07 esc\x1b del\x7f c1\x85 rlo\u202e'\f\n"
    assert CODE.validate_python(code) == code
    with pytest.raises(ValidationError, match="U\\+0000"):
        CODE.validate_python("x = 1\x00")


def test_escape_nul_writes_it_as_python_shows_it() -> None:
    assert escape_nul("a\x00b\x00") == "a\\x00b\\x00"
    assert escape_nul("plain") == "plain"
