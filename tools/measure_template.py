#!/usr/bin/env python3
"""Measure where MTCNN's five landmarks fall inside dlib's own 150x150 face chips.

The embedder was trained on `dlib.get_face_chip(img, shape, 150, 0.25)` chips built from dlib's
landmarks; rollcall aligns from MTCNN's landmarks instead, so it needs their positions in dlib's chip
frame (crates/vision/src/align.rs, CHIP_TEMPLATE). For each image this recovers dlib's exact image->chip
mapping by chipping a coordinate image (red = x, green = y; images up to 256 pixels a side), fits the
similarity transform to it, maps rollcall's landmarks (from `rollcall detect`) through it, and prints the
median position of each point over all faces.

Usage: rollcall detect IMAGES... > lm.jsonl
       python tools/measure_template.py lm.jsonl      (needs dlib-bin, face-recognition-models, pillow)
"""
import json
import sys

import dlib
import face_recognition_models as frm
import numpy as np
from PIL import Image

from shared import fit_similarity


def main():
    det = dlib.get_frontal_face_detector()
    sp = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
    by_image = {}
    for line in open(sys.argv[1]):
        r = json.loads(line)
        by_image.setdefault(r["image"], []).append(r)
    points = []
    for path, faces in by_image.items():
        img = np.asarray(Image.open(path).convert("RGB"))
        h, w = img.shape[:2]
        if max(h, w) > 256:
            continue
        face = min(faces, key=lambda f: (f["box"][0] + f["box"][2] / 2 - w / 2) ** 2 + (f["box"][1] + f["box"][3] / 2 - h / 2) ** 2)
        dets = det(img, 1)
        if len(dets) == 0:
            continue
        d = min(dets, key=lambda r: ((r.left() + r.right()) / 2 - w / 2) ** 2 + ((r.top() + r.bottom()) / 2 - h / 2) ** 2)
        shape = sp(img, d)
        coords = np.zeros((h, w, 3), np.uint8)
        coords[..., 0] = np.arange(w)[None, :]
        coords[..., 1] = np.arange(h)[:, None]
        coords[..., 2] = 255
        chip = dlib.get_face_chip(coords, shape, 150, 0.25).astype(np.float64)
        inside = chip[..., 2] > 254  # chip pixels whose source lies fully inside the image
        cy, cx = np.nonzero(inside)
        if len(cx) < 5000:
            continue
        M = fit_similarity(np.c_[chip[cy, cx, 0], chip[cy, cx, 1]], np.c_[cx, cy].astype(np.float64))
        lm = np.array(face["landmarks"], np.float64)
        points.append((M[:, :2] @ lm.T).T + M[:, 2])
    points = np.array(points)
    med = np.median(points, axis=0)
    print(f"faces {len(points)}")
    for name, p in zip(["left eye", "right eye", "nose", "mouth left", "mouth right"], med):
        print(f"{name:12s} ({p[0]:.2f}, {p[1]:.2f})")
    print(json.dumps({"faces": len(points), "template": med.round(2).tolist()}))


if __name__ == "__main__":
    main()
