"""Mail over SMTP: `smtp://user:password@host:587` (STARTTLS when offered) or `smtps://…:465`."""

from __future__ import annotations

import logging
from urllib.parse import unquote, urlsplit

import aiosmtplib

from datadive.errors import ConfigurationError
from datadive.mail.sender import Mail, MailNotSent, MailSender, to_email_message

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 20


class SmtpMailSender(MailSender):
    def __init__(self, url: str, *, sender: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ConfigurationError(
                "DATADIVE_SMTP_URL: use smtp://user:password@host:port or smtps://…"
            )
        self.hostname = parts.hostname
        self.port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self.use_tls = parts.scheme == "smtps"
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender

    async def send(self, mail: Mail) -> None:
        message = to_email_message(mail, sender=self.sender)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.hostname,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.use_tls,
                timeout=TIMEOUT_SECONDS,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.error("sending mail to %s via %s failed: %s", mail.to, self.hostname, exc)
            raise MailNotSent(
                "We could not send the email just now. Please try again in a few minutes."
            ) from None
