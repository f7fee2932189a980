"""Kernel messages as they travel on a Jupyter server's kernel websocket.

A server speaks one of two framings, chosen when the websocket opens:

- `v1.kernel.websocket.jupyter.org` (jupyter_server ≥ 2): every frame is binary. It starts with
  a little-endian unsigned 64-bit count `n`, then `n` offsets of the same kind, each counted from
  the start of the frame: where the channel name starts, where it ends (= where the first part
  starts) and where each part ends. The parts are the kernel's own ZeroMQ frames: header,
  parent_header, metadata and content as UTF-8 JSON, then any binary buffers. The server passes
  them between ZeroMQ and the websocket without decoding them.
- the JSON protocol (every server): a text frame holding one JSON object with `channel`,
  `header`, `parent_header`, `metadata` and `content`. A message with buffers is a binary frame
  instead: a big-endian unsigned 32-bit count, that many 32-bit offsets (from the start of the
  frame) of the JSON object and of each buffer, then the data.
"""

from __future__ import annotations

import json
import struct
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
PROTOCOL_VERSION = "5.3"  # the Jupyter messaging protocol our messages follow
PARTS = ("header", "parent_header", "metadata", "content")
_U64 = 8
_U32 = 4


class WireError(ValueError):
    """A frame that is not a kernel message in the expected framing."""


@dataclass
class KernelMessage:
    channel: str
    header: dict[str, Any]
    parent_header: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    content: dict[str, Any] = field(default_factory=dict)
    buffers: list[bytes] = field(default_factory=list)

    @property
    def msg_type(self) -> str:
        return str(self.header.get("msg_type", ""))

    @property
    def msg_id(self) -> str:
        return str(self.header.get("msg_id", ""))

    @property
    def parent_id(self) -> str | None:
        parent = self.parent_header.get("msg_id")
        return str(parent) if parent is not None else None


def new_message(
    msg_type: str, content: dict[str, Any], *, session: str, channel: str = "shell"
) -> KernelMessage:
    return KernelMessage(
        channel=channel,
        header={
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "username": "datadive",
            "session": session,
            "date": datetime.now(UTC).isoformat(),
            "version": PROTOCOL_VERSION,
        },
        content=content,
    )


def encode(message: KernelMessage, *, protocol: str | None) -> str | bytes:
    """The frame to send for `message` on a websocket that negotiated `protocol`."""
    return encode_v1(message) if protocol == V1_PROTOCOL else encode_json(message)


def decode(frame: str | bytes, *, protocol: str | None) -> KernelMessage:
    """The message in a frame received on a websocket that negotiated `protocol`."""
    if protocol == V1_PROTOCOL:
        if isinstance(frame, str):
            raise WireError("a text frame on a v1 kernel websocket")
        return decode_v1(frame)
    return decode_json(frame)


def _pack(part: dict[str, Any]) -> bytes:
    return json.dumps(part, ensure_ascii=False, separators=(",", ":")).encode()


def _unpack(data: bytes, name: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError as exc:  # also UnicodeDecodeError
        raise WireError(f"the {name} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise WireError(f"the {name} is not a JSON object")
    return value


def encode_v1(message: KernelMessage) -> bytes:
    channel = message.channel.encode()
    parts = [_pack(getattr(message, name)) for name in PARTS] + [
        bytes(buffer) for buffer in message.buffers
    ]
    count = len(parts) + 2
    offsets = [_U64 * (count + 1), _U64 * (count + 1) + len(channel)]
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    table = struct.pack(f"<{count + 1}Q", count, *offsets)
    return b"".join([table, channel, *parts])


def decode_v1(frame: bytes) -> KernelMessage:
    if len(frame) < _U64:
        raise WireError("the frame is too short for a v1 offsets table")
    (count,) = struct.unpack_from("<Q", frame)
    if count < 2 + len(PARTS) or len(frame) < _U64 * (count + 1):
        raise WireError(f"the v1 offsets table is incomplete ({count} offsets)")
    offsets = struct.unpack_from(f"<{count}Q", frame, _U64)
    if offsets[0] != _U64 * (count + 1) or list(offsets) != sorted(offsets):
        raise WireError("the v1 offsets are out of order")
    if offsets[-1] != len(frame):
        raise WireError("the v1 offsets do not end where the frame ends")
    pieces = [frame[start:end] for start, end in pairwise(offsets)]
    try:
        channel = pieces[0].decode()
    except UnicodeDecodeError:
        raise WireError("the channel name is not UTF-8") from None
    header, parent_header, metadata, content = (
        _unpack(piece, name) for piece, name in zip(pieces[1:], PARTS, strict=False)
    )
    return KernelMessage(
        channel, header, parent_header, metadata, content, buffers=pieces[1 + len(PARTS) :]
    )


def encode_json(message: KernelMessage) -> str | bytes:
    body = {name: getattr(message, name) for name in PARTS} | {
        "channel": message.channel,
        "buffers": [],
    }
    if not message.buffers:
        return json.dumps(body, separators=(",", ":"))
    pieces = [_pack(body), *(bytes(buffer) for buffer in message.buffers)]
    offsets = [_U32 * (len(pieces) + 1)]
    for piece in pieces[:-1]:
        offsets.append(offsets[-1] + len(piece))
    return struct.pack(f"!{len(pieces) + 1}I", len(pieces), *offsets) + b"".join(pieces)


def decode_json(frame: str | bytes) -> KernelMessage:
    buffers: list[bytes] = []
    if isinstance(frame, bytes):
        body, buffers = _split_json_binary(frame)
    else:
        body = frame.encode()
    message = _unpack(body, "message")
    channel = message.get("channel")
    header = message.get("header")
    if not isinstance(channel, str) or not isinstance(header, dict):
        raise WireError("the message has no channel or header")
    return KernelMessage(
        channel=channel,
        header=header,
        parent_header=message.get("parent_header") or {},
        metadata=message.get("metadata") or {},
        content=message.get("content") or {},
        buffers=buffers,
    )


def _split_json_binary(frame: bytes) -> tuple[bytes, list[bytes]]:
    if len(frame) < _U32:
        raise WireError("the frame is too short for a buffer table")
    (count,) = struct.unpack_from("!I", frame)
    if count < 1 or len(frame) < _U32 * (count + 1):
        raise WireError(f"the buffer table is incomplete ({count} buffers)")
    offsets = [*struct.unpack_from(f"!{count}I", frame, _U32), len(frame)]
    if offsets[0] != _U32 * (count + 1) or offsets != sorted(offsets):
        raise WireError("the buffer offsets are out of order")
    pieces = [frame[start:end] for start, end in pairwise(offsets)]
    return pieces[0], pieces[1:]
