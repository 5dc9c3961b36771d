#!/usr/bin/env bash
# Regenerates Sources/Importer/Generated/onnx.pb.swift from scripts/proto/onnx.proto.
# The .proto is the one shipped in the `onnx` PyPI wheel (version pinned below); protoc comes
# from Debian's protobuf-compiler and protoc-gen-swift is built from swift-protobuf 1.39.0,
# the same version Package.swift pins. The generated file is committed: builds never run this.
set -euo pipefail
ONNX_VERSION=1.23.2
SWIFT_PROTOBUF_VERSION=1.39.0
root=$(cd "$(dirname "$0")/.." && pwd)
work=${TMPDIR:-/tmp}/seeing-protoc
mkdir -p "$work"

if [ "${1:-}" = "--refresh-proto" ]; then
  python3 -m pip download --no-deps -q -d "$work" "onnx==$ONNX_VERSION"
  (cd "$work" && python3 -m zipfile -e onnx-"$ONNX_VERSION"-*.whl wheel >/dev/null)
  cp "$work/wheel/onnx/onnx.proto" "$root/scripts/proto/onnx.proto"
fi

command -v protoc >/dev/null || { echo "protoc missing: apt-get install protobuf-compiler" >&2; exit 1; }
plugin="$work/swift-protobuf/.build/release/protoc-gen-swift"
if [ ! -x "$plugin" ]; then
  rm -rf "$work/swift-protobuf"
  git clone -q --branch "$SWIFT_PROTOBUF_VERSION" --depth 1 https://github.com/apple/swift-protobuf.git "$work/swift-protobuf"
  (cd "$work/swift-protobuf" && swift build -c release --product protoc-gen-swift)
fi
protoc --plugin=protoc-gen-swift="$plugin" -I "$root/scripts/proto" \
  --swift_out="$root/Sources/Importer/Generated" --swift_opt=Visibility=Public \
  "$root/scripts/proto/onnx.proto"
echo "wrote Sources/Importer/Generated/onnx.pb.swift"
