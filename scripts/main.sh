#!/usr/bin/env bash
# The main job on a fresh machine: install what is missing, fetch the bundled real generator
# (DCGAN faces, sha256-verified, converted to ONNX), build, and write a PNG grid of samples of
# the registered generator `dcgan-faces` (its PyTorch checkpoint built by the dcgan architecture).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
python3 scripts/fetch-models.py dcgan-faces
swift build -c release --product seeing
out=${1:-out/samples}
.build/release/seeing inspect models/cache/dcgan-faces/dcgan-faces.onnx
.build/release/seeing zoo list
.build/release/seeing sample dcgan-faces --n 16 --seed 1 --out "$out"
echo "main: samples in $out (grid: $out/grid.png)"
