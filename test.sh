#!/usr/bin/env bash
# The whole check, as CI runs it: install, lint, type-check, and the test suite.
# Extra arguments go to pytest (for example -k health, or -x).
set -euo pipefail
cd "$(dirname "$0")"
scripts/ensure-venv.sh dev

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
# Two test processes by default (DATADIVE_TEST_WORKERS=0 runs them in this one process).
exec .venv/bin/pytest -n "${DATADIVE_TEST_WORKERS:-2}" "$@"
