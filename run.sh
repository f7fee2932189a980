#!/usr/bin/env bash
# Install Datadive into ./.venv (first time only) and start it on http://127.0.0.1:8000.
# Extra arguments go to `datadive serve` (for example --port 9000).
set -euo pipefail
cd "$(dirname "$0")"
scripts/ensure-venv.sh ""
exec .venv/bin/datadive serve "$@"
