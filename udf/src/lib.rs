//! clickprint's fingerprint library and the code behind the executable UDFs
//! that ClickHouse runs.
//!
//! At this stage it holds the row protocol the UDF executables speak; the
//! fingerprints (visual, audio, video), lookup keys and matching land here
//! next, with a pure DSP core and decoding kept at its edge.
#![deny(missing_docs)]

pub mod protocol;

/// The version of this library and of the UDF executables built from it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
