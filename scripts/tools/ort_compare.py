#!/usr/bin/env python3
"""Checks exported models against their sources, for the export tests. LIST holds one pair a
line: ORIGINAL<TAB>EXPORTED<TAB>DATA_SET_DIR (DATA_SET_DIR: an ONNX test_data_set_N folder with
input_N.pb files, or - to skip running). For each pair:
  - when onnx.checker (full check) accepts ORIGINAL, it must accept EXPORTED;
  - with a data set, onnxruntime must give EXPORTED's outputs bit for bit equal to ORIGINAL's
    (NaN equals NaN). Pairs whose ORIGINAL onnxruntime cannot run are counted as skipped.
Prints 'FAIL <exported>: <why>' per failing pair and a closing 'checked N, skipped M' line;
exits 1 when any pair fails.

usage: ort_compare.py LIST"""
import glob
import os
import re
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper


def checker_ok(path):
    try:
        onnx.checker.check_model(path, full_check=True)
        return None
    except Exception as e:  # noqa: BLE001 - any checker failure is a verdict
        return str(e).splitlines()[0] if str(e) else type(e).__name__


def run(path, feeds):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    return sess.run(None, {n: feeds[i] for i, n in enumerate(names) if i < len(feeds)})


def inputs(data_dir):
    files = glob.glob(os.path.join(data_dir, "input_*.pb"))
    files.sort(key=lambda f: int(re.findall(r"\d+", os.path.basename(f))[-1]))
    out = []
    for f in files:
        t = onnx.TensorProto()
        with open(f, "rb") as fh:
            t.ParseFromString(fh.read())
        out.append(numpy_helper.to_array(t))
    return out


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind in "fc":
        return np.array_equal(a, b, equal_nan=True)
    return np.array_equal(a, b)


def compare(original, exported, data_dir):
    """None when the pair agrees, 'skip' when the original cannot run, else the reason."""
    if checker_ok(original) is None:
        why = checker_ok(exported)
        if why is not None:
            return "onnx.checker accepts the original but not the export: " + why
    if data_dir == "-":
        return None
    feeds = inputs(data_dir)
    try:
        expected = run(original, feeds)
    except Exception:  # noqa: BLE001 - onnxruntime lacks something the original needs
        return "skip"
    try:
        got = run(exported, feeds)
    except Exception as e:  # noqa: BLE001
        return "onnxruntime fails on the export: " + str(e).splitlines()[0]
    if len(got) != len(expected):
        return "%d outputs, the original gives %d" % (len(got), len(expected))
    for i, (g, e) in enumerate(zip(got, expected)):
        if not same(g, e):
            return "output %d differs" % i
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    failures = checked = skipped = 0
    with open(sys.argv[1]) as fh:
        for line in fh:
            if not line.strip():
                continue
            original, exported, data_dir = line.rstrip("\n").split("\t")
            verdict = compare(original, exported, data_dir)
            if verdict == "skip":
                skipped += 1
            elif verdict is not None:
                failures += 1
                print("FAIL %s: %s" % (exported, verdict))
            else:
                checked += 1
    print("checked %d, skipped %d" % (checked, skipped))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
