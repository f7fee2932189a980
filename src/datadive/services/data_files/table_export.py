"""Download a pandas table from the notebook's running kernel as CSV or Excel (SECURITY.md
check 24).

The kernel is asked silently (`kernel_variables.evaluate_silently`: no execution count, no
history, nothing left in the user's namespace) to write the table to a file of its own under
the project's workspace, `.datadive-export/<random>.csv|.xlsx`. Before writing, every text
cell and column name that a spreadsheet would take for a formula (starting with `=`, `+`,
`-`, `@`, a tab or a carriage return) gets a `'` in front; numbers stay numbers. The server
opens the file, removes its name at once and streams it.

Nothing is started: with no kernel running the answer is a Conflict. The kernel runs the
project's code, so its answer is read as data and checked; the file it wrote is found by the
name the server chose, never by a name the kernel gives back.
"""

from __future__ import annotations

import asyncio
import contextlib
import keyword
import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

from websockets.exceptions import WebSocketException

from datadive.db.models import Notebook
from datadive.errors import Conflict, Invalid, NotFound, Unavailable
from datadive.execution.local import LocalBackend
from datadive.execution.wire import WireError
from datadive.services.running.kernel_variables import (
    evaluate_silently,
    read_json,
    running_kernel,
    scoped_expression,
)
from datadive.services.running.run_executor import RunExecutor

log = logging.getLogger(__name__)

TableFormat = Literal["csv", "xlsx"]
EXPORT_FOLDER = ".datadive-export"
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Writing a big table takes a while; a kernel busy with a cell answers only afterwards.
EXPORT_SECONDS = 120.0
# Files a timed-out export may still have written are removed by a later export.
LEFTOVER_SECONDS = 3600
MAX_NAME_LENGTH = 200

# Runs in the kernel with `exec` in a namespace of its own (so none of these names reach the
# user's), given `user_ns`, `name`, `path` and `table_format`; it sets `answer`.
WRITER = r"""
import json, os, sys

def write():
    pd = sys.modules.get("pandas")
    value = user_ns.get(name)
    if pd is None or not isinstance(value, pd.DataFrame):
        return {"status": "missing"}
    risky = ("=", "+", "-", "@", "\t", "\r")

    def safe(cell):
        return "'" + cell if isinstance(cell, str) and cell.startswith(risky) else cell

    table = value
    if any(level is not None for level in table.index.names):
        table = table.reset_index()
    table = table.copy(deep=False)
    if isinstance(table.columns, pd.MultiIndex):
        table.columns = [" / ".join(map(str, column)) for column in table.columns]
    table.columns = [safe(str(column)) for column in table.columns]
    kinds = pd.api.types
    for position in range(table.shape[1]):
        column = table.iloc[:, position]
        if not (kinds.is_numeric_dtype(column) or kinds.is_datetime64_any_dtype(column)):
            table.isetitem(position, column.astype(object).map(safe))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if table_format == "csv":
        # CRLF line ends (RFC 4180): Python before 3.12 quotes a field holding a carriage
        # return only when the line terminator contains one.
        table.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    else:
        table.to_excel(path, index=False, engine="openpyxl")
    return {"status": "ok", "rows": len(table)}

try:
    answer = json.dumps(write())
except Exception as error:
    answer = json.dumps({"status": "error", "message": f"{type(error).__name__}: {error}"[:500]})
"""


@dataclass
class ExportedTable:
    """The written table, open for reading (its name is already gone from the folder)."""

    handle: BinaryIO
    filename: str
    media_type: str
    size: int


def check_table_name(name: str) -> str:
    """A table is a variable of the kernel: a Python name, checked before it goes into code."""
    if len(name) > MAX_NAME_LENGTH or not name.isidentifier() or keyword.iskeyword(name):
        raise Invalid.field("name", "must be the name of a table, like df")
    return name


def writer_expression(*, name: str, path: str, table_format: TableFormat) -> str:
    """One expression for `user_expressions`: it runs WRITER apart and yields its answer."""
    return scoped_expression(WRITER, name=name, path=path, table_format=table_format)


def read_answer(answer: Any) -> dict[str, Any]:
    """The kernel's answer, checked: a dict with a status, or an error of ours."""
    if not isinstance(answer, dict) or answer.get("status") != "ok":
        raise Unavailable("The kernel did not answer the export; try again.")
    parsed = read_json(answer)
    if not isinstance(parsed, dict) or not isinstance(parsed.get("status"), str):
        raise Unavailable("The kernel's answer to the export could not be read.")
    return parsed


def export_folder(executor: RunExecutor, notebook: Notebook) -> Path:
    backend = executor.backend
    if not isinstance(backend, LocalBackend):
        raise Unavailable("Downloading a table from the kernel needs the local execution backend.")
    return backend.workspace(notebook.project_id) / EXPORT_FOLDER


def remove_leftovers(folder: Path) -> None:
    if not folder.is_dir():
        return
    cutoff = time.time() - LEFTOVER_SECONDS
    for item in folder.iterdir():
        with contextlib.suppress(OSError):
            if item.is_file() and item.stat().st_mtime < cutoff:
                item.unlink()


async def export_table(
    executor: RunExecutor, *, notebook: Notebook, name: str, table_format: TableFormat
) -> ExportedTable:
    """The table `name` of the notebook's running kernel, written as `table_format`."""
    check_table_name(name)
    folder = export_folder(executor, notebook)
    found = await running_kernel(executor, notebook=notebook)
    if found is None:
        raise Conflict("No kernel runs for this notebook: run its cells first, then download.")
    handle, kernel_id = found
    await asyncio.to_thread(remove_leftovers, folder)
    path = folder / f"{secrets.token_hex(16)}.{table_format}"
    expression = writer_expression(name=name, path=str(path), table_format=table_format)
    try:
        async with asyncio.timeout(EXPORT_SECONDS):
            answer = read_answer(await evaluate_silently(handle, kernel_id, expression))
    except TimeoutError:
        raise Conflict(
            "The kernel is busy; try again when the running cell has finished."
        ) from None
    except (OSError, WebSocketException, WireError) as exc:
        log.info("export from the kernel of notebook %s failed: %r", notebook.id, exc)
        raise Unavailable("The kernel could not be reached; try again.") from None
    try:
        if answer["status"] == "missing":
            raise NotFound(f"The kernel holds no table named {name}.")
        if answer["status"] != "ok":
            message = str(answer.get("message", ""))[:500]
            raise Invalid.field("format", f"the table could not be written: {message}")
        file = await asyncio.to_thread(path.open, "rb")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    path.unlink(missing_ok=True)
    size = os.fstat(file.fileno()).st_size
    return ExportedTable(
        handle=file,
        filename=f"{name}.{table_format}",
        media_type=MEDIA_TYPES[table_format],
        size=size,
    )
