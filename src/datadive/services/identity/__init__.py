"""Accounts, sessions, API tokens, email codes, password resets and rate limits."""
