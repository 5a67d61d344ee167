#!/usr/bin/env bash
# The soak (issue 18; not in CI): one `clickprint serve` (2 workers) with
# three tenants, each given a library of 60 pictures first; then, for
# --minutes N (default 30), 8 clients searching by URL (tenants a, b, c in
# turn), 2 clients adding one picture a second by URL (tenants a and b) and
# one analyst of tenant c running heavy SQL (fp_keys self-join, group-bys)
# back to back. Afterwards it waits for every item to be ready or failed
# and records 5xx answers, the service's VmRSS (start, peak, end), items
# by status and search p95 per tenant (benchmarks/tools/soak.py).
#
#   benchmarks/soak.sh [--minutes N] [--debug]
#
# --debug runs the debug binaries already in target/debug instead of
# building release ones (slower searches; for a shared machine).
# Writes benchmarks/results/<date>-soak/ (summary.json, rss.csv,
# requests.csv, command.txt).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
minutes=30
profile=release
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) minutes="$2"; shift 2 ;;
        --debug) profile=debug; shift ;;
        *) echo "usage: benchmarks/soak.sh [--minutes N] [--debug]" >&2; exit 2 ;;
    esac
done
command_line="benchmarks/soak.sh --minutes $minutes$([ "$profile" = debug ] && echo ' --debug')"
scripts/setup.sh > /dev/null
if [ "$profile" = release ]; then
    cargo build --release -p clickprint-udf -p clickprint-media -p clickprint --quiet
fi
bin="$root/target/$profile/clickprint"
out="$root/benchmarks/results/$(date -u +%Y-%m-%d)-soak"
mkdir -p "$out"
work="$(mktemp -d)"
chmod 755 "$work"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work" 2>/dev/null || { sleep 2; rm -rf "$work"; }
}
trap cleanup EXIT

# Distinct pictures: successive generations of Game of Life boards. The
# first 180 are the three libraries; the uploaders add from 181 on.
pictures=$((180 + 2 * 60 * minutes + 100))
mkdir -p "$work/files"
ffmpeg -v error -nostdin -f lavfi -i "life=s=160x120:seed=7:ratio=0.3:rate=25,scale=320:240,boxblur=2" \
    -frames:v "$pictures" "$work/files/p%04d.jpg"
(cd "$work/files" && exec python3 -m http.server 0 --bind 127.0.0.1 > "$work/http.log" 2>&1) &
pids+=($!)
for _ in $(seq 100); do grep -q "Serving HTTP" "$work/http.log" 2>/dev/null && break; sleep 0.1; done
files_url="http://127.0.0.1:$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/http.log" | head -1)"

CLICKPRINT_WORKERS=2 CLICKPRINT_FETCH_ALLOW_PRIVATE=true \
    "$bin" --data-dir "$work/data" serve --listen 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.err" &
service=$!
pids+=($service)
for _ in $(seq 600); do grep -q "listening on" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url="$(sed -n 's/clickprint listening on //p' "$work/serve.out")"
token="$(cat "$work/data/admin.token")"

tenant_key() { # name -> key
    local id
    id="$(curl -sf -XPOST "$url/v1/admin/tenants" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "{\"name\":\"$1\"}" | python3 -c 'import json,sys;print(json.load(sys.stdin)["id"])')"
    curl -sf -XPOST "$url/v1/admin/tenants/$id/keys" -H "Authorization: Bearer $token" | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])'
}
keys=""
first=1
for name in a b c; do
    key="$(tenant_key "$name")"
    keys="$keys${keys:+,}$name=$key"
    { echo "url,external_id"; for i in $(seq "$first" $((first + 59))); do printf '%s/p%04d.jpg,p%04d\n' "$files_url" "$i" "$i"; done; } \
        | curl -sf -XPOST "$url/v1/jobs" -H "Authorization: Bearer $key" -H 'content-type: text/csv' --data-binary @- > /dev/null
    first=$((first + 60))
done
# The libraries first: the soak starts with the queue empty.
for pair in ${keys//,/ }; do
    key="${pair#*=}"
    until curl -sf "$url/v1/stats" -H "Authorization: Bearer $key" \
        | python3 -c 'import json,sys;s=json.load(sys.stdin)["by_status"];sys.exit(0 if s.get("pending",0)+s.get("processing",0)==0 else 1)'; do
        sleep 1
    done
done

echo "$command_line" > "$out/command.txt"
python3 benchmarks/tools/soak.py --url "$url" --pid "$service" --keys "$keys" \
    --files-url "$files_url" --pictures "$pictures" --first-new 181 \
    --minutes "$minutes" --out "$out"
cp "$work/serve.err" "$out/serve.log" 2>/dev/null || true
# The service's log is only kept when it says something went wrong.
grep -qiE "panick|error" "$out/serve.log" || rm -f "$out/serve.log"
