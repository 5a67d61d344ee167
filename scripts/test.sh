#!/usr/bin/env bash
# Runs clickprint's whole test suite against the real engines: chDB loaded
# in-process and private Postgres clusters, each test in its own process and
# data directory (cargo-nextest). Sets the machine up first.
#
#   scripts/test.sh                      # everything
#   scripts/test.sh -E 'test(healthz)'   # extra arguments go to nextest
#   CLICKHOUSE_URL=http://host:8123 scripts/test.sh   # also the server-engine tests
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh

if ! command -v cargo-nextest >/dev/null 2>&1; then
  echo "test: installing cargo-nextest from crates.io" >&2
  cargo install --locked cargo-nextest
fi

# The cross-process tests run these binaries, and the C test links the
# cdylib: build every binary and library first. With every target, so the
# third-party crates get the features the test build unifies (tests'
# dev-dependencies included): a plain `cargo build --workspace` resolves
# other features and builds them all a second time.
cargo build --workspace --all-targets

# Doc examples first, so nextest's summary is the last word.
cargo test --doc --workspace --quiet

profile=default
[ -n "${CI:-}" ] && profile=ci
ignored=default
[ -n "${CLICKHOUSE_URL:-}" ] && ignored=all
exec cargo nextest run --workspace --profile "$profile" --run-ignored "$ignored" "$@"
