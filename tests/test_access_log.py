import logging

from datadive.access_log import RedactSecretsInPaths


def test_reset_tokens_are_redacted_and_other_paths_kept() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", "/api/v1/auth/password-reset/abc.def?x=1", "1.1", 404),
        None,
    )
    other = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, "%s %s", ("GET", "/api/v1/auth/me"), None
    )

    assert RedactSecretsInPaths().filter(record)
    assert RedactSecretsInPaths().filter(other)

    assert "abc.def" not in record.getMessage()
    assert "/api/v1/auth/password-reset/<redacted>?x=1" in record.getMessage()
    assert other.getMessage() == "GET /api/v1/auth/me"
