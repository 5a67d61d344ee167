//! Bulk ingest jobs in Postgres: a job's row, its items and tasks and its
//! failed rows written in one transaction, and a job read back with counts
//! that move while workers proceed. Reading the job's CSV or ZIP is the
//! application's (`app::jobs`).
//!
//! A CSV job's rows become items in batches: the first in the job's own
//! transaction, the others by workers ([`claim_expansion`], [`add_batch`]),
//! each batch's items, tasks and failed rows written in one statement each
//! and `expanded_rows` moved on in the same transaction.
//!
//! Idempotency: a job made with an `Idempotency-Key` is the tenant's only
//! job with that key (a unique constraint, `jobs_idempotency`); a second
//! request with the key gets the first job, even when both arrive at once
//! (the second insert waits for the first's commit, then does nothing).

use std::path::Path;

use deadpool_postgres::{Pool, Transaction};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::media::{self, NewMedia};
use crate::store::tenants::Tenant;
use crate::store::webhooks;

/// A job as the API shows it: counts that move while workers proceed.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    /// The id.
    pub id: i64,
    /// `csv` or `zip`.
    pub kind: String,
    /// `expanding` (rows of its CSV are still being turned into items),
    /// `running`, `done` (nothing left to do) or `cancelled`.
    pub status: String,
    /// Rows in the CSV or manifest.
    pub total: i64,
    /// Rows turned into items (or failed rows) so far; `total` once
    /// expanded.
    pub expanded: i64,
    /// Items ready.
    pub completed: i64,
    /// Rows that failed: malformed, or their item failed.
    pub failed: i64,
    /// Items still waiting or in work.
    pub pending: i64,
    /// Items cancelled before they started, and rows of a cancelled job
    /// never expanded.
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

/// A job to write.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    /// `csv` or `zip`.
    pub kind: &'a str,
    /// Rows of the job file.
    pub total: i32,
    /// Rows the items and failures written with it cover (`total`, unless
    /// workers are to expand the rest).
    pub expanded: i32,
    /// The stored CSV workers expand the rest from, relative to the data
    /// directory.
    pub upload: Option<String>,
    /// The client's key for this job.
    pub idempotency_key: Option<&'a str>,
    /// Items the whole job will make, checked against the asset quota.
    pub quota_items: i64,
    /// Bytes of the files its items bring (a ZIP's), checked against the
    /// byte quota.
    pub quota_bytes: i64,
}

/// A CSV row to make an item from: a URL.
#[derive(Debug, Clone)]
pub struct UrlRow {
    /// 1-based row number.
    pub row: i32,
    /// The URL.
    pub url: String,
    /// The caller's id.
    pub external_id: Option<String>,
    /// Key/value metadata (a JSON object).
    pub metadata: serde_json::Value,
    /// The URL of a subtitle file given with it.
    pub subtitles: Option<String>,
    /// Its language tag (may be empty).
    pub subtitles_language: String,
}

/// A job's items: a CSV's URL rows, or a ZIP's extracted files.
#[derive(Debug)]
pub enum Items {
    /// Rows of a CSV, written in one statement.
    Urls(Vec<UrlRow>),
    /// Files with their row numbers, each moved into the library.
    Files(Vec<(i32, NewMedia)>),
}

/// What [`insert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// The job was made, with this id.
    Created(i64),
    /// The tenant already has a job with the key: this one.
    Existing(i64),
}

/// Writes a job: its row, its `items` and their tasks, and its failed
/// rows, in one transaction. With an idempotency key the tenant already
/// used, nothing is written and the existing job's id comes back.
///
/// # Errors
/// [`Error::QuotaExceeded`] when the job's items do not fit the tenant's
/// quota; as [`media::insert`].
pub async fn insert(
    pool: &Pool,
    data_dir: &Path,
    tenant: &Tenant,
    job: &NewJob<'_>,
    items: Items,
    failures: &[(i32, String)],
) -> Result<Inserted> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let created = tx
        .query_opt(
            "INSERT INTO jobs (tenant_id, kind, total, expanded_rows, upload, idempotency_key) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id",
            &[
                &tenant.id,
                &job.kind,
                &job.total,
                &job.expanded,
                &job.upload,
                &job.idempotency_key,
            ],
        )
        .await?;
    let Some(created) = created else {
        drop(tx);
        let existing = client
            .query_one(
                "SELECT id FROM jobs WHERE tenant_id = $1 AND idempotency_key = $2",
                &[&tenant.id, &job.idempotency_key],
            )
            .await?;
        return Ok(Inserted::Existing(existing.get(0)));
    };
    let job_id: i64 = created.get(0);
    media::check_quota(&tx, tenant, job.quota_items, job.quota_bytes).await?;
    match items {
        Items::Urls(rows) => add_urls(&tx, tenant.id, job_id, &rows).await?,
        Items::Files(files) => {
            for (row, item) in files {
                let item = NewMedia {
                    job: Some((job_id, row)),
                    ..item
                };
                media::insert(&tx, data_dir, tenant, item).await?;
            }
        }
    }
    add_failures(&tx, job_id, failures).await?;
    // A job of malformed rows only is over as soon as it is made.
    webhooks::job_finished(&tx, job_id).await?;
    tx.commit().await?;
    Ok(Inserted::Created(job_id))
}

/// Items and tasks for URL rows of a job, in one statement.
async fn add_urls(
    tx: &Transaction<'_>,
    tenant_id: i32,
    job_id: i64,
    rows: &[UrlRow],
) -> Result<()> {
    let numbers: Vec<i32> = rows.iter().map(|r| r.row).collect();
    let urls: Vec<&str> = rows.iter().map(|r| r.url.as_str()).collect();
    let external: Vec<Option<&str>> = rows.iter().map(|r| r.external_id.as_deref()).collect();
    let metadata: Vec<&serde_json::Value> = rows.iter().map(|r| &r.metadata).collect();
    let subtitles: Vec<Option<&str>> = rows.iter().map(|r| r.subtitles.as_deref()).collect();
    let languages: Vec<&str> = rows.iter().map(|r| r.subtitles_language.as_str()).collect();
    tx.execute(
        "WITH m AS ( \
             INSERT INTO media (tenant_id, job_id, job_row, source, external_id, metadata, \
                 subtitles_source, subtitles_language) \
             SELECT $1::int, $2::bigint, r.n, r.url, r.external_id, r.metadata, \
                 r.subtitles, r.language \
             FROM unnest($3::int[], $4::text[], $5::text[], $6::jsonb[], $7::text[], \
                 $8::text[]) AS r (n, url, external_id, metadata, subtitles, language) \
             ORDER BY r.n \
             RETURNING id) \
         INSERT INTO tasks (media_id, tenant_id) SELECT id, $1::int FROM m ORDER BY id",
        &[
            &tenant_id, &job_id, &numbers, &urls, &external, &metadata, &subtitles, &languages,
        ],
    )
    .await?;
    Ok(())
}

/// A job's failed rows, in one statement.
async fn add_failures(tx: &Transaction<'_>, job_id: i64, failures: &[(i32, String)]) -> Result<()> {
    let numbers: Vec<i32> = failures.iter().map(|f| f.0).collect();
    let reasons: Vec<&str> = failures.iter().map(|f| f.1.as_str()).collect();
    tx.execute(
        "INSERT INTO job_failures (job_id, row_number, reason) \
         SELECT $1::bigint, n, r FROM unnest($2::int[], $3::text[]) AS f (n, r)",
        &[&job_id, &numbers, &reasons],
    )
    .await?;
    Ok(())
}

/// A tenant's job made with `key`, if any.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn by_key(pool: &Pool, tenant_id: i32, key: &str) -> Result<Option<Job>> {
    let row = pool
        .get()
        .await?
        .query_opt(
            "SELECT id FROM jobs WHERE tenant_id = $1 AND idempotency_key = $2",
            &[&tenant_id, &key],
        )
        .await?;
    match row {
        Some(row) => Ok(Some(get(pool, tenant_id, row.get(0)).await?)),
        None => Ok(None),
    }
}

/// A CSV job with rows left to expand, claimed by [`claim_expansion`].
#[derive(Debug, Clone)]
pub struct Expanding {
    /// The job.
    pub id: i64,
    /// Its tenant.
    pub tenant_id: i32,
    /// Its stored CSV, relative to the data directory.
    pub upload: Option<String>,
    /// Rows expanded so far.
    pub expanded: i32,
    /// Rows in all.
    pub total: i32,
}

/// Locks the job with rows left to expand that has expanded the fewest
/// (so jobs of several tenants expand in turn), skipping cancelled jobs,
/// jobs of disabled tenants, and jobs another worker holds. The lock is
/// the claim: it ends with `tx`, and with a dead worker's connection.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn claim_expansion(tx: &Transaction<'_>) -> Result<Option<Expanding>> {
    let row = tx
        .query_opt(
            "SELECT j.id, j.tenant_id, j.upload, j.expanded_rows, j.total \
             FROM jobs j JOIN tenants t ON t.id = j.tenant_id \
             WHERE j.expanded_rows < j.total AND j.cancelled_at IS NULL \
                 AND t.disabled_at IS NULL \
             ORDER BY j.expanded_rows, j.id \
             FOR UPDATE OF j SKIP LOCKED LIMIT 1",
            &[],
        )
        .await?;
    Ok(row.map(|r| Expanding {
        id: r.get(0),
        tenant_id: r.get(1),
        upload: r.get(2),
        expanded: r.get(3),
        total: r.get(4),
    }))
}

/// Writes one batch of a claimed job: its items and tasks, its failed
/// rows, and `expanded_rows` moved to `up_to` (the upload forgotten when
/// that is the end).
///
/// # Errors
/// [`Error::Postgres`].
pub async fn add_batch(
    tx: &Transaction<'_>,
    job: &Expanding,
    rows: &[UrlRow],
    failures: &[(i32, String)],
    up_to: i32,
) -> Result<()> {
    add_urls(tx, job.tenant_id, job.id, rows).await?;
    add_failures(tx, job.id, failures).await?;
    tx.execute(
        "UPDATE jobs SET expanded_rows = $2, \
             upload = CASE WHEN $2 >= total THEN NULL ELSE upload END \
         WHERE id = $1",
        &[&job.id, &up_to],
    )
    .await?;
    // The last batch may add failed rows only, after every item ended.
    webhooks::job_finished(tx, job.id).await?;
    Ok(())
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
                 (SELECT count(*) FROM job_failures f WHERE f.job_id = j.id), \
                 j.expanded_rows \
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
    let total = i64::from(job.get::<_, i32>(1));
    let expanded = i64::from(job.get::<_, i32>(8));
    let never_expanded = if cancelled_job { total - expanded } else { 0 };
    Ok(Job {
        id,
        kind: job.get(0),
        status: if cancelled_job {
            "cancelled"
        } else if expanded < total {
            "expanding"
        } else if pending > 0 {
            "running"
        } else {
            "done"
        }
        .to_owned(),
        total,
        expanded,
        completed: job.get(3),
        failed: failed_items + malformed,
        pending,
        cancelled: job.get::<_, i64>(6) + never_expanded,
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
    let upload: Option<String> = tx
        .query_opt(
            "UPDATE jobs SET cancelled_at = coalesce(cancelled_at, now()) \
             WHERE id = $1 AND tenant_id = $2 RETURNING upload",
            &[&id, &tenant_id],
        )
        .await?
        .ok_or_else(|| Error::NotFound(format!("no job {id}")))?
        .get(0);
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
    // Nor are its rows left to expand: its stored CSV goes too.
    if let Some(upload) = upload {
        let _ = tokio::fs::remove_file(data_dir.join(upload)).await;
    }
    get(pool, tenant_id, id).await
}
