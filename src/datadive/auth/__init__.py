"""Who is calling, and what they may do: passwords, tokens, cookies, origin checks."""
