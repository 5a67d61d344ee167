//! clickprint's control plane: configuration, the two stores (ClickHouse,
//! embedded or server; Postgres, private cluster or external), the HTTP
//! service and the command-line tools. The `clickprint` binary is glue over
//! this library.
//!
//! # Layers
//!
//! A path tells the layer, and a module uses only modules of the layers
//! below its own (no import circles), from the bottom up:
//!
//! 1. [`error`] and [`ids`]: the error type, and the tenant and media ids
//!    with their one conversion each to ClickHouse's types; beside them,
//!    this root's private hex and randomness helpers.
//! 2. [`config`]: validated settings, including how to reach each store.
//! 3. [`datadir`] (who owns the data directory), [`metrics`] and [`probe`]
//!    (what a media file is, asked of `clickprint-udf`).
//! 4. The stores, side by side and unaware of each other: [`store`], every
//!    Postgres statement (tenants, media, jobs, the task queue, the private
//!    cluster); [`clickhouse`], the engines (embedded, server, through a
//!    running service) and every ClickHouse statement (the library's
//!    schema, ingest, search and delete; analysts' scoped SQL and users).
//! 5. [`app`]: what the product does with both stores: search, bulk jobs,
//!    ingest workers, the command-line operations, health, and the wiring
//!    that opens the stores for a tool ([`app::stores`]).
//! 6. [`http`]: the HTTP API and console over [`app`].
//! 7. [`service`]: `clickprint serve`, which runs [`http`] and the workers
//!    over one data directory, and `clickprint sql`.
#![deny(missing_docs)]

pub mod app;
pub mod clickhouse;
pub mod config;
pub mod datadir;
pub mod error;
pub mod http;
pub mod ids;
pub mod metrics;
pub mod probe;
pub mod service;
pub mod store;

pub use error::{Error, Result};
pub use ids::{MediaId, TenantId};

/// `bytes` random bytes from the system, in hex: keys, tokens, file names.
///
/// # Errors
/// [`Error::Config`] when the system has no random numbers to give.
pub(crate) fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)
        .map_err(|e| Error::Config(format!("no random numbers from the system: {e}")))?;
    Ok(hex(&buf))
}

/// `bytes` in lower-case hex, two digits a byte.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
