#!/usr/bin/env bash
# The noisy-neighbour figure (issue 18; not in CI): on one `clickprint
# serve`, tenant `patient` (a library of 40 pictures) searches by URL 40
# times unloaded, then 40 times while tenant `greedy` saturates its share
# of everything at once: 8 clients searching with a 590-second sound (the
# longest a query may be, decoded in full), 4 analysts running a self-join
# of its keys, 2 clients adding pictures one by one. The figure is the
# patient's loaded p95 over its unloaded p95, from the same run (the
# acceptance: within 2x). The greedy tenant's clients run at nice 10 in a
# process of their own (they stand for other machines).
#
#   benchmarks/neighbour.sh [--debug] [--greedy-rpm N]
#
# --debug runs the debug binaries already in target/debug instead of
# building release ones; --greedy-rpm gives the greedy tenant a request
# quota (`requests_per_minute`), the operator's bound on what one tenant's
# HTTP traffic costs everyone. Writes benchmarks/results/<date>-neighbour/
# (summary.json, requests.csv, command.txt).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
profile=release
greedy_rpm=""
command_line="benchmarks/neighbour.sh $*"
while [ $# -gt 0 ]; do
    case "$1" in
        --debug) profile=debug ;;
        --greedy-rpm) greedy_rpm="$2"; shift ;;
        *) echo "usage: benchmarks/neighbour.sh [--debug] [--greedy-rpm N]" >&2; exit 2 ;;
    esac
    shift
done
scripts/setup.sh > /dev/null
if [ "$profile" = release ]; then
    cargo build --release --workspace --quiet
fi
bin="$root/target/$profile/clickprint"
out="$root/benchmarks/results/$(date -u +%Y-%m-%d)-neighbour"
mkdir -p "$out"
work="$(mktemp -d)"
chmod 755 "$work"
. benchmarks/tools/serve.sh

# Pictures 1-40: the patient's library; 41-100: the greedy tenant's;
# from 101 on, what its uploaders add.
serve_pictures 2000
ffmpeg -v error -nostdin -f lavfi -i "anoisesrc=d=590:c=pink:r=22050:a=0.3" \
    -f lavfi -i "sine=f=440:d=590:r=22050" -filter_complex amix=inputs=2 \
    -b:a 64k "$work/files/long.mp3"
start_service
patient="$(tenant_key patient)"
greedy="$(tenant_key greedy "${greedy_rpm:+,\"requests_per_minute\":$greedy_rpm}")"
add_pictures "$patient" 1 40
add_pictures "$greedy" 41 60
wait_settled "$patient"
wait_settled "$greedy"

echo "$command_line" > "$out/command.txt"
python3 benchmarks/tools/neighbour.py --url "$url" --patient "$patient" --greedy "$greedy" \
    --files-url "$files_url" --library 40 --greedy-first 101 --long-sound long.mp3 --out "$out"
