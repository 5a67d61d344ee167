//! Integration tests of the control-plane library against the real stores:
//! chDB loaded in-process and a private Postgres cluster per test.
//!
//! Where new tests go: `engine_embedded` (the chDB engine), `engine_server`
//! (a clickhouse-server, when `CLICKHOUSE_URL` is set), `store_postgres`
//! (the pool, migrations and the private cluster). Tests that need the
//! `clickprint` binary as a separate process live in the repository's
//! `tests/` crate instead.
//!
//! Each test runs in its own process (cargo-nextest), with its own data
//! directory, because chDB allows one storage path per process.

mod analyst;
mod cluster;
mod common;
mod cookbook;
mod engine_embedded;
mod engine_server;
mod review;
mod search;
mod store_postgres;
mod upkeep;
