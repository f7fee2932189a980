"""DuckDB over files on disk: a bounded connection and `read_csv` / `read_parquet` /
`read_json` expressions, transcoding the text encodings DuckDB cannot read itself."""

from __future__ import annotations

import codecs
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from datadive.files.dialect import Dialect
from datadive.files.errors import UnreadableFile

# DuckDB reads these itself (its UTF-8 reader skips a byte-order mark; its UTF-16 is little-endian)
_NATIVE_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "utf-16-le": "utf-16"}
_TRANSCODE_CHUNK = 1024 * 1024
MEMORY_LIMIT = "512MB"


@contextmanager
def connect() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory database with a memory cap; what does not fit spills to a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="datadive-duckdb-") as spill:
        connection = duckdb.connect(
            config={
                "memory_limit": MEMORY_LIMIT,
                "threads": 2,
                "temp_directory": spill,
                "enable_external_access": True,
            }
        )
        try:
            yield connection
        finally:
            connection.close()


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_name(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def csv_expression(
    path: Path,
    dialect: Dialect,
    *,
    encoding: str,
    skip: int = 0,
    names: list[str] | None = None,
) -> str:
    options = [
        sql_string(str(path)),
        f"delim={sql_string(dialect.delimiter)}",
        f"quote={sql_string(dialect.quote)}",
        f"escape={sql_string(dialect.quote)}",
        f"encoding={sql_string(encoding)}",
        f"decimal_separator={sql_string(dialect.decimal)}",
        "strict_mode=false",
        "null_padding=true",
    ]
    if names is not None:
        options += ["header=false", f"skip={skip}"]
        options.append("names=[" + ", ".join(sql_string(name) for name in names) + "]")
    else:
        options.append(f"header={'true' if dialect.header else 'false'}")
    return "read_csv(" + ", ".join(options) + ")"


@contextmanager
def readable_text(
    path: Path, dialect: Dialect, *, max_records: int
) -> Iterator[tuple[Path, str, bool]]:
    """A path DuckDB can read, the encoding to name, and whether that is only the file's start.
    Files in other encodings are transcoded to UTF-8 in a streaming way, only as far as
    `max_records` records (by the sniffed record length, with room to spare) are needed."""
    native = _NATIVE_ENCODINGS.get(dialect.encoding)
    if native is not None:
        yield path, native, False
        return
    budget = int((max_records + 1) * dialect.bytes_per_record * 2) + _TRANSCODE_CHUNK
    with tempfile.TemporaryDirectory(prefix="datadive-transcode-") as folder:
        target = Path(folder) / "utf8.csv"
        truncated = transcode(path, target, encoding=dialect.encoding, max_bytes=budget)
        yield target, "utf-8", truncated


def transcode(source: Path, target: Path, *, encoding: str, max_bytes: int) -> bool:
    """Write `source` as UTF-8 to `target`; True when it stopped after about `max_bytes`."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    read = 0
    with source.open("rb") as inp, target.open("w", encoding="utf-8", newline="") as out:
        while True:
            chunk = inp.read(_TRANSCODE_CHUNK)
            read += len(chunk)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                raise UnreadableFile(
                    f"The file is not valid {encoding} text near byte "
                    f"{read - len(chunk) + error.start}; save it as UTF-8 and upload it again."
                ) from error
            if not chunk:
                out.write(text)
                return False
            if read >= max_bytes:
                # Stop at a line end; the caller treats what it reads as a sample
                out.write(text[: text.rfind("\n") + 1])
                return True
            out.write(text)


def parquet_expression(path: Path) -> str:
    return f"read_parquet({sql_string(str(path))})"


def json_expression(path: Path, *, lines: bool) -> str:
    style = "newline_delimited" if lines else "array"
    return f"read_json({sql_string(str(path))}, format={sql_string(style)}, records=true)"


def duckdb_error(error: duckdb.Error, *, what: str) -> UnreadableFile:
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    return UnreadableFile(f"The {what} cannot be read: {message}")
