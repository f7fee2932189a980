#!/usr/bin/env bash
# Create ./.venv with Python 3.11+ and install Datadive into it (editable), with the extras
# given as the first argument ("" or "dev"). Re-installs only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"

python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "error: Datadive needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv

stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-${extras:-base}"
if [ ! -f "$stamp" ]; then
  target="."
  [ -n "$extras" ] && target=".[$extras]"
  echo "Installing Datadive into .venv (first run takes a minute)..."
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$target"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
