//! clickprint's fingerprint core: pure computation over decoded samples,
//! pixels and bytes. It decodes nothing, reads no file, opens no socket;
//! `clickprint-media` decodes and calls it, `clickprint-udf` and
//! `clickprint-flight` carry its rows, `clickprint-capi` exposes it to C.
//!
//! Modules, lowest first; each imports only modules above it in this list:
//!
//! - [`error`], [`error_code`]: the one error type, and the stable code an
//!   error crosses a process with ([`error_code::write`] /
//!   [`error_code::parse`]).
//! - [`bits`]: Hamming distance, hex.
//! - [`fingerprint`]: visual (global hash), local (keypoints), audio
//!   (landmarks), pcm (a caller's decoded sound, resampled for audio),
//!   video (frame sampling).
//! - [`cues`]: dialogue, the cues of subtitle streams as plain text.
//! - [`media`]: what a decoded file is and everything extracted from it.
//! - [`keys`]: the lookup keys rows are found by.
//! - [`records`]: fingerprints as self-contained binary records.
//! - [`matching`]: alignment, the geometric check of keypoints, the rerank.
//! - [`rows`]: the rows the UDFs exchange, the [`rows::Extractor`] and
//!   [`rows::Ranker`] traits, and the pure [`rows::Reranker`].
//! - [`answers`]: the probe and preview answers (serde with the `serde`
//!   feature).
//!
//! Rules it keeps: no workspace crate and no I/O crate among its
//! dependencies (a test in `clickprint-udf` checks the graph); no module
//! imports one below it in the list above.
#![deny(missing_docs)]

pub mod answers;
pub mod bits;
pub mod cues;
pub mod error;
pub mod error_code;
pub mod fingerprint;
pub mod keys;
pub mod matching;
pub mod media;
pub mod records;
pub mod rows;

pub use error::{Error, Result};
pub use error_code::ErrorCode;

/// The version of this library and of the executables built with it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
