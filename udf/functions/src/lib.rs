//! The thin side of clickprint's executable UDFs: what the `clickprint-udf`
//! binary ClickHouse starts needs, and nothing that decodes media (no
//! ffmpeg: a test checks the dependency graph).
//!
//! - [`rowbinary`]: ClickHouse's `RowBinary` format, read and written.
//! - [`protocol`]: `TabSeparated` lines, how a call ends (errors written
//!   with their code), unknown functions.
//! - [`functions`]: `extract`, `query` and `rerank` over `RowBinary`, with
//!   the work done by any [`clickprint_core::rows::Extractor`] or
//!   [`clickprint_core::rows::Ranker`].
//!
//! Modules import downwards only: `functions` uses `rowbinary`;
//! `protocol` and `rowbinary` use nothing here. The binary answers
//! `version` and `rerank` itself, sends `extract` and `query` to a sidecar
//! (`clickprint-flight`'s client) when one is configured, and otherwise
//! becomes `clickprint-udf-media` (`clickprint-media`), which decodes.
#![deny(missing_docs)]

pub mod functions;
pub mod protocol;
pub mod rowbinary;
