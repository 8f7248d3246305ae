#!/usr/bin/env bash
# Creates .venv with the CPU build of torch and the project installed (editable, with test extras), then exports
# the embedding model to ONNX. Re-running is cheap: nothing is reinstalled while pyproject.toml and constraints.txt
# are unchanged, and nothing is exported again while the model's files are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${FACTCHECK_VENV:-.venv}
stamp="$VENV/.factcheck-installed"
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
# The ONNX export of the embedding model (the default backend), into FACTCHECK_ONNX_DIR (default var/onnx):
# a check of under a second when it is current.
export_embedder() { "$VENV/bin/factcheck" export-embedder; }
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  export_embedder
  exit 0
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
pip() { "$VENV/bin/python" -m pip --disable-pip-version-check -q "$@"; }
# torch first, pinned, so that pip takes the CPU wheel and never a multi-GB CUDA build.
# Where no local CPU wheel is on disk, point TORCH_INDEX_URL at PyTorch's CPU wheel index.
if [ -n "${TORCH_INDEX_URL:-}" ]; then
  pip install torch==2.13.0 --index-url "$TORCH_INDEX_URL"
else
  pip install torch==2.13.0
fi
pip install -c constraints.txt -e '.[test]'  # the versions the figures in docs/ were measured with
echo "$want" > "$stamp"
export_embedder
