#!/usr/bin/env bash
# Creates .venv with the Python packages the tools/ scripts need (from PyPI only) and prints its python.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
"$venv/bin/pip" install -q --disable-pip-version-check \
  numpy==2.4.6 onnx==1.23.2 onnx-ir==1.1.0 onnxruntime==1.31.1 pillow==13.0.0 "$@" >&2
echo "$venv/bin/python"
