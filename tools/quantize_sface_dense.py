"""Writes SFace with the weights of its last dense layer in 8 bits (models/sface_dense_int8.onnx),
every convolution left as it is.

Why: that layer maps the 1024x7x7 feature map to the 128-d feature through a 50176x128 matrix,
25.7 MB of float weights, two thirds of the model's bytes. For one face it reads each weight once,
so it runs at the speed of memory: about 2 of SFace's 15 ms on one thread (ONNX Runtime's profiler,
2026-12-04, 2-core Intel Xeon with AVX-512 VNNI). In 8 bits it reads a quarter of that.

How: the `Gemm` becomes a `MatMul` (weights transposed to K x N, exactly) plus its bias, and ONNX
Runtime 1.31.1's `MatMulNBitsQuantizer` stores the matrix as symmetric 8-bit integers with one float
scale per block of 128 inputs (`MatMulNBits`, bits 8); `accuracy_level` 4 lets ONNX Runtime quantise
the layer's input the same way when it runs and use its integer kernels. Weight-only: no
calibration data is involved, and two runs write the same bytes.

It runs both models on seeded random crops (values 0-255) and writes nothing if a feature's cosine
to the float model's is below 0.999. Agreement on real faces and the accuracy on LFW are measured by
the tests and `rollcall eval` (docs/accuracy.md).

Usage: quantize_sface_dense.py SFACE.onnx OUT.onnx
"""

import logging
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper
from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

ort.set_default_logger_severity(3)
logging.disable(logging.INFO)

BLOCK = 128
MIN_COSINE = 0.999


def gemm_as_matmul(model: onnx.ModelProto) -> None:
    """Rewrites the one `Gemm` (alpha 1, beta 1, transB 1, transA 0) as MatMul + Add, in place."""
    weights = {t.name: t for t in model.graph.initializer}
    gemms = [n for n in model.graph.node if n.op_type == "Gemm"]
    if len(gemms) != 1:
        sys.exit(f"expected one Gemm, found {len(gemms)}")
    gemm = gemms[0]
    attrs = {a.name: helper.get_attribute_value(a) for a in gemm.attribute}
    if attrs != {"alpha": 1.0, "beta": 1.0, "transA": 0, "transB": 1}:
        sys.exit(f"{gemm.name}: unexpected attributes {attrs}")
    w = numpy_helper.to_array(weights[gemm.input[1]])
    kn = numpy_helper.from_array(np.ascontiguousarray(w.T), f"{gemm.input[1]}/kn")
    model.graph.initializer.append(kn)
    product = f"{gemm.output[0]}/product"
    at = list(model.graph.node).index(gemm)
    model.graph.node.remove(gemm)
    bias = helper.make_node(
        "Add", [product, gemm.input[2]], [gemm.output[0]], name=f"{gemm.name}/bias"
    )
    matmul = helper.make_node(
        "MatMul", [gemm.input[0], kn.name], [product], name=f"{gemm.name}/matmul"
    )
    model.graph.node.insert(at, bias)
    model.graph.node.insert(at, matmul)
    used = {i for n in model.graph.node for i in n.input}
    kept = [t for t in model.graph.initializer if t.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)


def main(src: str, dst: str) -> None:
    model = onnx.load(src)
    gemm_as_matmul(model)
    quantizer = MatMulNBitsQuantizer(
        model, bits=8, block_size=BLOCK, is_symmetric=True, accuracy_level=4
    )
    quantizer.process()
    out = quantizer.model.model
    onnx.checker.check_model(out)
    data = out.SerializeToString()

    float_model = ort.InferenceSession(src, providers=["CPUExecutionProvider"])
    dense8 = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(5)
    crops = rng.uniform(0, 255, (8, 3, 112, 112)).astype(np.float32)
    a = float_model.run(None, {"data": crops})[0]
    b = dense8.run(None, {"data": crops})[0]
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    if cos.min() < MIN_COSINE:
        sys.exit(f"{dst}: cosine to the float model {cos.min():.6f} < {MIN_COSINE}; not written")
    with open(dst, "wb") as f:
        f.write(data)
    print(
        f"{dst}: dense layer in 8 bits, blocks of {BLOCK}; "
        f"cosine to the float model >= {cos.min():.6f}"
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
