"""Rewrites every PRelu of an ONNX graph as the same function in operators ONNX Runtime runs fast,
slopes and weights unchanged:

- on a feature map (N, C, H, W) with one slope per channel: `x + (1 - a) Relu(-x)`, written `x + s
  Relu(-|1 - a| x)` with `s` the sign of `1 - a`; the per-channel product and its Relu are one 1x1
  depthwise convolution with a fused activation, which ONNX Runtime keeps in its blocked (NCHWc)
  layout between the network's own convolutions. Where C is a multiple of 16 (the block on AVX-512,
  and twice AVX2's 8) the sign is a second 1x1 depthwise convolution whose output pass also adds `x`
  (ONNX Runtime fuses the sum into it); elsewhere, where every slope is at most 1, a plain `Add`
  (the convolution would cost more than it saves on such small, unblocked maps);
- otherwise (MTCNN's channels-last maps and dense layers), `Max(x, a * x)` when every slope is at
  most 1 (for x >= 0, x >= a x; for x < 0, a x >= x; negative slopes included), else
  `Relu(x) + a * Min(x, 0)`.

Why: ONNX Runtime's CPU PRelu kernel took half of SFace's time on a face crop (20 of 41 ms on one
thread, 2026-12-03, 2-core AMD EPYC, ONNX Runtime 1.31.1), more than all its convolutions.
MTCNN and the two liveness models use PRelu too. The feature-map form takes two passes over the map
where the earlier `a x + (1 - a) Relu(x)` took three (a Relu and two products): SFace 17.7 -> 14.8
ms and MiniFASNetV2 2.84 -> 2.50 ms on one thread (2026-12-04, 2-core Intel Xeon with AVX-512).

The rewritten graph runs beside the original under ONNX Runtime on random inputs (values 0-255 and
-1..1, two batch sizes where the batch is free); nothing is written if any output differs by more
than 1e-5 of its largest magnitude. Two runs write the same bytes.

Usage: fast_prelu.py IN.onnx OUT.onnx
"""

import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

ort.set_default_logger_severity(3)


def rewrite(model: onnx.ModelProto) -> tuple[int, int, int]:
    """Rewrites `model` in place; returns how many layers became convolutions, Max, Relu + Min."""
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    nodes, as_conv, as_max, as_min = [], 0, 0, 0
    for node in model.graph.node:
        if node.op_type != "PRelu":
            nodes.append(node)
            continue
        if node.input[1] not in weights:
            sys.exit(f"{node.name}: the slope is not a constant; left alone would be safer")
        slope = weights[node.input[1]].astype(np.float32)
        x, y, name = node.input[0], node.output[0], node.name or node.output[0]
        if slope.ndim == 3 and slope.shape[1:] == (1, 1):
            # PRelu(x) = x - (1 - a) min(x, 0) = x + (1 - a) relu(-x), and for k >= 0,
            # k relu(-x) = relu(-k x): one depthwise product with its Relu fused.
            c = slope.shape[0]
            k = (1 - slope).reshape(c)
            neg = numpy_helper.from_array(-np.abs(k).reshape(c, 1, 1, 1), f"{name}/-|1-a|")
            model.graph.initializer.append(neg)
            dw = {"group": c, "kernel_shape": [1, 1]}
            nodes += [
                helper.make_node("Conv", [x, neg.name], [f"{y}/neg"], name=f"{name}/neg", **dw),
                helper.make_node("Relu", [f"{y}/neg"], [f"{y}/relu"], name=f"{name}/relu"),
            ]
            if c % 16 == 0 or (k < 0).any():
                sign = numpy_helper.from_array(
                    np.where(k < 0, -1.0, 1.0).astype(np.float32).reshape(c, 1, 1, 1),
                    f"{name}/sign",
                )
                model.graph.initializer.append(sign)
                nodes += [
                    helper.make_node(
                        "Conv", [f"{y}/relu", sign.name], [f"{y}/signed"], name=f"{name}/sign", **dw
                    ),
                    helper.make_node("Add", [x, f"{y}/signed"], [y], name=f"{name}/add"),
                ]
            else:
                nodes.append(helper.make_node("Add", [x, f"{y}/relu"], [y], name=f"{name}/add"))
            as_conv += 1
        elif slope.max() <= 1.0:
            nodes += [
                helper.make_node("Mul", [x, node.input[1]], [f"{y}/ax"], name=f"{name}/mul"),
                helper.make_node("Max", [x, f"{y}/ax"], [y], name=f"{name}/max"),
            ]
            as_max += 1
        else:
            zero = numpy_helper.from_array(np.zeros(1, np.float32), f"{name}/zero")
            model.graph.initializer.append(zero)
            nodes += [
                helper.make_node("Relu", [x], [f"{y}/pos"], name=f"{name}/relu"),
                helper.make_node("Min", [x, zero.name], [f"{y}/neg"], name=f"{name}/min"),
                helper.make_node(
                    "Mul", [f"{y}/neg", node.input[1]], [f"{y}/aneg"], name=f"{name}/mul"
                ),
                helper.make_node("Add", [f"{y}/pos", f"{y}/aneg"], [y], name=f"{name}/add"),
            ]
            as_min += 1
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    # The slopes now live in the new initialisers.
    used = {i for n in model.graph.node for i in n.input}
    kept = [t for t in model.graph.initializer if t.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)
    return as_conv, as_max, as_min


def feeds(session: ort.InferenceSession, batch: int, low: float, high: float, rng) -> dict:
    out = {}
    for i in session.get_inputs():
        # Symbolic sizes: the batch first, then 48 (large enough for MTCNN's P-Net).
        shape = [
            d if isinstance(d, int) else (batch if k == 0 else 48) for k, d in enumerate(i.shape)
        ]
        out[i.name] = rng.uniform(low, high, shape).astype(np.float32)
    return out


def main(src: str, dst: str) -> None:
    model = onnx.load(src)
    as_conv, as_max, as_min = rewrite(model)
    onnx.checker.check_model(model)
    data = model.SerializeToString()

    before = ort.InferenceSession(src, providers=["CPUExecutionProvider"])
    after = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(11)
    worst = 0.0
    fixed_batch = not isinstance(before.get_inputs()[0].shape[0], str)
    for batch in (1,) if fixed_batch else (1, 3):
        for low, high in ((0.0, 255.0), (-1.0, 1.0)):
            x = feeds(before, batch, low, high, rng)
            for a, b in zip(before.run(None, x), after.run(None, x)):
                scale = max(float(np.abs(a).max()), 1e-6)
                worst = max(worst, float(np.abs(a - b).max()) / scale)
    if worst > 1e-5:
        sys.exit(f"{dst}: the rewritten graph differs from {src} by {worst:.2e}; not written")
    with open(dst, "wb") as f:
        f.write(data)
    print(
        f"{dst}: PRelu as x + (1 - a) Relu(-x) {as_conv}, as Max(x, a x) {as_max}, "
        f"as Relu(x) + a Min(x, 0) {as_min}; "
        f"largest relative difference {worst:.1e}"
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
