#!/usr/bin/env python3
"""Times Seeing (`seeing bench`) and onnxruntime on the same models and inputs, in one run,
2 threads each, median of repeated runs; prints a Markdown table of times, ratios and achieved
GFLOP/s and, with --write, replaces the generated table in docs/benchmarks.md.

usage: scripts/benchmark.py [--repeat N] [--threads 2] [--write] [--backend dnnl]"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper, shape_inference

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools"))
import benchmark_doc  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEING = os.path.join(ROOT, ".build", "release", "seeing")
BEGIN, END = "<!-- benchmark:begin -->", "<!-- benchmark:end -->"


def conv_model(path):
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((512, 512, 3, 3)) * 0.02).astype(np.float32)
    b = (rng.standard_normal(512) * 0.1).astype(np.float32)
    g = helper.make_graph(
        [helper.make_node("Conv", ["x", "w", "b"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])],
        "conv3x3", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 512, 32, 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 512, 32, 32])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.save(m, path)


def flops(model_path, feeds):
    """Multiply-adds ×2 of Conv, ConvTranspose, MatMul and Gemm at the given input shapes."""
    m = onnx.load(model_path)
    for inp in m.graph.input:
        if inp.name in feeds:
            dims = inp.type.tensor_type.shape.dim
            for d, v in zip(dims, feeds[inp.name].shape):
                d.ClearField("dim_param")
                d.dim_value = v
    m = shape_inference.infer_shapes(m)
    shapes = {}
    for vi in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output):
        shapes[vi.name] = [d.dim_value for d in vi.type.tensor_type.shape.dim]
    for t in m.graph.initializer:
        shapes[t.name] = list(t.dims)
    total = 0
    for n in m.graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        g = attrs.get("group", 1)
        if n.op_type == "Conv":
            w, y = shapes[n.input[1]], shapes[n.output[0]]
            total += 2 * np.prod(y) * np.prod(w[1:])
        elif n.op_type == "ConvTranspose":
            x, w = shapes[n.input[0]], shapes[n.input[1]]
            total += 2 * np.prod(x) * np.prod(w[1:])
        elif n.op_type in ("MatMul", "Gemm"):
            a, y = shapes[n.input[0]], shapes[n.output[0]]
            k = a[-1] if not (n.op_type == "Gemm" and attrs.get("transA", 0)) else a[0]
            total += 2 * np.prod(y) * k
    return float(total)


def time_ort(model_path, feeds, threads, warmup, repeat):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    s = ort.InferenceSession(model_path, so, providers=["CPUExecutionProvider"])
    for _ in range(warmup):
        s.run(None, feeds)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        s.run(None, feeds)
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.median(times))


def time_seeing(model_path, feed_files, threads, warmup, repeat, backend):
    # Spinning workers, as onnxruntime's and PyTorch's pools (the CLI defaults to passive; see
    # Sources/seeing/ThreadingDefaults.swift): benchmark on a quiet machine.
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    env.setdefault("OMP_WAIT_POLICY", "active")
    cmd = [SEEING, "bench", model_path, "--warmup", str(warmup), "--repeat", str(repeat), "--json", "--backend", backend]
    for name, path in feed_files.items():
        cmd += ["--input", f"{name}={path}"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"seeing bench failed on {model_path}:\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])["median_ms"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--backend", default="dnnl")
    ap.add_argument("--write", action="store_true", help="update the table in docs/benchmarks.md")
    args = ap.parse_args()
    if not os.path.exists(SEEING):
        sys.exit("build first: swift build -c release --product seeing")
    cache = os.path.join(ROOT, "models", "cache")
    dcgan = os.path.join(cache, "dcgan-faces", "dcgan-faces.onnx")
    vgg = os.path.join(cache, "vgg16-keras", "vgg16-features.onnx")
    for p in (dcgan, vgg):
        if not os.path.exists(p):
            sys.exit(f"missing {p}: run scripts/fetch-models.py")
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        conv = os.path.join(tmp, "conv3x3_512.onnx")
        conv_model(conv)
        cases = [
            ("DCGAN generator, batch 1", dcgan, {"z": rng.standard_normal((1, 100, 1, 1)).astype(np.float32)}),
            ("DCGAN generator, batch 64", dcgan, {"z": rng.standard_normal((64, 100, 1, 1)).astype(np.float32)}),
            ("VGG16 features (to block5_pool), 1×224²", vgg,
             {"input": (rng.random((1, 224, 224, 3)) * 255 - 120).astype(np.float32)}),
            ("Conv 3×3, 1×512×32×32 → 512", conv, {"x": rng.standard_normal((1, 512, 32, 32)).astype(np.float32)}),
        ]
        rows = []
        for title, path, feeds in cases:
            files = {}
            for name, value in feeds.items():
                files[name] = os.path.join(tmp, f"{name}-{len(rows)}.npy")
                np.save(files[name], value)
            f = flops(path, feeds)
            ours = time_seeing(path, files, args.threads, args.warmup, args.repeat, args.backend)
            theirs = time_ort(path, feeds, args.threads, args.warmup, args.repeat)
            rows.append((title, ours, theirs, f))
            print(f"{title}: seeing {ours:.3f} ms, onnxruntime {theirs:.3f} ms", file=sys.stderr)
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, {args.threads} threads, median of {args.repeat} runs after {args.warmup} warm-up runs, "
        f"onnxruntime {ort.__version__}, Seeing backend `{args.backend}`.",
        "",
        "| case | Seeing (ms) | onnxruntime (ms) | ratio Seeing/ORT | Seeing GFLOP/s | ORT GFLOP/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for title, ours, theirs, f in rows:
        lines.append(f"| {title} | {ours:.3f} | {theirs:.3f} | {ours / theirs:.2f} | {f / ours / 1e6:.1f} | {f / theirs / 1e6:.1f} |")
    table = "\n".join(lines)
    print(table)
    if args.write:
        benchmark_doc.replace_between(BEGIN, END, table)

if __name__ == "__main__":
    main()
