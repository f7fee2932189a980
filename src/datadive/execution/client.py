"""An async Jupyter Server client: sessions and kernels over REST, execution over the kernel
websocket (the `v1.kernel.websocket.jupyter.org` framing where the server offers it, Jupyter's
JSON protocol otherwise; see `wire`), outputs collected as nbformat outputs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket as sockets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.protocol import State
from websockets.typing import Subprotocol

from datadive.errors import Unavailable
from datadive.execution.backend import ServerHandle
from datadive.execution.outputs import DEFAULT_STREAM_LIMIT, OutputCollector
from datadive.execution.server_bounds import TooManyKernels
from datadive.execution.wire import V1_PROTOCOL, WireError, decode, encode, new_message
from datadive.jupyter.kernel_refusal import refusal_in

log = logging.getLogger(__name__)

OutputsChanged = Callable[[list[dict[str, Any]]], Awaitable[None]]
ExecutionStatus = Literal["ok", "error", "aborted", "dead"]
# "auto" offers the v1 framing and falls back to JSON when the server does not pick it.
KernelProtocol = Literal["auto", "json"]
KERNEL_DIED = (
    "The notebook's kernel stopped before this cell finished (it crashed, exited or ran out "
    "of memory). It has been restarted and its variables are gone: run the cells again from "
    "the top."
)
SERVER_LOST = "The connection to the Jupyter server was lost while running this cell."
KERNEL_RESTARTED = (
    "The kernel was restarted while this cell ran, so it did not finish; the variables are "
    "gone: run the cells again from the top."
)
# Jupyter's server drops kernel output it cannot forward fast enough (ZeroMQ's high-water
# mark), the closing `status: idle` included: after the reply, a websocket silent this long
# means done. Any message counts, not only this cell's: a backlog of other clients' output
# may still stand before the rest of ours.
IDLE_GRACE_SECONDS = 3.0
# A new websocket asks the kernel for its info until the answer and its output both arrive
# (see `_until_output_flows`): every this many seconds, for at most READY_TIMEOUT_SECONDS.
READY_RETRY_SECONDS = 0.5
READY_TIMEOUT_SECONDS = 60.0
CLOSE_TIMEOUT_SECONDS = 1.0
KERNEL_UNRESPONSIVE = (
    "The notebook's kernel did not answer for {seconds:.0f} seconds, so the cell was not run; "
    "restart the kernel and run the cells again."
)
# Linux only; elsewhere acknowledgements keep the system's timing.
TCP_QUICKACK: int | None = getattr(sockets, "TCP_QUICKACK", None)


def jupyter_message(response: httpx.Response) -> str:
    """The words of a Jupyter server's JSON error."""
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        message = None
    return message if isinstance(message, str) and message else response.reason_phrase


class JupyterUnavailable(Unavailable):
    slug = "jupyter-unavailable"
    title = "Jupyter is not reachable"


@dataclass(frozen=True)
class KernelSession:
    session_id: str
    kernel_id: str


@dataclass
class ExecutionResult:
    status: ExecutionStatus
    execution_count: int | None = None
    outputs: list[dict[str, Any]] = field(default_factory=list)
    problem: str | None = None


class PromptlyAcknowledgedConnection(ClientConnection):
    """A websocket that acknowledges what it receives at once.

    Jupyter's server (Tornado) leaves Nagle's algorithm on for kernel websockets, so after the
    first small frame of a reply (`status: busy`) it holds the next ones until that frame is
    acknowledged; Linux delays the acknowledgement by 40 ms hoping to piggyback it on data, and
    every execution waited those 40 ms. TCP_QUICKACK sends the acknowledgement now; the kernel
    clears it again by itself, so it is set each time data arrives.
    """

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.acknowledge_now()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self.acknowledge_now()

    def acknowledge_now(self) -> None:
        raw = self.transport.get_extra_info("socket") if self.transport is not None else None
        if (
            TCP_QUICKACK is None
            or raw is None
            or raw.family not in (sockets.AF_INET, sockets.AF_INET6)
        ):
            return
        with contextlib.suppress(OSError):  # closing: nothing left to acknowledge
            raw.setsockopt(sockets.IPPROTO_TCP, TCP_QUICKACK, 1)


class JupyterClient:
    def __init__(
        self,
        handle: ServerHandle,
        *,
        stream_limit: int = DEFAULT_STREAM_LIMIT,
        kernel_protocol: KernelProtocol = "auto",
        ready_timeout: float = READY_TIMEOUT_SECONDS,
    ) -> None:
        self.handle = handle
        self.ready_timeout = ready_timeout
        self.stream_limit = stream_limit
        self.kernel_protocol = kernel_protocol
        self.session_key = uuid.uuid4().hex
        # One websocket per kernel, kept open: connecting makes Jupyter probe the kernel anew.
        self.sockets: dict[str, ClientConnection] = {}
        # Kernels restarted through this client whose websocket has not been opened again: a
        # cell whose websocket closes meanwhile was cut off by the restart.
        self.restarted: set[str] = set()
        self.http = httpx.AsyncClient(
            base_url=handle.url,
            headers={"Authorization": f"token {handle.token}"},
            timeout=30,
        )

    def use_handle(self, handle: ServerHandle) -> None:
        """Go on with the same server under its new token (rotated when a member lost access):
        open websockets stay open, the next requests carry the new token."""
        self.handle = handle
        self.http.headers["Authorization"] = f"token {handle.token}"

    def adopt(self, handle: ServerHandle) -> bool:
        """Whether this client talks to `handle`'s server, taking its current token if it was
        rotated; False for another server (one started since, even on the same port)."""
        if self.handle != handle and self.handle.same_server(handle):
            self.use_handle(handle)
        return self.handle == handle

    async def close(self) -> None:
        for socket in self.sockets.values():
            await socket.close()
        self.sockets.clear()
        await self.http.aclose()

    async def _socket(self, kernel_id: str) -> ClientConnection:
        socket = self.sockets.get(kernel_id)
        if socket is None or socket.state is not State.OPEN:
            channels = f"/api/kernels/{kernel_id}/channels?session_id={self.session_key}"
            socket = await connect(
                self.handle.websocket_url + channels,
                additional_headers={"Authorization": f"token {self.handle.token}"},
                subprotocols=[Subprotocol(V1_PROTOCOL)] if self.kernel_protocol == "auto" else None,
                # Jupyter does not enable permessage-deflate by default; not offering it keeps a
                # server configured otherwise from deflating every message on a short link.
                compression=None,
                max_size=None,
                # Jupyter answers the opening once the kernel does.
                open_timeout=self.ready_timeout,
                # A server stuck on its kernel does not answer a close either: do not wait long.
                close_timeout=CLOSE_TIMEOUT_SECONDS,
                create_connection=PromptlyAcknowledgedConnection,
            )
            try:
                await self._until_output_flows(socket)
            except BaseException:
                await socket.close()
                raise
            self.restarted.discard(kernel_id)
            self.sockets[kernel_id] = socket
        return socket

    async def _until_output_flows(self, socket: ClientConnection) -> None:
        """Return once the kernel answers on this websocket and its output reaches it.

        Jupyter's server makes sure of the same when a websocket opens, except for a kernel it
        last saw busy, and a kernel that died in the middle of a cell stays "busy" to it after
        the restart: code sent then ran, but none of its output arrived (ZeroMQ drops what a
        subscriber that is not connected yet would have received). The info request goes on
        the control channel, which a kernel answers even while a long cell runs, and on the
        shell channel, for kernels that answer it only there (as Jupyter's own check does)."""
        protocol = socket.subprotocol
        asked: set[str] = set()
        answered = heard = False
        async with asyncio.timeout(self.ready_timeout):
            while not (answered and heard):
                for channel in ("control", "shell"):
                    probe = new_message(
                        "kernel_info_request", {}, session=self.session_key, channel=channel
                    )
                    asked.add(probe.msg_id)
                    await socket.send(encode(probe, protocol=protocol))
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(READY_RETRY_SECONDS):
                        while not (answered and heard):
                            incoming = decode(await socket.recv(), protocol=protocol)
                            if incoming.parent_id not in asked:
                                continue
                            if incoming.msg_type == "kernel_info_reply":
                                answered = True
                            elif incoming.channel == "iopub":
                                heard = True

    async def wire_protocol(self, kernel_id: str) -> str | None:
        """The framing the server chose for this kernel's websocket (None: the JSON protocol)."""
        return (await self._socket(kernel_id)).subprotocol

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise JupyterUnavailable(f"The Jupyter server did not answer: {exc}") from None
        if response.status_code >= 400:
            refused = refusal_in(jupyter_message(response))
            if refused is not None:  # the bound of our kernel manager
                raise TooManyKernels(refused)
            raise JupyterUnavailable(
                f"The Jupyter server refused {method} {path}: {response.status_code}"
            )
        return response

    async def start_session(self, *, path: str, kernel_name: str = "python3") -> KernelSession:
        """A session (and kernel) for a notebook path; Jupyter reuses an existing one."""
        response = await self._request(
            "POST",
            "/api/sessions",
            json={"path": path, "name": path, "type": "notebook", "kernel": {"name": kernel_name}},
        )
        body = response.json()
        return KernelSession(session_id=body["id"], kernel_id=body["kernel"]["id"])

    async def find_session(self, *, path: str) -> KernelSession | None:
        """The running session of a notebook path, if any (without starting one)."""
        sessions = (await self._request("GET", "/api/sessions")).json()
        for found in sessions:
            if found.get("path") == path and found.get("kernel"):
                return KernelSession(session_id=found["id"], kernel_id=found["kernel"]["id"])
        return None

    async def end_session(self, session: KernelSession) -> None:
        """Shut a notebook's session and its kernel down (its variables are gone)."""
        await self._drop_socket(session.kernel_id)
        await self._request("DELETE", f"/api/sessions/{session.session_id}")

    async def save_notebook(self, path: str, document: str) -> None:
        """Write a notebook through the contents API, creating its folders."""
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folder = "/".join(parts[:depth])
            exists = await self.http.get(f"/api/contents/{folder}", params={"content": 0})
            if exists.status_code == 404:
                await self._request("PUT", f"/api/contents/{folder}", json={"type": "directory"})
        await self._request(
            "PUT",
            f"/api/contents/{path}",
            json={"type": "notebook", "format": "json", "content": json.loads(document)},
        )

    async def interrupt(self, kernel_id: str) -> None:
        await self._request("POST", f"/api/kernels/{kernel_id}/interrupt")

    async def restart(self, kernel_id: str) -> None:
        self.restarted.add(kernel_id)
        await self._request("POST", f"/api/kernels/{kernel_id}/restart")
        await self._drop_socket(kernel_id)

    def _cut_off(self, kernel_id: str, *, because: str) -> str:
        """Why a cell ended before its reply: a restart asked through this client, or else
        `because`."""
        return KERNEL_RESTARTED if kernel_id in self.restarted else because

    async def _drop_socket(self, kernel_id: str) -> None:
        """Forget a kernel's websocket: after a restart its channels are re-made, and a
        request sent on the old connection in between could be lost."""
        socket = self.sockets.pop(kernel_id, None)
        if socket is not None:
            await socket.close()

    async def execute(
        self, kernel_id: str, code: str, *, on_change: OutputsChanged | None = None
    ) -> ExecutionResult:
        """Run `code` and wait for it; outputs are reported through `on_change` as they come."""
        request = new_message(
            "execute_request",
            {
                "code": code,
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            },
            session=self.session_key,
        )
        collector = OutputCollector(stream_limit=self.stream_limit)
        result = ExecutionResult(status="ok", outputs=collector.outputs)
        try:
            socket = await self._socket(kernel_id)
            protocol = socket.subprotocol
            await socket.send(encode(request, protocol=protocol))
            replied = idle = False
            while not (replied and idle):
                try:  # a cancelled `recv` loses nothing
                    async with asyncio.timeout(IDLE_GRACE_SECONDS if replied else None):
                        frame = await socket.recv()
                except TimeoutError:
                    log.info("kernel %s: no `idle` after the reply; taken as done", kernel_id)
                    break
                incoming = decode(frame, protocol=protocol)
                msg_type, content = incoming.msg_type, incoming.content
                state = content.get("execution_state")
                if msg_type == "status" and state in {"restarting", "dead"}:
                    await self._drop_socket(kernel_id)
                    result.status = "dead"
                    result.problem = self._cut_off(kernel_id, because=KERNEL_DIED)
                    return result
                if incoming.parent_id != request.msg_id:
                    continue
                if incoming.channel == "shell" and msg_type == "execute_reply":
                    replied = True
                    result.execution_count = content.get("execution_count")
                    result.status = content.get("status", "ok")
                elif msg_type == "status":
                    idle = state == "idle"
                elif collector.add(msg_type, content) and on_change is not None:
                    await on_change(collector.outputs)
        except TimeoutError:  # from `_socket`: the kernel never answered, the cell was not sent
            result.status = "dead"
            result.problem = KERNEL_UNRESPONSIVE.format(seconds=self.ready_timeout)
        # InvalidHandshake: a server killed between the TCP connect and its HTTP answer.
        except (ConnectionClosed, OSError, InvalidHandshake) as exc:
            self.sockets.pop(kernel_id, None)
            result.status = "dead"
            result.problem = self._cut_off(
                kernel_id, because=f"{SERVER_LOST} ({type(exc).__name__})"
            )
        except WireError as exc:
            # A frame we cannot read leaves the reply unknowable; start afresh next time.
            log.warning("unreadable message from kernel %s: %s", kernel_id, exc)
            await self._drop_socket(kernel_id)
            result.status, result.problem = "dead", f"{SERVER_LOST} ({exc})"
        return result
