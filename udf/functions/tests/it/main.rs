//! Tests of the thin UDF crate as a whole. Its row protocol is tested in
//! `src/functions.rs`; its executable end to end, with the decoder and the
//! sidecar, in `clickprint-media`'s tests (`udf/media/tests/it`).
//!
//! Where new tests go: `dependencies` for facts about the crate graph.

mod dependencies;
