#!/usr/bin/env bash
# One before/after pair of `benchmarks/text_search.sh 1000000 11`, release
# build: `sql/` as committed at BASE, then as in NEW_SQL (a copy of the
# changed `sql/`), each file touched so that cargo rebuilds what embeds it
# (a copied file keeps its older time and cargo would not); each side's
# CSV copied to OUT/before-N.csv and OUT/after-N.csv. It replaces the
# working tree's `sql/` (left as NEW_SQL) and restores the day's results
# CSV from git: it refuses to run while either has changes.
#   benchmarks/tools/text_search_pair.sh N BASE NEW_SQL OUT
set -euo pipefail
n=$1 base=$2 new=$3 out=$4
new="$(cd "$new" && pwd)"
case "$new/" in
  "$(cd "$(dirname "$0")/../.." && pwd)/sql/"*)
    echo "text_search_pair.sh: NEW_SQL must lie outside sql/, which each side replaces" >&2
    exit 1 ;;
esac
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$(dirname "$0")/../.."
csv="benchmarks/results/$(date -u +%Y-%m-%d)-text-search.csv"
if [ -n "$(git status --porcelain sql "$csv")" ]; then
  echo "text_search_pair.sh: sql/ or $csv has uncommitted changes; commit or copy them first" >&2
  exit 1
fi
for side in before after; do
  rm -rf sql
  # BASE's files without touching git's index
  if [ "$side" = before ]; then git archive "$base" sql | tar -x; else cp -a "$new" sql; fi
  find sql -type f -exec touch {} +
  cargo build --release -p clickprint-eval 2>&1 | tail -1
  echo "$side: $(uptime)"
  benchmarks/text_search.sh 1000000 11 >/dev/null
  cp "$csv" "$out/$side-$n.csv"
  git checkout "$csv" 2>/dev/null || rm -f "$csv"
  grep "text search," "$out/$side-$n.csv"
done
