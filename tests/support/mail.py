"""A real SMTP server (aiosmtpd) that keeps what it receives, and readers for the outbox."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

CODE = re.compile(r"Your Datadive code: (\d{8})")
RESET_TOKEN = re.compile(r"reset-password#(\S+)")


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[Message] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


class KeepMessages:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        self.mailbox.messages.append(message)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    mailbox = Mailbox(host="127.0.0.1", port=free_port())
    controller = Controller(KeepMessages(mailbox), hostname=mailbox.host, port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


def body_of(message: Message) -> str:
    part = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    text: str = part.get_content()
    return text


def code_in(message: Message) -> str:
    match = CODE.search(str(message["Subject"]))
    assert match, f"no code in {message['Subject']!r}"
    return match.group(1)


def reset_token_in(message: Message) -> str:
    match = RESET_TOKEN.search(body_of(message))
    assert match, "no reset link in the mail"
    return match.group(1)


def outbox_messages(folder: Path) -> list[Message]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=default_policy)
        for path in sorted(folder.glob("*.eml"))
    ]
