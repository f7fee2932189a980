#!/usr/bin/env bash
# The whole check, as CI runs it: install, lint, type-check, and the test suite.
# Extra arguments go to pytest (for example -k health, or -x).
set -euo pipefail
cd "$(dirname "$0")"
scripts/ensure-venv.sh dev

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/pytest "$@"
