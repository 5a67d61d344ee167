//! Matches a reviewer dismissed as false positives (`dismissed_matches`):
//! a pair of a query's content, by SHA-256, and a library item that a
//! search of that content never returns again, until restored.

use deadpool_postgres::Pool;

use crate::error::{Error, Result};

/// A query's content as the table keys it: its SHA-256 in lowercase hex.
///
/// # Errors
/// [`Error::BadRequest`] unless `text` is 64 hex digits.
pub fn sha256_hex(text: &str) -> Result<String> {
    let text = text.trim().to_ascii_lowercase();
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::BadRequest(
            "`query_sha256` is a SHA-256 in hex: 64 digits".into(),
        ));
    }
    Ok(text)
}

/// Dismisses the pair (`query_sha256`, the tenant's item `media_id`);
/// dismissing it again changes nothing.
///
/// # Errors
/// [`Error::NotFound`] when the tenant has no such item (deleted ones
/// included: nothing to dismiss); [`Error::Postgres`].
pub async fn dismiss(pool: &Pool, tenant_id: i32, query_sha256: &str, media_id: i64) -> Result<()> {
    let inserted = pool
        .get()
        .await?
        .execute(
            "INSERT INTO dismissed_matches (tenant_id, query_sha256, media_id) \
             SELECT $1, $2, id FROM media \
             WHERE tenant_id = $1 AND id = $3 AND status <> 'deleted' \
             ON CONFLICT DO NOTHING",
            &[&tenant_id, &query_sha256, &media_id],
        )
        .await?;
    if inserted == 0
        && !dismissed(pool, tenant_id, query_sha256)
            .await?
            .contains(&media_id)
    {
        return Err(Error::NotFound(format!("no media {media_id}")));
    }
    Ok(())
}

/// Restores a dismissed pair: later searches may return it again.
///
/// # Errors
/// [`Error::NotFound`] when the pair was not dismissed; [`Error::Postgres`].
pub async fn restore(pool: &Pool, tenant_id: i32, query_sha256: &str, media_id: i64) -> Result<()> {
    let deleted = pool
        .get()
        .await?
        .execute(
            "DELETE FROM dismissed_matches \
             WHERE tenant_id = $1 AND query_sha256 = $2 AND media_id = $3",
            &[&tenant_id, &query_sha256, &media_id],
        )
        .await?;
    if deleted == 0 {
        return Err(Error::NotFound(format!(
            "media {media_id} is not dismissed for that query"
        )));
    }
    Ok(())
}

/// The items dismissed for a query's content.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn dismissed(pool: &Pool, tenant_id: i32, query_sha256: &str) -> Result<Vec<i64>> {
    let rows = pool
        .get()
        .await?
        .query(
            "SELECT media_id FROM dismissed_matches \
             WHERE tenant_id = $1 AND query_sha256 = $2",
            &[&tenant_id, &query_sha256],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// One dismissed pair, as `GET /v1/matches/dismissed` lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Dismissal {
    /// In the order dismissals were made; the listing's cursor.
    pub id: i64,
    /// The query's content.
    pub query_sha256: String,
    /// The library item never returned for it.
    pub media_id: i64,
    /// That item's external id, if it has one.
    pub external_id: Option<String>,
    /// When it was dismissed, RFC 3339 in UTC.
    pub created_at: String,
}

/// Which dismissals [`list`] returns.
#[derive(Debug, Clone, Default)]
pub struct Selection<'a> {
    /// Only those of this query content.
    pub query_sha256: Option<&'a str>,
    /// Only those of this item.
    pub media_id: Option<i64>,
    /// Only those older than this id (the previous page's `next_cursor`).
    pub cursor: Option<i64>,
    /// At most this many (1..=1000).
    pub limit: i64,
}

/// A tenant's dismissals, newest first, a page at a time; the cursor of
/// the next page when there is one.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn list(
    pool: &Pool,
    tenant_id: i32,
    selection: &Selection<'_>,
) -> Result<(Vec<Dismissal>, Option<i64>)> {
    let limit = selection.limit.clamp(1, 1000);
    let rows = pool
        .get()
        .await?
        .query(
            "SELECT d.id, d.query_sha256, d.media_id, m.external_id, \
             to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') \
             FROM dismissed_matches d JOIN media m ON m.id = d.media_id \
             WHERE d.tenant_id = $1 \
             AND ($2::text IS NULL OR d.query_sha256 = $2) \
             AND ($3::bigint IS NULL OR d.media_id = $3) \
             AND ($4::bigint IS NULL OR d.id < $4) \
             ORDER BY d.id DESC LIMIT $5",
            &[
                &tenant_id,
                &selection.query_sha256,
                &selection.media_id,
                &selection.cursor,
                &(limit + 1),
            ],
        )
        .await?;
    let mut page: Vec<Dismissal> = rows
        .iter()
        .map(|r| Dismissal {
            id: r.get(0),
            query_sha256: r.get(1),
            media_id: r.get(2),
            external_id: r.get(3),
            created_at: r.get(4),
        })
        .collect();
    let next = if page.len() as i64 > limit {
        page.truncate(limit as usize);
        page.last().map(|d| d.id)
    } else {
        None
    };
    Ok((page, next))
}
