#!/usr/bin/env python3
"""Regenerates the two liveness models from Minivision's original PyTorch weights and checks them
against the ONNX files shipped in models/.

The shipped files are the ONNX exports in yakhyo/face-anti-spoofing (models/README.md). This script
rebuilds them from the source they were made from: Minivision's Silent-Face-Anti-Spoofing repository
(Apache-2.0), its network code `src/model_lib/MiniFASNet.py` and its weights
`resources/anti_spoof_models/2.7_80x80_MiniFASNetV2.pth` and `4_0_0_80x80_MiniFASNetV1SE.pth`. Each
model is built as Minivision's `AntiSpoofPredict` builds it (80x80 input, so a 5x5 last depthwise
kernel), loaded with the `module.` prefix of its data-parallel training removed, and exported with
the settings of the shipped files (opset 17, constant folding, input `input`, output `output`,
batch of one).

Then both the regenerated and the shipped graphs run, under ONNX Runtime, on the same inputs (random
80x80 crops with values 0-255, as rollcall feeds them), beside PyTorch itself; the script refuses to
write anything if a softmax differs by more than 1e-5 anywhere.

Usage (torch from PyPI; the project itself never needs it):

    python3 -m venv .venv-torch
    .venv-torch/bin/pip install --no-deps torch==2.5.1
    .venv-torch/bin/pip install numpy==2.1.3 onnx==1.17.0 onnxruntime==1.31.1 filelock \\
        typing-extensions sympy==1.13.1 networkx jinja2 fsspec
    .venv-torch/bin/python tools/build_liveness.py MINIVISION_GIT_DIR OUT_DIR [--shipped models]

MINIVISION_GIT_DIR is a clone of github.com/minivision-ai/Silent-Face-Anti-Spoofing (bare or not);
files are read from commit b6d5f04ad78778917853b25c778acef6d5626d15 with `git show`, so the work tree
does not matter.
"""

import argparse
import hashlib
import importlib.util
import io
import subprocess
import sys
import tempfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

COMMIT = "b6d5f04ad78778917853b25c778acef6d5626d15"
# (file in models/, class in MiniFASNet.py, weights in the Minivision repository)
MODELS = [
    ("minifasnet_v2.onnx", "MiniFASNetV2", "resources/anti_spoof_models/2.7_80x80_MiniFASNetV2.pth"),
    ("minifasnet_v1se.onnx", "MiniFASNetV1SE", "resources/anti_spoof_models/4_0_0_80x80_MiniFASNetV1SE.pth"),
]
SIDE = 80
TOLERANCE = 1e-5


def git_show(git_dir: Path, path: str) -> bytes:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"{COMMIT}:{path}"],
        check=True,
        capture_output=True,
    ).stdout


def git_dir_of(repo: Path) -> Path:
    dot_git = repo / ".git"
    return dot_git if dot_git.exists() else repo


def load_network_code(git_dir: Path, tmp: Path):
    source = tmp / "MiniFASNet.py"
    source.write_bytes(git_show(git_dir, "src/model_lib/MiniFASNet.py"))
    spec = importlib.util.spec_from_file_location("minifasnet", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(module, class_name: str, weights: bytes) -> torch.nn.Module:
    # Minivision's get_kernel(80, 80): ((80 + 15) // 16, (80 + 15) // 16).
    kernel = ((SIDE + 15) // 16, (SIDE + 15) // 16)
    model = getattr(module, class_name)(conv6_kernel=kernel)
    state = torch.load(io.BytesIO(weights), map_location="cpu", weights_only=True)
    state = OrderedDict((k.removeprefix("module."), v) for k, v in state.items())
    model.load_state_dict(state)
    model.eval()
    return model


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def run_onnx(path: Path, inputs: list) -> np.ndarray:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return np.concatenate([softmax(session.run(["output"], {"input": x})[0]) for x in inputs])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("minivision", type=Path, help="clone of minivision-ai/Silent-Face-Anti-Spoofing")
    ap.add_argument("out", type=Path, help="where to write the regenerated ONNX files")
    ap.add_argument("--shipped", type=Path, default=Path(__file__).resolve().parent.parent / "models")
    ap.add_argument("--samples", type=int, default=64)
    args = ap.parse_args()

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    inputs = [rng.integers(0, 256, (1, 3, SIDE, SIDE)).astype(np.float32) for _ in range(args.samples)]
    git_dir = git_dir_of(args.minivision)
    args.out.mkdir(parents=True, exist_ok=True)
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        module = load_network_code(git_dir, tmp)
        for name, class_name, weights_path in MODELS:
            weights = git_show(git_dir, weights_path)
            print(f"{weights_path}: sha256 {hashlib.sha256(weights).hexdigest()}")
            model = build(module, class_name, weights)
            exported = tmp / name
            with torch.no_grad():
                torch.onnx.export(
                    model,
                    torch.zeros(1, 3, SIDE, SIDE),
                    str(exported),
                    export_params=True,
                    opset_version=17,
                    do_constant_folding=True,
                    input_names=["input"],
                    output_names=["output"],
                )
                reference = np.concatenate(
                    [softmax(model(torch.from_numpy(x)).numpy()) for x in inputs]
                )
            regenerated = run_onnx(exported, inputs)
            diffs = {"regenerated vs PyTorch": np.abs(regenerated - reference).max()}
            shipped = args.shipped / name
            if shipped.exists():
                diffs["shipped vs regenerated"] = np.abs(run_onnx(shipped, inputs) - regenerated).max()
            else:
                print(f"  {shipped} not found: compared with PyTorch only")
            for what, d in diffs.items():
                print(f"  {name}: {what}: max softmax difference {d:.2e} over {len(inputs)} crops")
                worst = max(worst, float(d))
            if worst > TOLERANCE:
                print(f"refusing to write: {worst:.2e} > {TOLERANCE:.0e}", file=sys.stderr)
                return 1
            (args.out / name).write_bytes(exported.read_bytes())
            print(f"  wrote {args.out / name}: sha256 {hashlib.sha256(exported.read_bytes()).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
