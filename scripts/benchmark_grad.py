#!/usr/bin/env python3
"""Times forward and forward+backward of Seeing (`seeing bench --grad-of`) and PyTorch on the same
models, in one run, 2 threads each, median of repeated runs; checks once per case that both give the
same gradient; prints a Markdown table and, with --write, replaces the generated table in
docs/benchmarks.md. PyTorch is optional: without it its columns are skipped (and so is the ResNet
case, which PyTorch builds and exports).

usage: scripts/benchmark_grad.py [--repeat N] [--threads 2] [--write] [--backend dnnl]"""
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
from onnx import helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools"))
import benchmark_doc  # noqa: E402

try:
    import torch
    from torch import nn
except ImportError:
    torch = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEING = os.path.join(ROOT, ".build", "release", "seeing")
BEGIN, END = "<!-- benchmark-grad:begin -->", "<!-- benchmark-grad:end -->"


def sanitised(name):
    """The file name `seeing grad` writes for a value name."""
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)


def run_seeing(args, threads):
    r = subprocess.run([SEEING] + args, capture_output=True, text=True, env=dict({"OMP_WAIT_POLICY": "active"}, **os.environ, OMP_NUM_THREADS=str(threads)))
    if r.returncode != 0:
        sys.exit(f"seeing {' '.join(args[:2])} failed:\n{r.stderr}")
    return r.stdout


def time_seeing(model, files, output, wrt, a):
    """Medians of forward and forward+backward with the --wrt initializers as parameters, and of
    forward with no parameters (initializers constant, as plain `seeing bench` runs it)."""
    cmd = ["bench", model, "--warmup", str(a.warmup), "--repeat", str(a.repeat), "--json", "--backend", a.backend]
    for name, path in files.items():
        cmd += ["--input", f"{name}={path}"]
    r = json.loads(run_seeing(cmd + ["--grad-of", output, "--wrt", ",".join(wrt)], a.threads).strip().splitlines()[-1])
    plain = json.loads(run_seeing(cmd, a.threads).strip().splitlines()[-1])
    return r["median_ms"], r["grad_median_ms"], plain["median_ms"]


def seeing_gradients(model, files, output, wrt, out_dir, a):
    cmd = ["grad", model, "--of", output, "--wrt", ",".join(wrt), "--output-dir", out_dir, "--backend", a.backend]
    for name, path in files.items():
        cmd += ["--input", f"{name}={path}"]
    run_seeing(cmd, a.threads)
    return {n: np.load(os.path.join(out_dir, sanitised(n) + ".npy")) for n in wrt}


def median_ms(fn, warmup, repeat):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.median(times))


def time_torch(model, x, params, a):
    """Forward (no_grad) and forward + backward of sum(output) w.r.t. params; returns the gradients too."""
    def forward():
        with torch.no_grad():
            model(x)

    def backward():
        return torch.autograd.grad(model(x).sum(), params)

    return median_ms(forward, a.warmup, a.repeat), median_ms(backward, a.warmup, a.repeat), [g.numpy() for g in backward()]


def max_rel_err(ours, theirs):
    """max over tensors of max|ours − theirs| / max|theirs|."""
    return max(float(np.abs(o - t).max() / max(np.abs(t).max(), 1e-30)) for o, t in zip(ours, theirs))


def dcgan_torch(path):
    """The DCGAN generator rebuilt layer by layer from its ONNX graph, weights from its initializers."""
    m = onnx.load(path)
    init = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in m.graph.initializer}
    layers = []
    for n in m.graph.node:
        at = {x.name: helper.get_attribute_value(x) for x in n.attribute}
        if n.op_type == "ConvTranspose":
            w = init[n.input[1]]
            layer = nn.ConvTranspose2d(w.shape[0], w.shape[1], at["kernel_shape"], at.get("strides", [1, 1]),
                                       at.get("pads", [0, 0, 0, 0])[:2], bias=len(n.input) > 2)
            layer.weight.data = w
            if len(n.input) > 2:
                layer.bias.data = init[n.input[2]]
        elif n.op_type == "BatchNormalization":
            layer = nn.BatchNorm2d(init[n.input[1]].shape[0], eps=at.get("epsilon", 1e-5))
            for attr, name in zip(("weight", "bias", "running_mean", "running_var"), n.input[1:]):
                getattr(layer, attr).data = init[name]
        elif n.op_type in ("Relu", "Tanh"):
            layer = nn.ReLU() if n.op_type == "Relu" else nn.Tanh()
        else:
            sys.exit(f"dcgan_torch: unexpected {n.op_type}")
        layers.append(layer)
    return nn.Sequential(*layers).eval()


if torch is not None:
    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            y = torch.relu(self.bn1(self.conv1(x)))
            y = self.bn2(self.conv2(y))
            return torch.relu(y + (x if self.downsample is None else self.downsample(x)))

    class ResNet18Encoder(nn.Module):
        """ResNet-18 up to layer4, then the original's e_f: 1×1 conv 512→512 + LeakyReLU(0.2)."""
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
            blocks, cin = [], 64
            for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
                blocks += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
                cin = cout
            self.blocks = nn.Sequential(*blocks)
            self.e_f = nn.Sequential(nn.Conv2d(512, 512, 1), nn.LeakyReLU(0.2))

        def forward(self, x):
            return self.e_f(self.blocks(self.stem(x)))


def resnet_case(tmp):
    """Builds the encoder with random BatchNorm statistics (so no two BN tensors are equal and the
    exporter keeps them all) and exports it; returns (model, onnx path, conv parameter names)."""
    torch.manual_seed(0)
    model = ResNet18Encoder()
    for mod in model.modules():
        if isinstance(mod, nn.BatchNorm2d):
            for t in (mod.weight, mod.bias, mod.running_mean):
                t.data.uniform_(-0.5, 0.5)
            mod.weight.data += 1
            mod.running_var.data.uniform_(0.5, 1.5)
    model.eval()
    path = os.path.join(tmp, "resnet18-encoder.onnx")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, torch.zeros(1, 3, 64, 64), path, dynamo=False, training=torch.onnx.TrainingMode.EVAL,
                          opset_version=17, do_constant_folding=False, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})
    names = [n for n, mod in model.named_modules() if isinstance(mod, nn.Conv2d) for n in (f"{n}.weight", f"{n}.bias")
             if dict(model.named_parameters()).get(n) is not None]
    inits = {t.name for t in onnx.load(path).graph.initializer}
    missing = [n for n in names if n not in inits]
    if missing:
        sys.exit(f"the export renamed or folded conv parameters: {missing[:5]}")
    return model, path, names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--backend", default="dnnl")
    ap.add_argument("--write", action="store_true", help="update the table in docs/benchmarks.md")
    a = ap.parse_args()
    if not os.path.exists(SEEING):
        sys.exit("build first: swift build -c release --product seeing")
    dcgan = os.path.join(ROOT, "models", "cache", "dcgan-faces", "dcgan-faces.onnx")
    if not os.path.exists(dcgan):
        sys.exit(f"missing {dcgan}: run scripts/fetch-models.py")
    if torch is None:
        print("PyTorch not installed: skipping its columns and the ResNet-18 case", file=sys.stderr)
    else:
        torch.set_num_threads(a.threads)
    rng = np.random.default_rng(0)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # (title, wrt description, onnx path, output, feeds, wrt names, torch model or None)
        cases = []
        generator = dcgan_torch(dcgan) if torch is not None else None
        for n in (1, 32):
            cases.append((f"DCGAN generator, batch {n}", "z", dcgan, "image",
                          {"z": rng.standard_normal((n, 100, 1, 1)).astype(np.float32)}, ["z"], generator))
        if torch is not None:
            encoder, path, names = resnet_case(tmp)
            cases.append(("ResNet-18 encoder + e_f, 32×3×64²", f"all {len(names)} Conv weights/biases", path, "y",
                          {"x": rng.standard_normal((32, 3, 64, 64)).astype(np.float32)}, names, encoder))
        for i, (title, what, path, output, feeds, wrt, tmodel) in enumerate(cases):
            files = {}
            for name, value in feeds.items():
                files[name] = os.path.join(tmp, f"{name}-{i}.npy")
                np.save(files[name], value)
            fwd, bwd, const = time_seeing(path, files, output, wrt, a)
            row = {"title": title, "what": what, "fwd": fwd, "bwd": bwd, "const": const}
            if tmodel is not None:
                x = torch.from_numpy(next(iter(feeds.values())))
                if wrt == ["z"]:
                    x.requires_grad_(True)
                    params = [x]
                else:
                    named = dict(tmodel.named_parameters())
                    for p in tmodel.parameters():
                        p.requires_grad_(False)
                    params = [named[n].requires_grad_(True) for n in wrt]
                row["tfwd"], row["tbwd"], theirs = time_torch(tmodel, x, params, a)
                ours = seeing_gradients(path, files, output, wrt, os.path.join(tmp, f"grad-{i}"), a)
                row["err"] = max_rel_err([ours[n] for n in wrt], theirs)
            rows.append(row)
            print(f"{title}: seeing fwd {fwd:.3f} ms, fwd+bwd {bwd:.3f} ms"
                  + (f"; pytorch fwd {row['tfwd']:.3f} ms, fwd+bwd {row['tbwd']:.3f} ms; max rel err {row['err']:.2e}"
                     if "tfwd" in row else ""), file=sys.stderr)
    dash = "—"
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, {a.threads} threads, median of {a.repeat} runs after {a.warmup} warm-up runs, "
        f"{'PyTorch ' + torch.__version__ if torch is not None else 'PyTorch not installed'}, Seeing backend `{a.backend}`. "
        "Gradient of sum(output); BatchNorm in inference mode, its parameters constants.",
        "",
        "| case | gradient w.r.t. | Seeing fwd, constant weights (ms) | Seeing fwd (ms) | Seeing fwd+bwd (ms) | Seeing fwd+bwd/fwd | PyTorch fwd (ms) "
        "| PyTorch fwd+bwd (ms) | PyTorch fwd+bwd/fwd | fwd+bwd Seeing/PyTorch | max rel err |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        t = [f"{r['tfwd']:.3f}", f"{r['tbwd']:.3f}", f"{r['tbwd'] / r['tfwd']:.2f}", f"{r['bwd'] / r['tbwd']:.2f}",
             f"{r['err']:.1e}"] if "tfwd" in r else [dash] * 5
        lines.append(f"| {r['title']} | {r['what']} | {r['const']:.3f} | {r['fwd']:.3f} | {r['bwd']:.3f} | {r['bwd'] / r['fwd']:.2f} | "
                     + " | ".join(t) + " |")
    table = "\n".join(lines)
    print(table)
    if a.write:
        benchmark_doc.replace_between(BEGIN, END, table)

if __name__ == "__main__":
    main()
