"""Helpers more than one tools/ script needs. The scripts run as `python tools/NAME.py`, which puts
this folder first on the import path."""

import hashlib
import sys

import numpy as np


def fit_similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares [a -b; b a] src + t = dst, as a 2x3 matrix."""
    a_rows = np.zeros((2 * len(src), 4))
    a_rows[0::2] = np.c_[src[:, 0], -src[:, 1], np.ones(len(src)), np.zeros(len(src))]
    a_rows[1::2] = np.c_[src[:, 1], src[:, 0], np.zeros(len(src)), np.ones(len(src))]
    a, b, tx, ty = np.linalg.lstsq(a_rows, dst.reshape(-1), rcond=None)[0]
    return np.array([[a, -b, tx], [b, a, ty]])


def read_shipped(path: str, sha256: str) -> bytes:
    """The bytes at `path`, after checking that they are the ones models/README.md names."""
    data = open(path, "rb").read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        sys.exit(f"{path}: sha256 {digest}, expected {sha256}")
    return data
