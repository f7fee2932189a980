"""Fixtures of the API tests."""

from __future__ import annotations

import pytest

from tests.support.world import SIGN_INS


@pytest.fixture(params=SIGN_INS)
def via(request: pytest.FixtureRequest) -> str:
    """How an execution test signs in: as a browser does (the session cookie) and as a script
    does (an API token); every run test runs both ways."""
    kind: str = request.param
    return kind
