#!/usr/bin/env bash
# One command to run the whole test suite: set-up if needed, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
