//! Media items and their tasks, in Postgres. Creating an item queues its
//! task in the same transaction, so an accepted item is never without
//! work, and a failed request leaves neither.

use std::path::{Path, PathBuf};

use deadpool_postgres::{Pool, Transaction};
use serde::Serialize;
use tokio_postgres::Row;

use crate::error::{Error, Result};
use crate::store::tenants::Tenant;
use crate::store::webhooks;

/// A media item as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Media {
    /// The id (ClickHouse's `media_id`, unless it shares another's
    /// fingerprints).
    pub id: i64,
    /// The caller's own id for it.
    pub external_id: Option<String>,
    /// The caller's key/value metadata.
    pub metadata: serde_json::Value,
    /// A URL, or `upload:<file name>`.
    pub source: String,
    /// `pending`, `processing`, `ready`, `failed`, `cancelled` or `deleted`.
    pub status: String,
    /// `image`, `audio` or `video`, once known.
    pub modality: Option<String>,
    /// Length of audio and video, once known.
    pub duration_ms: Option<i64>,
    /// Size of the file, once fetched.
    pub bytes: Option<i64>,
    /// SHA-256 of the file in hex, once fetched.
    pub sha256: Option<String>,
    /// For an exact duplicate: the item whose fingerprints it shares.
    pub duplicate_of: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    /// The bulk job it came from.
    pub job_id: Option<i64>,
    /// The subtitle file given with it, if one was.
    pub subtitles: Option<ItemSubtitles>,
    /// When it was accepted (RFC 3339).
    pub created_at: String,
    /// When its status last changed (RFC 3339).
    pub updated_at: String,
}

/// A subtitle file given with an item (`sql/postgres/V9__subtitles_and_weights.sql`):
/// read by the worker that ingests the item, before it is ready.
#[derive(Debug, Clone, Serialize)]
pub struct ItemSubtitles {
    /// Its URL, or `upload:<file name>`.
    pub source: String,
    /// The language tag for a file that names none (may be empty).
    pub language: String,
    /// Cues read from it, once read.
    pub cues: Option<i64>,
    /// Why it was not read (the item is ingested all the same).
    pub error: Option<String>,
}

/// The columns [`Media::from_row`] reads.
pub const COLUMNS: &str = "id, external_id, metadata, source, status, modality, duration_ms, \
    bytes, encode(sha256, 'hex') AS sha256, fingerprints_of, error, job_id, \
    subtitles_source, subtitles_language, subtitles_cues, subtitles_error, \
    to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS created_at, \
    to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS updated_at";

impl Media {
    /// From a row selected with [`COLUMNS`].
    pub fn from_row(row: &Row) -> Self {
        Media {
            id: row.get("id"),
            external_id: row.get("external_id"),
            metadata: row.get("metadata"),
            source: row.get("source"),
            status: row.get("status"),
            modality: row.get("modality"),
            duration_ms: row.get("duration_ms"),
            bytes: row.get("bytes"),
            sha256: row.get("sha256"),
            duplicate_of: row.get("fingerprints_of"),
            error: row.get("error"),
            job_id: row.get("job_id"),
            subtitles: row
                .get::<_, Option<String>>("subtitles_source")
                .map(|source| ItemSubtitles {
                    source,
                    language: row.get("subtitles_language"),
                    cues: row.get("subtitles_cues"),
                    error: row.get("subtitles_error"),
                }),
            created_at: row.get("created_at"),
            updated_at: row.get("updated_at"),
        }
    }
}

/// What a new item is made from.
#[derive(Debug, Clone, Default)]
pub struct NewMedia {
    /// A URL, or `upload:<file name>` (the file is then placed with
    /// [`NewMedia::upload`]).
    pub source: String,
    /// The caller's id.
    pub external_id: Option<String>,
    /// Key/value metadata (a JSON object).
    pub metadata: serde_json::Value,
    /// The uploaded file, moved into the library when the item is made.
    pub upload: Option<PathBuf>,
    /// The job and row it belongs to.
    pub job: Option<(i64, i32)>,
    /// The client's `Idempotency-Key`: a tenant's second request with the
    /// key gets the first item (a unique constraint, `media_idempotency`).
    pub idempotency_key: Option<String>,
    /// A subtitle file given with it.
    pub subtitles: Option<NewSubtitles>,
}

/// A subtitle file given with a new item: a URL the worker fetches, or a
/// file received with the item (moved beside the media file, to
/// [`subtitles_path`], when the item is made).
#[derive(Debug, Clone, Default)]
pub struct NewSubtitles {
    /// A URL, or `upload:<file name>`.
    pub source: String,
    /// The language tag for a file that names none (checked; may be empty).
    pub language: String,
    /// The received file, for an upload.
    pub upload: Option<PathBuf>,
}

/// Where a tenant's media files live: `<data dir>/media/<tenant>/<id>`.
pub fn file_path(data_dir: &Path, tenant_id: i32, media_id: i64) -> PathBuf {
    data_dir
        .join("media")
        .join(tenant_id.to_string())
        .join(media_id.to_string())
}

/// Where an item's previews live (`clickprint-udf preview`): beside the
/// file, `<data dir>/media/<tenant>/<id>.previews/`.
pub fn previews_dir(data_dir: &Path, tenant_id: i32, media_id: i64) -> PathBuf {
    file_path(data_dir, tenant_id, media_id).with_extension("previews")
}

/// Where the subtitle file given with an item is kept:
/// `<data dir>/media/<tenant>/<id>.subtitles`.
pub fn subtitles_path(data_dir: &Path, tenant_id: i32, media_id: i64) -> PathBuf {
    file_path(data_dir, tenant_id, media_id).with_extension("subtitles")
}

/// Removes an item's original, previews and subtitle file, at once; what is already gone
/// is no error. The caller knows no live item uses them (see
/// [`has_live_files`]).
///
/// # Errors
/// [`Error::Io`] when a file that is there cannot be removed.
pub async fn remove_files(data_dir: &Path, tenant_id: i32, media_id: i64) -> Result<()> {
    let gone = |r: std::io::Result<()>| match r {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    };
    let file = file_path(data_dir, tenant_id, media_id);
    gone(tokio::fs::remove_file(&file).await)
        .map_err(|e| Error::io(format!("removing {}", file.display()), e))?;
    let subtitles = subtitles_path(data_dir, tenant_id, media_id);
    gone(tokio::fs::remove_file(&subtitles).await)
        .map_err(|e| Error::io(format!("removing {}", subtitles.display()), e))?;
    let previews = previews_dir(data_dir, tenant_id, media_id);
    gone(tokio::fs::remove_dir_all(&previews).await)
        .map_err(|e| Error::io(format!("removing {}", previews.display()), e))
}

/// Whether the tenant's item `id` has files a person may look at: it is
/// not deleted, or a live exact duplicate uses its files.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn has_live_files(pool: &Pool, tenant_id: i32, id: i64) -> Result<bool> {
    let row = pool
        .get()
        .await?
        .query_opt(
            "SELECT 1 FROM media WHERE tenant_id = $1 AND status <> 'deleted' \
             AND (id = $2 OR fingerprints_of = $2) LIMIT 1",
            &[&tenant_id, &id],
        )
        .await?;
    Ok(row.is_some())
}

/// Bytes of originals a tenant keeps: items pending, processing or ready
/// that hold their own file (an exact duplicate shares its original's;
/// deleted, failed and cancelled items' files are removed).
const BYTES_STORED: &str = "SELECT coalesce(sum(bytes), 0)::bigint FROM media \
    WHERE tenant_id = $1 AND status IN ('pending', 'processing', 'ready') \
    AND fingerprints_of IS NULL";

/// Checks the tenant's quotas inside `tx`, counting `more` new items of
/// `more_bytes` bytes in all: `max_assets` and `max_bytes`.
pub(crate) async fn check_quota(
    tx: &Transaction<'_>,
    tenant: &Tenant,
    more: i64,
    more_bytes: i64,
) -> Result<()> {
    if tenant.max_assets.is_none() && tenant.max_bytes.is_none() {
        return Ok(());
    }
    // Serialise quota checks of one tenant, so two requests cannot both
    // take the last slot.
    tx.execute("SELECT pg_advisory_xact_lock(1, $1)", &[&tenant.id])
        .await?;
    if let Some(max) = tenant.max_assets {
        let used: i64 = tx
            .query_one(
                "SELECT count(*) FROM media WHERE tenant_id = $1 \
                 AND status NOT IN ('deleted', 'failed', 'cancelled')",
                &[&tenant.id],
            )
            .await?
            .get(0);
        if used + more > max {
            return Err(Error::QuotaExceeded(format!(
                "tenant {} holds {used} of its {max} assets; {more} more do not fit",
                tenant.name
            )));
        }
    }
    if let Some(max) = tenant.max_bytes {
        let used: i64 = tx.query_one(BYTES_STORED, &[&tenant.id]).await?.get(0);
        if used.saturating_add(more_bytes) > max {
            return Err(Error::QuotaExceeded(format!(
                "tenant {} keeps {used} of its {max} bytes (setting max_bytes); \
                 {more_bytes} more do not fit",
                tenant.name
            )));
        }
    }
    Ok(())
}

/// What is left of the tenant's byte quota (`max_bytes`) now; `None` when
/// it has none.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn bytes_left(pool: &Pool, tenant: &Tenant) -> Result<Option<u64>> {
    let Some(max) = tenant.max_bytes else {
        return Ok(None);
    };
    let client = pool.get().await?;
    let used: i64 = client.query_one(BYTES_STORED, &[&tenant.id]).await?.get(0);
    Ok(Some(u64::try_from(max.saturating_sub(used)).unwrap_or(0)))
}

/// Records the size of an item's download once it is fetched, checking
/// the tenant's byte quota (the item counts from now on).
///
/// # Errors
/// [`Error::QuotaExceeded`] when the file does not fit `max_bytes`
/// (nothing is recorded), [`Error::Postgres`].
pub async fn record_download(
    pool: &Pool,
    tenant: &Tenant,
    media_id: i64,
    bytes: i64,
) -> Result<()> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    // An item retried after a failed attempt may have its size already.
    tx.execute("UPDATE media SET bytes = NULL WHERE id = $1", &[&media_id])
        .await?;
    check_quota(&tx, tenant, 0, bytes).await?;
    tx.execute(
        "UPDATE media SET bytes = $2 WHERE id = $1",
        &[&media_id, &bytes],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Accepts one item: its row and its task, in one transaction; an upload
/// is moved into the library before the commit.
///
/// # Errors
/// [`Error::QuotaExceeded`] past the asset quota, [`Error::BadRequest`] for
/// metadata that is not an object, [`Error::Postgres`], [`Error::Io`].
pub async fn create(pool: &Pool, data_dir: &Path, tenant: &Tenant, new: NewMedia) -> Result<Media> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    if let Some(key) = &new.idempotency_key
        && let Some(first) = by_key(&tx, tenant.id, key).await?
    {
        return Ok(first);
    }
    let bytes = match &new.upload {
        Some(upload) => upload_size(upload).await?,
        None => 0,
    };
    check_quota(&tx, tenant, 1, bytes).await?;
    let media = insert(&tx, data_dir, tenant, new).await?;
    tx.commit().await?;
    Ok(media)
}

/// An uploaded file's size.
///
/// # Errors
/// [`Error::Io`].
pub(crate) async fn upload_size(upload: &Path) -> Result<i64> {
    Ok(tokio::fs::metadata(upload)
        .await
        .map_err(|e| Error::io(format!("reading {}", upload.display()), e))?
        .len() as i64)
}

/// The tenant's item made with an idempotency key, if any.
async fn by_key(tx: &Transaction<'_>, tenant_id: i32, key: &str) -> Result<Option<Media>> {
    let row = tx
        .query_opt(
            &format!("SELECT {COLUMNS} FROM media WHERE tenant_id = $1 AND idempotency_key = $2"),
            &[&tenant_id, &key],
        )
        .await?;
    Ok(row.as_ref().map(Media::from_row))
}

/// Inserts an item and its task inside `tx` (the caller checks quotas).
/// An idempotency key the tenant used already, by a request committed
/// meanwhile, gives that request's item and inserts nothing.
///
/// # Errors
/// As [`create`].
pub async fn insert(
    tx: &Transaction<'_>,
    data_dir: &Path,
    tenant: &Tenant,
    new: NewMedia,
) -> Result<Media> {
    let metadata = match new.metadata {
        serde_json::Value::Null => serde_json::json!({}),
        v @ serde_json::Value::Object(_) => v,
        _ => {
            return Err(Error::BadRequest(
                "metadata must be a JSON object of keys and values".into(),
            ));
        }
    };
    let (job_id, job_row) = new.job.unzip();
    // An upload's size is known now (a download's once fetched): the bytes
    // the tenant stores count from the start.
    let bytes = match &new.upload {
        Some(upload) => Some(upload_size(upload).await?),
        None => None,
    };
    let row = tx
        .query_opt(
            &format!(
                "INSERT INTO media (tenant_id, external_id, metadata, source, job_id, job_row, \
                     bytes, idempotency_key, subtitles_source, subtitles_language) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, coalesce($10, '')) \
                 ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING {COLUMNS}"
            ),
            &[
                &tenant.id,
                &new.external_id,
                &metadata,
                &new.source,
                &job_id,
                &job_row,
                &bytes,
                &new.idempotency_key,
                &new.subtitles.as_ref().map(|s| s.source.as_str()),
                &new.subtitles.as_ref().map(|s| s.language.as_str()),
            ],
        )
        .await?;
    let Some(row) = row else {
        let key = new.idempotency_key.as_deref().unwrap_or_default();
        return by_key(tx, tenant.id, key)
            .await?
            .ok_or_else(|| Error::Conflict(format!("the idempotency key {key:?} is in use")));
    };
    let media = Media::from_row(&row);
    tx.execute(
        "INSERT INTO tasks (media_id, tenant_id) VALUES ($1, $2)",
        &[&media.id, &tenant.id],
    )
    .await?;
    let uploads = [
        (new.upload, file_path(data_dir, tenant.id, media.id)),
        (
            new.subtitles.and_then(|s| s.upload),
            subtitles_path(data_dir, tenant.id, media.id),
        ),
    ];
    for (upload, target) in uploads {
        let Some(upload) = upload else { continue };
        if let Some(dir) = target.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        }
        tokio::fs::rename(&upload, &target)
            .await
            .map_err(|e| Error::io(format!("moving the upload to {}", target.display()), e))?;
    }
    Ok(media)
}

/// One item of a tenant.
///
/// # Errors
/// [`Error::NotFound`] when the tenant has no such item (whoever else has).
pub async fn get(pool: &Pool, tenant_id: i32, id: i64) -> Result<Media> {
    let client = pool.get().await?;
    client
        .query_opt(
            &format!("SELECT {COLUMNS} FROM media WHERE tenant_id = $1 AND id = $2"),
            &[&tenant_id, &id],
        )
        .await?
        .map(|r| Media::from_row(&r))
        .ok_or_else(|| Error::NotFound(format!("no media {id}")))
}

/// A page of a tenant's items, newest first, optionally of one status.
/// The cursor is the last id of the previous page.
///
/// # Errors
/// [`Error::BadRequest`] for an unknown status.
pub async fn list(
    pool: &Pool,
    tenant_id: i32,
    status: Option<&str>,
    cursor: Option<i64>,
    limit: i64,
) -> Result<(Vec<Media>, Option<i64>)> {
    const STATUSES: [&str; 6] = [
        "pending",
        "processing",
        "ready",
        "failed",
        "cancelled",
        "deleted",
    ];
    if let Some(s) = status
        && !STATUSES.contains(&s)
    {
        return Err(Error::BadRequest(format!(
            "unknown status {s:?}; one of {}",
            STATUSES.join(", ")
        )));
    }
    let limit = limit.clamp(1, 1000);
    let client = pool.get().await?;
    let rows = client
        .query(
            &format!(
                "SELECT {COLUMNS} FROM media WHERE tenant_id = $1 \
                 AND ($2::text IS NULL AND status != 'deleted' OR status = $2) \
                 AND ($3::bigint IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
            ),
            &[&tenant_id, &status, &cursor, &(limit + 1)],
        )
        .await?;
    Ok(crate::store::page(
        rows.iter().map(Media::from_row).collect(),
        limit,
        |m| m.id,
    ))
}

/// The fingerprint owner of each of the given ClickHouse media ids, with
/// every live item of the tenant that uses them (the owner and its exact
/// duplicates): `(fingerprint id, item)`. With `filter` (a JSON object of
/// scalar values), only items whose metadata holds every one of its keys
/// with that exact value.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn sharing(
    pool: &Pool,
    tenant_id: i32,
    ids: &[i64],
    filter: Option<&serde_json::Value>,
) -> Result<Vec<(i64, Media)>> {
    let client = pool.get().await?;
    // `@>` with an object of scalars is "every key has this value"; no
    // filter is the empty object, which every item passes.
    let anything = serde_json::json!({});
    let rows = client
        .query(
            &format!(
                "SELECT coalesce(fingerprints_of, id) AS owner, {COLUMNS} FROM media \
                 WHERE tenant_id = $1 AND status = 'ready' \
                 AND coalesce(fingerprints_of, id) = ANY($2) \
                 AND ($3::jsonb = '{{}}'::jsonb OR metadata @> $3::jsonb) ORDER BY id"
            ),
            &[&tenant_id, &ids, &filter.unwrap_or(&anything)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get("owner"), Media::from_row(r)))
        .collect())
}

/// Deletes an item: at once it leaves the tenant's results. Its
/// fingerprints are tombstoned in ClickHouse when no other live item of the
/// tenant shares them (an exact duplicate keeps them alive). A task not yet
/// started is cancelled.
///
/// Returns the ClickHouse media id to tombstone, if any.
///
/// # Errors
/// [`Error::NotFound`] when the tenant has no such (undeleted) item.
pub async fn delete(pool: &Pool, tenant_id: i32, id: i64) -> Result<Option<i64>> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let row = tx
        .query_opt(
            "UPDATE media SET status = 'deleted', updated_at = now() \
             WHERE tenant_id = $1 AND id = $2 AND status != 'deleted' \
             RETURNING coalesce(fingerprints_of, id)",
            &[&tenant_id, &id],
        )
        .await?
        .ok_or_else(|| Error::NotFound(format!("no media {id}")))?;
    let owner: i64 = row.get(0);
    tx.execute(
        "UPDATE tasks SET state = 'cancelled', finished_at = now() \
         WHERE media_id = $1 AND state = 'queued'",
        &[&id],
    )
    .await?;
    let still_used: i64 = tx
        .query_one(
            "SELECT count(*) FROM media WHERE tenant_id = $1 AND status != 'deleted' \
             AND coalesce(fingerprints_of, id) = $2",
            &[&tenant_id, &owner],
        )
        .await?
        .get(0);
    tx.commit().await?;
    Ok((still_used == 0).then_some(owner))
}

/// Ready items of one modality.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ModalityTotals {
    /// Items.
    pub items: i64,
    /// Their bytes, as fetched or uploaded.
    pub bytes: i64,
    /// Their duration, ms (0 for pictures).
    pub duration_ms: i64,
    /// How many are exact copies (same SHA-256) of another item.
    pub exact_duplicates: i64,
}

/// Items added on one day (UTC), by where they stand now.
#[derive(Debug, Clone, Serialize)]
pub struct DayTotals {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Items created that day.
    pub added: i64,
    /// Of those, ready now.
    pub ready: i64,
    /// Of those, failed.
    pub failed: i64,
}

/// Bulk jobs of a tenant.
#[derive(Debug, Clone, Default, Serialize)]
pub struct JobTotals {
    /// Jobs created.
    pub jobs: i64,
    /// Rows their files held.
    pub rows: i64,
    /// Rows that failed: those that never became an item (malformed,
    /// missing from the ZIP) and those whose item failed.
    pub failed_rows: i64,
    /// Jobs cancelled.
    pub cancelled: i64,
}

/// A reason items failed, and how many.
#[derive(Debug, Clone, Serialize)]
pub struct FailureReason {
    /// The error, cut to 200 characters.
    pub reason: String,
    /// Items that failed with it.
    pub items: i64,
}

/// A tenant's ingest statistics, from Postgres (`GET /v1/stats`).
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// Items by status (`pending`, `processing`, `ready`, `failed`,
    /// `cancelled`, `deleted`); statuses without items are left out.
    pub by_status: std::collections::BTreeMap<String, i64>,
    /// Ready items by modality.
    pub ready: std::collections::BTreeMap<String, ModalityTotals>,
    /// The last 90 days with items added, oldest first.
    pub per_day: Vec<DayTotals>,
    /// Bulk jobs.
    pub jobs: JobTotals,
    /// The ten most frequent reasons items failed, each URL in them
    /// written `<url>` so that one cause is one reason.
    pub failures: Vec<FailureReason>,
    /// Bytes of originals the tenant keeps on disk: items pending,
    /// processing or ready that hold their own file (an exact duplicate
    /// shares its original's; deleted, failed and cancelled items' files
    /// are removed). Previews are not counted.
    pub bytes_stored: i64,
}

/// A tenant's ingest statistics.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn stats(pool: &Pool, tenant_id: i32) -> Result<Stats> {
    let client = pool.get().await?;
    let by_status = client
        .query(
            "SELECT status, count(*) AS n FROM media WHERE tenant_id = $1 GROUP BY status",
            &[&tenant_id],
        )
        .await?
        .iter()
        .map(|r| (r.get("status"), r.get("n")))
        .collect();
    let ready = client
        .query(
            "SELECT modality, count(*) AS items, coalesce(sum(bytes), 0)::bigint AS bytes, \
             coalesce(sum(duration_ms), 0)::bigint AS duration_ms, \
             count(fingerprints_of) AS exact_duplicates \
             FROM media WHERE tenant_id = $1 AND status = 'ready' AND modality IS NOT NULL \
             GROUP BY modality",
            &[&tenant_id],
        )
        .await?
        .iter()
        .map(|r| {
            let totals = ModalityTotals {
                items: r.get("items"),
                bytes: r.get("bytes"),
                duration_ms: r.get("duration_ms"),
                exact_duplicates: r.get("exact_duplicates"),
            };
            (r.get("modality"), totals)
        })
        .collect();
    let per_day = client
        .query(
            "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, \
             count(*) AS added, count(*) FILTER (WHERE status = 'ready') AS ready, \
             count(*) FILTER (WHERE status = 'failed') AS failed \
             FROM media WHERE tenant_id = $1 AND created_at > now() - interval '90 days' \
             GROUP BY day ORDER BY day",
            &[&tenant_id],
        )
        .await?
        .iter()
        .map(|r| DayTotals {
            day: r.get("day"),
            added: r.get("added"),
            ready: r.get("ready"),
            failed: r.get("failed"),
        })
        .collect();
    let row = client
        .query_one(
            "SELECT count(*) AS jobs, coalesce(sum(total), 0)::bigint AS rows, \
             count(cancelled_at) AS cancelled, \
             (SELECT count(*) FROM job_failures f JOIN jobs j ON j.id = f.job_id \
              WHERE j.tenant_id = $1) \
             + (SELECT count(*) FROM media \
                WHERE tenant_id = $1 AND job_id IS NOT NULL AND status = 'failed') AS failed_rows \
             FROM jobs WHERE tenant_id = $1",
            &[&tenant_id],
        )
        .await?;
    let jobs = JobTotals {
        jobs: row.get("jobs"),
        rows: row.get("rows"),
        failed_rows: row.get("failed_rows"),
        cancelled: row.get("cancelled"),
    };
    let failures = client
        .query(
            "SELECT left(regexp_replace(coalesce(error, ''), 'https?://[^[:space:]\"'']+', '<url>', 'g'), 200) \
               AS reason, count(*) AS items FROM media \
             WHERE tenant_id = $1 AND status = 'failed' \
             GROUP BY reason ORDER BY items DESC, reason LIMIT 10",
            &[&tenant_id],
        )
        .await?
        .iter()
        .map(|r| FailureReason {
            reason: r.get("reason"),
            items: r.get("items"),
        })
        .collect();
    let bytes_stored = client.query_one(BYTES_STORED, &[&tenant_id]).await?.get(0);
    Ok(Stats {
        by_status,
        ready,
        per_day,
        jobs,
        failures,
        bytes_stored,
    })
}

/// What a worker needs of an item to work its task: where the media is,
/// the item's status, and its tenant's name and modalities.
#[derive(Debug, Clone)]
pub struct WorkItem {
    /// A URL, or `upload:<file name>`.
    pub source: String,
    /// The item's status now.
    pub status: String,
    /// Its tenant; only `id`, `name`, `modalities` and `max_bytes` are read.
    pub tenant: Tenant,
}

/// The item `media_id` as a worker sees it, if it still exists.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn work_item(pool: &Pool, media_id: i64) -> Result<Option<WorkItem>> {
    let row = pool
        .get()
        .await?
        .query_opt(
            "SELECT m.source, m.status, t.id, t.name, t.modalities, t.max_bytes FROM media m \
             JOIN tenants t ON t.id = m.tenant_id WHERE m.id = $1",
            &[&media_id],
        )
        .await?;
    Ok(row.map(|row| WorkItem {
        source: row.get(0),
        status: row.get(1),
        tenant: Tenant {
            id: row.get(2),
            name: row.get(3),
            modalities: row.get(4),
            max_assets: None,
            max_bytes: row.get(5),
            requests_per_minute: None,
            disabled: false,
            search_weights: crate::store::tenants::Weights::default(),
        },
    }))
}

/// Sets an item's status and error, unless it was deleted or cancelled
/// meanwhile.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn set_status(
    pool: &Pool,
    media_id: i64,
    status: &str,
    error: Option<&str>,
) -> Result<()> {
    let statement = "UPDATE media SET status = $2, error = $3, updated_at = now() \
                     WHERE id = $1 AND status NOT IN ('deleted', 'cancelled')";
    if status != "failed" {
        pool.get()
            .await?
            .execute(statement, &[&media_id, &status, &error])
            .await?;
        return Ok(());
    }
    // An item's end: its events are written with it.
    ended(
        pool,
        media_id,
        true,
        statement,
        &[&media_id, &status, &error],
    )
    .await?;
    Ok(())
}

/// Runs `statement`, which ends item `media_id` (ready or failed), in one
/// transaction with the events it causes (`store::webhooks`):
/// `media.failed` when `failed`, and `job.finished` when it was its job's
/// last item. True when it changed the item.
async fn ended(
    pool: &Pool,
    media_id: i64,
    failed: bool,
    statement: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<bool> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let job = webhooks::lock_job_of(&tx, media_id).await?;
    let changed = tx.execute(statement, params).await? == 1;
    if changed {
        if failed {
            webhooks::media_failed(&tx, media_id).await?;
        }
        if let Some(job) = job {
            webhooks::job_finished(&tx, job).await?;
        }
    }
    tx.commit().await?;
    Ok(changed)
}

/// Forgets the subtitle file given with an item (its cues were removed).
///
/// # Errors
/// [`Error::Postgres`].
pub async fn forget_subtitles(pool: &Pool, media_id: i64) -> Result<()> {
    pool.get()
        .await?
        .execute(
            "UPDATE media SET subtitles_source = NULL, subtitles_language = '', \
                 subtitles_cues = NULL, subtitles_error = NULL WHERE id = $1",
            &[&media_id],
        )
        .await?;
    Ok(())
}

/// Records what became of the subtitle file given with an item: the cues
/// read from it, or why it was not read.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn set_subtitles(
    pool: &Pool,
    media_id: i64,
    outcome: std::result::Result<u64, String>,
) -> Result<()> {
    let (cues, error) = match outcome {
        Ok(cues) => (Some(i64::try_from(cues).unwrap_or(i64::MAX)), None),
        Err(why) => (None, Some(why)),
    };
    pool.get()
        .await?
        .execute(
            "UPDATE media SET subtitles_cues = $2, subtitles_error = $3 WHERE id = $1",
            &[&media_id, &cues, &error],
        )
        .await?;
    Ok(())
}

/// Marks a fingerprinted item ready, with what the probe and the hash
/// found, unless it was deleted or cancelled meanwhile.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn mark_ready(
    pool: &Pool,
    media_id: i64,
    modality: &str,
    duration_ms: i64,
    bytes: i64,
    sha256: &[u8],
) -> Result<()> {
    ended(
        pool,
        media_id,
        false,
        "UPDATE media SET status = 'ready', error = NULL, modality = $2, duration_ms = $3, \
             bytes = $4, sha256 = $5, updated_at = now() \
         WHERE id = $1 AND status NOT IN ('deleted', 'cancelled')",
        &[&media_id, &modality, &duration_ms, &bytes, &sha256],
    )
    .await?;
    Ok(())
}

/// Links the item to a ready item of the tenant with the same bytes, if
/// there is one; true when linked.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn link_duplicate(
    pool: &Pool,
    tenant_id: i32,
    media_id: i64,
    sha256: &[u8],
    bytes: i64,
) -> Result<bool> {
    ended(
        pool,
        media_id,
        false,
        "UPDATE media m SET status = 'ready', error = NULL, fingerprints_of = o.id, \
                 modality = o.modality, duration_ms = o.duration_ms, bytes = $3, sha256 = $4, \
                 updated_at = now() \
             FROM (SELECT id, modality, duration_ms FROM media \
                   WHERE tenant_id = $2 AND sha256 = $4 AND status = 'ready' \
                     AND fingerprints_of IS NULL AND id != $1 \
                   ORDER BY id LIMIT 1) o \
             WHERE m.id = $1 AND m.status NOT IN ('deleted', 'cancelled')",
        &[&media_id, &tenant_id, &bytes, &sha256],
    )
    .await
}

/// The items of job `job`, in order.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn of_job(pool: &Pool, job: i64) -> Result<Vec<i64>> {
    Ok(pool
        .get()
        .await?
        .query(
            "SELECT id FROM media WHERE job_id = $1 ORDER BY id",
            &[&job],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// How many of `ids` are finished (ready, failed, cancelled or deleted),
/// and the failures as `(id, external id or source, reason)`.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn progress(pool: &Pool, ids: &[i64]) -> Result<(usize, Vec<(i64, String, String)>)> {
    let rows = pool
        .get()
        .await?
        .query(
            "SELECT id, coalesce(external_id, source), status, coalesce(error, '') FROM media \
             WHERE id = ANY($1) AND status NOT IN ('pending', 'processing')",
            &[&ids],
        )
        .await?;
    let failed = rows
        .iter()
        .filter(|r| r.get::<_, String>(2) == "failed")
        .map(|r| (r.get(0), r.get(1), r.get(3)))
        .collect();
    Ok((rows.len(), failed))
}
