//! The library's upkeep statements: a tenant's stop list
//! (`sql/clickhouse/stop_list.sql`) and the purge of deleted media's rows
//! (`sql/clickhouse/purge_pending.sql`, `sql/clickhouse/purge.sql`), run
//! with their parameters. When they run is [`crate::app::upkeep`]'s
//! business; the SQL files say what each statement does and why.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::clickhouse::library::statements;
use crate::clickhouse::{Engine, QueryOutput};
use crate::error::{Error, Result};

/// `sql/clickhouse/stop_list.sql`.
pub const STOP_LIST: &str = include_str!("../../../sql/clickhouse/stop_list.sql");
/// `sql/clickhouse/purge_pending.sql`.
pub const PURGE_PENDING: &str = include_str!("../../../sql/clickhouse/purge_pending.sql");
/// `sql/clickhouse/purge.sql`.
pub const PURGE: &str = include_str!("../../../sql/clickhouse/purge.sql");
/// `sql/clickhouse/cluster/stop_list.sql`: [`STOP_LIST`] on a cluster.
pub const CLUSTER_STOP_LIST: &str = include_str!("../../../sql/clickhouse/cluster/stop_list.sql");
/// `sql/clickhouse/cluster/purge.sql`: [`PURGE`] on a cluster.
pub const CLUSTER_PURGE: &str = include_str!("../../../sql/clickhouse/cluster/purge.sql");

/// Each tenant with a library and a number that grows whenever its
/// library changes: the media it ingested plus those it deleted (both
/// tables only ever gain items). A stop list counted at one number is
/// current while the number stays.
///
/// # Errors
/// The engine's message.
pub async fn library_versions(engine: &Engine) -> Result<Vec<(u32, u64)>> {
    let output = engine
        .query(
            "SELECT tenant_id, sum(items) AS version FROM ( \
                 SELECT tenant_id, uniqExact(media_id) AS items FROM clickprint.media_ingested GROUP BY tenant_id \
                 UNION ALL \
                 SELECT tenant_id, uniqExact(media_id) AS items FROM clickprint.media_deleted GROUP BY tenant_id) \
             GROUP BY tenant_id ORDER BY tenant_id",
        )
        .await?;
    rows(&output)?
        .iter()
        .map(|row| Ok((u32_of(row, "tenant_id")?, u64_of(row, "version")?)))
        .collect()
}

/// Refreshes one tenant's stop list: its keys held more than `max_rows`
/// times. Returns how many keys the list now holds.
///
/// # Errors
/// The engine's message.
pub async fn refresh_stop_list(engine: &Engine, tenant: u32, max_rows: u64) -> Result<u64> {
    let params = [
        ("tenant", tenant.to_string()),
        ("max_rows", max_rows.to_string()),
    ];
    let stop_list = if engine.is_cluster() {
        CLUSTER_STOP_LIST
    } else {
        STOP_LIST
    };
    for statement in statements(stop_list) {
        engine.query_with_params(statement, &params).await?;
    }
    let output = engine
        .query_with_params(
            "SELECT count() AS keys FROM clickprint.stop_keys FINAL WHERE tenant_id = {tenant:UInt32}",
            &params[..1],
        )
        .await?;
    first_u64(&output, "keys")
}

/// What one purge removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Purged {
    /// Deleted media items whose rows went.
    pub media: u64,
    /// The tenants they were in (whose keys' counts changed).
    pub tenants: BTreeSet<u32>,
    /// Their rows in `fp_keys`.
    pub key_rows: u64,
    /// Their rows in `fp_media`.
    pub record_rows: u64,
}

impl std::ops::AddAssign for Purged {
    fn add_assign(&mut self, other: Purged) {
        self.media += other.media;
        self.key_rows += other.key_rows;
        self.record_rows += other.record_rows;
        self.tenants.extend(other.tenants);
    }
}

/// Purges the rows of at most `batch` deleted media items not purged yet.
/// A purge that removed fewer than `batch` items left none behind.
///
/// # Errors
/// The engine's message; a purge stopped half way is completed by the
/// next (each statement is safe to repeat).
pub async fn purge(engine: &Engine, batch: u64) -> Result<Purged> {
    let pending = engine
        .query_with_params(PURGE_PENDING, &[("limit", batch.to_string())])
        .await?;
    let pairs = rows(&pending)?
        .iter()
        .map(|row| Ok((u32_of(row, "tenant_id")?, u64_of(row, "media_id")?)))
        .collect::<Result<Vec<_>>>()?;
    if pairs.is_empty() {
        return Ok(Purged::default());
    }
    let literal = pairs
        .iter()
        .map(|(t, m)| format!("({t},{m})"))
        .collect::<Vec<_>>()
        .join(",");
    let params = [("batch", format!("[{literal}]"))];
    let mut purged = Purged {
        media: pairs.len() as u64,
        tenants: pairs.iter().map(|(t, _)| *t).collect(),
        ..Purged::default()
    };
    let purge = if engine.is_cluster() {
        CLUSTER_PURGE
    } else {
        PURGE
    };
    for (i, statement) in statements(purge).enumerate() {
        let output = engine.query_with_params(statement, &params).await?;
        if i == 0 {
            purged.key_rows = first_u64(&output, "key_rows")?;
            purged.record_rows = first_u64(&output, "record_rows")?;
        }
    }
    Ok(purged)
}

fn rows(output: &QueryOutput) -> Result<Vec<serde_json::Value>> {
    match output.to_json_rows()? {
        serde_json::Value::Array(rows) => Ok(rows),
        other => Err(Error::ClickHouse(format!("expected rows, got {other}"))),
    }
}

fn u64_of(row: &serde_json::Value, column: &str) -> Result<u64> {
    // Arrow's JSON writer gives 64-bit integers as numbers.
    row.get(column)
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| Error::ClickHouse(format!("no integer `{column}` in {row}")))
}

fn u32_of(row: &serde_json::Value, column: &str) -> Result<u32> {
    u32::try_from(u64_of(row, column)?)
        .map_err(|_| Error::ClickHouse(format!("`{column}` out of range in {row}")))
}

fn first_u64(output: &QueryOutput, column: &str) -> Result<u64> {
    let rows = rows(output)?;
    let row = rows
        .first()
        .ok_or_else(|| Error::ClickHouse(format!("no row with `{column}`")))?;
    u64_of(row, column)
}
