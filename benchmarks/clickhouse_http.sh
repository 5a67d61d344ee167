#!/usr/bin/env bash
# ClickHouse's HTTP interface against POST /v1/sql (issue 22; not in CI):
# one `clickprint serve --clickhouse-http`, a tenant whose fp_keys hold
# 120,000 rows, and its analyst's 100,000-row SELECT through both doors in
# turn, 5 runs each after a warm-up (benchmarks/tools/clickhouse_http.py):
# seconds, rows per second, answer bytes and the service's memory growth,
# each door's time as a ratio to /v1/sql's in the same run.
#
#   benchmarks/clickhouse_http.sh [--debug]
#
# Writes benchmarks/results/<date>-clickhouse-http/ (summary.json, command.txt).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
profile=release
case "${1:-}" in
    --debug) profile=debug ;;
    "") ;;
    *) echo "usage: benchmarks/clickhouse_http.sh [--debug]" >&2; exit 2 ;;
esac
scripts/setup.sh > /dev/null
if [ "$profile" = release ]; then
    cargo build --release --workspace --quiet
fi
bin="$root/target/$profile/clickprint"
out="$root/benchmarks/results/$(date -u +%Y-%m-%d)-clickhouse-http"
mkdir -p "$out"
work="$(mktemp -d)"
chmod 755 "$work"
. benchmarks/tools/serve.sh

CLICKPRINT_CLICKHOUSE_HTTP_LISTEN=127.0.0.1:0 start_service
clickhouse="$(sed -n 's/^clickhouse http interface listening on //p' "$work/serve.out" | head -1)"
[ -n "$clickhouse" ] || { echo "no ClickHouse interface address in:" >&2; cat "$work/serve.out" >&2; exit 1; }
key="$(tenant_key acme)"
tenant_id="$(curl -sf "$url/v1/admin/tenants" -H "Authorization: Bearer $token" \
    | python3 -c 'import json,sys;print([t["id"] for t in json.load(sys.stdin)["tenants"] if t["name"]=="acme"][0])')"
curl -sf -u "admin:$token" "$clickhouse/" --data-binary \
    "INSERT INTO clickprint.fp_keys (tenant_id, band, key, media_id, time_ms, item) SELECT $tenant_id, number % 64, number, number % 1000, number, 0 FROM numbers(120000)" > /dev/null
echo "benchmarks/clickhouse_http.sh$([ "$profile" = debug ] && echo ' --debug')" > "$out/command.txt"
python3 benchmarks/tools/clickhouse_http.py --api "$url" --clickhouse "$clickhouse" \
    --tenant acme --key "$key" --pid "$service" --out "$out"
