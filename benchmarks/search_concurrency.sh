#!/usr/bin/env bash
# Searches under concurrency by setting (issue 23, item 3): which number of
# statements at once serves eight clients best on this machine. Release
# build, `clickprint serve` on the embedded stores with a library of 40
# distinct 1280x720 pictures (as benchmarks/search_http.sh); then for each
# setting below, in turn and ROUNDS times (A B C A B C: the same load for
# each), the service restarted on the same data with that setting and
# eight clients searching for a re-encoded copy of one picture by URL for
# SECONDS (benchmarks/tools/api_load.py). Per run: searches, errors, p50,
# p95, and the processor seconds the service and its UDF processes used per
# search (benchmarks/tools/tree_cpu.py), which bounds searches per second
# on the machine's cores.
#
# The settings (environment of `clickprint serve`; README.md, "Settings"):
#   s2   two searches at once, what the defaults give one tenant
#        (clickhouse_connections 4, tenant_lane_percent 50);
#   s1   one at once;
#   s4   four at once (tenant_lane_percent 100);
#   s8   eight at once (clickhouse_connections 8, UDF pools of 8).
#
#   benchmarks/search_concurrency.sh [SECONDS [ROUNDS]]
#   # writes benchmarks/results/<date>-search-concurrency.csv
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-30}"
rounds="${2:-2}"
scripts/setup.sh
cargo build --release -p clickprint-udf -p clickprint-media -p clickprint --quiet
bin="$root/target/release/clickprint"
work="$(mktemp -d)"
chmod 755 "$work"
# shellcheck source=tools/serve.sh
source benchmarks/tools/serve.sh

declare -A settings=(
    [s1]="CLICKPRINT_CLICKHOUSE_CONNECTIONS=1 CLICKPRINT_TENANT_LANE_PERCENT=100"
    [s2]="CLICKPRINT_CLICKHOUSE_CONNECTIONS=4 CLICKPRINT_TENANT_LANE_PERCENT=50"
    [s4]="CLICKPRINT_CLICKHOUSE_CONNECTIONS=4 CLICKPRINT_TENANT_LANE_PERCENT=100"
    [s8]="CLICKPRINT_CLICKHOUSE_CONNECTIONS=8 CLICKPRINT_TENANT_LANE_PERCENT=100 CLICKPRINT_UDF_QUERY_POOL_SIZE=8 CLICKPRINT_UDF_RERANK_POOL_SIZE=8"
)
order=(s2 s1 s4 s8)

mkdir -p "$work/files/queries"
ffmpeg -v error -nostdin -f lavfi -i "life=s=320x180:seed=11:ratio=0.3:rate=25,scale=1280:720,boxblur=2" \
    -frames:v 40 -q:v 3 "$work/files/p%04d.jpg"
ffmpeg -v error -nostdin -i "$work/files/p0003.jpg" -q:v 5 "$work/files/queries/p3.jpg"
serve_files

start_service
key="$(tenant_key bench)"
add_pictures "$key" 1 40
wait_settled "$key"

# restart SETTING: the service again on the same data, with that setting.
restart() {
    kill "$service"
    wait "$service" 2>/dev/null || true
    rm -f "$work/serve.out"
    # shellcheck disable=SC2086
    env ${settings[$1]} CLICKPRINT_WORKERS=2 CLICKPRINT_FETCH_ALLOW_PRIVATE=true \
        "$bin" --data-dir "$work/data" serve --listen 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.err" &
    service=$!
    pids+=($service)
    for _ in $(seq 600); do grep -q "^clickprint listening on" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
    url="$(sed -n 's/clickprint listening on //p' "$work/serve.out")"
}

out="benchmarks/results/$(date -u +%Y-%m-%d)-search-concurrency.csv"
echo "setting,round,seconds,searches,errors,p50_ms,p95_ms,per_second,cpu_ms_per_search" | tee "$out"
for round in $(seq "$rounds"); do
    for s in "${order[@]}"; do
        restart "$s"
        # Warm the pools (the first search starts the UDF processes).
        python3 benchmarks/tools/api_load.py "$url" "$key" "$files_url/queries/p3.jpg" 3 8 warm > /dev/null
        before="$(python3 benchmarks/tools/tree_cpu.py "$service")"
        line="$(python3 benchmarks/tools/api_load.py "$url" "$key" "$files_url/queries/p3.jpg" "$seconds" 8 "$s")"
        after="$(python3 benchmarks/tools/tree_cpu.py "$service")"
        python3 - "$line" "$round" "$seconds" "$before" "$after" <<'EOF' | tee -a "$out"
import sys
line, round_, seconds, before, after = sys.argv[1:]
label, searches, errors, p50, p95 = line.split(",")
n = int(searches) + int(errors)
per_search = (float(after) - float(before)) * 1000 / max(n, 1)
print(f"{label},{round_},{seconds},{searches},{errors},{p50},{p95},{int(searches) / float(seconds):.1f},{per_search:.0f}")
EOF
    done
done
echo "results: $out"
