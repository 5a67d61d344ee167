//! Integration tests of the evaluation's fixtures against the embedded
//! engine, with the real UDF executables (`cargo build --workspace` first).
//!
//! Where new tests go: `search` (the search statement over made-up
//! libraries), `text_latency` (the made-up dialogue the text search is
//! timed on). Each test runs in its own process (cargo-nextest), with its
//! own data directory, because chDB allows one storage path per process.

mod search;
mod text_latency;
