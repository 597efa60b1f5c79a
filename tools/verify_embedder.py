#!/usr/bin/env python3
"""Check models/dlib_resnet128.onnx against dlib itself on real faces.

For each image: dlib's HOG detector + 5-point shape predictor -> dlib.get_face_chip(img, shape, 150, 0.25)
-> dlib's compute_face_descriptor(chip) and the ONNX model's descriptor on the very same chip; prints the
cosine of the two per face and the minimum / median over all.

Needs: dlib-bin, face-recognition-models, onnxruntime, numpy, pillow (tools/venv.sh installs them).
Usage: python tools/verify_embedder.py models/dlib_resnet128.onnx IMAGE_DIR [--limit N]
"""
import argparse
import sys
from pathlib import Path

import dlib
import face_recognition_models as frm
import numpy as np
import onnxruntime as ort
from PIL import Image


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("images")
    ap.add_argument("--limit", type=int, default=40)
    a = ap.parse_args()

    det = dlib.get_frontal_face_detector()
    sp = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
    rec = dlib.face_recognition_model_v1(frm.face_recognition_model_location())
    sess = ort.InferenceSession(a.model, providers=["CPUExecutionProvider"])

    paths = sorted(p for p in Path(a.images).rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    cos = []
    for p in paths:
        if len(cos) >= a.limit:
            break
        img = np.asarray(Image.open(p).convert("RGB"))
        dets = det(img, 1)
        if len(dets) == 0:
            continue
        shape = sp(img, dets[0])
        chip = dlib.get_face_chip(img, shape, 150, 0.25)
        ref = np.array(rec.compute_face_descriptor(chip), np.float32)
        out = sess.run(None, {"chip": chip[None].astype(np.float32)})[0][0]
        c = float(ref @ out / (np.linalg.norm(ref) * np.linalg.norm(out)))
        cos.append(c)
        print(f"{p.name}: cosine {c:.6f}")
    if len(cos) < 20:
        sys.exit(f"only {len(cos)} faces found; need 20")
    print(f"faces {len(cos)}  min cosine {min(cos):.6f}  median {float(np.median(cos)):.6f}")


if __name__ == "__main__":
    main()
