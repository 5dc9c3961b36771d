"""Converts the gan-face-generate DCGAN checkpoint (PyTorch DCGAN tutorial layout) to ONNX,
without torch: weights are read by the restricted unpickler and the graph is written with
onnx.helper. Node and value names follow the PyTorch module names (main.0 … main.13).

z (N,100,1,1) → [ConvT → BN → ReLU] ×4 → ConvT → Tanh → (N,3,64,64) in [-1, 1]."""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(__file__))
import restricted_pickle  # noqa: E402

OPSET = 17


def build(state):
    convs = [0, 3, 6, 9, 12]
    inits, nodes = [], []
    x = "z"
    for i, c in enumerate(convs):
        w = state[f"main.{c}.weight"].astype(np.float32)
        stride, pad = (1, 0) if i == 0 else (2, 1)
        inits.append(numpy_helper.from_array(w, f"main.{c}.weight"))
        y = f"main.{c}"
        nodes.append(helper.make_node("ConvTranspose", [x, f"main.{c}.weight"], [y], name=f"main.{c}",
                                      kernel_shape=[4, 4], strides=[stride, stride], pads=[pad] * 4))
        x = y
        if i < len(convs) - 1:
            b = c + 1
            names = [f"main.{b}.{p}" for p in ("weight", "bias", "running_mean", "running_var")]
            for n in names:
                inits.append(numpy_helper.from_array(state[n].astype(np.float32), n))
            nodes.append(helper.make_node("BatchNormalization", [x] + names, [f"main.{b}"], name=f"main.{b}",
                                          epsilon=1e-5, momentum=0.9))
            nodes.append(helper.make_node("Relu", [f"main.{b}"], [f"main.{b + 1}"], name=f"main.{b + 1}"))
            x = f"main.{b + 1}"
    nodes.append(helper.make_node("Tanh", [x], ["image"], name="main.13"))
    graph = helper.make_graph(
        nodes, "dcgan_faces",
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["N", 100, 1, 1])],
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, 64, 64])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="seeing/convert_dcgan.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("output")
    args = ap.parse_args()
    ckpt = restricted_pickle.load(args.checkpoint)
    state = ckpt.get("netG_state_dict", ckpt)
    model = build(state)
    tmp = args.output + ".tmp"
    onnx.save(model, tmp)
    os.replace(tmp, args.output)
    print(f"wrote {args.output} ({sum(v.size for k, v in state.items() if 'num_batches' not in k):,} parameters)")


if __name__ == "__main__":
    main()
