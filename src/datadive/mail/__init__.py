"""Sending mail: SMTP when configured, otherwise the log and an outbox folder."""
