#!/usr/bin/env bash
# Whole-file fingerprinting speed, each figure beside a baseline measured in
# the same run (ratios, not lone times: these machines are shared and noisy).
#
#   benchmarks/fingerprint_speed.sh            # writes benchmarks/results/<date>-fingerprint-speed.{json,csv}
#
# - video: `clickprint-udf inspect` on a generated 60 s 1280x720 H.264+AAC
#   file vs `ffmpeg -threads 1 -i X -f null -` (decode only, single thread,
#   as clickprint decodes). Target: at most 1.3x the decode-only time.
# - audio: `clickprint-udf inspect` on a 120 s track vs Chromaprint's
#   `fpcalc -length 120` on the same file. Target: over 300x real time, and
#   faster than fpcalc.
# fpcalc 1.5.1 (Debian bookworm) exits 3, "Error decoding audio frame (End
# of file)", after printing a good fingerprint; exit 3 is accepted for it.
# Media is generated with ffmpeg (fixed sources, so identical everywhere);
# hyperfine and fpcalc come from Debian and are installed when missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v fpcalc >/dev/null || need+=(libchromaprint-tools)
if [ "${#need[@]}" -gt 0 ]; then
  echo "bench: installing ${need[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq "${need[@]}" >/dev/null; else sudo apt-get install -y -qq "${need[@]}" >/dev/null; fi
fi

cargo build --release -p clickprint-udf -p clickprint-media --quiet
# The decoding executable (clickprint-udf, the thin one ClickHouse starts,
# becomes it for `inspect`).
udf="$root/target/release/clickprint-udf-media"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

melody="aevalsrc=exp(-8*mod(t\,0.25))*(0.5*sin(2*PI*t*(200+1500*abs(sin(floor(t*4)*12.9898))))+0.3*sin(2*PI*t*(300+2000*abs(sin(floor(t*4)*22.38))))):s=44100:d=120"
ffmpeg -v error -y -f lavfi -i "mandelbrot=s=1280x720:r=25:start_scale=1.5" -f lavfi -i "$melody" \
  -t 60 -c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p -c:a aac -b:a 128k "$work/video.mp4"
ffmpeg -v error -y -f lavfi -i "$melody" -c:a libmp3lame -b:a 128k "$work/audio.mp3"

date="$(date -u +%Y-%m-%d)"
out="benchmarks/results/$date-fingerprint-speed"
hyperfine --warmup 1 --runs 5 --export-json "$out-video.json" \
  -n "ffmpeg decode only (1 thread)" "ffmpeg -v error -threads 1 -i $work/video.mp4 -f null -" \
  -n "clickprint-udf inspect video" "$udf inspect $work/video.mp4"
hyperfine --warmup 1 --runs 5 --export-json "$out-audio.json" \
  -n "fpcalc -length 120" "sh -c 'fpcalc -length 120 \"\$1\" >/dev/null; s=\$?; [ \$s -eq 0 ] || [ \$s -eq 3 ]' _ $work/audio.mp3" \
  -n "clickprint-udf inspect audio" "$udf inspect $work/audio.mp3"

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
video = {r["command"]: r for r in json.load(open(out + "-video.json"))["results"]}
audio = {r["command"]: r for r in json.load(open(out + "-audio.json"))["results"]}
ours_v = video["clickprint-udf inspect video"]["mean"]
base_v = video["ffmpeg decode only (1 thread)"]["mean"]
ours_a = audio["clickprint-udf inspect audio"]["mean"]
fpcalc = audio["fpcalc -length 120"]["mean"]
rows = [
    ("video 60 s 720p: clickprint / ffmpeg decode-only", ours_v / base_v, "<= 1.3"),
    ("audio 120 s: real-time multiple of clickprint", 120.0 / ours_a, "> 300"),
    ("audio 120 s: real-time multiple of fpcalc", 120.0 / fpcalc, "baseline"),
    ("audio 120 s: fpcalc time / clickprint time", fpcalc / ours_a, "> 1"),
]
with open(out + ".csv", "w") as f:
    f.write("figure,value,target\n")
    for name, value, target in rows:
        f.write(f"{name},{value:.3f},{target}\n")
        print(f"{name:55s} {value:8.2f}   (target {target})")
PY
echo "results: $out.csv (raw timings: $out-video.json, $out-audio.json)"
