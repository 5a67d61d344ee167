#!/usr/bin/env bash
# Search latency (p50/p95 of 15 runs after a warm-up) on 1M and 10M
# synthetic fp_keys rows, beside a full-scan formulation of the same search
# and the same search with the rerank UDF started per block (executable)
# instead of a warm pool (executable_pool), all in the same run; then the
# 1M-row forms again with the UDFs delegating to clickprint-sidecar.
#
#   benchmarks/search_latency.sh     # writes benchmarks/results/<date>-search-latency.csv
set -euo pipefail
# shellcheck source=tools/example.sh
source "$(dirname "${BASH_SOURCE[0]}")/tools/example.sh" search_latency search-latency
ffmpeg -v error -y -f lavfi -i "life=s=240x180:seed=3:ratio=0.3,scale=480:360,boxblur=3" -frames:v 1 "$work/query.png"
target/release/search_latency "$work/data" "$work/query.png" | tee "$out"
# The same searches on 1M rows with the UDFs delegating to a warm Arrow
# Flight sidecar (a new process: chDB's UDF pools keep the environment they
# started with).
target/release/clickprint-sidecar --listen 127.0.0.1:0 >"$work/sidecar.out" 2>/dev/null &
sidecar=$!
trap 'kill $sidecar 2>/dev/null; rm -rf "$work"' EXIT
until grep -q listening "$work/sidecar.out"; do sleep 0.1; done
CLICKPRINT_SIDECAR="$(sed 's/listening on //' "$work/sidecar.out")" \
  target/release/search_latency "$work/data-sidecar" "$work/query.png" 1000000 | tail -n +2 | tee -a "$out"
echo "results: $out"
