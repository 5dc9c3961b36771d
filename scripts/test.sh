#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what is missing (apt, pip), fetches the real
# models the parity tests need (sha256-verified), builds, and runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
python3 scripts/fetch-models.py
swift build --build-tests
swift test --skip-build --disable-swift-testing "$@"
