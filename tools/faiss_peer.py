#!/usr/bin/env python3
"""FAISS IndexFlatIP timings on the vectors benches/gallery.rs wrote, for the side-by-side table.

Usage: python tools/faiss_peer.py DATA_DIR SIZES DIM   (SIZES comma-separated; needs faiss-cpu, numpy)
Reads DATA_DIR/base_N.f32 and DATA_DIR/queries.f32 (little-endian f32, row-major); prints one JSON line:
{"N": {"b1_ms": median ms for one query, "b64_ms": median ms for 64 queries}, ...}.
"""
import json
import sys
import time
from pathlib import Path

import faiss
import numpy as np


def median_ms(fn, min_runs=10, min_seconds=2.0):
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < min_seconds:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times) * 1e3)


def main():
    data_dir, sizes, dim = Path(sys.argv[1]), [int(s) for s in sys.argv[2].split(",")], int(sys.argv[3])
    queries = np.fromfile(data_dir / "queries.f32", dtype="<f4").reshape(-1, dim)
    out = {"faiss_version": faiss.__version__, "threads": faiss.omp_get_max_threads()}
    for n in sizes:
        base = np.fromfile(data_dir / f"base_{n}.f32", dtype="<f4").reshape(n, dim)
        index = faiss.IndexFlatIP(dim)
        index.add(base)
        q1 = queries[:1].copy()
        out[str(n)] = {
            "b1_ms": median_ms(lambda: index.search(q1, 1)),
            "b64_ms": median_ms(lambda: index.search(queries, 1)),
        }
        print(f"faiss n={n}: {out[str(n)]}", file=sys.stderr)
        del index, base
    print(json.dumps(out))


if __name__ == "__main__":
    main()
