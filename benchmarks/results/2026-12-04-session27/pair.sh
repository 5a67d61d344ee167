#!/usr/bin/env bash
# One before/after pair of `benchmarks/text_search.sh 1000000 11`, release
# build: `sql/` as committed at BASE, then as in NEW_SQL (a copy of the
# changed `sql/`), each file touched so that cargo rebuilds what embeds it
# (a copied file keeps its older time and cargo would not). It replaces
# the working tree's `sql/` (left as NEW_SQL) and restores the day's
# results CSV from git: it refuses to run while either has changes.
#   pair.sh N BASE NEW_SQL    # writes text-search/{before,after}-N.csv
set -euo pipefail
n=$1 base=$2 new=$3
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../../.."
if [ -n "$(git status --porcelain sql "benchmarks/results/$(date -u +%Y-%m-%d)-text-search.csv")" ]; then
  echo "pair.sh: sql/ or today's text-search CSV has uncommitted changes; commit or copy them first" >&2
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
  csv="benchmarks/results/$(date -u +%Y-%m-%d)-text-search.csv"
  cp "$csv" "$here/text-search/$side-$n.csv"
  git checkout "$csv" 2>/dev/null || rm -f "$csv"
  grep "text search," "$here/text-search/$side-$n.csv"
done
