//! clickprint's fingerprint library and the code behind the executable UDFs
//! that ClickHouse runs.
//!
//! - [`fingerprint`]: the pure DSP core. Takes grey pixels and mono samples,
//!   returns hashes and landmarks; knows nothing of files, ffmpeg or
//!   ClickHouse.
//! - [`decode`]: the only module that touches ffmpeg.
//! - [`media`]: a whole file, decoded and fingerprinted.
//! - [`keys`]: the lookup keys rows are found by.
//! - [`matching`]: distances and temporal alignment.
//! - [`records`]: fingerprints as self-contained binary records (stored
//!   rows, packed query fingerprints).
//! - [`protocol`]: the row protocol the UDF executables speak.
//! - [`report`]: text and JSON views of a fingerprint for people.
//! - [`functions`]: the functions ClickHouse calls, over [`rowbinary`].
//! - [`flight`]: the same functions served warm over Arrow Flight (the
//!   sidecar), and the client the UDF executables delegate with.
#![deny(missing_docs)]

pub mod decode;
pub mod error;
pub mod fingerprint;
pub mod flight;
pub mod functions;
pub mod keys;
pub mod matching;
pub mod media;
pub mod preview;
pub mod protocol;
pub mod records;
pub mod report;
pub mod rowbinary;

pub use error::{Error, Result};

/// Bytes as lower-case hex (hashes, descriptors, packed fingerprints).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The version of this library and of the UDF executables built from it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
