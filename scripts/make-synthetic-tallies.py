#!/usr/bin/env python3
"""Writes two synthetic segmentation tallies (the `seeing stats` format, docs/statistics.md) for
timing `seeing fsd` at the paper's scale: CLASSES classes (default 336, the original segmenter's),
IMAGES images each (default 10,000) of 256x256 label maps. Each image holds class 0 and 5-20
other classes drawn with Zipf-like popularity; the second set ("generated") under-produces every
seventh class. Needs numpy only.

    python3 scripts/make-synthetic-tallies.py OUT_DIR [--classes 336] [--images 10000] [--seed 1]

writes OUT_DIR/real.tally and OUT_DIR/generated.tally.
"""
import argparse
import json
import os

import numpy as np

PIXELS = 256 * 256


def counts(rng, images, classes, under):
    """images x classes pixel counts, each row summing to PIXELS."""
    popularity = 1.0 / np.arange(1, classes) ** 1.1
    popularity /= popularity.sum()
    x = np.zeros((images, classes), dtype=np.int64)
    for n in range(images):
        k = rng.integers(5, 21)
        chosen = rng.choice(np.arange(1, classes), size=k, replace=False, p=popularity)
        if under:
            chosen = chosen[(chosen % 7 != 0) | (rng.random(len(chosen)) < 0.5)]
        weights = rng.dirichlet(np.ones(len(chosen) + 1))
        pixels = np.floor(weights * PIXELS).astype(np.int64)
        x[n, chosen] = pixels[1:]
        x[n, 0] = PIXELS - pixels[1:].sum()
    return x


def write(path, x, names, source, seed):
    os.makedirs(path, exist_ok=True)
    images, classes = x.shape
    header = {
        "format": "seeing.segmentation-tally", "version": 2, "classNames": names, "count": images,
        "accumulation": "pixelCounts", "pixelsPerImage": PIXELS, "keepsPerImage": True,
        "units": "pixels (percent = pixels / pixelsPerImage * 100)",
        "provenance": {"segmenter": "synthetic-336", "preprocessing": "none (synthetic label maps)",
                       "source": source, "seed": seed, "plannedCount": images},
    }
    with open(os.path.join(path, "tally.json"), "w") as f:
        json.dump(header, f, indent=2, sort_keys=True)
    np.save(os.path.join(path, "sums.npy"), x.sum(axis=0))
    # Every partial sum is an integer below 2^53, so the float64 product is exact.
    xf = x.astype(np.float64)
    np.save(os.path.join(path, "products.npy"), (xf.T @ xf).astype(np.int64))
    rows, cols = np.nonzero(x)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=images))]).astype(np.int64)
    np.save(os.path.join(path, "images_indptr.npy"), indptr)
    np.save(os.path.join(path, "images_indices.npy"), cols.astype(np.int32))
    np.save(os.path.join(path, "images_data.npy"), x[rows, cols].astype(np.float64) / PIXELS * 100)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--classes", type=int, default=336)
    p.add_argument("--images", type=int, default=10000)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    names = ["-"] + [f"class{c}" for c in range(1, a.classes)]
    rng = np.random.default_rng(a.seed)
    write(os.path.join(a.out, "real.tally"), counts(rng, a.images, a.classes, False), names, "synthetic real", a.seed)
    write(os.path.join(a.out, "generated.tally"), counts(rng, a.images, a.classes, True), names, "synthetic generated", a.seed)


if __name__ == "__main__":
    main()
