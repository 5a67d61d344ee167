//! Benchmark fixtures: the embedded engine as the benchmarks run it,
//! made-up key rows for searching libraries larger than the media at hand,
//! and the full-scan form of the search statement, the baseline the search
//! is measured against. Used by the evaluation, the `search_latency`
//! benchmark and the search's reads-under-1% test; they are not part of
//! the product.

use std::path::Path;

use clickprint::Result;
use clickprint::clickhouse::{Engine, library};
use clickprint::config::{Config, RawConfig};

/// The embedded engine on `data_dir`, running the UDF executables of
/// `udf_dir`, with the fingerprint schema applied.
///
/// # Errors
/// As [`Config::from_raw`] and [`library::open`].
pub async fn engine(data_dir: &Path, udf_dir: &Path) -> Result<Engine> {
    let config = Config::from_raw(RawConfig {
        data_dir: data_dir.to_path_buf(),
        udf_dir: Some(udf_dir.to_path_buf()),
        ..RawConfig::default()
    })?;
    library::open(&config.clickhouse).await
}

/// [`SEARCH`](library::SEARCH) with its key lookup written so that no index can serve it:
/// every row of `fp_keys` is read and tested against the same hash set of
/// keys. The baseline the benchmarks set the search against; same
/// parameters, same answers. `identity()` hides the key columns from
/// ClickHouse's index analysis, which sees through `tenant_id + 0` and
/// turns `has(array, (band, key))` into a key lookup.
pub fn search_full_scan() -> String {
    // The lookup's two conditions, whatever their indentation.
    let (tenant, keys) = (
        "WHERE tenant_id = {tenant:UInt32}",
        "AND (band, key) IN (SELECT arrayJoin(lookups))",
    );
    let at = library::SEARCH
        .match_indices(tenant)
        .map(|(i, _)| i)
        .find(|&i| {
            library::SEARCH[i + tenant.len()..]
                .trim_start()
                .starts_with(keys)
        })
        .expect("search.sql's key lookup: tenant, then (band, key)");
    let rest = &library::SEARCH[at + tenant.len()..];
    let gap = rest.len() - rest.trim_start().len();
    format!(
        "{}WHERE identity(tenant_id) = {{tenant:UInt32}}{}AND identity((band, key)) IN (SELECT arrayJoin(lookups)){}",
        &library::SEARCH[..at],
        &rest[..gap],
        &rest[gap + keys.len()..]
    )
}

/// Made-up key rows, for measuring searches over libraries larger than the
/// media at hand: random keys and no fingerprint records, so they can be
/// candidates, never matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synthetic {
    /// Ten tenants (0 to 9) in turn, the 24 bands in turn, 2,000 rows per
    /// media item 500 ms apart (a long sound's shape), media ids from
    /// 100,000.
    TenTenants,
    /// Pictures of one tenant, [`SYNTHETIC_ROWS_PER_PICTURE`] rows each
    /// laid out in bands as a real picture's are (16 in the global hash's
    /// bands, the rest in the local features' eight), media ids from
    /// 1,000,000.
    Pictures {
        /// Whose library grows.
        tenant: u32,
    },
}

/// Key rows of a made-up picture: as many as a real picture has on
/// average (about 1,030 in the evaluation's corpus).
pub const SYNTHETIC_ROWS_PER_PICTURE: u64 = 1024;

/// Adds the made-up key rows numbered `rows` in `shape` to `fp_keys`, then
/// merges its parts, as a library at rest would be (each unmerged part
/// costs every lookup one more granule). The same numbers give the same
/// rows: a library grows by asking for the next range.
///
/// # Errors
/// The engine's message.
pub async fn add_synthetic_keys(
    engine: &Engine,
    shape: Synthetic,
    rows: std::ops::Range<u64>,
) -> Result<()> {
    const PER_PICTURE: u64 = SYNTHETIC_ROWS_PER_PICTURE;
    let columns = match shape {
        Synthetic::TenTenants => "number % 10, intDiv(number, 10) % 24, \
             cityHash64(number) % 4294967296, 100000 + intDiv(number, 2000), \
             (number % 2000) * 500, 0"
            .to_owned(),
        Synthetic::Pictures { tenant } => format!(
            "{tenant}, if(number % {PER_PICTURE} < 16, number % {PER_PICTURE}, \
             16 + (number % {PER_PICTURE} - 16) % 8), cityHash64(number) % 4294967296, \
             1000000 + intDiv(number, {PER_PICTURE}), 0, number % {PER_PICTURE}"
        ),
    };
    engine
        .query(&format!(
            "INSERT INTO clickprint.fp_keys (tenant_id, band, key, media_id, time_ms, item) \
             SELECT {columns} FROM numbers({}, {}) \
             SETTINGS min_insert_block_size_rows = 10000000, \
                      min_insert_block_size_bytes = 1000000000",
            rows.start,
            rows.end - rows.start
        ))
        .await?;
    engine
        .query("OPTIMIZE TABLE clickprint.fp_keys FINAL")
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_scan_form_rewrites_the_key_lookup() {
        let scan = search_full_scan();
        assert!(scan.contains("identity((band, key)) IN"), "{scan}");
        assert!(!scan.contains("(band, key) IN (SELECT arrayJoin(lookups))"));
    }
}
