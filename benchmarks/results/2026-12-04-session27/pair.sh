#!/usr/bin/env bash
# One before/after pair of `benchmarks/text_search.sh 1000000 11`, release
# build: `sql/` as committed at BASE, then as in NEW_SQL (a copy of the
# changed `sql/`; the working tree's `sql/` is replaced, so keep the copy), each file touched so that cargo rebuilds what embeds it
# (a copied file keeps its older time and cargo would not).
#   pair.sh N BASE NEW_SQL    # writes text-search/{before,after}-N.csv
set -euo pipefail
n=$1 base=$2 new=$3
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../../.."
for side in before after; do
  rm -rf sql
  # BASE's files without touching git's index
  if [ "$side" = before ]; then git archive "$base" sql | tar -x; else cp -a "$new" sql; fi
  find sql -type f -exec touch {} +
  cargo build --release -p clickprint-eval 2>&1 | tail -1
  echo "$side: $(uptime)"
  benchmarks/text_search.sh 1000000 11 >/dev/null
  cp benchmarks/results/2026-12-04-text-search.csv "$here/text-search/$side-$n.csv"
  git checkout benchmarks/results/2026-12-04-text-search.csv
  grep "text search," "$here/text-search/$side-$n.csv"
done
