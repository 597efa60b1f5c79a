"""Writes dlib's face ResNet with int8 weights and activations (ONNX Runtime static quantisation, QDQ).

Why: on one thread the float ResNet takes 9 to 12 ms for a kiosk face and its mirror image; with
int8 convolutions (uint8 activations, int8 weights per output channel) ONNX Runtime's integer kernels
run it about twice as fast (docs/performance.md), and its descriptors agree with the float model's to
a cosine of 0.995+ (printed below; docs/accuracy.md has `rollcall eval` on both).

Why 7-bit weights (`reduce_range`): on x86 processors without VNNI (AVX2 only: AMD Zen 2/3, Intel
before Cascade Lake) ONNX Runtime multiplies uint8 activations by int8 weights with `vpmaddubsw`,
which adds each pair of products into 16 bits with saturation: 255 * 127 * 2 = 64,770 does not fit
in 32,767. With full-range weights the same model gave descriptors 0.989 from the float model's on
such a CPU and 0.9995 on one with VNNI. Weights in [-64, 64] keep every pair within 255 * 64 * 2 =
32,640, so the integer sums are exact on AVX2, AVX-512 VNNI and AMX alike, and the descriptors are
the same bits on each (crates/vision/tests/instruction_sets.rs runs the model on an emulated AVX2-only
CPU). The cost is one bit of weight precision: docs/accuracy.md, "dlib in int8".

Calibration never sees evaluation data: it uses the repository's public-domain and Apache-2.0 fixture
photos (fixtures/README.md), aligned as the server aligns them, with seeded variations (pose jitter,
scale, light, contrast, noise, grey, mirror). The activation ranges ONNX Runtime measures are rounded
outward to three significant digits before the model is written, so that the last bits of a float
reduction on another CPU do not change the file: two runs write the same bytes.

Usage:
  rollcall detect fixtures/faces/*.jpg > landmarks.jsonl      (from the repository root)
  quantize_dlib.py models/dlib_resnet128.onnx landmarks.jsonl models/dlib_resnet128_int8.onnx
"""

import json
import math
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import (
    CalibrationDataReader,
    QuantFormat,
    QuantType,
    quantize_static,
)
from PIL import Image, ImageOps

from shared import fit_similarity

ort.set_default_logger_severity(3)

CHIP = 150
# Where the five landmarks land in dlib's 150x150 chip (crates/vision/src/align.rs, CHIP_TEMPLATE).
TEMPLATE = np.array(
    [[46.0, 44.0], [101.0, 44.0], [73.0, 77.0], [50.0, 104.0], [97.0, 105.0]]
)
VARIATIONS = 48
SEED = 20261204
# Refuse to write a model whose descriptors drift this far from the float model's on any chip.
MIN_COSINE = 0.995


def chip(img: Image.Image, landmarks: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One aligned 150x150 chip with a seeded variation, as the float32 HWC 0-255 the model takes."""
    angle = math.radians(rng.uniform(-8, 8))
    scale = rng.uniform(0.92, 1.08)
    shift = rng.uniform(-4, 4, size=2)
    c = CHIP / 2
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    template = (TEMPLATE - c) @ rot.T * scale + c + shift
    to_chip = fit_similarity(landmarks, template)
    # PIL maps output pixels back to input pixels: invert the image -> chip similarity.
    m = np.vstack([to_chip, [0, 0, 1]])
    inv = np.linalg.inv(m)[:2].reshape(-1)
    out = img.transform((CHIP, CHIP), Image.Transform.AFFINE, tuple(inv), Image.Resampling.BILINEAR)
    if rng.random() < 0.5:
        out = ImageOps.mirror(out)
    if rng.random() < 0.2:
        out = ImageOps.grayscale(out).convert("RGB")
    x = np.asarray(out, dtype=np.float32)
    mean = x.mean()
    x = (x - mean) * rng.uniform(0.75, 1.25) + mean * rng.uniform(0.6, 1.3)
    x += rng.normal(0, rng.uniform(0, 6), size=x.shape)
    return np.clip(x, 0, 255).astype(np.float32)


def calibration_chips(landmarks_jsonl: Path) -> list[np.ndarray]:
    rng = np.random.default_rng(SEED)
    chips = []
    for line in landmarks_jsonl.read_text().splitlines():
        face = json.loads(line)
        img = Image.open(face["image"]).convert("RGB")
        lm = np.array(face["landmarks"], dtype=np.float64)
        chips.extend(chip(img, lm, rng) for _ in range(VARIATIONS))
    if not chips:
        raise SystemExit("no faces in the landmarks file")
    return chips


class Chips(CalibrationDataReader):
    """The chips two at a time, as the kiosk sends a face and its mirror image."""

    def __init__(self, input_name: str, chips: list[np.ndarray]):
        self.batches = iter(
            {input_name: np.stack(chips[i : i + 2])} for i in range(0, len(chips) - 1, 2)
        )

    def get_next(self):
        return next(self.batches, None)


def round_outward(value: float, up: bool) -> float:
    if value == 0:
        return 0.0
    exp = math.floor(math.log10(abs(value))) - 2
    step = 10.0**exp
    return (math.ceil(value / step) if up else math.floor(value / step)) * step


def round_cache(path: Path) -> None:
    cache = json.loads(path.read_text())
    for tensor in cache["data"].values():
        for key, up in (("lowest", False), ("highest", True)):
            v = tensor[key]
            if isinstance(v, dict):  # numpy array as the cache writes it
                v["data"] = [round_outward(float(x), up) for x in np.ravel(v["data"])]
            else:
                tensor[key] = round_outward(float(v), up)
    path.write_text(json.dumps(cache))


def main() -> None:
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    src, landmarks, dst = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    float_session = ort.InferenceSession(str(src), providers=["CPUExecutionProvider"])
    input_name = float_session.get_inputs()[0].name
    chips = calibration_chips(landmarks)
    options = dict(
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        # 7-bit weights: exact on processors without VNNI (see above).
        reduce_range=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
    )
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "ranges.json"
        scratch = Path(tmp) / "first.onnx"
        quantize_static(
            str(src), str(scratch), Chips(input_name, chips), calibration_cache_path=cache, **options
        )
        round_cache(cache)
        quantize_static(str(src), str(dst), None, calibration_cache_path=cache, **options)

    int8_session = ort.InferenceSession(str(dst), providers=["CPUExecutionProvider"])
    cosines = []
    for i in range(0, len(chips) - 1, 2):
        batch = {input_name: np.stack(chips[i : i + 2])}
        a = float_session.run(None, batch)[0]
        b = int8_session.run(None, batch)[0]
        cosines.extend((a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1))
    print(
        f"{len(chips)} calibration chips; int8 against float descriptors: cosine median "
        f"{np.median(cosines):.5f}, min {np.min(cosines):.5f}"
    )
    if np.min(cosines) < MIN_COSINE:
        dst.unlink()
        raise SystemExit(f"descriptors drift below cosine {MIN_COSINE}; nothing written")


if __name__ == "__main__":
    main()
