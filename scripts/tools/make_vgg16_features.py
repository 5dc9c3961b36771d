"""Cuts the Keras VGG16 ONNX export at block5_pool, dropping the fixed-size dense head, and
makes the batch, height and width symbolic: a feature network for any image size.
Input stays NHWC float (caffe-style BGR, mean-subtracted, 0-255) as Keras VGG16 expects."""
import argparse
import os

import onnx
from onnx import helper, utils

CUT = "functional_1/block5_pool_1/MaxPool2d:0"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("output")
    args = ap.parse_args()
    tmp = args.output + ".tmp"
    utils.extract_model(args.model, tmp, ["input"], [CUT])
    m = onnx.load(tmp)
    dims = m.graph.input[0].type.tensor_type.shape.dim
    for d, sym in zip(dims, ["N", "H", "W"]):
        d.ClearField("dim_value")
        d.dim_param = sym
    m.graph.output[0].name = CUT
    out_dims = m.graph.output[0].type.tensor_type.shape.dim
    for d, sym in zip(out_dims, ["N", None, "H/32", "W/32"]):  # the export transposes back to NCHW
        if sym:
            d.ClearField("dim_value")
            d.dim_param = sym
    del m.graph.value_info[:]
    m.producer_name = "seeing/make_vgg16_features.py"
    onnx.checker.check_model(m)
    onnx.save(m, tmp)
    os.replace(tmp, args.output)
    print(f"wrote {args.output} ({len(m.graph.node)} nodes)")


if __name__ == "__main__":
    main()
