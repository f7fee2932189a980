"""Paths of project files: what a user (or a kernel) names a file, made safe.

A path is relative to the project's file space (`data/` in the Jupyter working folder), uses
`/` between folders, and can never point outside it. Names that cannot be made safe without
guessing are refused with a message that says why (control characters, and direction
overrides such as U+202E that make a name read differently from what it is); harmless
differences (backslashes, doubled slashes, `./`, trailing dots and spaces, Unicode forms)
are normalized.
"""

from __future__ import annotations

import re
import unicodedata

from datadive.errors import Invalid
from datadive.schemas.text import ONE_LINE_REFUSED, describe, first_refused

MAX_PATH_LENGTH = 1024
MAX_NAME_BYTES = 255
MAX_DEPTH = 16
# Windows refuses these names (with any extension); keep files portable to every workspace.
RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)
DRIVE = re.compile(r"^[A-Za-z]:")


def normalize_path(raw: str, *, field: str = "path") -> str:
    """`raw` as a safe relative path (`folder/name.csv`), or Invalid naming `field`."""

    def refuse(message: str) -> Invalid:
        return Invalid.field(field, message)

    if found := first_refused(raw, ONE_LINE_REFUSED):
        # Direction overrides make `invoice\u202efdp.exe` look like `invoiceexe.pdf`.
        raise refuse(
            "must not contain control characters (such as NUL or line breaks) or direction "
            f"overrides: {raw!r} holds {describe(found[1])}; rename the file"
        )
    text = unicodedata.normalize("NFC", raw.replace("\\", "/")).strip()
    if text.startswith("/") or DRIVE.match(text):
        raise refuse("must be relative to the project's files, not an absolute path")
    parts = []
    for segment in text.split("/"):
        name = segment.strip().rstrip(". ")
        if segment.strip() in ("", "."):
            continue
        if segment.strip() == "..":
            raise refuse("must not contain `..`; files stay inside the project")
        if not name:
            raise refuse(f"{segment!r} is not a usable file or folder name")
        if len(name.encode("utf-8")) > MAX_NAME_BYTES:
            raise refuse(f"each file or folder name must be at most {MAX_NAME_BYTES} bytes long")
        if name.split(".")[0].strip().lower() in RESERVED_NAMES:
            raise refuse(f"{name!r} is a reserved device name on Windows; choose another name")
        parts.append(name)
    if not parts:
        raise refuse("must name a file")
    if len(parts) > MAX_DEPTH:
        raise refuse(f"must be at most {MAX_DEPTH} folders deep")
    path = "/".join(parts)
    if len(path) > MAX_PATH_LENGTH:
        raise refuse(f"must be at most {MAX_PATH_LENGTH} characters long")
    return path


def target_path(*, requested: str | None, filename: str | None) -> str:
    """Where an upload goes: `requested` (a folder when it ends in `/`), else its file name."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    if requested is not None and requested.strip():
        if requested.rstrip().endswith(("/", "\\")):
            if not name:
                raise Invalid.field("file", "the uploaded file has no name; give `path` instead")
            return normalize_path(f"{requested.rstrip()}{name}")
        return normalize_path(requested)
    if not filename:
        raise Invalid.field("path", "the uploaded file has no name; give `path`")
    return normalize_path(filename, field="file")


def parent_folders(path: str) -> list[str]:
    """`a/b/c.csv` → [`a`, `a/b`]."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]
