#!/usr/bin/env bash
# The UDF wire format: ClickHouse's cost of sending our functions' rows to an
# executable and reading them back (the executable is cat), per format
# (RowBinary, TabSeparated, Native, ArrowStream), same run, p50/p95 of 9
# runs, ratio to RowBinary.
#
#   benchmarks/udf_format.sh     # writes benchmarks/results/<date>-udf-format.csv
set -euo pipefail
# shellcheck source=tools/example.sh
source "$(dirname "${BASH_SOURCE[0]}")/tools/example.sh" examples/udf_format udf-format
target/release/examples/udf_format "$work" | tee "$out"
echo "results: $out"
