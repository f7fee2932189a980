"""Tell Datadive when the project's Jupyter server saved a notebook, so that edits made in
JupyterLab come back into Datadive's cells at once.

Configured on the servers Datadive starts as `ContentsManager.post_save_hook`. The hook only
starts the notice and returns: the save never waits for Datadive, and never fails because of
it. When Datadive cannot be reached, the save is not lost: Datadive compares the file with what
it wrote before it writes again, and takes the change in then.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from datadive.jupyter.save_notices import SIGNATURE_HEADER, sign_save_notice

CONNECT_TIMEOUT_SECONDS = 5.0
REQUEST_TIMEOUT_SECONDS = 60.0


class SaveNotifier:
    """Posts signed notices to Datadive, one per save, in the background."""

    def __init__(self, *, url: str, key: bytes, log: logging.Logger | logging.LoggerAdapter[Any]):
        self.url = url
        self.key = key
        self.log = log
        self.sending: set[asyncio.Task[None]] = set()

    def saved(self, path: str) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.log.warning("Datadive not told of the save of %s: no event loop", path)
            return
        task = loop.create_task(self.send(path), name=f"tell Datadive {path} was saved")
        self.sending.add(task)  # keep it alive until it is done
        task.add_done_callback(self.sending.discard)

    async def send(self, path: str) -> None:
        body, signature = sign_save_notice(self.key, path=path)
        request = HTTPRequest(
            self.url,
            method="POST",
            body=body,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            request_timeout=REQUEST_TIMEOUT_SECONDS,
        )
        try:
            response = await AsyncHTTPClient().fetch(request, raise_error=False)
        except Exception as exc:  # anything at all: the save itself went well
            self.log.warning("Datadive not told of the save of %s: %s", path, exc)
            return
        if response.code >= 400:
            self.log.warning(
                "Datadive not told of the save of %s: it answered %s", path, response.code
            )


def notify_datadive(*, model: dict[str, Any], os_path: str, contents_manager: Any) -> None:
    """Post-save hook: tell Datadive that a notebook (`.ipynb`, saved as a notebook or as
    text) was saved. Never raises: Jupyter would fail the save."""
    try:
        path = model.get("path")
        if not isinstance(path, str) or not path.endswith(".ipynb"):
            return
        provider = getattr(contents_manager.parent, "identity_provider", None)
        notifier = getattr(provider, "save_notifier", None)
        if isinstance(notifier, SaveNotifier):
            notifier.saved(path)
    except Exception:
        contents_manager.log.warning("Datadive not told of the save of %s", os_path, exc_info=True)
