#!/usr/bin/env bash
# Builds and runs clickprint (release build). With no arguments it runs
# `clickprint serve` on the embedded default: chDB in-process and a private
# Postgres, both kept in ./data. Any arguments go to clickprint instead:
#
#   scripts/run.sh                       # serve on http://127.0.0.1:7420
#   scripts/run.sh sql "SELECT version()"
#   scripts/run.sh --help
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
cargo build --release --bins --quiet --manifest-path "$root/Cargo.toml"
[ "$#" -eq 0 ] && set -- serve
exec "$root/target/release/clickprint" "$@"
