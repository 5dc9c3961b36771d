#!/usr/bin/env bash
# Renders the sample Generated Image Segmentation Statistics chart (made-up bedroom statistics,
# Tests/PluginsTests/Charts/ChartSampleData.swift) with the project's own renderer, to
# ${1:-/tmp/chart-sample.png}. docs/images/segmentation-chart-sample.png was made this way.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-/tmp/chart-sample.png}")
swift build --build-tests
CHART_SAMPLE_PNG="$out" swift test --skip-build --disable-swift-testing \
  --filter SegmentationChartRenderTests/testSampleChartIsWrittenAndReadable
echo "chart: $out"
