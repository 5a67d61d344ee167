# Sourced by the benchmark scripts that run a control-plane example or an
# evaluation binary: prepares the machine, builds the UDF and the program
# `$1` in release (`examples/NAME`: the control plane's example NAME, run
# as target/release/examples/NAME; `NAME`: the evaluation crate's binary,
# run as target/release/NAME), makes a scratch folder `$work` (removed on
# exit) and the results path `$out` for the name `$2`.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
scripts/setup.sh
# shellcheck disable=SC1091
source .deps/paths.env
export CLICKPRINT_CHDB_LIBRARY CLICKPRINT_LIBPYTHON
cargo build --release -p clickprint-udf -p clickprint-media --quiet
case "$1" in
  examples/*) cargo build --release -p clickprint --example "${1#examples/}" --quiet ;;
  *) cargo build --release -p clickprint-eval --bin "$1" --quiet ;;
esac
work="$(mktemp -d)"
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2034
out="benchmarks/results/$(date -u +%Y-%m-%d)-$2.csv"
