"""Sending after the response, for answers that must not reveal whether a mail went out."""

from __future__ import annotations

import logging

from datadive.mail.sender import Mail, MailNotSent, MailSender

log = logging.getLogger(__name__)


async def send_quietly(mailer: MailSender, mail: Mail) -> None:
    try:
        await mailer.send(mail)
    except MailNotSent as exc:
        log.error("mail to %s was not sent: %s", mail.to, exc.detail)
