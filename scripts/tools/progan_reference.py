#!/usr/bin/env python3
"""An independent numpy forward pass of the original ProGAN generator (proggan.py, as described
in docs/reference), used by the tests as an oracle for the Swift builder. Float64 throughout.

Per layer K: PixelNorm → [nearest 2×, odd K ≥ 3] → conv (no bias; layer1 k4 pad 3, others k3
pad 1) → x·(√2/k)/√C_in + b → LeakyReLU(0.2). Output: PixelNorm → 1×1 conv → x/√C_in + b →
clip to [-1, 1].

usage: progan_reference.py WEIGHTS_DIR Z.npy OUT_DIR
WEIGHTS_DIR holds one <state-dict key>.npy per tensor; OUT_DIR receives image.npy and
layer<K>.npy (the LeakyReLU outputs)."""
import os
import re
import sys

import numpy as np


def pixel_norm(x):
    return x / np.sqrt(np.mean(x ** 2, axis=1, keepdims=True) + 1e-8)


def conv2d(x, w, pad):
    """Cross-correlation (PyTorch Conv2d), stride 1, zero padding."""
    n, _, h, wd = x.shape
    k = w.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - k + 1, wd + 2 * pad - k + 1
    out = np.zeros((n, w.shape[0], oh, ow))
    for i in range(k):
        for j in range(k):
            out += np.einsum("nchw,oc->nohw", xp[:, :, i:i + oh, j:j + ow], w[:, :, i, j])
    return out


def wscale(x, b, gain, fan_in):
    return x * (gain / np.sqrt(fan_in)) + b.reshape(1, -1, 1, 1)


def main():
    weights_dir, z_path, out_dir = sys.argv[1:4]
    p = {f[:-4]: np.load(os.path.join(weights_dir, f)).astype(np.float64)
         for f in os.listdir(weights_dir) if f.endswith(".npy")}
    z = np.load(z_path).astype(np.float64)
    x = z.reshape(z.shape[0], z.shape[1], 1, 1)
    k = 1
    while f"layer{k}.conv.weight" in p:
        w = p[f"layer{k}.conv.weight"]
        x = pixel_norm(x)
        if k >= 3 and k % 2 == 1:
            x = x.repeat(2, axis=2).repeat(2, axis=3)
        x = conv2d(x, w, 3 if k == 1 else 1)
        x = wscale(x, p[f"layer{k}.wscale.b"], np.sqrt(2) / w.shape[2], w.shape[1])
        x = np.where(x >= 0, x, 0.2 * x)
        np.save(os.path.join(out_dir, f"layer{k}.npy"), x.astype(np.float32))
        k += 1
    out = next(name[:-len(".conv.weight")] for name in p if re.fullmatch(r"output_\d+x\d+\.conv\.weight", name))
    w = p[f"{out}.conv.weight"]
    x = conv2d(pixel_norm(x), w, 0)
    x = np.clip(wscale(x, p[f"{out}.wscale.b"], 1.0, w.shape[1]), -1, 1)
    np.save(os.path.join(out_dir, "image.npy"), x.astype(np.float32))


if __name__ == "__main__":
    main()
