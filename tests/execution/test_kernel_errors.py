"""The errors researchers meet most, raised by a real kernel, read by the page's explanations.

`tests/fixtures/kernel_errors.json` holds each case's code and the error output a real kernel
gave for it; the in-process tests of `web/error_explanations.py` read that file. This test runs
the same code again and checks that today's kernel still sends an error the explanations
recognise in the same way, so the recorded tracebacks cannot drift from real ones unnoticed.
`RECORD_KERNEL_ERRORS=1` writes the file again from this run.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest

from datadive.execution.client import JupyterClient, KernelSession
from datadive.services.running.run_executor import died_output
from datadive.web.error_explanations import explain
from datadive.web.tracebacks import failing_line

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

RECORDED = Path(__file__).parents[1] / "fixtures" / "kernel_errors.json"
# Special cases, run differently below.
INTERRUPTED = "while True:\n    pass"
DIES = "import os, time\ntime.sleep(0.5)\nos._exit(1)"


def recorded() -> dict[str, dict[str, Any]]:
    cases: dict[str, dict[str, Any]] = json.loads(RECORDED.read_text(encoding="utf-8"))
    return cases


async def error_of(
    client: JupyterClient, kernel: KernelSession, code: str
) -> tuple[dict[str, Any], KernelSession]:
    """The error output `code` ends with, and the kernel to go on with (a new one after a
    death, as the run executor asks Jupyter for it)."""
    if code == INTERRUPTED:
        running = asyncio.create_task(client.execute(kernel.kernel_id, code))
        await asyncio.sleep(1.0)
        await client.interrupt(kernel.kernel_id)
        result = await asyncio.wait_for(running, 30)
    else:
        result = await client.execute(kernel.kernel_id, code)
    if result.status == "dead":
        return died_output(result), await client.start_session(path="notebooks/analysis.ipynb")
    errors = [output for output in result.outputs if output["output_type"] == "error"]
    assert errors, f"{code!r} raised nothing: {result.outputs}"
    return errors[-1], kernel


async def test_real_kernel_errors_are_explained_as_recorded(client: JupyterClient) -> None:
    recording = os.environ.get("RECORD_KERNEL_ERRORS") == "1"
    kernel = await client.start_session(path="notebooks/analysis.ipynb")
    fresh: dict[str, dict[str, Any]] = {}
    for name, case in recorded().items():
        now, kernel = await error_of(client, kernel, case["code"])
        fresh[name] = {**case, "output": now}
        then = case.get("output")
        if then is None and recording:
            continue
        explained_then = explain(then["ename"], then["evalue"], then["traceback"])
        explained_now = explain(now["ename"], now["evalue"], now["traceback"])
        assert (now["ename"], explained_now.kind) == (then["ename"], explained_then.kind), name
        assert explained_now.headline == explained_then.headline, name
        assert failing_line(now["traceback"]) == failing_line(then["traceback"]), name
    if recording:
        RECORDED.write_text(json.dumps(fresh, indent=1, ensure_ascii=False) + "\n", "utf-8")
