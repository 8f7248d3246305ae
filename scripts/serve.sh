#!/usr/bin/env bash
# One command to run the service: set-up if needed, then the API on http://127.0.0.1:8000 with the seeds ingested.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/factcheck serve "$@"
