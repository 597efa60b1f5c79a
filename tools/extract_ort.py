#!/usr/bin/env python3
"""Copy libonnxruntime.so.VERSION out of the onnxruntime wheel in WHEEL_DIR into OUT_DIR.
Usage: python3 tools/extract_ort.py WHEEL_DIR VERSION OUT_DIR"""
import sys
import zipfile
from pathlib import Path

wheels, version, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
wheel = next(iter(sorted(wheels.glob(f"onnxruntime-{version}-*.whl"))), None)
if wheel is None:
    sys.exit(f"no onnxruntime-{version} wheel in {wheels}")
name = f"onnxruntime/capi/libonnxruntime.so.{version}"
with zipfile.ZipFile(wheel) as z:
    data = z.read(name)
out.mkdir(parents=True, exist_ok=True)
target = out / f"libonnxruntime.so.{version}"
tmp = target.with_suffix(".part")
tmp.write_bytes(data)
tmp.rename(target)
print(f"installed {target} from {wheel.name}")
