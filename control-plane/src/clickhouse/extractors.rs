//! Plug-in extractors (issue 21): executables declared in the
//! configuration ([`crate::config::Extractor`]; ours, the dialogue
//! extractor, by default), run inside ClickHouse by the statements of
//! `sql/clickhouse/extract*.sql` and `extractor_*.sql`, their keys stored
//! in `fp_keys` in their own bands so the one search statement reads them
//! beside ours, their cues (if declared) in `fp_cues`. The contract the
//! executables speak is in `udf/README.md`, "Plug-in extractors"; this
//! module only carries the statements and their parameters.

use crate::clickhouse::library::statements;
use crate::clickhouse::{Engine, QueryOutput};
use crate::config::Extractor;
use crate::error::{Error, Result};

/// `sql/clickhouse/extract.sql`.
pub const EXTRACT: &str = include_str!("../../../sql/clickhouse/extract.sql");
/// `sql/clickhouse/extract_query.sql`.
pub const EXTRACT_QUERY: &str = include_str!("../../../sql/clickhouse/extract_query.sql");
/// `sql/clickhouse/extractor_stale.sql`.
pub const STALE: &str = include_str!("../../../sql/clickhouse/extractor_stale.sql");
/// `sql/clickhouse/extractor_forget.sql`.
pub const FORGET: &str = include_str!("../../../sql/clickhouse/extractor_forget.sql");

/// The parameters every statement names an extractor by. An extractor
/// without bands gets the empty range `[1, 0]`: no key is inside it.
fn extractor_params(extractor: &Extractor) -> Vec<(&'static str, String)> {
    let (first, last) = extractor
        .bands
        .as_ref()
        .map_or((1, 0), |b| (*b.start(), *b.end()));
    vec![
        ("extractor", extractor.name.clone()),
        ("version", extractor.version.clone()),
        ("command", extractor.command.clone()),
        ("first_band", first.to_string()),
        ("last_band", last.to_string()),
        ("cues", u8::from(extractor.cues).to_string()),
    ]
}

/// Prefixes the engine's message with the extractor's name, so an
/// operator sees whose executable failed.
fn named(extractor: &Extractor, e: Error) -> Error {
    match e {
        Error::ClickHouse(m) => Error::ClickHouse(format!("extractor {:?}: {m}", extractor.name)),
        other => other,
    }
}

/// Runs `extractor` on one item (`source`, a file the engine can read) and
/// stores its rows; does nothing when the item's latest run already had
/// this version.
///
/// # Errors
/// The engine's message, prefixed with the extractor's name: the
/// executable failed or answered rows off the protocol, or a key outside
/// its bands.
pub async fn extract(
    engine: &Engine,
    extractor: &Extractor,
    tenant: u32,
    media_id: u64,
    source: &str,
    modality: &str,
) -> Result<()> {
    let mut params = extractor_params(extractor);
    params.extend([
        ("tenant", tenant.to_string()),
        ("media_id", media_id.to_string()),
        ("source", source.to_owned()),
        ("modality", modality.to_owned()),
    ]);
    engine
        .query_with_params(EXTRACT, &params)
        .await
        .map_err(|e| named(extractor, e))?;
    Ok(())
}

/// A search query's keys from `extractor`: (band, key) pairs, each band in
/// its range; none, without starting it, for an extractor without bands.
///
/// # Errors
/// As [`extract`].
pub async fn query_keys(
    engine: &Engine,
    extractor: &Extractor,
    source: &str,
    modality: &str,
) -> Result<Vec<(u8, u32)>> {
    if extractor.bands.is_none() {
        return Ok(Vec::new());
    }
    let mut params = extractor_params(extractor);
    params.extend([
        ("source", source.to_owned()),
        ("modality", modality.to_owned()),
    ]);
    let output = engine
        .query_with_params(EXTRACT_QUERY, &params)
        .await
        .map_err(|e| named(extractor, e))?;
    rows(&output)?
        .iter()
        .map(|row| {
            let band = u8::try_from(u64_of(row, "band")?)
                .map_err(|_| Error::ClickHouse(format!("a band out of range in {row}")))?;
            let key = u32::try_from(u64_of(row, "key")?)
                .map_err(|_| Error::ClickHouse(format!("a key out of range in {row}")))?;
            Ok((band, key))
        })
        .collect()
}

/// `keys` as the search statement's `{extractor_keys}` takes them.
pub fn keys_literal(keys: &[(u8, u32)]) -> String {
    let pairs: Vec<String> = keys.iter().map(|(b, k)| format!("({b},{k})")).collect();
    format!("[{}]", pairs.join(","))
}

/// An item `extractor` extracted with another version than its configured one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StaleItem {
    /// Its tenant.
    pub tenant_id: u32,
    /// The item.
    pub media_id: u64,
    /// Its modality, as the last run was given it.
    pub modality: String,
    /// The version its rows were made with.
    pub version: String,
}

/// The items `extractor` must extract again (`sql/clickhouse/extractor_stale.sql`).
///
/// # Errors
/// The engine's message.
pub async fn stale(engine: &Engine, extractor: &Extractor) -> Result<Vec<StaleItem>> {
    let output = engine
        .query_with_params(STALE, &extractor_params(extractor))
        .await?;
    rows(&output)?
        .iter()
        .map(|row| {
            Ok(StaleItem {
                tenant_id: u32::try_from(u64_of(row, "tenant_id")?)
                    .map_err(|_| Error::ClickHouse(format!("tenant_id out of range in {row}")))?,
                media_id: u64_of(row, "media_id")?,
                modality: str_of(row, "modality"),
                version: str_of(row, "version"),
            })
        })
        .collect()
}

/// Removes what `extractor` stored for `items` (its bands' keys, its
/// records, its cues and their words), before they are extracted again. A
/// mutation that could match nothing (keys of an extractor without bands,
/// cues of one that emits none) is not started.
///
/// # Errors
/// The engine's message; each statement is safe to repeat.
pub async fn forget(engine: &Engine, extractor: &Extractor, items: &[StaleItem]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let batch: Vec<String> = items
        .iter()
        .map(|i| format!("({},{})", i.tenant_id, i.media_id))
        .collect();
    let mut params = extractor_params(extractor);
    params.push(("batch", format!("[{}]", batch.join(","))));
    // The file's statements in order: keys, records, cues' words, cues.
    let wanted = [
        extractor.bands.is_some(),
        true,
        extractor.cues,
        extractor.cues,
    ];
    for (statement, wanted) in statements(FORGET).zip(wanted) {
        if wanted {
            engine.query_with_params(statement, &params).await?;
        }
    }
    Ok(())
}

fn rows(output: &QueryOutput) -> Result<Vec<serde_json::Value>> {
    match output.to_json_rows()? {
        serde_json::Value::Array(rows) => Ok(rows),
        other => Err(Error::ClickHouse(format!("expected rows, got {other}"))),
    }
}

fn u64_of(row: &serde_json::Value, column: &str) -> Result<u64> {
    row.get(column)
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| Error::ClickHouse(format!("no integer `{column}` in {row}")))
}

fn str_of(row: &serde_json::Value, column: &str) -> String {
    row.get(column)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_written_as_an_array_literal() {
        assert_eq!(keys_literal(&[]), "[]");
        assert_eq!(
            keys_literal(&[(200, 4242), (201, 7)]),
            "[(200,4242),(201,7)]"
        );
    }

    #[test]
    fn the_forget_file_splits_into_its_four_mutations_in_order() {
        let all: Vec<&str> = statements(FORGET).collect();
        assert_eq!(all.len(), 4, "{all:#?}");
        for (statement, table) in
            all.iter()
                .zip(["fp_keys", "fp_extractor_records", "fp_cue_words", "fp_cues"])
        {
            assert!(
                statement.contains(&format!("ALTER TABLE clickprint.{table} DELETE")),
                "{statement}"
            );
        }
    }
}
