//! A result in one of ClickHouse's own output formats, written by the
//! engine itself, for ClickHouse's HTTP interface
//! (`http::clickhouse_interface`).
//!
//! The embedded engine answers through ADBC, which gives Arrow only. So a
//! result that has been collected (within an analyst's budget) is written
//! to a file as an Arrow stream, and the engine reads it back and writes it
//! in the asked format (`INSERT INTO FUNCTION file(out, Format) SELECT *
//! FROM file(in, ArrowStream, structure)`), with the columns' ClickHouse
//! types (the statement's `DESCRIBE`), so `DateTime` is `DateTime` again and
//! not Arrow's `UInt32`. The statement that formats is the service's own:
//! its file paths, format and settings are ours or checked against lists
//! ([`FORMATS`], [`format_setting`]); the caller's statement ran before,
//! scoped and read-only.

use std::path::{Path, PathBuf};

use super::output::QueryOutput;
use super::result_limits::Budget;
use super::{Engine, scheduler};
use crate::error::{Error, Result};

/// The output formats served, with the media type ClickHouse answers them
/// with. Formats that read or write other files through their settings
/// (`Template`, `Protobuf`, `CapnProto`) are not among them.
pub const FORMATS: &[(&str, &str)] = &[
    ("TabSeparated", TSV),
    ("TabSeparatedRaw", TSV),
    ("TabSeparatedWithNames", TSV),
    ("TabSeparatedWithNamesAndTypes", TSV),
    ("TSV", TSV),
    ("TSVRaw", TSV),
    ("TSVWithNames", TSV),
    ("TSVWithNamesAndTypes", TSV),
    ("CSV", CSV),
    ("CSVWithNames", CSV),
    ("CSVWithNamesAndTypes", CSV),
    ("JSON", JSON),
    ("JSONStrings", JSON),
    ("JSONCompact", JSON),
    ("JSONCompactStrings", JSON),
    ("JSONColumns", JSON),
    ("JSONEachRow", JSON),
    ("JSONLines", JSON),
    ("NDJSON", JSON),
    ("JSONStringsEachRow", JSON),
    ("JSONCompactEachRow", JSON),
    ("JSONCompactEachRowWithNames", JSON),
    ("JSONCompactEachRowWithNamesAndTypes", JSON),
    ("Native", BINARY),
    ("RowBinary", BINARY),
    ("RowBinaryWithNames", BINARY),
    ("RowBinaryWithNamesAndTypes", BINARY),
    ("Arrow", BINARY),
    ("ArrowStream", BINARY),
    ("Parquet", BINARY),
    ("ORC", BINARY),
    ("Values", TEXT),
    ("Vertical", TEXT),
    ("Pretty", TEXT),
    ("PrettyCompact", TEXT),
    ("PrettyCompactMonoBlock", TEXT),
    ("PrettySpace", TEXT),
    ("Markdown", TEXT),
    ("XML", "application/xml; charset=UTF-8"),
];

const TSV: &str = "text/tab-separated-values; charset=UTF-8";
const CSV: &str = "text/csv; charset=UTF-8";
const JSON: &str = "application/json; charset=UTF-8";
const BINARY: &str = "application/octet-stream";
const TEXT: &str = "text/plain; charset=UTF-8";

/// The served format named `name` (ClickHouse's spelling; the `TSV` and
/// `CSV` families in any case, as ClickHouse takes them), as (name, media
/// type).
pub fn format(name: &str) -> Option<(&'static str, &'static str)> {
    FORMATS
        .iter()
        .find(|(served, _)| {
            *served == name
                || ((served.starts_with("TSV") || served.starts_with("CSV"))
                    && served.eq_ignore_ascii_case(name))
        })
        .copied()
}

/// Whether a caller may set `name` for the statement that formats: the
/// output formats' own settings, except the one that writes a file.
pub fn format_setting(name: &str) -> bool {
    (name.starts_with("output_format_") && name != "output_format_schema")
        || name == "date_time_output_format"
        || name == "format_csv_delimiter"
}

/// Where results are written to be formatted: a folder of the data
/// directory, emptied when the service starts.
pub fn scratch_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("clickhouse-http")
}

/// A file removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `output` in `format`, as bytes, written by the engine in `dir`.
/// `columns` are the result's (name, ClickHouse type), when known; the
/// Arrow types are read back as ClickHouse infers them otherwise.
/// `settings` are output format settings ([`format_setting`]), each a
/// plain word or number. With a budget (analysts'), an answer longer
/// than its bytes is refused.
///
/// # Errors
/// [`Error::BadRequest`] for a format not in [`FORMATS`] or a setting not
/// allowed; [`Error::LimitExceeded`] past the budget; the engine's
/// error; an I/O error on `dir`.
pub async fn write(
    engine: &Engine,
    dir: &Path,
    output: &QueryOutput,
    columns: Option<&[(String, String)]>,
    format: &str,
    settings: &[(&str, String)],
    budget: Option<&Budget>,
) -> Result<Vec<u8>> {
    if !FORMATS.iter().any(|(name, _)| *name == format) {
        return Err(Error::BadRequest(format!("unknown format {format}")));
    }
    if let Some((name, _)) = settings.iter().find(|(name, _)| !format_setting(name)) {
        return Err(Error::BadRequest(format!(
            "the setting {name} is not an output format setting"
        )));
    }
    if output.schema.fields().is_empty() {
        return Ok(Vec::new());
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let id = crate::random_hex(16)?;
    let input = Scratch(dir.join(format!("{id}.arrows")));
    let formatted = Scratch(dir.join(format!("{id}.out")));
    let arrow = output.to_arrow_stream()?;
    std::fs::write(&input.0, &arrow)
        .map_err(|e| Error::io(format!("writing {}", input.0.display()), e))?;
    drop(arrow);
    let structure = match columns {
        Some(columns) if columns.len() == output.schema.fields().len() => {
            let list: Vec<String> = columns
                .iter()
                .map(|(name, kind)| format!("{} {kind}", identifier(name)))
                .collect();
            format!(", {}", string_literal(&list.join(", ")))
        }
        _ => String::new(),
    };
    let sql = format!(
        "INSERT INTO FUNCTION file({}, '{format}') SELECT * FROM file({}, 'ArrowStream'{structure})",
        string_literal(&formatted.0.display().to_string()),
        string_literal(&input.0.display().to_string()),
    );
    // The service's own statement, in the caller's lane and tenant.
    let work = scheduler::current();
    scheduler::scope(
        work.lane,
        work.tenant,
        engine.query_scoped(&sql, "default", &[], settings, None),
    )
    .await?;
    let length = std::fs::metadata(&formatted.0)
        .map(|m| m.len())
        .unwrap_or(0);
    if let Some(budget) = budget
        && length > budget.max_bytes
    {
        return Err(budget.too_many_bytes(&format!("as {format}")));
    }
    std::fs::read(&formatted.0)
        .map_err(|e| Error::io(format!("reading {}", formatted.0.display()), e))
}

/// `name` as a back-quoted ClickHouse identifier.
fn identifier(name: &str) -> String {
    format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`"))
}

/// `text` as a single-quoted ClickHouse string literal.
fn string_literal(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_found_by_clickhouses_names() {
        assert_eq!(format("JSONEachRow").map(|f| f.0), Some("JSONEachRow"));
        assert_eq!(format("tsv").map(|f| f.0), Some("TSV"));
        assert_eq!(format("jsoneachrow"), None);
        assert_eq!(format("Template"), None);
        assert_eq!(format("Protobuf"), None);
    }

    #[test]
    fn only_output_format_settings_that_write_no_file_are_taken() {
        assert!(format_setting("output_format_json_quote_64bit_integers"));
        assert!(format_setting("date_time_output_format"));
        assert!(!format_setting("output_format_schema"));
        assert!(!format_setting("format_template_resultset"));
        assert!(!format_setting("max_result_rows"));
        assert!(!format_setting("readonly"));
    }

    #[test]
    fn names_and_texts_are_quoted() {
        assert_eq!(identifier("a`b"), "`a\\`b`");
        assert_eq!(string_literal("it's"), "'it\\'s'");
    }
}
