#!/usr/bin/env python3
"""onnxruntime as a test oracle: runs MODEL on .npy inputs and writes every requested output
as OUT_DIR/<name>.npy (names sanitised like `seeing run`). Intermediate values may be
requested with --output; they are added to the graph's outputs first.

usage: ort_run.py MODEL --input NAME=FILE.npy ... --out-dir DIR [--output NAME ...] [--threads N]"""
import argparse
import os
import re

import numpy as np
import onnx
import onnxruntime as ort


def sanitise(name):
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--input", action="append", default=[])
    ap.add_argument("--output", action="append", default=[])
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    model = onnx.load(args.model)
    declared = {o.name for o in model.graph.output}
    for name in args.output:
        if name not in declared:
            model.graph.output.append(onnx.ValueInfoProto(name=name))
    so = ort.SessionOptions()
    so.intra_op_num_threads = args.threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    feeds = {}
    for spec in args.input:
        name, path = spec.split("=", 1)
        feeds[name] = np.load(path)
    names = args.output or [o.name for o in sess.get_outputs()]
    outs = sess.run(names, feeds)
    os.makedirs(args.out_dir, exist_ok=True)
    for name, value in zip(names, outs):
        np.save(os.path.join(args.out_dir, sanitise(name) + ".npy"), value)


if __name__ == "__main__":
    main()
