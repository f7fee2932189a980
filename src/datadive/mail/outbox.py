"""Default mail sender for a local install: log each mail and keep it as a .eml file."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from datadive.db.ids import new_id
from datadive.mail.sender import Mail, MailNotSent, MailSender, to_email_message

log = logging.getLogger(__name__)


class OutboxMailSender(MailSender):
    def __init__(self, folder: Path, *, sender: str) -> None:
        self.folder = folder
        self.sender = sender

    async def send(self, mail: Mail) -> None:
        message = to_email_message(mail, sender=self.sender)
        path = self.folder / f"{new_id()}.eml"
        try:
            await asyncio.to_thread(self._write, path, message.as_bytes())
        except OSError as exc:
            raise MailNotSent(f"The mail could not be written to {self.folder}: {exc}") from None
        log.warning(
            "No mail server is configured (DATADIVE_SMTP_URL); mail to %s saved as %s:\n"
            "Subject: %s\n\n%s",
            mail.to,
            path,
            mail.subject,
            mail.text,
        )

    def _write(self, path: Path, content: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
