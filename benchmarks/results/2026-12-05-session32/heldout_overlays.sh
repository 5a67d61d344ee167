#!/bin/sh
# The held-out originals (the last 36 lines of HELD/b-refs.txt, from
# ../2026-12-05-session29/heldout.py) given the evaluation's text_overlay,
# logo_overlay and meme_caption (benchmarks/eval/src/corpus.rs: the same
# filters and font), written to OUT with OUT/q.tsv listing them as
# layout_pairs reads queries (path, transformation, reference's line - 1).
# Usage: heldout_overlays.sh HELD OUT   (absolute paths; from the
# repository root, which holds .deps/eval-data).
set -eu
held=$1 out=$2
font=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
logo=$PWD/.deps/eval-data/skimage/data/logo.png
mkdir -p "$out"
: > "$out/q.tsv"
i=$(($(wc -l < "$held/b-refs.txt") - 36))
for ref in $(tail -36 "$held/b-refs.txt"); do
    n=$(basename "$ref" .png)
    ffmpeg -nostdin -v error -y -i "$ref" -vf "drawtext=fontfile=$font:text='COPYRIGHT 2026':fontsize=h/9:fontcolor=white:x=w/20:y=h-h/5:box=1:boxcolor=black@0.6" "$out/$n.text_overlay.png"
    ffmpeg -nostdin -v error -y -i "$ref" -i "$logo" -filter_complex "[1][0]scale2ref=w=iw*0.25:h=ow/mdar[l][b];[b][l]overlay=W-w-W/40:H/40" "$out/$n.logo_overlay.png"
    ffmpeg -nostdin -v error -y -i "$ref" -vf "drawtext=fontfile=$font:text='ME EVERY MONDAY':fontsize=h/7:fontcolor=white:borderw=4:bordercolor=black:x=(w-text_w)/2:y=h/30,drawtext=fontfile=$font:text='SO TRUE':fontsize=h/7:fontcolor=white:borderw=4:bordercolor=black:x=(w-text_w)/2:y=h-text_h-h/30" "$out/$n.meme_caption.png"
    for t in text_overlay logo_overlay meme_caption; do
        printf '%s\t%s\t%s\n' "$out/$n.$t.png" "held_$t" "$i" >> "$out/q.tsv"
    done
    i=$((i + 1))
done
