#!/usr/bin/env bash
# The UDF wire format: ClickHouse's cost of sending our functions' rows to an
# executable and reading them back (the executable is cat), per format
# (RowBinary, TabSeparated, Native, ArrowStream), same run, p50/p95 of 9
# runs, ratio to RowBinary.
#
#   benchmarks/udf_format.sh     # writes benchmarks/results/<date>-udf-format.csv
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh
# shellcheck disable=SC1091
source .deps/paths.env
export CLICKPRINT_CHDB_LIBRARY CLICKPRINT_LIBPYTHON
cargo build --release -p clickprint-udf --quiet
cargo build --release -p clickprint --example udf_format --quiet
work="$(mktemp -d)"
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
out="benchmarks/results/$(date -u +%Y-%m-%d)-udf-format.csv"
target/release/examples/udf_format "$work" | tee "$out"
echo "results: $out"
