//! Results held within a budget (issue 18, item 1): an analyst's statement
//! is collected batch by batch and stopped at the first batch past its
//! rows or bytes, and its JSON answer is written slice by slice and
//! stopped past its bytes, so no statement makes the service hold more
//! than its limits, whatever the engine enforces itself. (chDB 26.9 does
//! not apply `max_result_rows` to every statement: `SELECT
//! arrayJoin(range(3000000))` returns all its rows under a limit of
//! 100,000.)

use arrow::record_batch::RecordBatch;

use super::output::QueryOutput;
use crate::error::{Error, Result};

/// Rows and bytes a result may hold, and the settings that say so (named
/// in the refusal).
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Rows at most.
    pub max_rows: u64,
    /// Bytes at most: of the Arrow batches held, and of the JSON answer.
    pub max_bytes: u64,
    /// The setting of `max_rows`.
    pub rows_setting: &'static str,
    /// The setting of `max_bytes`.
    pub bytes_setting: &'static str,
}

impl Budget {
    fn too_many_rows(&self) -> Error {
        Error::LimitExceeded(format!(
            "the result has more than {} rows, the limit for analysts' statements \
             (setting `{}`): aggregate, filter or add a LIMIT",
            self.max_rows, self.rows_setting
        ))
    }

    /// The refusal of a result larger than the budget's bytes `what`
    /// (e.g. "as JSON").
    pub fn too_many_bytes(&self, what: &str) -> Error {
        Error::LimitExceeded(format!(
            "the result is larger than {} bytes {what}, the limit for analysts' \
             statements (setting `{}`): select fewer columns or rows",
            self.max_bytes, self.bytes_setting
        ))
    }

    /// Refuses a result of `bytes` (an answer being read) past the budget.
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] naming the limit.
    pub fn check_bytes(&self, bytes: u64) -> Result<()> {
        if bytes > self.max_bytes {
            return Err(self.too_many_bytes("as Arrow"));
        }
        Ok(())
    }

    /// Collects `batches` until they pass the budget; the caller drops the
    /// rest unread (for a statement stream, that ends the statement).
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] naming the limit passed; a batch's own error.
    pub fn collect(
        &self,
        batches: impl Iterator<Item = Result<RecordBatch>>,
    ) -> Result<Vec<RecordBatch>> {
        let (mut rows, mut bytes) = (0u64, 0u64);
        let mut kept = Vec::new();
        for batch in batches {
            let batch = batch?;
            rows += batch.num_rows() as u64;
            bytes += batch.get_array_memory_size() as u64;
            if rows > self.max_rows {
                return Err(self.too_many_rows());
            }
            if bytes > self.max_bytes {
                return Err(self.too_many_bytes("in memory"));
            }
            kept.push(batch);
        }
        Ok(kept)
    }
}

/// Rows written to JSON at a time, so the answer's size is checked as it
/// grows, whatever the size of the engine's batches.
const JSON_SLICE_ROWS: usize = 1024;

/// The answer `{"rows": [...]}` of `output` (one object per row), written
/// straight to bytes; with a budget, stopped once it passes its bytes.
///
/// # Errors
/// [`Error::LimitExceeded`] past the budget; [`Error::ClickHouse`] when a
/// column type cannot be written as JSON.
pub fn json_rows(output: &QueryOutput, budget: Option<&Budget>) -> Result<Vec<u8>> {
    let failed = |e: arrow::error::ArrowError| Error::ClickHouse(e.to_string());
    let prefix = b"{\"rows\":";
    let mut writer = arrow::json::ArrayWriter::new(prefix.to_vec());
    for batch in &output.batches {
        let mut offset = 0;
        while offset < batch.num_rows() {
            let length = JSON_SLICE_ROWS.min(batch.num_rows() - offset);
            writer.write(&batch.slice(offset, length)).map_err(failed)?;
            offset += length;
            if let Some(budget) = budget
                && writer.get_ref().len() as u64 > budget.max_bytes
            {
                return Err(budget.too_many_bytes("as JSON"));
            }
        }
    }
    writer.finish().map_err(failed)?;
    let mut bytes = writer.into_inner();
    if bytes.len() == prefix.len() {
        bytes.extend_from_slice(b"[]");
    }
    bytes.push(b'}');
    Ok(bytes)
}

/// Which of an analyst's limits the engine's error `words` says was hit,
/// by ClickHouse's error code name: `rows` (result rows or bytes), `read`
/// (rows or bytes read), `memory` or `time`.
pub fn engine_limit(words: &str) -> Option<&'static str> {
    const CODES: [(&str, &str); 6] = [
        ("(TOO_MANY_ROWS_OR_BYTES)", "rows"),
        ("(TOO_MANY_ROWS)", "read"),
        ("(TOO_MANY_BYTES)", "read"),
        ("(MEMORY_LIMIT_EXCEEDED)", "memory"),
        ("(TIMEOUT_EXCEEDED)", "time"),
        ("(TOO_SLOW)", "time"),
    ];
    CODES
        .iter()
        .find(|(code, _)| words.contains(code))
        .map(|(_, limit)| *limit)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::UInt32Array;
    use arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    fn numbers(n: u32) -> QueryOutput {
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::UInt32, false)]));
        let batch = RecordBatch::try_new(
            Arc::clone(&schema),
            vec![Arc::new(UInt32Array::from_iter_values(0..n))],
        )
        .unwrap();
        QueryOutput {
            schema,
            batches: vec![batch],
        }
    }

    const BUDGET: Budget = Budget {
        max_rows: 100,
        max_bytes: 10_000,
        rows_setting: "rows_setting",
        bytes_setting: "bytes_setting",
    };

    #[test]
    fn one_batch_past_the_rows_is_refused_naming_the_setting() {
        let batches = numbers(101).batches.into_iter().map(Ok);
        let e = BUDGET.collect(batches).unwrap_err().to_string();
        assert!(e.contains("100 rows") && e.contains("rows_setting"), "{e}");
        let batches = numbers(100).batches.into_iter().map(Ok);
        assert_eq!(BUDGET.collect(batches).unwrap().len(), 1);
    }

    #[test]
    fn json_is_written_whole_within_the_budget_and_stopped_past_it() {
        let json = json_rows(&numbers(3), Some(&BUDGET)).unwrap();
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&json).unwrap(),
            serde_json::json!({"rows": [{"n": 0}, {"n": 1}, {"n": 2}]})
        );
        let empty = json_rows(&QueryOutput::empty(), None).unwrap();
        assert_eq!(empty, b"{\"rows\":[]}");
        let e = json_rows(&numbers(5000), Some(&BUDGET)).unwrap_err();
        assert!(e.to_string().contains("bytes_setting"), "{e}");
    }

    #[test]
    fn engine_limits_are_known_by_their_code() {
        let words = "Code: 241. DB::Exception: Query memory limit exceeded: would use \
                     95.45 MiB. (MEMORY_LIMIT_EXCEEDED)";
        assert_eq!(engine_limit(words), Some("memory"));
        assert_eq!(engine_limit("Code: 60. (UNKNOWN_TABLE)"), None);
    }
}
