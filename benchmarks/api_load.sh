#!/usr/bin/env bash
# The control plane under load, release build, same run:
#  1. ingest throughput (media per minute) of a 100-row CSV job of distinct
#     pictures with 1 worker, then with 2 (fresh data directory each);
#  2. search p50/p95 (4 concurrent clients, 20 s, search by URL) with the
#     queue idle, then while a 1,000-row CSV job of another tenant runs.
#
#   benchmarks/api_load.sh     # writes benchmarks/results/<date>-api-load.csv
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh
cargo build --release -p clickprint-udf -p clickprint-media -p clickprint --quiet
bin="$root/target/release/clickprint"
work="$(mktemp -d)"
chmod 755 "$work"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work" 2>/dev/null || { sleep 2; rm -rf "$work"; }
}
trap cleanup EXIT

# 1,100 distinct pictures: successive generations of Game of Life boards.
mkdir -p "$work/files"
ffmpeg -v error -nostdin -f lavfi -i "life=s=160x120:seed=7:ratio=0.3:rate=25,scale=480:360,boxblur=2" \
    -frames:v 1100 "$work/files/p%04d.jpg"
(cd "$work/files" && exec python3 -m http.server 0 --bind 127.0.0.1 > "$work/http.log" 2>&1) &
pids+=($!)
for _ in $(seq 100); do grep -q "Serving HTTP" "$work/http.log" 2>/dev/null && break; sleep 0.1; done
files_url="http://127.0.0.1:$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/http.log" | head -1)"

csv() { # first count -> CSV of URLs
    echo "url,external_id"
    for i in $(seq "$1" "$2"); do printf '%s/p%04d.jpg,p%04d\n' "$files_url" "$i" "$i"; done
}

start_service() { # data dir, workers -> sets url, token
    CLICKPRINT_WORKERS="$2" CLICKPRINT_FETCH_ALLOW_PRIVATE=true \
        "$bin" --data-dir "$1" serve --listen 127.0.0.1:0 > "$1.out" 2> "$1.err" &
    pids+=($!)
    for _ in $(seq 600); do grep -q "listening on" "$1.out" 2>/dev/null && break; sleep 0.1; done
    url="$(sed -n 's/clickprint listening on //p' "$1.out")"
    token="$(cat "$1/admin.token")"
}

tenant_key() { # name -> key
    local id
    id="$(curl -sf -XPOST "$url/v1/admin/tenants" -H "Authorization: Bearer $token" -d "{\"name\":\"$1\"}" | python3 -c 'import json,sys;print(json.load(sys.stdin)["id"])')"
    curl -sf -XPOST "$url/v1/admin/tenants/$id/keys" -H "Authorization: Bearer $token" | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])'
}

job_done() { # key, job -> 0 when done
    curl -sf "$url/v1/jobs/$2" -H "Authorization: Bearer $1" | python3 -c 'import json,sys;j=json.load(sys.stdin);sys.exit(0 if j["status"]=="done" else 1)'
}

submit() { # key, first, last -> job id
    csv "$2" "$3" | curl -sf -XPOST "$url/v1/jobs" -H "Authorization: Bearer $1" -H 'content-type: text/csv' --data-binary @- \
        | python3 -c 'import json,sys;print(json.load(sys.stdin)["id"])'
}

out="benchmarks/results/$(date -u +%Y-%m-%d)-api-load.csv"
{
echo "measure,workers_or_label,value_a,value_b,value_c"
for workers in 1 2; do
    start_service "$work/ingest-$workers" "$workers"
    key="$(tenant_key bench)"
    started=$(date +%s.%N)
    job="$(submit "$key" 1 100)"
    until job_done "$key" "$job"; do sleep 0.2; done
    python3 -c "import sys; s = float(sys.argv[2]) - float(sys.argv[1]); print(f'ingest_media_per_minute,$workers,{6000 / s:.1f},{s:.1f},100')" "$started" "$(date +%s.%N)"
    kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
done

# Search under load: the 2-worker service's library (100 pictures) is the target.
start_service "$work/ingest-2" 2
key="$(tenant_key searcher)"
job="$(submit "$key" 1 100)"
until job_done "$key" "$job"; do sleep 0.2; done
query="$files_url/p0050.jpg"
echo "search_label,requests,errors,p50_ms,p95_ms"
python3 benchmarks/tools/api_load.py "$url" "$key" "$query" 20 4 idle_queue
bulk="$(tenant_key bulk)"
bulk_job="$(submit "$bulk" 101 1100)"
python3 benchmarks/tools/api_load.py "$url" "$bulk" "$query" 0 1 warmup > /dev/null
python3 benchmarks/tools/api_load.py "$url" "$key" "$query" 20 4 during_1000_row_job
curl -sf "$url/v1/jobs/$bulk_job" -H "Authorization: Bearer $bulk" \
    | python3 -c 'import json,sys;j=json.load(sys.stdin);print("bulk_job_after_load_completed_pending_failed_total,{completed},{pending},{failed},{total}".format(**j))'
} | tee "$out"
echo "results: $out"
