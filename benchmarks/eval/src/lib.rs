//! What the evaluation's binaries and tests share: [`fixtures`], the
//! made-up libraries and search forms benchmarks measure against. The
//! evaluation itself is the `clickprint-eval` binary (`src/main.rs`); the
//! search latency benchmark is `search_latency` (`src/bin/`).
#![deny(missing_docs)]

pub mod fixtures;
