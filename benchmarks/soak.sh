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
    cargo build --release --workspace --quiet
fi
bin="$root/target/$profile/clickprint"
out="$root/benchmarks/results/$(date -u +%Y-%m-%d)-soak"
mkdir -p "$out"
work="$(mktemp -d)"
chmod 755 "$work"
. benchmarks/tools/serve.sh

# The first 180 pictures are the three libraries; the uploaders add from
# 181 on.
pictures=$((180 + 2 * 60 * minutes + 100))
serve_pictures "$pictures"
start_service
keys=""
first=1
for name in a b c; do
    key="$(tenant_key "$name")"
    keys="$keys${keys:+,}$name=$key"
    add_pictures "$key" "$first" 60
    first=$((first + 60))
done
# The libraries first: the soak starts with the queue empty.
for pair in ${keys//,/ }; do
    wait_settled "${pair#*=}"
done

echo "$command_line" > "$out/command.txt"
python3 benchmarks/tools/soak.py --url "$url" --pid "$service" --keys "$keys" \
    --files-url "$files_url" --pictures "$pictures" --first-new 181 \
    --minutes "$minutes" --out "$out"
cp "$work/serve.err" "$out/serve.log" 2>/dev/null || true
# The service's log is only kept when it says something went wrong.
grep -qiE "panick|error" "$out/serve.log" || rm -f "$out/serve.log"
