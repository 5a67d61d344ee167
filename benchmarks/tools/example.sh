# Sourced by the benchmark scripts that run a control-plane example:
# prepares the machine, builds the UDF and the example `$1` in release,
# makes a scratch folder `$work` (removed on exit) and the results path
# `$out` for the name `$2`.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
scripts/setup.sh
# shellcheck disable=SC1091
source .deps/paths.env
export CLICKPRINT_CHDB_LIBRARY CLICKPRINT_LIBPYTHON
cargo build --release -p clickprint-udf -p clickprint-media --quiet
cargo build --release -p clickprint --example "$1" --quiet
work="$(mktemp -d)"
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2034
out="benchmarks/results/$(date -u +%Y-%m-%d)-$2.csv"
