//! clickprint's media side, the only crate that links ffmpeg (through
//! ffmpeg-next): files and URLs in, decoded pictures and sound handed to
//! `clickprint-core`'s fingerprints, previews and probes out.
//!
//! Modules, lowest first; each imports only modules above it in this list:
//!
//! - [`decode`]: the only module that touches ffmpeg: decoding under
//!   [`decode::Limits`], and the probe of a file's start.
//! - [`file`](mod@file): a whole file, decoded and fingerprinted.
//! - [`source`]: media references made local (paths, `file://`, downloads
//!   under the fetch policy) and their records.
//! - [`extractor`]: [`extractor::InProcess`], the
//!   [`clickprint_core::rows::Extractor`] that does the work here.
//! - [`preview`]: thumbnail, strip of frames and waveform.
//! - [`report`]: a fingerprint as text or JSON, for people.
//!
//! Binaries (feature `bins`, on by default; the C library turns it off so
//! it links no Flight server): `clickprint-udf-media`, which
//! `clickprint-udf` becomes to decode, and `clickprint-sidecar`, which
//! serves this crate's extraction through `clickprint-flight`'s server.
#![deny(missing_docs)]

pub mod decode;
pub mod extractor;
pub mod file;
pub mod preview;
pub mod report;
pub mod source;
