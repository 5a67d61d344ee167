//! The review loop across both stores: a decision or an exclusion is
//! written to Postgres, where the service keeps it, and then to its
//! ClickHouse mirror, which the search statement reads
//! (`sql/clickhouse/search.sql`), so every way of searching honours it.
//! A write cut off between the two (ClickHouse unreachable, the process
//! killed) is repaired by sending it again, and at every start of the
//! service, which writes the whole mirror again ([`rebuild_mirror`]).

use deadpool_postgres::Pool;

use crate::clickhouse::{Engine, review as mirror};
use crate::error::{Error, Result};
use crate::store::review::{self, Decision, Exclusion, Mirror, Verdict};

/// Writes one row to the mirror; a failure says the change stands in
/// Postgres and how the search catches up.
async fn mirrored(engine: &Engine, row: &Mirror) -> Result<()> {
    mirror::write(engine, &[row]).await.map_err(|e| {
        Error::ClickHouse(format!(
            "the change is recorded, but the search honours it only once it reaches \
             ClickHouse: send it again, or it is sent when the service next starts ({e})"
        ))
    })
}

/// [`review::decide`], then the mirror.
///
/// # Errors
/// As [`review::decide`]; [`Error::ClickHouse`] when ClickHouse did not
/// take it.
pub async fn decide(
    pool: &Pool,
    engine: &Engine,
    tenant_id: i32,
    query_sha256: &str,
    media_id: i64,
    verdict: Verdict,
    note: &str,
) -> Result<Decision> {
    let decision = review::decide(pool, tenant_id, query_sha256, media_id, verdict, note).await?;
    mirrored(engine, decision.mirror()).await?;
    Ok(decision)
}

/// [`review::revoke`], then the mirror.
///
/// # Errors
/// As [`review::revoke`] and [`decide`].
pub async fn revoke(pool: &Pool, engine: &Engine, tenant_id: i32, id: i64) -> Result<Decision> {
    let decision = review::revoke(pool, tenant_id, id).await?;
    mirrored(engine, decision.mirror()).await?;
    Ok(decision)
}

/// [`review::exclude`], then the mirror.
///
/// # Errors
/// As [`review::exclude`] and [`decide`].
pub async fn exclude(
    pool: &Pool,
    engine: &Engine,
    tenant_id: i32,
    media_id: i64,
    note: &str,
) -> Result<Exclusion> {
    let exclusion = review::exclude(pool, tenant_id, media_id, note).await?;
    mirrored(engine, exclusion.mirror()).await?;
    Ok(exclusion)
}

/// [`review::include`], then the mirror.
///
/// # Errors
/// As [`review::include`] and [`decide`].
pub async fn include(
    pool: &Pool,
    engine: &Engine,
    tenant_id: i32,
    media_id: i64,
) -> Result<Exclusion> {
    let exclusion = review::include(pool, tenant_id, media_id).await?;
    mirrored(engine, exclusion.mirror()).await?;
    Ok(exclusion)
}

/// Writes every decision and exclusion of every tenant to the mirror
/// again, a page at a time; returns how many rows it wrote. The service
/// runs it at start.
///
/// # Errors
/// [`Error::Postgres`], or ClickHouse's error.
pub async fn rebuild_mirror(pool: &Pool, engine: &Engine) -> Result<usize> {
    let mut written = 0;
    for exclusions in [false, true] {
        let mut after = Some((0, 0));
        while let Some(from) = after {
            let (rows, next) = review::mirror_page(pool, exclusions, from).await?;
            mirror::write(engine, &rows.iter().collect::<Vec<_>>()).await?;
            written += rows.len();
            after = next;
        }
    }
    Ok(written)
}
