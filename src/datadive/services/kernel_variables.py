"""What the notebook's running kernel holds: the columns of its pandas tables, so that
`column` / `columns` inputs can suggest them.

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
import logging
import uuid
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from datadive.db.models import Notebook
from datadive.errors import DatadiveError
from datadive.execution.backend import ServerHandle
from datadive.execution.client import JupyterClient
from datadive.execution.wire import WireError, decode, encode, new_message
from datadive.services.run_executor import RunExecutor

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


async def dataframe_columns(
    executor: RunExecutor, *, notebook: Notebook, seconds: float = ASK_SECONDS
) -> Columns:
    """`{table: [columns]}` for the pandas DataFrames in the notebook's running kernel; empty
    when no server or kernel runs, the kernel is busy past `seconds`, or anything fails."""
    try:
        async with asyncio.timeout(seconds):
            found = await running_kernel(executor, notebook=notebook)
            if found is None:
                return {}
            handle, kernel_id = found
            answer = await evaluate_silently(handle, kernel_id, COLUMNS_EXPRESSION)
    except (TimeoutError, OSError, WebSocketException, WireError, DatadiveError) as exc:
        log.debug("no columns from the kernel of notebook %s: %r", notebook.id, exc)
        return {}
    return read_columns(answer)


async def running_kernel(
    executor: RunExecutor, *, notebook: Notebook
) -> tuple[ServerHandle, str] | None:
    """The server and kernel of the notebook, if both are running (nothing is started)."""
    status = await executor.backend.status(notebook.project_id)
    if not status.running:
        return None
    client = executor.clients.get(notebook.project_id)
    if client is not None and client.handle.url == status.url:
        handle = client.handle
    else:
        # The server runs, so this only looks it up (it was started outside a run: the
        # project page, another replica).
        handle = await executor.backend.ensure_server(notebook.project_id)
    known = executor.kernels.get(notebook.id)
    if known is not None and known[0] == handle.url:
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
    if not isinstance(answer, dict) or answer.get("status") != "ok":
        return {}
    text = answer.get("data", {}).get("text/plain")
    try:
        parsed = json.loads(ast.literal_eval(text)) if isinstance(text, str) else None
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return {}
    if not isinstance(parsed, dict):
        return {}
    tables: Columns = {}
    for name, columns in list(parsed.items())[:MAX_TABLES]:
        if isinstance(name, str) and isinstance(columns, list):
            tables[name] = [str(column) for column in columns[:MAX_COLUMNS]]
    return tables
