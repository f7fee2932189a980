"""The text a client may send, by class of field, checked once for every way in: request
bodies, query and path parameters, and the web forms (which parse the same schemas).

- `OneLine`: names, titles, usernames, searches, ids, paths. No control characters at all
  (C0 including tab and line breaks, DEL, C1), no line or paragraph separators (U+2028,
  U+2029) and no bidirectional controls (U+202A–U+202E, U+2066–U+2069), which can make a
  name read differently from what it is (`txt.exe` shown as `exe.txt`).
- `Prose`: descriptions. Tab, line feed and carriage return are fine; other control
  characters are not. Bidirectional controls are allowed: right-to-left writing needs them.
- `Code`: cell sources and template code. Anything Python accepts, which is everything but
  NUL.

NUL is refused everywhere: PostgreSQL cannot store it in text, and SQLite would store what
PostgreSQL refuses, so both databases answer the same. Errors have the type
`control_character` and say which character and where.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

C0 = frozenset(chr(code) for code in range(0x20))
C1 = frozenset(chr(code) for code in range(0x80, 0xA0))
DEL = frozenset({"\x7f"})
LINE_BREAKS = frozenset({"\t", "\n", "\r"})
SEPARATORS = frozenset({"\u2028", "\u2029"})
BIDI_CONTROLS = frozenset(chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))

ONE_LINE_REFUSED = C0 | DEL | C1 | SEPARATORS | BIDI_CONTROLS
PROSE_REFUSED = (C0 - LINE_BREAKS) | DEL | C1
CODE_REFUSED = frozenset({"\x00"})


def describe(character: str) -> str:
    """`U+202E (RIGHT-TO-LEFT OVERRIDE)`; control characters have no name, only a code."""
    name = unicodedata.name(character, "")
    code = f"U+{ord(character):04X}"
    return f"{code} ({name})" if name else f"{code} (a control character)"


@functools.cache
def pattern_of(refused: frozenset[str]) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(character) for character in sorted(refused)) + "]")


def first_refused(value: str, refused: frozenset[str]) -> tuple[int, str] | None:
    """Where the first character of `refused` is in `value` (0-based), and which."""
    found = pattern_of(refused).search(value)
    return (found.start(), found.group()) if found else None


def refusal_message(value: str, refused: frozenset[str]) -> str | None:
    """A sentence end (`must not contain …`) for the first refused character, or None."""
    found = first_refused(value, refused)
    if found is None:
        return None
    index, character = found
    return f"must not contain {describe(character)}; remove it (character {index + 1})"


def escape_nul(text: str) -> str:
    """Text Datadive stores but nobody typed (a kernel's error message) with each NUL written
    `\\x00`, as Python shows it: no database then holds a raw NUL."""
    return text.replace("\x00", "\\x00")


def checker(refused: frozenset[str]) -> AfterValidator:
    def check(value: str) -> str:
        if message := refusal_message(value, refused):
            raise PydanticCustomError("control_character", message)
        return value

    return AfterValidator(check)


OneLine = Annotated[str, checker(ONE_LINE_REFUSED)]
Prose = Annotated[str, checker(PROSE_REFUSED)]
Code = Annotated[str, checker(CODE_REFUSED)]
# Titles of projects and notebooks: surrounding spaces are dropped before the check.
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    checker(ONE_LINE_REFUSED),
]
