"""Notices of saved notebooks, in process: only the server's key makes one, a changed byte or
an old notice is refused; the launch secrets carry the key and the address; the post-save hook
never fails a save."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import secrets
from types import SimpleNamespace
from typing import Any

import pytest

from datadive.execution.local import free_port
from datadive.jupyter.launch import LaunchSecrets, read_launch_secrets
from datadive.jupyter.save_hook import SaveNotifier, notify_datadive
from datadive.jupyter.save_notices import (
    MAX_AGE_SECONDS,
    InvalidSaveNotice,
    read_save_notice,
    sign_save_notice,
)

KEY = secrets.token_bytes(32)


def test_a_notice_names_the_saved_file() -> None:
    body, signature = sign_save_notice(KEY, path="sub/analysis.ipynb", now=1000.0)

    assert read_save_notice(KEY, body, signature, now=1000.0 + MAX_AGE_SECONDS) == (
        "sub/analysis.ipynb"
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param(lambda b, s: (b.replace(b"a.ipynb", b"b.ipynb"), s), "signed", id="body"),
        pytest.param(lambda b, s: (b, s[:-2] + "AA"), "signed", id="signature"),
        pytest.param(lambda b, s: (b, ""), "signed", id="no-signature"),
        pytest.param(
            lambda b, s: sign_save_notice(secrets.token_bytes(32), path="a.ipynb", now=1000.0),
            "signed",
            id="another-key",
        ),
        pytest.param(lambda b, s: (b + b" " * 9000, s), "signed", id="huge"),
    ],
)
def test_a_changed_or_foreign_notice_is_refused(change: Any, reason: str) -> None:
    body, signature = change(*sign_save_notice(KEY, path="a.ipynb", now=1000.0))
    with pytest.raises(InvalidSaveNotice, match=reason):
        read_save_notice(KEY, body, signature, now=1000.0)


def test_an_old_notice_is_refused() -> None:
    body, signature = sign_save_notice(KEY, path="a.ipynb", now=1000.0)
    with pytest.raises(InvalidSaveNotice, match="too old"):
        read_save_notice(KEY, body, signature, now=1000.0 + MAX_AGE_SECONDS + 1)


def test_a_well_signed_but_malformed_notice_is_refused() -> None:
    from datadive.jupyter.save_notices import _signature  # noqa: PLC0415 - forging on purpose

    for body in (b"[]", b'{"path": 5, "sent_at": 1000}', b'{"path": "a.ipynb"}', b"nope"):
        with pytest.raises(InvalidSaveNotice, match="malformed"):
            read_save_notice(KEY, body, _signature(KEY, body), now=1000.0)


def test_the_launch_secrets_carry_the_notice_key_and_address() -> None:
    login_key, notice_key = secrets.token_bytes(32), secrets.token_bytes(32)
    url = "http://127.0.0.1:8000/internal/jupyter/projects/p1/saved"
    line = LaunchSecrets(login_key=login_key, notice_key=notice_key, notice_url=url).to_line()

    found = read_launch_secrets(io.StringIO(line.decode()))

    assert found == LaunchSecrets(login_key=login_key, notice_key=notice_key, notice_url=url)


def test_without_a_usable_notice_key_the_server_tells_nobody() -> None:
    login_key = secrets.token_bytes(32)
    short = json.dumps(
        {
            "login_key": LaunchSecrets(login_key).to_line().decode().split('"')[3],
            "notice_key": "c2hvcnQ=",
            "notice_url": "http://127.0.0.1:1/x",
        }
    )

    found = read_launch_secrets(io.StringIO(short + "\n"))

    assert found == LaunchSecrets(login_key=login_key)


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def contents_manager(notifier: object) -> Any:
    log = logging.getLogger("test-contents")
    return SimpleNamespace(
        parent=SimpleNamespace(identity_provider=SimpleNamespace(save_notifier=notifier)),
        log=log,
    )


async def test_the_hook_returns_at_once_and_a_datadive_that_is_away_only_makes_a_warning() -> None:
    log = logging.getLogger("test-save-hook")
    recorder = Recorder()
    log.addHandler(recorder)
    nobody_there = f"http://127.0.0.1:{free_port()}/internal/jupyter/projects/p1/saved"
    notifier = SaveNotifier(url=nobody_there, key=KEY, log=log)
    try:
        notify_datadive(
            model={"path": "analysis.ipynb", "type": "notebook"},
            os_path="/x/analysis.ipynb",
            contents_manager=contents_manager(notifier),
        )
        assert len(notifier.sending) == 1  # started, not awaited
        await asyncio.wait_for(asyncio.gather(*notifier.sending), 30)
    finally:
        log.removeHandler(recorder)

    assert any("Datadive not told of the save of analysis.ipynb" in m for m in recorder.messages)


async def test_the_hook_ignores_other_files_and_never_raises() -> None:
    nobody_there = f"http://127.0.0.1:{free_port()}/internal/jupyter/projects/p1/saved"
    notifier = SaveNotifier(url=nobody_there, key=KEY, log=logging.getLogger("test-save-hook"))
    manager = contents_manager(notifier)
    for model in ({"path": "data.csv", "type": "file"}, {"type": "notebook"}, {"path": 5}):
        notify_datadive(model=model, os_path="/x", contents_manager=manager)
    told_of_others = len(notifier.sending)
    notify_datadive(
        model={"path": "a.ipynb", "type": "notebook"},
        os_path="/x/a.ipynb",
        contents_manager=manager,
    )
    told_of_the_notebook = len(notifier.sending)
    await asyncio.wait_for(asyncio.gather(*notifier.sending), 30)
    # A broken contents manager (no parent) is logged, not raised.
    notify_datadive(
        model={"path": "a.ipynb"},
        os_path="/x/a.ipynb",
        contents_manager=SimpleNamespace(log=logging.getLogger("test-contents")),
    )

    assert (told_of_others, told_of_the_notebook) == (0, 1)
