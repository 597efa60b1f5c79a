"""Helpers more than one tools/ script needs. The scripts run as `python tools/NAME.py`, which puts
this folder first on the import path."""

import hashlib
import sys

import numpy as np
import onnx


def fit_similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares [a -b; b a] src + t = dst, as a 2x3 matrix."""
    a_rows = np.zeros((2 * len(src), 4))
    a_rows[0::2] = np.c_[src[:, 0], -src[:, 1], np.ones(len(src)), np.zeros(len(src))]
    a_rows[1::2] = np.c_[src[:, 1], src[:, 0], np.zeros(len(src)), np.ones(len(src))]
    a, b, tx, ty = np.linalg.lstsq(a_rows, dst.reshape(-1), rcond=None)[0]
    return np.array([[a, -b, tx], [b, a, ty]])


def load_shipped(path: str, sha256: str) -> onnx.ModelProto:
    """The model at `path`, after checking that its bytes are the ones models/README.md names."""
    data = open(path, "rb").read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        sys.exit(f"{path}: sha256 {digest}, expected {sha256}")
    return onnx.load_from_string(data)
