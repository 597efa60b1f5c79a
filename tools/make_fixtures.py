#!/usr/bin/env python3
"""Regenerate fixtures/faces/ from PyPI packages.

- obama.jpg, obama2.jpg, obama3.jpg, biden.jpg: tests/test_images/ of the sdist face_recognition==1.3.0,
  official White House portraits (works of the US federal government, public domain);
- collins.jpg: skimage/data/astronaut.png of the wheel scikit-image==0.25.2, NASA's portrait of the
  astronaut Eileen Collins (a work of the US federal government, public domain).

Each is downscaled so its longer side is at most 640 pixels and saved as JPEG (quality 90), to keep the
repository and the tests small.
Usage: python tools/make_fixtures.py  (needs pip and pillow; tools/venv.sh installs pillow)
"""
import subprocess
import tarfile
import tempfile
import zipfile
from pathlib import Path

from PIL import Image

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "faces"


def save(img: Image.Image, name: str) -> None:
    img = img.convert("RGB")
    img.thumbnail((640, 640), Image.LANCZOS)
    img.save(OUT / name, quality=90)
    print(f"{name}: {img.size}")


def download(tmp: str, *args: str) -> None:
    subprocess.run(["python3", "-m", "pip", "download", "--no-deps", "-d", tmp, *args], check=True)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        download(tmp, "--no-binary", ":all:", "face_recognition==1.3.0")
        sdist = next(Path(tmp).glob("face_recognition-1.3.0.tar.gz"))
        with tarfile.open(sdist) as tar:
            tar.extractall(tmp, filter="data")
        src = Path(tmp) / "face_recognition-1.3.0" / "tests" / "test_images"
        for name in ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"]:
            save(Image.open(src / name), name)

        download(tmp, "--only-binary", ":all:", "--platform", "manylinux2014_x86_64",
                 "--python-version", "3.11", "scikit-image==0.25.2")
        wheel = next(Path(tmp).glob("scikit_image-0.25.2-*.whl"))
        with zipfile.ZipFile(wheel) as z:
            z.extract("skimage/data/astronaut.png", tmp)
        save(Image.open(Path(tmp) / "skimage" / "data" / "astronaut.png"), "collins.jpg")


if __name__ == "__main__":
    main()
