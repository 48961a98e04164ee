#!/usr/bin/env bash
# Install the test dependencies and run every check: ruff, mypy and the test suite.
#   - a virtualenv in .venv with paperbrief and its [test] extra;
#   - Debian's Chromium for the browser tests of the HTML site (Playwright drives it; it never
#     downloads a browser of its own). Installed with apt-get when missing (needs root or sudo).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k store`.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then python=$candidate; break; fi
  done
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test,postgres]'

if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests…"
  bash scripts/apt_install.sh chromium fonts-noto-cjk
fi

.venv/bin/ruff check src tests bench scripts
.venv/bin/ruff format --check src tests bench scripts
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
