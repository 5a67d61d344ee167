#!/usr/bin/env bash
# Search latency over HTTP, release build, one request at a time, beside
# its floor from the same run (issue 23): `clickprint serve` on the
# embedded stores with a library of 40 distinct 1280x720 pictures, a
# 60-second sound and a 60-second 720p video; then each query kind
# searched by upload ROUNDS times (default 10) per file, and the same
# files fingerprinted in process as a query is (`clickprint-udf inspect
# --time --query`):
#   - picture: 8 re-encoded JPEG copies (quality 80) of library pictures;
#   - sound: two 10-second excerpts of the sound, as MP3;
#   - video: two 10-second excerpts of the video, 720p H.264.
# The ratio p50 / floor p50 is the figure to compare between builds.
# Then eight clients search for one of the picture copies by URL for 60 s
# at once (benchmarks/tools/api_load.py): searches, errors, p50, p95.
#
#   benchmarks/search_http.sh [ROUNDS]   # writes benchmarks/results/<date>-search-http.csv
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rounds="${1:-10}"
scripts/setup.sh
cargo build --release -p clickprint-udf -p clickprint-media -p clickprint --quiet
bin="$root/target/release/clickprint"
udf="$root/target/release/clickprint-udf"
work="$(mktemp -d)"
chmod 755 "$work"
# shellcheck source=tools/serve.sh
source benchmarks/tools/serve.sh

ff() { ffmpeg -v error -nostdin -y "$@"; }
mkdir -p "$work/files" "$work/queries"
ff -f lavfi -i "life=s=320x180:seed=11:ratio=0.3:rate=25,scale=1280:720,boxblur=2" -frames:v 40 -q:v 3 "$work/files/p%04d.jpg"
ff -f lavfi -i "sine=f=220:d=60" -f lavfi -i "anoisesrc=d=60:c=pink:a=0.3" \
    -filter_complex "[0][1]amix=2,volume=2" -c:a libmp3lame -b:a 128k "$work/files/sound.mp3"
ff -f lavfi -i "mandelbrot=s=1280x720:r=25" -f lavfi -i "anoisesrc=d=60:c=pink:a=0.3" -t 60 \
    -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -shortest "$work/files/video.mp4"
for i in 3 7 12 18 22 27 31 38; do
    ff -i "$work/files/p$(printf %04d "$i").jpg" -q:v 5 "$work/queries/p$i.jpg"
done
mkdir -p "$work/files/queries" && cp "$work/queries/p3.jpg" "$work/files/queries/"
for s in 5 30; do
    ff -ss "$s" -t 10 -i "$work/files/sound.mp3" -c:a libmp3lame -b:a 96k "$work/queries/sound$s.mp3"
    ff -ss "$s" -t 10 -i "$work/files/video.mp4" -c:v libx264 -preset veryfast -crf 26 -c:a aac "$work/queries/video$s.mp4"
done
serve_files

start_service
key="$(tenant_key bench)"
{ echo "url,external_id"
  for f in "$work"/files/*.*; do n="$(basename "$f")"; echo "$files_url/$n,$n"; done
} | curl -sf -XPOST "$url/v1/jobs" -H "Authorization: Bearer $key" -H 'content-type: text/csv' --data-binary @- > /dev/null
wait_settled "$key"

out="benchmarks/results/$(date -u +%Y-%m-%d)-search-http.csv"
echo "query,searches,errors,p50_ms,p95_ms,floor_p50_ms,ratio,stages_ms" | tee "$out"
q="$work/queries"
python3 benchmarks/tools/search_http.py "$url" "$key" "$udf" "$rounds" picture "$q"/p*.jpg | tee -a "$out"
python3 benchmarks/tools/search_http.py "$url" "$key" "$udf" "$rounds" sound "$q"/sound*.mp3 | tee -a "$out"
python3 benchmarks/tools/search_http.py "$url" "$key" "$udf" "$rounds" video "$q"/video*.mp4 | tee -a "$out"
echo "clients,searches,errors,p50_ms,p95_ms" | tee -a "$out"
python3 benchmarks/tools/api_load.py "$url" "$key" "$files_url/queries/p3.jpg" 60 8 8 | tee -a "$out"
echo "results: $out"
