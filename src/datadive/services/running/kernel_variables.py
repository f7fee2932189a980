"""What the notebook's running kernel holds: its pandas tables and, for one table, its columns
with their labels, measurement levels and ranges, so that `column` / `columns` inputs can
offer them and a form can be checked against the data.

Asking never starts a server or a kernel: with none running the answer is empty. The question
is an `execute_request` with `silent=True, store_history=False` and empty code, the answer an
entry of `user_expressions`, so the user's execution count, history and outputs stay as they
were and nothing is added to their namespace. It goes over a websocket of its own: the
executor's websocket may be reading a running cell's messages at the same moment. A kernel busy
with a cell answers only afterwards; the question then gives up after a short wait.
"""

from __future__ import annotations

import ast
import asyncio
import json
import keyword
import logging
import math
import uuid
from collections.abc import Sequence
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from datadive.cell_templates.spec import LEVELS
from datadive.db.models import Notebook
from datadive.errors import DatadiveError
from datadive.execution.backend import ServerHandle
from datadive.execution.client import JupyterClient
from datadive.execution.wire import WireError, decode, encode, new_message
from datadive.services.running.run_executor import RunExecutor

log = logging.getLogger(__name__)

ASK_SECONDS = 2.0
MAX_TABLES = 100
MAX_COLUMNS = 1000
# The kernel runs the project's code: its answer is read only up to this size.
MAX_ANSWER_BYTES = 4 * 1024 * 1024
# Evaluated in the kernel as one expression: no name of ours is left in the user's namespace,
# and pandas is not imported when the notebook never did.
COLUMNS_EXPRESSION = (
    "__import__('json').dumps({"
    f"name: [str(column) for column in value.columns[:{MAX_COLUMNS}]] "
    "for name, value in list(get_ipython().user_ns.items()) "
    "if not name.startswith('_') and isinstance(value, "
    "getattr(__import__('sys').modules.get('pandas'), 'DataFrame', ()))"
    "})"
)

Columns = dict[str, list[str]]

MAX_LABEL = 500
# Runs in the kernel with `exec` in a namespace of its own (none of these names reach the
# user's), given `user_ns`, `name` (the table), `ranges` (columns whose smallest and largest
# values are wanted) and the limits; it sets `answer`. Labels and levels come from
# `df.attrs["datadive"]["columns"]` (what Datadive's readers attach), read defensively
# without importing datadive; a column without them gets its level from its dtype.
COLUMN_FACTS = r"""
import json, math, sys

def facts():
    pd = sys.modules.get("pandas")
    table = user_ns.get(name)
    if pd is None or not isinstance(table, pd.DataFrame):
        return {"status": "missing"}
    kinds = pd.api.types
    attrs = getattr(table, "attrs", None)
    known = attrs.get("datadive") if isinstance(attrs, dict) else None
    known = known.get("columns") if isinstance(known, dict) else None
    known = known if isinstance(known, dict) else {}

    def guess(dtype):
        if kinds.is_bool_dtype(dtype):
            return "nominal"
        if kinds.is_numeric_dtype(dtype) or kinds.is_datetime64_any_dtype(dtype):
            return "scale"
        if kinds.is_timedelta64_dtype(dtype):
            return "scale"
        if isinstance(dtype, pd.CategoricalDtype) or kinds.is_object_dtype(dtype):
            return "nominal"
        if kinds.is_string_dtype(dtype):
            return "nominal"
        return None

    def number(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            try:
                value = value.item()
            except Exception:
                return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        return float(value) if math.isfinite(value) else None

    wanted = set(ranges)
    columns = []
    for position, column in enumerate(list(table.columns)[:max_columns]):
        key = str(column)
        entry = known.get(key)
        entry = entry if isinstance(entry, dict) else {}
        label = entry.get("label")
        level = entry.get("measurement")
        dtype = table.dtypes.iloc[position]
        item = {
            "name": key,
            "label": label[:max_label] if isinstance(label, str) and label.strip() else None,
            "measurement": level if level in levels else guess(dtype),
        }
        if key in wanted:
            found = []
            if kinds.is_numeric_dtype(dtype) and not kinds.is_bool_dtype(dtype):
                series = table.iloc[:, position]
                found += [number(series.min()), number(series.max())]
            labelled = entry.get("value_labels")
            for pair in labelled if isinstance(labelled, list) else []:
                if isinstance(pair, dict):
                    found.append(number(pair.get("value")))
            found = [value for value in found if value is not None]
            if found:
                item["min"], item["max"] = min(found), max(found)
        columns.append(item)
    return {"status": "ok", "columns": columns}

try:
    answer = json.dumps(facts())
except Exception as error:
    answer = json.dumps({"status": "error", "message": f"{type(error).__name__}: {error}"[:500]})
"""


def scoped_expression(code: str, **values: Any) -> str:
    """One expression for `user_expressions` that runs `code` in a scope of its own (the
    user's namespace as `user_ns`, and `values`) and yields what it leaves in `answer`: the
    user's variables are never touched."""
    scope = "{'user_ns': get_ipython().user_ns, "
    scope += "".join(f"{name!r}: {value!r}, " for name, value in values.items()) + "}"
    return f"(lambda scope: (exec({code!r}, scope), scope['answer'])[1])({scope})"


async def ask_quietly(
    executor: RunExecutor, *, notebook: Notebook, expression: str, seconds: float
) -> Any:
    """The notebook's running kernel's answer to `expression` (`evaluate_silently`); None
    when no server or kernel runs, it is busy past `seconds`, or anything fails. Nothing is
    started."""
    try:
        async with asyncio.timeout(seconds):
            found = await running_kernel(executor, notebook=notebook)
            if found is None:
                return None
            return await evaluate_silently(found[0], found[1], expression)
    except (TimeoutError, OSError, WebSocketException, WireError, DatadiveError) as exc:
        log.debug("no answer from the kernel of notebook %s: %r", notebook.id, exc)
        return None


async def dataframe_columns(
    executor: RunExecutor, *, notebook: Notebook, seconds: float = ASK_SECONDS
) -> Columns:
    """`{table: [columns]}` for the pandas DataFrames in the notebook's running kernel; empty
    when no server or kernel runs, the kernel is busy past `seconds`, or anything fails."""
    answer = await ask_quietly(
        executor, notebook=notebook, expression=COLUMNS_EXPRESSION, seconds=seconds
    )
    return read_columns(answer)


async def table_facts(
    executor: RunExecutor,
    *,
    notebook: Notebook,
    table: str,
    ranges: Sequence[str] = (),
    seconds: float = ASK_SECONDS,
) -> list[dict[str, Any]] | None:
    """The columns of `table` in the notebook's running kernel, each `{name, label,
    measurement}` (plus `min`/`max` for the columns in `ranges` that hold numbers or labelled
    numeric values); None when no kernel runs, it holds no such DataFrame, it is busy past
    `seconds`, or anything fails. Nothing is started."""
    if not table.isidentifier() or keyword.iskeyword(table):
        return None
    expression = scoped_expression(
        COLUMN_FACTS,
        name=table,
        ranges=[str(name) for name in ranges][:MAX_COLUMNS],
        levels=LEVELS,
        max_columns=MAX_COLUMNS,
        max_label=MAX_LABEL,
    )
    answer = await ask_quietly(executor, notebook=notebook, expression=expression, seconds=seconds)
    return read_facts(answer)


def read_facts(answer: Any) -> list[dict[str, Any]] | None:
    """The kernel's answer, checked: names, labels and levels as text, ranges as numbers."""
    parsed = read_json(answer)
    if not isinstance(parsed, dict) or parsed.get("status") != "ok":
        return None
    columns = parsed.get("columns")
    facts: list[dict[str, Any]] = []
    for item in columns[:MAX_COLUMNS] if isinstance(columns, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        label, level = item.get("label"), item.get("measurement")
        fact: dict[str, Any] = {
            "name": item["name"],
            "label": label[:MAX_LABEL] if isinstance(label, str) else None,
            "measurement": level if level in LEVELS else None,
        }
        low, high = number_or_none(item.get("min")), number_or_none(item.get("max"))
        if low is not None and high is not None:
            fact["min"], fact["max"] = low, high
        facts.append(fact)
    return facts


def number_or_none(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def read_json(answer: Any) -> Any:
    """A `user_expressions` entry whose value is a JSON string; None when it is not one."""
    if not isinstance(answer, dict) or answer.get("status") != "ok":
        return None
    text = answer.get("data", {}).get("text/plain")
    try:
        # text/plain is the repr of the JSON string.
        return json.loads(ast.literal_eval(text)) if isinstance(text, str) else None
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


async def running_kernel(
    executor: RunExecutor, *, notebook: Notebook
) -> tuple[ServerHandle, str] | None:
    """The server and kernel of the notebook, if both are running (nothing is started)."""
    status = await executor.backend.status(notebook.project_id)
    if not status.running:
        return None
    client = executor.clients.get(notebook.project_id)
    # The server runs, so this only looks it up, with its current token (rotated when a
    # member lost access).
    handle = await executor.backend.ensure_server(notebook.project_id)
    if client is not None:
        client.adopt(handle)
    known = executor.kernels.get(notebook.id)
    if known is not None and known[0].same_server(handle):
        return handle, known[1].kernel_id
    if client is not None and client.handle == handle:
        session = await client.find_session(path=notebook.path)
    else:
        lookup = JupyterClient(handle, stream_limit=executor.stream_limit)
        try:
            session = await lookup.find_session(path=notebook.path)
        finally:
            await lookup.close()
    return (handle, session.kernel_id) if session is not None else None


async def evaluate_silently(handle: ServerHandle, kernel_id: str, expression: str) -> Any:
    """The `user_expressions` entry for `expression` (a mime bundle, or an error)."""
    session_key = uuid.uuid4().hex
    request = new_message(
        "execute_request",
        {
            "code": "",
            "silent": True,
            "store_history": False,
            "user_expressions": {"value": expression},
            "allow_stdin": False,
            "stop_on_error": False,
        },
        session=session_key,
    )
    url = f"{handle.websocket_url}/api/kernels/{kernel_id}/channels?session_id={session_key}"
    async with connect(
        url,
        additional_headers={"Authorization": f"token {handle.token}"},
        compression=None,
        max_size=MAX_ANSWER_BYTES,
    ) as socket:
        # No subprotocol offered: Jupyter's JSON framing.
        await socket.send(encode(request, protocol=None))
        while True:
            incoming = decode(await socket.recv(), protocol=None)
            if incoming.parent_id == request.msg_id and incoming.msg_type == "execute_reply":
                return incoming.content.get("user_expressions", {}).get("value")


def read_columns(answer: Any) -> Columns:
    """The kernel's answer, checked: only names and lists of names get through."""
    parsed = read_json(answer)
    if not isinstance(parsed, dict):
        return {}
    tables: Columns = {}
    for name, columns in list(parsed.items())[:MAX_TABLES]:
        if isinstance(name, str) and isinstance(columns, list):
            tables[name] = [str(column) for column in columns[:MAX_COLUMNS]]
    return tables
