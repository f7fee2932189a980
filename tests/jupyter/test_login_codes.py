"""Login codes: only Datadive's key makes one, each says who and until when, and a changed
byte, another key or the passing of time spoils it."""

from __future__ import annotations

import io
import secrets

import pytest

from datadive.jupyter.launch import LaunchSecrets, read_launch_secrets
from datadive.jupyter.login_codes import InvalidLoginCode, issue_login_code, read_login_code
from datadive.jupyter.sessions import BrowserSessions

KEY = secrets.token_bytes(32)


def with_payload_of(code: str, user_id: str) -> str:
    """`code` with its signature but another user's (validly signed) payload."""
    version, _, signature = code.split(".")
    payload = issue_login_code(KEY, user_id=user_id, name=user_id).split(".")[1]
    return f"{version}.{payload}.{signature}"


def test_a_code_names_the_user_and_expires_a_minute_later() -> None:
    code = issue_login_code(KEY, user_id="u1", name="ada", now=1000.0)

    found = read_login_code(KEY, code, now=1059.0)

    assert (found.user_id, found.name, found.expires_at) == ("u1", "ada", 1060.0)
    with pytest.raises(InvalidLoginCode, match="expired"):
        read_login_code(KEY, code, now=1060.5)


def test_two_codes_for_the_same_user_differ() -> None:
    first = issue_login_code(KEY, user_id="u1", name="ada")
    second = issue_login_code(KEY, user_id="u1", name="ada")
    assert first != second
    assert read_login_code(KEY, first).nonce != read_login_code(KEY, second).nonce


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda c: c.replace("v1.", "v2.", 1), id="version"),
        pytest.param(lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"), id="signature"),
        pytest.param(lambda c: with_payload_of(c, "boss"), id="payload-of-another-code"),
        pytest.param(
            lambda c: issue_login_code(secrets.token_bytes(32), user_id="u1", name="a"),
            id="other-key",
        ),
        pytest.param(lambda c: "", id="empty"),
        pytest.param(lambda c: "a.b", id="two-parts"),
        pytest.param(lambda c: c + "." + c, id="too-many-parts"),
        pytest.param(lambda c: "v1." + "A" * 3000 + ".x", id="huge"),
    ],
)
def test_a_changed_or_foreign_code_is_refused(spoil) -> None:  # type: ignore[no-untyped-def]
    code = issue_login_code(KEY, user_id="u1", name="ada")
    with pytest.raises(InvalidLoginCode):
        read_login_code(KEY, spoil(code))


def test_a_code_is_redeemed_once() -> None:
    sessions = BrowserSessions(KEY)
    code = issue_login_code(KEY, user_id="u1", name="ada")

    first = sessions.redeem(code)

    assert sessions.find(first) is not None
    with pytest.raises(InvalidLoginCode, match="already used"):
        sessions.redeem(code)


def test_a_server_without_a_key_takes_no_code() -> None:
    sessions = BrowserSessions(None)
    with pytest.raises(InvalidLoginCode):
        sessions.redeem(issue_login_code(KEY, user_id="u1", name="ada"))


def test_revoking_ends_only_that_users_sessions() -> None:
    sessions = BrowserSessions(KEY)
    ada = [sessions.redeem(issue_login_code(KEY, user_id="ada", name="a")) for _ in range(2)]
    bob = sessions.redeem(issue_login_code(KEY, user_id="bob", name="b"))

    assert sessions.revoke("ada") == 2

    assert [sessions.find(s) for s in ada] == [None, None]
    assert sessions.find(bob) is not None


def test_the_launch_secret_round_trips_and_nothing_else_is_taken_for_it() -> None:
    key = secrets.token_bytes(32)
    line = LaunchSecrets(login_key=key).to_line().decode()

    assert read_launch_secrets(io.StringIO(line)) == LaunchSecrets(login_key=key)
    assert read_launch_secrets(io.StringIO("")) is None
    assert read_launch_secrets(io.StringIO("not json\n")) is None
    assert read_launch_secrets(io.StringIO('{"login_key": "c2hvcnQ="}\n')) is None  # too short
    assert read_launch_secrets(None) is None
