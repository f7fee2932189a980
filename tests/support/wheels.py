"""A package of the project's own for tests of requirements.txt: a one-module wheel in a folder
pip installs from with `--no-index --find-links` (PyPI never reached), and pip kept away from
this machine's own pip configuration."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

PACKAGE, VERSION = "ddgreeting", "1.0"
GREETING = "hello from a package of the project's own"


def build_wheel(folder: Path) -> Path:
    """The wheel, written as the wheel format says (no build tools needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    info = f"{PACKAGE}-{VERSION}.dist-info"
    files = {
        f"{PACKAGE}/__init__.py": f"GREETING = {GREETING!r}\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: {VERSION}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = []
    wheel = folder / f"{PACKAGE}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
            digest = hashlib.sha256(text.encode()).digest()
            encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            record.append(f"{name},sha256={encoded},{len(text)}")
        record.append(f"{info}/RECORD,,")
        archive.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return wheel


@contextlib.contextmanager
def offline_pip() -> Iterator[None]:
    """pip as the tests run it: this machine's PIP_* variables and pip.conf left out."""
    saved = {name: os.environ.pop(name) for name in list(os.environ) if name.startswith("PIP_")}
    os.environ["PIP_CONFIG_FILE"] = os.devnull
    try:
        yield
    finally:
        del os.environ["PIP_CONFIG_FILE"]
        os.environ.update(saved)
