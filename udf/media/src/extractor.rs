//! Extraction done in this process, with the decoder: the
//! [`Extractor`] the `clickprint-udf-media` executable and the sidecar use.

use clickprint_core::Result;
use clickprint_core::records::Use;
use clickprint_core::rows::{EXTRACT_BATCH, Extracted, Extractor, QueryAnswer, extracted};

use crate::decode::Limits;
use crate::source::{fingerprint_of, query_of};

/// Extraction done here, in this process (decoding with ffmpeg).
#[derive(Debug)]
pub struct InProcess {
    limits: Limits,
}

impl InProcess {
    /// Work under `limits`.
    pub fn new(limits: Limits) -> InProcess {
        InProcess { limits }
    }
}

impl Extractor for InProcess {
    fn extract(
        &mut self,
        source: &str,
        usage: Use,
        rows: &mut dyn FnMut(Vec<Extracted>) -> Result<()>,
    ) -> Result<()> {
        let fp = fingerprint_of(source, usage, &self.limits)?;
        for chunk in extracted(&fp, usage).chunks(EXTRACT_BATCH) {
            rows(chunk.to_vec())?;
        }
        Ok(())
    }

    fn query(&mut self, sources: Vec<String>) -> Result<Vec<QueryAnswer>> {
        sources
            .iter()
            .map(|s| query_answer(s, &self.limits))
            .collect()
    }
}

/// The query side of a search for one source: a media reference (whose
/// bytes' SHA-256 the answer gives), or `fp:` and a packed fingerprint in
/// hex, optionally followed by `:` and its content's SHA-256.
///
/// # Errors
/// As [`fingerprint_of`]; malformed hex or fingerprint.
pub fn query_answer(source: &str, limits: &Limits) -> Result<QueryAnswer> {
    match source.strip_prefix("fp:") {
        Some(packed) => QueryAnswer::of_packed(packed),
        None => {
            let (fp, sha256) = query_of(source, limits)?;
            Ok(QueryAnswer {
                sha256,
                ..QueryAnswer::of(&fp)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_that_is_not_read_fails_the_query_with_the_callers_fault() {
        let mut here = InProcess::new(Limits::default());
        let e = here.query(vec!["ftp://x/y".into()]).unwrap_err();
        assert!(e.is_input_fault(), "{e}");
        let e = here.query(vec!["fp:zz".into()]).unwrap_err();
        assert_eq!(e.to_string(), "packed fingerprint: not hex at 0");
    }
}
