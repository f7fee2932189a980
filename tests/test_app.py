"""The app is built by create_app(settings) only, and refuses a schema that is not at head."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from datadive.app import create_app
from datadive.config import Settings
from datadive.db.engine import Database
from datadive.db.schema import downgrade_schema
from datadive.errors import SchemaNotAtHead


def test_importing_datadive_builds_nothing(tmp_path: Path) -> None:
    """Importing every module must not read settings, connect, or create files."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATADIVE_")}
    env["DATADIVE_EXECUTION_BACKEND"] = "not-a-backend"  # would fail if settings were read
    code = (
        "import pkgutil, importlib, datadive\n"
        "for m in pkgutil.walk_packages(datadive.__path__, 'datadive.'):\n"
        "    if '.migrations' not in m.name and m.name != 'datadive.__main__':\n"
        "        importlib.import_module(m.name)\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, check=True)

    assert list(tmp_path.iterdir()) == []


async def test_the_app_refuses_to_start_on_a_stale_schema(settings: Settings) -> None:
    database = Database(settings.resolved_database_url)
    await downgrade_schema(database.engine, "-1")
    await database.dispose()
    app = create_app(settings)

    with pytest.raises(SchemaNotAtHead, match=r"run `datadive db upgrade`"):
        async with app.router.lifespan_context(app):
            pass
