"""The mail seam: one small interface, two real implementations."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from datadive.errors import Unavailable


class MailNotSent(Unavailable):
    slug = "mail-not-sent"
    title = "Email could not be sent"


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


def to_email_message(mail: Mail, *, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="datadive.local")
    message.set_content(mail.text)
    return message


class MailSender(ABC):
    @abstractmethod
    async def send(self, mail: Mail) -> None:
        """Deliver `mail` or raise MailNotSent."""
