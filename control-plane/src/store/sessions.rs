//! The web console's sessions in Postgres (`sessions`,
//! `sql/postgres/V3__sessions.sql`). A session id is an opaque random
//! string the browser's cookie holds; Postgres keeps only its SHA-256,
//! bound to the tenant and the API key it signed in with. A session lives
//! until it expires, or until it is ended: at sign-out, when its key is
//! revoked, when its tenant is disabled.

use deadpool_postgres::Pool;
use sha2::{Digest, Sha256};

use crate::error::Result;

fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Starts session `id`, lasting `seconds`, for API key `key` of tenant
/// `tenant_id`; expired sessions are forgotten on the way. False when the
/// key is not (or no longer) a live key of that tenant.
///
/// # Errors
/// [`crate::Error::Postgres`].
pub async fn start(pool: &Pool, id: &str, key: &str, tenant_id: i32, seconds: u32) -> Result<bool> {
    let client = pool.get().await?;
    client
        .execute("DELETE FROM sessions WHERE expires_at <= now()", &[])
        .await?;
    let made = client
        .execute(
            "INSERT INTO sessions (secret_sha256, tenant_id, key_id, expires_at) \
             SELECT $1, tenant_id, id, now() + make_interval(secs => $3) \
             FROM api_keys WHERE secret_sha256 = $2 AND tenant_id = $4 AND revoked_at IS NULL",
            &[&digest(id), &digest(key), &f64::from(seconds), &tenant_id],
        )
        .await?;
    Ok(made == 1)
}

/// The tenant of live session `id`: not expired, its key not revoked.
/// `None` when there is no such session.
///
/// # Errors
/// [`crate::Error::Postgres`].
pub async fn tenant(pool: &Pool, id: &str) -> Result<Option<i32>> {
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "SELECT s.tenant_id FROM sessions s JOIN api_keys k ON k.id = s.key_id \
             WHERE s.secret_sha256 = $1 AND s.expires_at > now() \
               AND k.revoked_at IS NULL",
            &[&digest(id)],
        )
        .await?;
    Ok(row.map(|r| r.get(0)))
}

/// Ends session `id` (the console signed out).
///
/// # Errors
/// [`crate::Error::Postgres`].
pub async fn end(pool: &Pool, id: &str) -> Result<()> {
    let client = pool.get().await?;
    client
        .execute(
            "DELETE FROM sessions WHERE secret_sha256 = $1",
            &[&digest(id)],
        )
        .await?;
    Ok(())
}

/// Ends every session signed in with key `key_id` (it was revoked).
///
/// # Errors
/// [`crate::Error::Postgres`].
pub async fn end_for_key(pool: &Pool, key_id: i32) -> Result<()> {
    let client = pool.get().await?;
    client
        .execute("DELETE FROM sessions WHERE key_id = $1", &[&key_id])
        .await?;
    Ok(())
}

/// Ends every session of tenant `tenant_id` (it was disabled).
///
/// # Errors
/// [`crate::Error::Postgres`].
pub async fn end_for_tenant(pool: &Pool, tenant_id: i32) -> Result<()> {
    let client = pool.get().await?;
    client
        .execute("DELETE FROM sessions WHERE tenant_id = $1", &[&tenant_id])
        .await?;
    Ok(())
}
