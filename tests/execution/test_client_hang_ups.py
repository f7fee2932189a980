"""A Jupyter server that dies while the kernel's websocket is being opened.

Killing a server under load can land between the TCP connect and the HTTP answer of the
websocket handshake: the cell must end as "dead" with the usual message, never raise.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from datadive.execution.backend import ServerHandle
from datadive.execution.client import JupyterClient


@pytest.fixture
async def hanging_up_server() -> AsyncIterator[str]:
    """Accepts each connection and closes it at once, as a killed server's socket does."""

    async def hang_up(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


async def test_a_server_hanging_up_during_the_handshake_ends_the_cell_as_lost(
    hanging_up_server: str,
) -> None:
    client = JupyterClient(ServerHandle(url=hanging_up_server, token="t"))
    try:
        result = await client.execute("kernel-1", "1 + 1")
    finally:
        await client.close()

    assert result.status == "dead"
    assert "connection to the Jupyter server was lost" in (result.problem or "")
    assert client.sockets == {}
