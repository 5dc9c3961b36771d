#!/usr/bin/env bash
# Installs what building and testing Seeing needs on Debian 12 (+ Swift 6.x), idempotently:
# system libraries from Debian, the Python test oracles from PyPI (pinned), and the ONNX
# conformance data. Safe to run again: it installs only what is missing.
set -euo pipefail

APT_PACKAGES=(libdnnl-dev libopenblas-dev liblapacke-dev libpng-dev libjpeg62-turbo-dev protobuf-compiler
              libprotobuf-dev pkg-config libonnx-testdata libfreetype-dev fonts-dejavu-core libssl-dev)
# tflite + flatbuffers: scripts/tools/convert_tflite.py reads TFLite models with them (fetch time only).
# scipy: the reference of the FSD statistics tests (scripts/tools/fsd_reference.py).
PIP_PACKAGES=(numpy==2.4.6 scipy==1.17.1 onnx==1.23.2 onnxruntime==1.32.0 tflite==2.18.0 flatbuffers==25.12.19 jsonschema==4.26.0)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

need_pip=()
for spec in "${PIP_PACKAGES[@]}"; do
  name=${spec%%==*}; want=${spec##*==}
  have=$(python3 -c "import importlib.metadata as m; print(m.version('$name'))" 2>/dev/null || true)
  [ "$have" = "$want" ] || need_pip+=("$spec")
done
if [ ${#need_pip[@]} -gt 0 ]; then
  echo "bootstrap: installing Python packages: ${need_pip[*]}"
  python3 -m pip install -q --disable-pip-version-check "${need_pip[@]}"
fi
echo "bootstrap: system libraries and Python test oracles present"
