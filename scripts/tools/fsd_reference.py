#!/usr/bin/env python3
"""Independent reference for the FSD statistics tests (numpy + scipy), from per-image area
matrices (.npy, images x classes, percent):

  fsd_reference.py fsd REAL.npy GEN.npy
      FSD as the original computes it: np.mean, np.cov (N-1), scipy.linalg.sqrtm of the
      product of the covariances. Prints JSON {"total", "mean", "covariance"}.
  fsd_reference.py classes REAL.npy GEN.npy [--exclude C ...] [--fdr Q]
      Per class: scipy.stats.ttest_ind(gen, real, equal_var=False) and Benjamini-Hochberg
      q-values (numpy) over the classes not excluded. A class constant and equal in both sets
      (scipy: NaN) gets p = 1. Prints JSON {"t", "p", "q", "significant"} (null where undefined).
"""
import argparse
import json
import sys
import warnings

import numpy as np
import scipy.linalg
import scipy.stats


def fsd(real, gen):
    m1, m2 = real.mean(axis=0), gen.mean(axis=0)
    c1, c2 = np.cov(real, rowvar=False), np.cov(gen, rowvar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # singular products: sqrtm warns but is accurate enough here
        root = scipy.linalg.sqrtm(c1 @ c2)
    mean_part = float(((m1 - m2) ** 2).sum())
    cov_part = float(np.trace(c1) + np.trace(c2) - 2 * np.trace(root).real)
    return {"total": mean_part + cov_part, "mean": mean_part, "covariance": cov_part}


def benjamini_hochberg(p):
    m = len(p)
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum.accumulate(scaled[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(q_sorted, 1.0)
    return q


def classes(real, gen, exclude, fdr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = scipy.stats.ttest_ind(gen, real, axis=0, equal_var=False)
    t, p = np.asarray(res.statistic, float), np.asarray(res.pvalue, float)
    both_constant_equal = np.isnan(p) & (gen.mean(axis=0) == real.mean(axis=0))
    p = np.where(both_constant_equal, 1.0, p)
    t = np.where(both_constant_equal, 0.0, t)
    tested = np.array([c for c in range(real.shape[1]) if c not in exclude])
    q = np.full(real.shape[1], np.nan)
    q[tested] = benjamini_hochberg(p[tested])
    sig = [bool(x <= fdr) if not np.isnan(x) else False for x in q]
    none = lambda a: [None if (x is None or np.isnan(x)) else float(x) for x in a]
    return {"t": none(t), "p": none(p), "q": none(q), "significant": sig}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["fsd", "classes"])
    ap.add_argument("real")
    ap.add_argument("gen")
    ap.add_argument("--exclude", type=int, action="append", default=[])
    ap.add_argument("--fdr", type=float, default=0.05)
    a = ap.parse_args()
    real, gen = np.load(a.real).astype(np.float64), np.load(a.gen).astype(np.float64)
    out = fsd(real, gen) if a.command == "fsd" else classes(real, gen, set(a.exclude), a.fdr)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
