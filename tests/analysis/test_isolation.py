"""`datadive.analysis` runs in the user's kernel: it imports pandas, NumPy, SciPy, matplotlib
and pyreadstat, never the app, the database or the web layer (nor Datadive's other packages,
which pull them in). Checked in a fresh interpreter, after importing every module of it and
every name it offers."""

from __future__ import annotations

import json
import subprocess
import sys

import datadive.analysis
from datadive.analysis.columns import MEASUREMENTS
from datadive.cell_templates.spec import LEVELS

FORBIDDEN_LIBRARIES = (
    "fastapi", "starlette", "sqlalchemy", "alembic", "aiosqlite", "asyncpg", "uvicorn",
    "jinja2", "pydantic", "pydantic_settings", "httpx", "duckdb", "boto3", "nh3",
)  # fmt: skip

PROBE = """
import importlib, json, pkgutil, sys
import datadive.analysis as analysis
for name in analysis.__all__:
    getattr(analysis, name)
for module in pkgutil.walk_packages(analysis.__path__, "datadive.analysis."):
    importlib.import_module(module.name)
print(json.dumps(sorted(sys.modules)))
"""

QSF_ONLY = """
import json, sys
import datadive.analysis.qsf, datadive.analysis.qualtrics_format
print(json.dumps(sorted(sys.modules)))
"""


def modules_after(code: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    found: list[str] = json.loads(result.stdout)
    return found


def test_the_kernel_library_imports_no_part_of_the_app() -> None:
    loaded = modules_after(PROBE)

    datadive_modules = [name for name in loaded if name.split(".")[0] == "datadive"]
    assert "datadive.analysis.plots" in datadive_modules  # the probe did import everything
    outside = [
        name
        for name in datadive_modules
        if name != "datadive" and not name.startswith("datadive.analysis")
    ]
    assert outside == []
    assert [name for name in loaded if name.split(".")[0] in FORBIDDEN_LIBRARIES] == []


def test_every_name_it_offers_exists() -> None:
    for name in datadive.analysis.__all__:
        assert callable(getattr(datadive.analysis, name)), name
    # The names are listed for type checkers and for loading on first use: the same ones.
    assert sorted(datadive.analysis.__all__) == sorted(datadive.analysis._HOMES)


def test_templates_and_the_library_know_the_same_measurement_levels() -> None:
    assert set(LEVELS) == set(MEASUREMENTS)


def test_the_shared_qualtrics_rules_load_without_matplotlib() -> None:
    """The file page uses the Qualtrics rules; they must not load plotting into the app."""
    loaded = modules_after(QSF_ONLY)
    assert "matplotlib" not in loaded
    assert "datadive.analysis.plots" not in loaded
