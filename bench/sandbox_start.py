"""What does the bubblewrap sandbox add to starting a project's Jupyter server?

Baseline: `LocalBackend.ensure_server` without a sandbox, until the server answers, then a
kernel started and `1 + 1` run on it; subject: the same with the sandbox (issue 17). Each
sample is a new project, stopped untimed afterwards. Also: bubblewrap alone running
`python -c pass` against that Python without it.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.timing import compare, report
from datadive.execution.client import JupyterClient
from datadive.execution.local import LocalBackend
from datadive.execution.sandbox import choose_sandbox


async def cold_start(backend: LocalBackend, counter: list[int]) -> None:
    counter[0] += 1
    project = f"p{counter[0]}"
    client = JupyterClient(await backend.ensure_server(project))
    try:
        kernel = await client.start_session(path="bench.ipynb")
        result = await client.execute(kernel.kernel_id, "1 + 1")
        assert result.status == "ok", result.outputs
    finally:
        await client.close()
        await backend.stop(project)


async def bare_python() -> None:
    await asyncio.to_thread(subprocess.run, [sys.executable, "-c", "pass"], check=True)


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        sandbox = choose_sandbox("required", bwrap="bwrap", hidden=[data]).sandbox
        assert sandbox is not None
        plain = LocalBackend(workspaces=data / "workspaces", state_dir=data / "plain")
        boxed = LocalBackend(
            workspaces=data / "workspaces", state_dir=data / "boxed", sandbox=sandbox
        )
        plain_count, boxed_count = [0], [1_000_000]

        async def boxed_python() -> None:
            command = [*sandbox.prefix(None), sys.executable, "-c", "pass"]
            await asyncio.to_thread(subprocess.run, command, check=True)

        base, subject = await compare(bare_python, boxed_python, rounds=rounds * 5, warmup=3)
        report("python -c pass: plain / in bubblewrap", base, subject)
        base, subject = await compare(
            lambda: cold_start(plain, plain_count),
            lambda: cold_start(boxed, boxed_count),
            rounds=rounds,
            warmup=1,
        )
        report("server start + kernel + 1 + 1: plain / sandboxed", base, subject)
        await plain.shutdown()
        await boxed.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    asyncio.run(main(parser.parse_args().rounds))
