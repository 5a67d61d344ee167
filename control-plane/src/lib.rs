//! clickprint's control plane: configuration, the two stores (ClickHouse,
//! embedded or server; Postgres, private cluster or external), the HTTP
//! service and the command-line tools. The `clickprint` binary is glue over
//! this library.
#![deny(missing_docs)]

pub mod access;
pub mod analyst;
pub mod commands;
pub mod config;
pub mod datadir;
pub mod engine;
pub mod error;
pub mod health;
pub mod http;
pub mod jobs;
pub mod library;
pub mod media;
pub mod metrics;
pub mod probe;
pub mod queue;
pub mod result_limits;
pub mod scheduler;
pub mod search;
pub mod service;
pub mod store;
pub mod stores;
pub mod tenants;
pub mod worker;

pub use error::{Error, Result};

/// `bytes` random bytes from the system, in hex: keys, tokens, file names.
///
/// # Errors
/// [`Error::Config`] when the system has no random numbers to give.
pub(crate) fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)
        .map_err(|e| Error::Config(format!("no random numbers from the system: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}
