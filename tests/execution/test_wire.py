"""Kernel messages in both websocket framings, checked against jupyter_server's own codec."""

from __future__ import annotations

import json
import struct

import pytest
from jupyter_server.services.kernels.connection.base import (
    deserialize_binary_message,
    deserialize_msg_from_ws_v1,
    serialize_binary_message,
    serialize_msg_to_ws_v1,
)

from datadive.execution.wire import (
    V1_PROTOCOL,
    KernelMessage,
    WireError,
    decode,
    decode_json,
    decode_v1,
    encode,
    encode_json,
    encode_v1,
    new_message,
)


def a_reply(*, buffers: list[bytes] | None = None) -> KernelMessage:
    return KernelMessage(
        channel="iopub",
        header={"msg_id": "m2", "msg_type": "display_data", "date": "2026-11-24T10:00:00Z"},
        parent_header={"msg_id": "m1", "msg_type": "execute_request"},
        metadata={"width": 640},
        content={"data": {"text/plain": 'Größe ✓ \u2028 "quoted" \\ end'}, "metadata": {}},
        buffers=buffers or [],
    )


@pytest.mark.parametrize("protocol", [V1_PROTOCOL, None])
@pytest.mark.parametrize("buffers", [[], [b"\x00\xff binary", b"", b"x" * 70_000]])
def test_a_message_survives_the_round_trip(protocol: str | None, buffers: list[bytes]) -> None:
    sent = a_reply(buffers=buffers)

    received = decode(encode(sent, protocol=protocol), protocol=protocol)

    assert received == sent
    assert received.parent_id == "m1"
    assert received.msg_type == "display_data"


def test_v1_frames_are_read_as_jupyter_server_writes_them() -> None:
    parts = [
        json.dumps(part).encode()
        for part in (
            {"msg_id": "k1", "msg_type": "stream"},
            {"msg_id": "r1"},
            {},
            {"name": "stdout", "text": "héllo\n"},
        )
    ] + [b"\x01\x02"]

    message = decode_v1(serialize_msg_to_ws_v1(parts, "iopub"))

    assert message.channel == "iopub"
    assert message.msg_type == "stream"
    assert message.parent_id == "r1"
    assert message.content == {"name": "stdout", "text": "héllo\n"}
    assert message.buffers == [b"\x01\x02"]


def test_v1_frames_we_write_are_read_by_jupyter_server() -> None:
    request = new_message("execute_request", {"code": "print('ü')"}, session="s1")
    request.buffers = [b"raw"]

    channel, parts = deserialize_msg_from_ws_v1(encode_v1(request))

    assert channel == "shell"
    header, parent, metadata, content, buffer = parts
    assert json.loads(header) == request.header
    assert (json.loads(parent), json.loads(metadata)) == ({}, {})
    assert json.loads(content) == {"code": "print('ü')"}
    assert buffer == b"raw"


def test_json_frames_with_buffers_match_jupyter_servers_binary_form() -> None:
    reply = a_reply(buffers=[b"one", b"\x00two"])
    theirs = serialize_binary_message(
        {
            "channel": reply.channel,
            "header": reply.header,
            "parent_header": reply.parent_header,
            "metadata": reply.metadata,
            "content": reply.content,
            "buffers": reply.buffers,
        }
    )

    assert decode_json(theirs) == reply
    ours = encode_json(reply)
    assert isinstance(ours, bytes)
    read_back = deserialize_binary_message(ours)
    assert read_back["channel"] == "iopub"
    assert read_back["content"] == reply.content
    assert read_back["buffers"] == [b"one", b"\x00two"]


def test_a_plain_json_message_is_a_text_frame() -> None:
    request = new_message("execute_request", {"code": "1 + 1"}, session="s1")

    frame = encode(request, protocol=None)

    assert isinstance(frame, str)
    body = json.loads(frame)
    assert body["channel"] == "shell"
    assert body["header"]["msg_type"] == "execute_request"
    assert body["header"]["session"] == "s1"
    assert body["content"] == {"code": "1 + 1"}


def test_server_messages_with_extra_fields_and_no_metadata_are_read() -> None:
    frame = json.dumps(
        {
            "channel": "shell",
            "msg_id": "k9",
            "msg_type": "execute_reply",
            "header": {"msg_id": "k9", "msg_type": "execute_reply"},
            "parent_header": {"msg_id": "r9"},
            "content": {"status": "ok", "execution_count": 3},
        }
    )

    message = decode(frame, protocol=None)

    assert (message.msg_type, message.parent_id, message.metadata) == ("execute_reply", "r9", {})


def v1_frame_with_offsets(offsets: list[int], tail: bytes = b"") -> bytes:
    return struct.pack(f"<{len(offsets) + 1}Q", len(offsets), *offsets) + tail


@pytest.mark.parametrize(
    ("frame", "protocol", "problem"),
    [
        (b"\x01\x00", V1_PROTOCOL, "too short"),
        (v1_frame_with_offsets([56, 61, 63, 65, 67]), V1_PROTOCOL, "incomplete"),
        (v1_frame_with_offsets([56, 50, 52, 54, 56, 58]), V1_PROTOCOL, "out of order"),
        (v1_frame_with_offsets([56, 61, 63, 65, 67, 999], b"shell{}{}{}{}"), V1_PROTOCOL, "end"),
        (v1_frame_with_offsets([56, 61, 63, 65, 67, 69], b"shell{}{}{}[]"), V1_PROTOCOL, "object"),
        (v1_frame_with_offsets([56, 61, 63, 65, 67, 69], b"shell{}{}{}{x"), V1_PROTOCOL, "JSON"),
        ('{"channel": "shell"}', V1_PROTOCOL, "text frame"),
        ('{"channel": "shell"}', None, "no channel or header"),
        ("not json", None, "JSON"),
        (struct.pack("!II", 5, 8), None, "incomplete"),
    ],
)
def test_a_malformed_frame_is_refused_with_a_reason(
    frame: str | bytes, protocol: str | None, problem: str
) -> None:
    with pytest.raises(WireError, match=problem):
        decode(frame, protocol=protocol)
