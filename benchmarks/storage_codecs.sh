#!/usr/bin/env bash
# Codecs for fp_keys and fp_media, measured on real rows: a generated
# library (48 pictures, 10 tracks of 30 s, 8 videos of 20 s with sound) is
# ingested with the SQL ingest statement, copied into tables that differ
# only in codecs, merged, and compared: compressed bytes per row per column
# (ratio to the schema's choice) and the time to read everything back.
#
#   benchmarks/storage_codecs.sh     # writes benchmarks/results/<date>-storage-codecs.csv
set -euo pipefail
# shellcheck source=tools/example.sh
source "$(dirname "${BASH_SOURCE[0]}")/tools/example.sh" examples/storage_codecs storage-codecs
media="$work/media"
mkdir -p "$media"
ff() { ffmpeg -v error -y -nostdin "$@"; }
for i in $(seq 1 16); do
    ff -f lavfi -i "life=s=320x240:seed=$i:ratio=0.3,scale=960:720,boxblur=2" -frames:v 1 "$media/life-$i.jpg"
    ff -f lavfi -i "mandelbrot=s=960x720:start_scale=$((i % 5 + 1)).$i:start_x=-0.$i" -frames:v 1 "$media/mandel-$i.png"
    ff -f lavfi -i "cellauto=s=960x720:rule=$((i * 7 % 256)):seed=$i,boxblur=1" -frames:v 1 "$media/cell-$i.jpg"
done
for i in $(seq 1 10); do
    ff -f lavfi -i "sine=f=$((200 + i * 37)):d=30" -f lavfi -i "anoisesrc=d=30:c=pink:a=0.2:seed=$i" \
        -f lavfi -i "sine=f=$((500 + i * 53)):d=30:beep_factor=$i" \
        -filter_complex "[0][1][2]amix=inputs=3,volume=2" -b:a 128k "$media/track-$i.mp3"
done
for i in $(seq 1 8); do
    ff -f lavfi -i "life=s=320x180:seed=$((100 + i)):ratio=0.2:rate=25,scale=640:360" \
        -f lavfi -i "sine=f=$((300 + i * 41)):beep_factor=4" -t 20 \
        -c:v libx264 -preset veryfast -c:a aac "$media/video-$i.mp4"
done
target/release/examples/storage_codecs "$work/data" "$media" | tee "$out"
echo "results: $out"
