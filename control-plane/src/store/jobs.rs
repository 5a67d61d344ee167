//! Bulk ingest jobs in Postgres: a job's row, its items and tasks and its
//! failed rows written in one transaction, and a job read back with counts
//! that move while workers proceed. Reading the job's CSV or ZIP is the
//! application's (`app::jobs`).

use std::path::Path;

use deadpool_postgres::Pool;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::media::{self, NewMedia};
use crate::store::tenants::Tenant;

/// A job as the API shows it: counts that move while workers proceed.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    /// The id.
    pub id: i64,
    /// `csv` or `zip`.
    pub kind: String,
    /// `running`, `done` (nothing left to do) or `cancelled`.
    pub status: String,
    /// Rows in the CSV or manifest.
    pub total: i64,
    /// Items ready.
    pub completed: i64,
    /// Rows that failed: malformed, or their item failed.
    pub failed: i64,
    /// Items still waiting or in work.
    pub pending: i64,
    /// Items cancelled before they started.
    pub cancelled: i64,
    /// The failed rows, with reasons (the first 1,000).
    pub failures: Vec<RowFailure>,
}

/// A failed row.
#[derive(Debug, Clone, Serialize)]
pub struct RowFailure {
    /// 1-based row number in the CSV, header excluded.
    pub row: i64,
    /// The row's media item, when one was made.
    pub media_id: Option<i64>,
    /// The row's external id, when known.
    pub external_id: Option<String>,
    /// Why.
    pub reason: String,
}

/// Writes a job: its row, its `items` (each with its row number) and their
/// tasks, and its failed rows, in one transaction; the job's id. `total`
/// counts every row of the job file.
///
/// # Errors
/// [`Error::QuotaExceeded`] when the items do not fit the tenant's quota;
/// as [`media::insert`].
pub async fn insert(
    pool: &Pool,
    data_dir: &Path,
    tenant: &Tenant,
    kind: &str,
    total: i32,
    items: Vec<(i32, NewMedia)>,
    failures: &[(i32, String)],
) -> Result<i64> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let job_id: i64 = tx
        .query_one(
            "INSERT INTO jobs (tenant_id, kind, total) VALUES ($1, $2, $3) RETURNING id",
            &[&tenant.id, &kind, &total],
        )
        .await?
        .get(0);
    media::check_quota(&tx, tenant, items.len() as i64).await?;
    for (row, item) in items {
        let item = NewMedia {
            job: Some((job_id, row)),
            ..item
        };
        media::insert(&tx, data_dir, tenant, item).await?;
    }
    for (row, reason) in failures {
        tx.execute(
            "INSERT INTO job_failures (job_id, row_number, reason) VALUES ($1, $2, $3)",
            &[&job_id, row, reason],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(job_id)
}

/// A job of a tenant, with its counts.
///
/// # Errors
/// [`Error::NotFound`] when the tenant has no such job.
pub async fn get(pool: &Pool, tenant_id: i32, id: i64) -> Result<Job> {
    let client = pool.get().await?;
    let job = client
        .query_opt(
            "SELECT j.kind, j.total, j.cancelled_at IS NOT NULL, \
                 count(*) FILTER (WHERE m.status = 'ready'), \
                 count(*) FILTER (WHERE m.status = 'failed'), \
                 count(*) FILTER (WHERE m.status IN ('pending', 'processing')), \
                 count(*) FILTER (WHERE m.status = 'cancelled'), \
                 (SELECT count(*) FROM job_failures f WHERE f.job_id = j.id) \
             FROM jobs j LEFT JOIN media m ON m.job_id = j.id \
             WHERE j.id = $1 AND j.tenant_id = $2 \
             GROUP BY j.id",
            &[&id, &tenant_id],
        )
        .await?
        .ok_or_else(|| Error::NotFound(format!("no job {id}")))?;
    let failures = client
        .query(
            "SELECT row_number::bigint, NULL::bigint, NULL::text, reason FROM job_failures \
             WHERE job_id = $1 \
             UNION ALL \
             SELECT job_row::bigint, id, external_id, coalesce(error, 'failed') FROM media \
             WHERE job_id = $1 AND status = 'failed' \
             ORDER BY 1 LIMIT 1000",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| RowFailure {
            row: r.get(0),
            media_id: r.get(1),
            external_id: r.get(2),
            reason: r.get(3),
        })
        .collect();
    let cancelled_job: bool = job.get(2);
    let pending: i64 = job.get(5);
    let malformed: i64 = job.get(7);
    let failed_items: i64 = job.get(4);
    Ok(Job {
        id,
        kind: job.get(0),
        status: if cancelled_job {
            "cancelled"
        } else if pending > 0 {
            "running"
        } else {
            "done"
        }
        .to_owned(),
        total: i64::from(job.get::<_, i32>(1)),
        completed: job.get(3),
        failed: failed_items + malformed,
        pending,
        cancelled: job.get(6),
        failures,
    })
}

/// A tenant's most recent jobs (at most `limit`, newest first), each as
/// [`get`] gives it.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn list(pool: &Pool, tenant_id: i32, limit: i64) -> Result<Vec<Job>> {
    let ids: Vec<i64> = pool
        .get()
        .await?
        .query(
            "SELECT id FROM jobs WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
            &[&tenant_id, &limit.clamp(1, 100)],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut jobs = Vec::with_capacity(ids.len());
    for id in ids {
        jobs.push(get(pool, tenant_id, id).await?);
    }
    Ok(jobs)
}

/// Cancels what of a job has not started: its queued tasks, whose items
/// become `cancelled` and lose their files at once. Items in work finish.
///
/// # Errors
/// [`Error::NotFound`] when the tenant has no such job.
pub async fn cancel(pool: &Pool, data_dir: &Path, tenant_id: i32, id: i64) -> Result<Job> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let n = tx
        .execute(
            "UPDATE jobs SET cancelled_at = coalesce(cancelled_at, now()) \
             WHERE id = $1 AND tenant_id = $2",
            &[&id, &tenant_id],
        )
        .await?;
    if n == 0 {
        return Err(Error::NotFound(format!("no job {id}")));
    }
    let cancelled = tx
        .query(
            "WITH cancelled AS ( \
                 UPDATE tasks t SET state = 'cancelled', finished_at = now() \
                 FROM media m WHERE m.id = t.media_id AND m.job_id = $1 AND t.state = 'queued' \
                 RETURNING t.media_id) \
             UPDATE media SET status = 'cancelled', updated_at = now() \
             WHERE id IN (SELECT media_id FROM cancelled) AND status = 'pending' \
             RETURNING id",
            &[&id],
        )
        .await?;
    tx.commit().await?;
    // A cancelled item never starts: its uploaded file (or a download a
    // failed attempt left) goes now.
    for row in cancelled {
        media::remove_files(data_dir, tenant_id, row.get(0)).await?;
    }
    get(pool, tenant_id, id).await
}
