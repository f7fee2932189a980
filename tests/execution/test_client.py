"""Executing code on a real Jupyter server and kernel, and collecting what it shows."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from datadive.execution.client import JupyterClient, KernelSession
from datadive.execution.local import LocalBackend
from datadive.execution.wire import V1_PROTOCOL, decode

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


async def test_a_value_is_an_execute_result(client: JupyterClient, kernel: KernelSession) -> None:
    result = await client.execute(kernel.kernel_id, "1 + 1")

    assert result.status == "ok"
    assert result.execution_count is not None
    (output,) = result.outputs
    assert output["output_type"] == "execute_result"
    assert output["data"]["text/plain"] == "2"


async def test_printing_then_raising(client: JupyterClient, kernel: KernelSession) -> None:
    seen: list[int] = []

    async def changed(outputs: list[dict[str, Any]]) -> None:
        seen.append(len(outputs))

    result = await client.execute(kernel.kernel_id, "print('before')\n1 / 0", on_change=changed)

    assert result.status == "error"
    stream, error = result.outputs
    assert stream == {"output_type": "stream", "name": "stdout", "text": "before\n"}
    assert error["ename"] == "ZeroDivisionError"
    assert seen == [1, 2]


async def test_figures_arrive_as_base64_png(client: JupyterClient, kernel: KernelSession) -> None:
    code = (
        "import matplotlib\nmatplotlib.use('module://matplotlib_inline.backend_inline')\n"
        "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()"
    )
    result = await client.execute(kernel.kernel_id, code)

    assert result.status == "ok", result.outputs
    images = [o for o in result.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1
    assert images[0]["data"]["image/png"].startswith("iVBOR")


async def test_clear_output_and_display_updates(
    client: JupyterClient, kernel: KernelSession
) -> None:
    code = (
        "from IPython.display import display, clear_output\n"
        "print('old')\nclear_output(wait=True)\nprint('new')\n"
        "handle = display('first', display_id=True)\nhandle.update('second')"
    )
    result = await client.execute(kernel.kernel_id, code)

    assert result.outputs[0]["text"] == "new\n"
    assert result.outputs[1]["data"]["text/plain"] == "'second'"


async def test_a_cell_printing_100_mb_keeps_its_head_and_tail(
    client: JupyterClient, kernel: KernelSession
) -> None:
    code = "import sys\nfor i in range(100_000):\n    sys.stdout.write(f'line {i:<994}\\n')"

    result = await client.execute(kernel.kernel_id, code)

    (stream,) = result.outputs
    assert len(stream["text"]) < 21_000  # the fixture's client keeps 20,000 characters
    assert stream["text"].startswith("line 0 ")
    assert stream["text"].rstrip().endswith("line 99999")
    assert "99,980,000 characters cut" in stream["text"]


class ConnectionLosingIdle:
    """The kernel websocket as a Jupyter server that cannot keep up delivers it: the kernel's
    closing `status: idle` dropped (ZeroMQ's high-water mark drops such messages)."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.subprotocol = socket.subprotocol
        self.state = socket.state
        self.dropped = 0

    async def send(self, frame: Any) -> None:
        await self.socket.send(frame)

    async def recv(self) -> Any:
        while True:
            frame = await self.socket.recv()
            message = decode(frame, protocol=self.subprotocol)
            if message.msg_type != "status" or message.content["execution_state"] != "idle":
                return frame
            self.dropped += 1


async def test_a_lost_idle_message_does_not_hang_the_cell(
    client: JupyterClient, kernel: KernelSession
) -> None:
    await client.execute(kernel.kernel_id, "'open the websocket'")
    lossy = ConnectionLosingIdle(client.sockets[kernel.kernel_id])
    client.sockets[kernel.kernel_id] = lossy  # type: ignore[assignment]
    try:
        result = await asyncio.wait_for(client.execute(kernel.kernel_id, "print('done')"), 30)
    finally:
        client.sockets[kernel.kernel_id] = lossy.socket

    assert lossy.dropped == 1
    assert result.status == "ok"
    assert result.outputs == [{"output_type": "stream", "name": "stdout", "text": "done\n"}]
    assert (await client.execute(kernel.kernel_id, "'next'")).outputs[0]["data"] == {
        "text/plain": "'next'"
    }


async def test_an_endless_loop_is_interrupted(client: JupyterClient, kernel: KernelSession) -> None:
    running = asyncio.create_task(client.execute(kernel.kernel_id, "while True:\n    pass"))
    await asyncio.sleep(1.0)

    await client.interrupt(kernel.kernel_id)
    result = await asyncio.wait_for(running, 30)

    assert result.status == "error"
    assert result.outputs[-1]["ename"] == "KeyboardInterrupt"
    assert (await client.execute(kernel.kernel_id, "'still here'")).status == "ok"


async def test_a_kernel_that_exits_is_reported_and_the_next_cell_runs_at_once(
    client: JupyterClient, kernel: KernelSession
) -> None:
    # Three times: whether the restarted kernel's output reached the websocket opened next was
    # a race (Jupyter skips its own check for a kernel that died busy): before the fix, this
    # test failed 2 times in 3.
    for _ in range(3):
        await client.execute(kernel.kernel_id, "x = 41")

        died = await client.execute(
            kernel.kernel_id,
            "import os, time\nprint('bye', flush=True)\ntime.sleep(0.5)\nos._exit(1)",
        )
        # As the run executor does after a death: ask Jupyter for the notebook's kernel again.
        again = await client.start_session(path="notebooks/analysis.ipynb")
        after = await client.execute(again.kernel_id, "'x' in globals()")

        assert died.status == "dead"
        assert "restarted" in (died.problem or "")
        assert died.outputs[0]["text"] == "bye\n"
        assert after.status == "ok"
        assert after.outputs[0]["data"]["text/plain"] == "False"


async def test_a_kernel_that_does_not_answer_fails_the_cell_without_sending_it(
    client: JupyterClient, kernel: KernelSession
) -> None:
    own = await client.start_session(path="stopped.ipynb")
    found = await client.execute(own.kernel_id, "import os\nos.getpid()")
    pid = int(found.outputs[0]["data"]["text/plain"])
    # Signalled from the module's other kernel: the pid is one of the server's sandbox.
    await client.execute(kernel.kernel_id, f"import os, signal\nos.kill({pid}, signal.SIGSTOP)")
    impatient = JupyterClient(client.handle, ready_timeout=2)
    try:
        stuck = await impatient.execute(own.kernel_id, "'sent'")
    finally:
        await client.execute(kernel.kernel_id, f"os.kill({pid}, signal.SIGCONT)")
        await impatient.close()
    after = await client.execute(own.kernel_id, "'still there'")

    assert stuck.status == "dead"
    assert stuck.problem == (
        "The notebook's kernel did not answer for 2 seconds, so the cell was not run; restart "
        "the kernel and run the cells again."
    )
    assert stuck.outputs == []
    assert after.status == "ok"
    assert after.outputs[0]["data"]["text/plain"] == "'still there'"
    assert after.execution_count == found.execution_count + 1  # `'sent'` never ran


# A cell that publishes a comm message carrying binary buffers, as widget libraries do: such
# frames are laid out differently from plain ones in both framings.
BINARY_COMM = (
    "from comm import create_comm\n"
    "create_comm(target_name='datadive-check', data={'n': 2}, buffers=[b'\\x00\\xff' * 50_000])\n"
    "print('Größe ✓')"
)


async def test_the_server_picks_the_v1_framing_and_cells_run_over_it(
    client: JupyterClient, kernel: KernelSession
) -> None:
    result = await client.execute(kernel.kernel_id, BINARY_COMM)

    assert await client.wire_protocol(kernel.kernel_id) == V1_PROTOCOL
    assert result.status == "ok", result.outputs
    assert result.outputs == [{"output_type": "stream", "name": "stdout", "text": "Größe ✓\n"}]


async def test_a_client_told_to_speak_json_runs_cells_too(
    client: JupyterClient, kernel: KernelSession
) -> None:
    json_client = JupyterClient(client.handle, kernel_protocol="json")
    try:
        result = await json_client.execute(kernel.kernel_id, BINARY_COMM)
        framing = await json_client.wire_protocol(kernel.kernel_id)
    finally:
        await json_client.close()

    assert framing is None
    assert result.status == "ok", result.outputs
    assert result.outputs == [{"output_type": "stream", "name": "stdout", "text": "Größe ✓\n"}]


async def test_a_server_that_declines_v1_is_spoken_to_in_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An empty preferred protocol makes jupyter_server select none of those offered, as servers
    # before jupyter_server 2 did.
    config = tmp_path / "config"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"ZMQChannelsWebsocketConnection": {"kernel_ws_protocol": ""}})
    )
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(config))
    backend = LocalBackend(
        workspaces=tmp_path / "workspaces", state_dir=tmp_path / "state", idle_seconds=600
    )
    legacy = JupyterClient(await backend.ensure_server("legacy"))
    try:
        kernel = await legacy.start_session(path="old.ipynb")
        result = await legacy.execute(kernel.kernel_id, BINARY_COMM)
        framing = await legacy.wire_protocol(kernel.kernel_id)
    finally:
        await legacy.close()
        await backend.shutdown()

    assert framing is None
    assert result.status == "ok", result.outputs
    assert result.outputs[0]["text"] == "Größe ✓\n"
