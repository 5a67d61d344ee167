#!/usr/bin/env bash
# What running dialogue as its own extractor costs an ingest (issue 21,
# item 3): the dialogue extractor (`clickprint-udf dialogue`) is a second
# process per video item, which opens the file again and, when it has a
# subtitle stream, demuxes it through. Two figures, each beside a
# baseline from the same run (the machines are shared and noisy):
#
#   benchmarks/dialogue_cost.sh [--profile debug|release] [--items N] [--per-item-only]
#     writes benchmarks/results/<date>-dialogue-cost-<profile>.csv
#
# - per item: hyperfine (5 runs after a warm-up) of the decoding
#   executable answering the dialogue extractor's one input row, on a 60 s
#   1280x720 H.264 + AAC video without and with an SRT stream of 60 cues,
#   beside our own extraction (`extract`) of the same subtitled file.
# - per ingest: `clickprint ingest` of N (8) subtitled 20 s 640x360
#   videos into a new data directory, with the dialogue extractor on (the
#   default) and off (`[[extractors]] name = "dialogue" enabled = false`),
#   3 runs each, alternating; wall time of the ingest command alone (the
#   tenant is created before the clock starts).
# Media is generated with ffmpeg; hyperfine comes from Debian and is
# installed when missing. `--profile debug` times target/debug as built
# by the tests (no build here); release builds the executables first
# (only the UDF's with `--per-item-only`, which skips the ingest part).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
profile=release
items=8
per_item_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile="$2"; shift 2 ;;
    --items) items="$2"; shift 2 ;;
    --per-item-only) per_item_only=1; shift ;;
    *) echo "usage: $0 [--profile debug|release] [--items N] [--per-item-only]" >&2; exit 2 ;;
  esac
done
scripts/setup.sh >/dev/null
command -v hyperfine >/dev/null || {
  echo "bench: installing hyperfine" >&2
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq hyperfine >/dev/null; else sudo apt-get install -y -qq hyperfine >/dev/null; fi
}
if [ "$profile" = release ] && [ "$per_item_only" = 1 ]; then
  cargo build --release -p clickprint-udf -p clickprint-media --bins --quiet
elif [ "$profile" = release ]; then
  cargo build --release -p clickprint -p clickprint-udf -p clickprint-media --bins --quiet
fi
bin="$root/target/$profile"
work="$(mktemp -d)"
# The private Postgres of `clickprint` run as root is user postgres: it
# must reach the data directories inside.
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

# 60 cues, one a second, and the same for the short videos (20 of them).
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
def srt(n):
    t = lambda ms: "%02d:%02d:%02d,%03d" % (ms // 3600000, ms // 60000 % 60, ms // 1000 % 60, ms % 1000)
    return "".join("%d\n%s --> %s\nLine %d says word%d to the lighthouse keeper.\n\n" % (i, t(i * 1000), t(i * 1000 + 800), i, i) for i in range(1, n))
open(work + "/long.srt", "w").write(srt(61))
open(work + "/short.srt", "w").write(srt(20))
PY
melody="aevalsrc=exp(-8*mod(t\,0.25))*(0.5*sin(2*PI*t*(200+1500*abs(sin(floor(t*4)*12.9898))))):s=44100"
ffmpeg -v error -y -f lavfi -i "mandelbrot=s=1280x720:r=25:start_scale=1.5" -f lavfi -i "$melody" \
  -t 60 -c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p -c:a aac -b:a 128k "$work/plain.mkv"
ffmpeg -v error -y -i "$work/plain.mkv" -i "$work/long.srt" -map 0 -map 1 -c copy -c:s srt "$work/subtitled.mkv"
mkdir -p "$work/library"
sources=(testsrc2 smptebars rgbtestsrc yuvtestsrc testsrc smptehdbars mandelbrot life)
made=$items
[ "$per_item_only" = 1 ] && made=0
for i in $(seq 1 "$made"); do
  source="${sources[$(( (i - 1) % ${#sources[@]} ))]}"
  ffmpeg -v error -y -f lavfi -i "$source=s=640x360:r=25" -f lavfi -i "sine=frequency=$((200 + 37 * i)):sample_rate=44100" \
    -i "$work/short.srt" -map 0 -map 1 -map 2 -t 20 -c:v libx264 -preset veryfast -pix_fmt yuv420p \
    -c:a aac -c:s mov_text "$work/library/video-$i.mp4"
done

# The executables' input rows, in RowBinary.
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
def s(v):
    b = v.encode()
    return bytes([len(b)]) + b
for name in ("plain", "subtitled"):
    path = "%s/%s.mkv" % (work, name)
    open("%s/dialogue-%s.bin" % (work, name), "wb").write(s(path) + s("video") + s("item"))
open(work + "/extract-subtitled.bin", "wb").write(s(work + "/subtitled.mkv"))
PY

date="$(date -u +%Y-%m-%d)"
out="benchmarks/results/$date-dialogue-cost-$profile"
udf="$bin/clickprint-udf-media"
hyperfine --warmup 1 --runs 5 --export-json "$work/per-item.json" \
  -n "dialogue, no subtitle stream" "$udf dialogue < $work/dialogue-plain.bin" \
  -n "dialogue, 60 cues" "$udf dialogue < $work/dialogue-subtitled.bin" \
  -n "extract (ours), same file" "$udf extract < $work/extract-subtitled.bin" >&2

printf '[[extractors]]\nname = "dialogue"\nenabled = false\n' > "$work/off.toml"
: > "$work/on.toml"
: > "$work/ingest.csv"
runs=3
[ "$per_item_only" = 1 ] && runs=0
for run in $(seq 1 "$runs"); do
  for mode in on off; do
    data="$work/data-$mode-$run"
    env CLICKPRINT_CONFIG="$work/$mode.toml" "$bin/clickprint" --data-dir "$data" tenant create acme >/dev/null
    start=$(date +%s.%N)
    env CLICKPRINT_CONFIG="$work/$mode.toml" "$bin/clickprint" --data-dir "$data" ingest --tenant acme "$work/library" >"$work/ingest.log"
    end=$(date +%s.%N)
    grep -q ", 0 failed" "$work/ingest.log" || { cat "$work/ingest.log" >&2; exit 1; }
    echo "$mode,$run,$(python3 -c "print(round($end - $start, 3))")" >>"$work/ingest.csv"
    rm -rf "$data"
  done
done

python3 - "$work" "$out.csv" "$profile" "$items" <<'PY'
import csv, json, statistics, sys
work, out, profile, items = sys.argv[1:]
rows = []
for r in json.load(open(work + "/per-item.json"))["results"]:
    rows.append(("per item", r["command"], round(statistics.median(r["times"]) * 1000, 1), "ms, median of 5"))
ingest = {"on": [], "off": []}
for mode, run, seconds in csv.reader(open(work + "/ingest.csv")):
    ingest[mode].append(float(seconds))
    rows.append(("ingest run", "%s videos, dialogue %s, run %s" % (items, mode, run), float(seconds), "s"))
if ingest["on"] and ingest["off"]:
    on, off = statistics.median(ingest["on"]), statistics.median(ingest["off"])
    rows.append(("ingest", "%s videos, dialogue on" % items, round(on, 2), "s, median of 3"))
    rows.append(("ingest", "%s videos, dialogue off" % items, round(off, 2), "s, median of 3"))
    rows.append(("ingest", "dialogue's share per video", round((on - off) / int(items) * 1000), "ms"))
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["scope", "what", "value", "unit"])
    for r in rows:
        w.writerow(r)
w = csv.writer(sys.stdout)
w.writerow(["profile", profile])
for r in rows:
    w.writerow(r)
PY
