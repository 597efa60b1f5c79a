#!/usr/bin/env python3
"""Regenerate fixtures/faces/ from the PyPI sdist face_recognition==1.3.0 (tests/test_images/).

Those photographs are official White House portraits (works of the US federal government, public domain).
Each is downscaled so its longer side is 640 pixels, to keep the repository and the tests small.
Usage: python tools/make_fixtures.py  (needs pip and pillow; tools/venv.sh installs pillow)
"""
import subprocess
import tarfile
import tempfile
from pathlib import Path

from PIL import Image

FILES = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"]
OUT = Path(__file__).resolve().parent.parent / "fixtures" / "faces"


def main():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["python3", "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-d", tmp,
                        "face_recognition==1.3.0"], check=True)
        sdist = next(Path(tmp).glob("face_recognition-1.3.0.tar.gz"))
        with tarfile.open(sdist) as tar:
            tar.extractall(tmp, filter="data")
        src = Path(tmp) / "face_recognition-1.3.0" / "tests" / "test_images"
        OUT.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            img = Image.open(src / name).convert("RGB")
            img.thumbnail((640, 640), Image.LANCZOS)
            img.save(OUT / name, quality=90)
            print(f"{name}: {img.size}")


if __name__ == "__main__":
    main()
