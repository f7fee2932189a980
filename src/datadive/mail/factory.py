from __future__ import annotations

from datadive.config import Settings
from datadive.mail.outbox import OutboxMailSender
from datadive.mail.sender import MailSender
from datadive.mail.smtp import SmtpMailSender

OUTBOX_FOLDER = "outbox"


def build_mail_sender(settings: Settings) -> MailSender:
    if settings.smtp_url:
        return SmtpMailSender(settings.smtp_url, sender=settings.mail_from)
    return OutboxMailSender(settings.resolved_data_dir / OUTBOX_FOLDER, sender=settings.mail_from)
