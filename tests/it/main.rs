//! End-to-end tests: clickprint's binaries run as separate processes, as a
//! user runs them, each test in its own data directory.
//!
//! Where new tests go: `api` (the HTTP API as applications use it),
//! `clickhouse_clients` (ClickHouse's HTTP interface as ClickHouse clients
//! use it),
//! `dialogue` (subtitle cues at ingest, text search),
//! `extractors` (plug-in extractors from the configuration),
//! `fingerprint` (the `clickprint fingerprint` tool),
//! `isolation` (a hostile tenant or analyst against the others: result
//! limits, other tenants' files, fair shares, query length),
//! `security` (the HTTP front against hostile pages and clients: sessions,
//! CSRF, headers, timeouts), `serve` (the service's life cycle and HTTP
//! API), `sql` (the `clickprint sql` tool),
//! `cli` (tenant/ingest/search
//! commands), `workers` (`clickprint worker` processes), `setup_errors` (what a machine that
//! is not set up sees), `webhooks` (notifications as a tenant's receiver
//! gets them). Helpers are in `tests/src/lib.rs`.

mod api;
mod cli;
mod clickhouse_clients;
mod console;
mod dialogue;
mod extractors;
mod fingerprint;
mod isolation;
mod security;
mod serve;
mod setup_errors;
mod sidecar;
mod sql;
mod webhooks;
mod workers;
