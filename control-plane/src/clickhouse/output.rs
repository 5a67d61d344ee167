//! The whole result of one statement as Arrow, whichever engine ran it,
//! and how it travels between `clickprint serve` and its clients (an Arrow
//! IPC stream).

use std::sync::Arc;

use arrow::array::{Array, StringArray};
use arrow::datatypes::{Schema, SchemaRef};
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::StreamWriter;
use arrow::record_batch::RecordBatch;

use crate::error::{Error, Result};

/// The media type of an Arrow IPC stream: how results travel between
/// `clickprint serve` and its clients (`clickhouse::remote`).
pub const ARROW_STREAM: &str = "application/vnd.apache.arrow.stream";

/// The whole result of one statement, as Arrow.
#[derive(Debug, Clone)]
pub struct QueryOutput {
    /// The result's columns.
    pub schema: SchemaRef,
    /// The result's rows, in order.
    pub batches: Vec<RecordBatch>,
}

impl QueryOutput {
    /// A result with no columns and no rows (DDL, INSERT).
    pub fn empty() -> Self {
        QueryOutput {
            schema: Arc::new(Schema::empty()),
            batches: Vec::new(),
        }
    }

    /// Reads an Arrow IPC stream (what a server and `clickprint serve`
    /// answer with); an empty body is an empty result.
    ///
    /// # Errors
    /// [`Error::ClickHouse`] when the bytes are not an Arrow IPC stream.
    pub fn from_arrow_stream(bytes: &[u8]) -> Result<Self> {
        if bytes.is_empty() {
            return Ok(QueryOutput::empty());
        }
        let invalid = |e: arrow::error::ArrowError| {
            Error::ClickHouse(format!("reading an Arrow IPC answer: {e}"))
        };
        let reader = StreamReader::try_new(std::io::Cursor::new(bytes), None).map_err(invalid)?;
        let schema = reader.schema();
        let batches = reader
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(invalid)?;
        Ok(QueryOutput { schema, batches })
    }

    /// Writes the result as an Arrow IPC stream.
    ///
    /// # Errors
    /// [`Error::ClickHouse`] when a column cannot be encoded.
    pub fn to_arrow_stream(&self) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        let mut writer = StreamWriter::try_new(&mut bytes, &self.schema)
            .map_err(|e| Error::ClickHouse(format!("encoding Arrow: {e}")))?;
        for batch in &self.batches {
            writer
                .write(batch)
                .map_err(|e| Error::ClickHouse(format!("encoding Arrow: {e}")))?;
        }
        writer
            .finish()
            .map_err(|e| Error::ClickHouse(format!("encoding Arrow: {e}")))?;
        drop(writer);
        Ok(bytes)
    }

    /// How many rows the result holds.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The result as a text table, as `clickprint sql` prints it.
    ///
    /// # Errors
    /// [`Error::ClickHouse`] when a column type cannot be displayed.
    pub fn to_table(&self) -> Result<String> {
        if self.schema.fields().is_empty() {
            return Ok(String::from("Ok."));
        }
        let table = arrow::util::pretty::pretty_format_batches(&self.batches)
            .map_err(|e| Error::ClickHouse(e.to_string()))?;
        Ok(table.to_string())
    }

    /// The result as JSON rows (an array of objects, one per row).
    ///
    /// # Errors
    /// [`Error::ClickHouse`] when a column type cannot be written as JSON.
    pub fn to_json_rows(&self) -> Result<serde_json::Value> {
        let mut writer = arrow::json::ArrayWriter::new(Vec::new());
        let batches: Vec<&RecordBatch> = self.batches.iter().collect();
        writer
            .write_batches(&batches)
            .map_err(|e| Error::ClickHouse(e.to_string()))?;
        writer
            .finish()
            .map_err(|e| Error::ClickHouse(e.to_string()))?;
        let bytes = writer.into_inner();
        if bytes.is_empty() {
            return Ok(serde_json::Value::Array(Vec::new()));
        }
        serde_json::from_slice(&bytes).map_err(|e| Error::ClickHouse(e.to_string()))
    }

    /// The first column of the first row, as text, if it is a string column.
    pub fn first_string(&self) -> Option<String> {
        let batch = self.batches.iter().find(|b| b.num_rows() > 0)?;
        let column = batch.column(0).as_any().downcast_ref::<StringArray>()?;
        (!column.is_null(0)).then(|| column.value(0).to_owned())
    }
}
