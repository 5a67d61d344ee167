#!/usr/bin/env bash
# Text-search latency (issue 21): one tenant's made-up dialogue grown to
# 100k and then 1M cues, two other tenants with as many beside it, and five
# kinds of query (a rare word, a common word, a quoted 3-word phrase, two
# words all, two words any), 21 different queries each after a warm-up;
# the product's statement (sql/clickhouse/text_search.sql) and a plain
# `text ILIKE` scan timed query by query in the same run.
#
#   benchmarks/text_search.sh [SIZES] [RUNS]   # writes benchmarks/results/<date>-text-search.csv
set -euo pipefail
# shellcheck source=tools/example.sh
source "$(dirname "${BASH_SOURCE[0]}")/tools/example.sh" text_search_latency text-search
target/release/text_search_latency "$work/data" "${1:-100000,1000000}" "${2:-21}" | tee "$out"
echo "results: $out"
