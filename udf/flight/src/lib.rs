//! clickprint's Arrow Flight side, with no decoder in it: the server that
//! `clickprint-sidecar` runs (the same functions as the UDF executables,
//! served warm by one long-running process) and the client a UDF
//! executable delegates with.
//!
//! - [`dataset`]: the datasets and exchange commands callers name.
//! - [`batches`]: the UDFs' rows ([`clickprint_core::rows`]) as Arrow
//!   record batches, one conversion each way, shared by both sides.
//! - [`server`]: the Flight service. `GetSchema`, `GetFlightInfo` and
//!   `DoGet` serve *datasets* named by a string (what ClickHouse's
//!   `arrowFlight('host:port', 'extract?uri=...')` and `pyarrow.flight`
//!   ask for); `DoExchange` does batch work (record batches in, record
//!   batches out) for the UDF executables and data tools. It is generic
//!   over the [`server::Work`] it serves, which the binary supplies
//!   (`clickprint-media` wires its extraction in), and gives each piece
//!   of work the time its request has left.
//! - [`client`]: what a UDF executable uses instead of doing the work
//!   itself when `CLICKPRINT_SIDECAR` names a sidecar.
//!
//! Modules import downwards only: `server` and `client` use `batches` and
//! `dataset`; those two use nothing here. The only workspace crate it
//! depends on is `clickprint-core`; no ffmpeg (a test in `clickprint-udf`
//! checks the graph).
#![deny(missing_docs)]

pub mod batches;
pub mod client;
pub mod dataset;
pub mod server;
