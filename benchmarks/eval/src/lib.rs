//! What the evaluation's binaries and tests share: [`fixtures`], the
//! made-up libraries and search forms benchmarks measure against;
//! [`dialogue`], the dialogue set's cues, queries and figures; and
//! [`text_latency`], the text search timed on made-up cues. The
//! evaluation itself is the `clickprint-eval` binary (`src/main.rs`); the
//! search latency benchmarks are `search_latency` and
//! `text_search_latency` (`src/bin/`).
#![deny(missing_docs)]

pub mod dialogue;
pub mod fixtures;
pub mod text_latency;
