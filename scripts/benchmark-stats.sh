#!/usr/bin/env bash
# Times the segmentation statistics (docs/benchmarks.md):
#  1. `seeing stats` throughput — generate + segment + tally — with the real dcgan-faces generator
#     and selfie-segmenter, N images (default 1000), no cache;
#  2. `seeing fsd` on synthetic tallies of 336 classes × 10,000 images each (the paper's scale),
#     without the bootstrap (FSD, parts, self-distances, per-class tests, chart, CSV, JSON), then
#     the 200-resample bootstrap alone.
# Usage: scripts/benchmark-stats.sh [OUT_DIR] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/benchmark-stats}
n=${2:-1000}
swift build -c release --product seeing >/dev/null
python3 scripts/fetch-models.py dcgan-faces selfie-segmenter >/dev/null
seeing=.build/release/seeing
mkdir -p "$out"
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$seeing" stats --generator dcgan-faces --segmenter selfie-segmenter --n "$n" --no-cache \
    --out "$out/dcgan-faces.tally" --json > "$out/stats.json"
echo "seeing stats, dcgan-faces + selfie-segmenter, $n images: $(field "$out/stats.json" "'%.1f s, %.1f images/s' % (d['seconds'], d['imagesPerSecond'])")"

python3 scripts/make-synthetic-tallies.py "$out/synthetic"
a="$out/synthetic/real.tally" b="$out/synthetic/generated.tally"
for i in 1 2 3; do
    start=$(date +%s.%N)
    "$seeing" fsd "$a" "$b" --bootstrap 0 --out "$out/fsd" --json > "$out/fsd.json"
    end=$(date +%s.%N)
    echo "seeing fsd, 336 classes, 10,000 vs 10,000 images, --bootstrap 0: $(python3 -c "print('%.2f' % ($end - $start))") s wall" \
        "($(field "$out/fsd.json" "', '.join('%s %.3f s' % kv for kv in sorted(d['seconds'].items()))"))"
done
"$seeing" fsd "$a" "$b" --bootstrap 200 --out "$out/fsd-bootstrap" --json > "$out/fsd-bootstrap.json" 2>/dev/null
echo "bootstrap, 200 resamples, $(nproc) threads: $(field "$out/fsd-bootstrap.json" "'%.2f s' % d['seconds']['bootstrap']")"
