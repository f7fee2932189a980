"""SECURITY.md check 25: schemathesis against /api/v1/openapi.json, every phase and check.

On SQLite and on PostgreSQL, signed in (a session cookie where the operation needs a browser
session, an API token elsewhere; `ignored_auth` repeats requests without and with wrong
credentials): no 5xx, no answer the document does not describe, no auth bypass.
`DATADIVE_TEST_FUZZ_EXAMPLES` sets the examples per operation (docs/how-to/run-the-tests.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from datadive.app import create_app
from datadive.config import Settings
from tests.support import contract

# Fuzzing sends thousands of sign-ins, sign-ups and reset requests from one address: with the
# real limits, every one after the tenth would be the (documented) 429, and the fuzzing user
# could not sign in again. tests/api/v1/test_sign_in_limits.py checks the limits themselves.
UNLIMITED = 1_000_000


@pytest.fixture
def fuzzed_app(tmp_path: Path, database_url: str) -> Iterator[FastAPI]:
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        database_url=database_url,
        base_url=contract.ORIGIN,
        sign_in_failure_limit=UNLIMITED,
        mails_per_hour_per_account=UNLIMITED,
        mails_per_hour_per_address=UNLIMITED,
        # Runs and kernel actions start real Jupyter servers: two at most, a third project's
        # run stopping the least recently used idle one.
        max_jupyter_servers=2,
        max_jupyter_servers_per_user=2,
    )
    app = create_app(settings)
    try:
        yield app
    finally:
        contract.stop_apps()


# Hypothesis warns when it prints a generated body of over 100 kB, which the fuzzer makes on
# purpose; the suite's warnings-as-errors would turn that note into an error of the run.
@pytest.mark.filterwarnings("ignore:Generating overly large repr")
def test_the_api_keeps_its_openapi_contract(fuzzed_app: FastAPI) -> None:
    examples = contract.examples_per_operation()
    outcome = contract.fuzz(fuzzed_app, examples=examples)
    # Shown with `-rP` (docs/how-to/run-the-tests.md): what was tried, in how long.
    print(outcome.summary(examples))

    assert not outcome.findings, outcome.report()
    assert not outcome.errors, outcome.report()
    # Every operation was tried, and more than once.
    assert len(outcome.operations) >= 40
    assert outcome.requests > 10 * len(outcome.operations)
