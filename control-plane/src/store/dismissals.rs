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
