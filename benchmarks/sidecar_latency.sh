#!/usr/bin/env bash
# Query-media extraction and rerank latency per block (p50/p95 of N runs
# after a warm-up) through a warm clickprint-sidecar vs UDF processes that
# decode themselves, per block (executable) and pooled (executable_pool),
# all in the same run. See udf/media/examples/sidecar_latency.rs.
#
#   benchmarks/sidecar_latency.sh [RUNS]   # writes benchmarks/results/<date>-sidecar-latency.csv
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh
runs="${1:-30}"
cargo build --release -p clickprint-udf -p clickprint-media --bins --example sidecar_latency --quiet
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="benchmarks/results/$(date -u +%Y-%m-%d)-sidecar-latency.csv"
mkdir -p benchmarks/results

# The query side: a 1280x720 JPEG and a 10 s MP3 excerpt; the references: 20
# pictures (the rerank block cycles through them).
ffmpeg -v error -y -f lavfi -i "mandelbrot=s=1280x720:start_scale=1.4" -frames:v 1 -q:v 4 "$work/query.jpg"
ffmpeg -v error -y -f lavfi -i "sine=f=440:d=10,aeval=val(0)*sin(2*PI*3*t)" -b:a 128k "$work/query.mp3"
references=()
for i in $(seq 1 20); do
  ffmpeg -v error -y -f lavfi -i "mandelbrot=s=640x480:start_scale=$((i % 5 + 1)).$i:start_x=-0.$((i + 10))" -frames:v 1 "$work/ref-$i.png"
  references+=("$work/ref-$i.png")
done
{
  echo "# $(date -u +%FT%TZ) $(nproc) cores, $runs runs per mode"
  target/release/examples/sidecar_latency "$work/query.jpg" "$work/query.mp3" "${references[@]}" "$runs"
} | tee "$out"
echo "results: $out"
