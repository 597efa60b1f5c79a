#!/usr/bin/env python3
"""The dlib peer (what the `face_recognition` package does): HOG detector (upsample 1), 5-point shape
predictor, `dlib.get_face_chip(img, shape, 150, 0.25)`, ResNet descriptor (one jitter).

  python tools/dlib_peer.py time FRAME.png       -> {"ms_per_frame": median over >= 2 s of runs}
  python tools/dlib_peer.py eval DATASET [--limit N] -> PROTOCOL.md figures for this peer (last line JSON)

Needs dlib-bin==20.0.1.post1, face-recognition-models==0.3.0, numpy, pillow (tools/venv.sh installs them
when passed as extra packages). Runs single-threaded per process; `eval` uses one process per core.
"""
import json
import os
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import dlib
import face_recognition_models as frm
import numpy as np
from PIL import Image

_models = {}


def models():
    if not _models:
        _models["det"] = dlib.get_frontal_face_detector()
        _models["sp"] = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
        _models["rec"] = dlib.face_recognition_model_v1(frm.face_recognition_model_location())
    return _models["det"], _models["sp"], _models["rec"]


def central_descriptor(path):
    det, sp, rec = models()
    img = np.asarray(Image.open(path).convert("RGB"))
    dets = det(img, 1)
    if len(dets) == 0:
        return None
    h, w = img.shape[:2]
    d = min(dets, key=lambda r: ((r.left() + r.right()) / 2 - w / 2) ** 2 + ((r.top() + r.bottom()) / 2 - h / 2) ** 2)
    chip = dlib.get_face_chip(img, sp(img, d), 150, 0.25)
    v = np.array(rec.compute_face_descriptor(chip), np.float32)
    return v / np.linalg.norm(v)


def time_frame(path):
    central_descriptor(path)
    img = np.asarray(Image.open(path).convert("RGB"))
    det, sp, rec = models()
    times = []
    start = time.perf_counter()
    while len(times) < 10 or time.perf_counter() - start < 2.0:
        t = time.perf_counter()
        for d in det(img, 1):
            chip = dlib.get_face_chip(img, sp(img, d), 150, 0.25)
            rec.compute_face_descriptor(chip)
        times.append(time.perf_counter() - t)
    print(json.dumps({"ms_per_frame": float(np.median(times) * 1e3), "runs": len(times)}))


def evaluate(root, limit):
    dirs = sorted((p for p in Path(root).iterdir() if p.is_dir()), key=lambda p: os.fsencode(p.name))[:limit]
    jobs = []
    for i, d in enumerate(dirs):
        imgs = sorted((p for p in d.iterdir() if p.is_file()), key=lambda p: os.fsencode(p.name))
        if len(imgs) == 1:
            jobs.append((imgs[0], "impostor", None))
        else:
            jobs.append((imgs[0], "enrol", i))
            jobs += [(p, "genuine", i) for p in imgs[1:11]]
    start = time.perf_counter()
    with Pool(os.cpu_count()) as pool:
        desc = pool.map(central_descriptor, [j[0] for j in jobs], chunksize=8)
    elapsed = time.perf_counter() - start
    gal = [(j[2], d) for j, d in zip(jobs, desc) if j[1] == "enrol" and d is not None]
    G = np.stack([d for _, d in gal])
    gid = np.array([i for i, _ in gal])
    gen, imp, no_face = [], [], 0
    for (p, role, i), d in zip(jobs, desc):
        if role == "enrol":
            no_face += d is None
            continue
        if d is None:
            no_face += 1
            top = (None, -np.inf)
        else:
            s = G @ d
            k = int(np.argmax(s))
            top = (gid[k], float(s[k]))
        if role == "genuine":
            gen.append((top[0] == i, top[1]))
        else:
            imp.append(top[1])
    imp = np.sort(np.array(imp))[::-1]
    out = {"gallery": len(gal), "genuine": len(gen), "impostors": len(imp), "no_face": no_face,
           "rank1": float(np.mean([g[0] for g in gen])), "images_per_s": len(jobs) / elapsed}
    for f, key in [(1e-2, "1e-2"), (1e-3, "1e-3")]:
        t = float(np.nextafter(np.float32(imp[int(np.floor(f * len(imp)))]), np.float32(np.inf)))
        out[f"thr_{key}"] = t
        out[f"fnir_at_fpir_{key}"] = float(np.mean([(not ok) or s < t for ok, s in gen]))
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "time":
        time_frame(sys.argv[2])
    elif sys.argv[1] == "eval":
        limit = int(sys.argv[sys.argv.index("--limit") + 1]) if "--limit" in sys.argv else None
        evaluate(sys.argv[2], limit)
    else:
        sys.exit(__doc__)
