//! Webhooks and their deliveries in Postgres (`sql/postgres/V7__webhooks.sql`):
//! a tenant's webhooks, the outbox of deliveries its events make, the
//! senders' claim on a due delivery, and the log of every attempt.
//!
//! Events are written where their cause is: [`media_failed`] and
//! [`job_finished`] run inside the transaction of the status change (the
//! item's, in `store::media`), so a committed change always has its
//! deliveries and a rolled-back one never has; [`enqueue`] writes the
//! others (a match found after an item is ready, a test). Each makes one
//! delivery per webhook of the tenant that asks for the event, and a
//! second write of one event (a retried task) adds nothing: a delivery is
//! unique per webhook and event id.
//!
//! A job's end is decided under a lock of the job's row, taken before the
//! item's status changes: two workers ending a job's last two items one
//! after the other each see the other's commit, so exactly one of them
//! finds nothing left and writes `job.finished`.

use std::time::Duration;

use deadpool_postgres::{GenericClient, Pool, Transaction};
use serde::Serialize;

use crate::error::{Error, Result};

/// The events a webhook may ask for.
pub const EVENTS: [&str; 3] = ["job.finished", "media.failed", "media.matched"];

/// A webhook as the API shows it (never its secret, but once: at creation).
#[derive(Debug, Clone, Serialize)]
pub struct Webhook {
    /// The id.
    pub id: i64,
    /// Where deliveries are posted.
    pub url: String,
    /// The events it gets.
    pub events: Vec<String>,
    /// `media.matched` fires for matches scoring this or more (0..1).
    pub min_score: f32,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When its tenant deleted it (RFC 3339); it gets nothing since.
    pub disabled_at: Option<String>,
}

const WEBHOOK_COLUMNS: &str = "id, url, events, min_score, \
    to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), \
    to_char(disabled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

fn webhook(row: &tokio_postgres::Row) -> Webhook {
    Webhook {
        id: row.get(0),
        url: row.get(1),
        events: row.get(2),
        min_score: row.get(3),
        created_at: row.get(4),
        disabled_at: row.get(5),
    }
}

/// A webhook to make.
#[derive(Debug, Clone)]
pub struct NewWebhook<'a> {
    /// Its URL, checked by the caller.
    pub url: &'a str,
    /// Its events, each one of [`EVENTS`].
    pub events: &'a [String],
    /// Its `min_score`.
    pub min_score: f32,
    /// Its signing secret.
    pub secret: &'a str,
}

/// Makes a webhook of `tenant_id`, unless the tenant keeps `cap` already.
///
/// # Errors
/// [`Error::QuotaExceeded`] past the cap (setting `webhooks_per_tenant`).
pub async fn create(
    pool: &Pool,
    tenant_id: i32,
    cap: usize,
    new: &NewWebhook<'_>,
) -> Result<Webhook> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    // Serialise a tenant's creations, so two at once cannot both take the
    // last place (the quota checks' lock, another class).
    tx.execute("SELECT pg_advisory_xact_lock(2, $1)", &[&tenant_id])
        .await?;
    let kept: i64 = tx
        .query_one(
            "SELECT count(*) FROM webhooks WHERE tenant_id = $1 AND disabled_at IS NULL",
            &[&tenant_id],
        )
        .await?
        .get(0);
    if kept >= i64::try_from(cap).unwrap_or(i64::MAX) {
        return Err(Error::QuotaExceeded(format!(
            "the tenant keeps {kept} webhooks, its most (setting webhooks_per_tenant); \
             delete one first"
        )));
    }
    let row = tx
        .query_one(
            &format!(
                "INSERT INTO webhooks (tenant_id, url, secret, events, min_score) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING {WEBHOOK_COLUMNS}"
            ),
            &[
                &tenant_id,
                &new.url,
                &new.secret,
                &new.events,
                &new.min_score,
            ],
        )
        .await?;
    tx.commit().await?;
    Ok(webhook(&row))
}

/// A tenant's webhooks, deleted ones included, newest first.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn list(pool: &Pool, tenant_id: i32) -> Result<Vec<Webhook>> {
    let rows = pool
        .get()
        .await?
        .query(
            &format!(
                "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE tenant_id = $1 ORDER BY id DESC"
            ),
            &[&tenant_id],
        )
        .await?;
    Ok(rows.iter().map(webhook).collect())
}

/// One webhook of a tenant.
///
/// # Errors
/// [`Error::NotFound`] when the tenant has no such webhook.
pub async fn get(pool: &Pool, tenant_id: i32, id: i64) -> Result<Webhook> {
    pool.get()
        .await?
        .query_opt(
            &format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE tenant_id = $1 AND id = $2"),
            &[&tenant_id, &id],
        )
        .await?
        .map(|r| webhook(&r))
        .ok_or_else(|| Error::NotFound(format!("no webhook {id}")))
}

/// Deletes a webhook: it gets no new delivery, its queued ones are given
/// up, and its log stays readable.
///
/// # Errors
/// [`Error::NotFound`] when the tenant has no such webhook.
pub async fn disable(pool: &Pool, tenant_id: i32, id: i64) -> Result<Webhook> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let found = tx
        .execute(
            "UPDATE webhooks SET disabled_at = coalesce(disabled_at, now()) \
             WHERE tenant_id = $1 AND id = $2",
            &[&tenant_id, &id],
        )
        .await?;
    if found == 0 {
        return Err(Error::NotFound(format!("no webhook {id}")));
    }
    tx.execute(
        "UPDATE webhook_deliveries SET state = 'failed', last_error = 'the webhook was deleted', \
             lease_until = NULL \
         WHERE webhook_id = $1 AND state = 'queued'",
        &[&id],
    )
    .await?;
    tx.commit().await?;
    get(pool, tenant_id, id).await
}

/// One attempt of a delivery.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// 1 for the first.
    pub attempt: i32,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// How long it took, ms.
    pub duration_ms: i32,
    /// The receiver's status, when it answered.
    pub status: Option<i32>,
    /// Why it failed: the status's words, a refusal, the deadline.
    pub error: Option<String>,
}

/// A delivery with its log, as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// The id.
    pub id: i64,
    /// `job.finished`, `media.failed`, `media.matched` or `webhook.test`.
    pub event: String,
    /// The event's id, the body's `id`.
    pub event_id: String,
    /// `queued`, `sending`, `delivered` or `failed` (given up).
    pub state: String,
    /// Attempts so far.
    pub attempts: i32,
    /// When the next attempt is due, while queued (RFC 3339).
    pub next_attempt_at: Option<String>,
    /// The last status the receiver answered.
    pub last_status: Option<i32>,
    /// The last failure.
    pub last_error: Option<String>,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When the receiver took it (RFC 3339).
    pub delivered_at: Option<String>,
    /// The body sent.
    pub payload: serde_json::Value,
    /// Every attempt, first first.
    pub log: Vec<Attempt>,
}

/// A page of a webhook's deliveries, newest first: those older than
/// `cursor` (a delivery id) when given, at most `limit`.
///
/// # Errors
/// [`Error::NotFound`] when the tenant has no such webhook.
pub async fn deliveries(
    pool: &Pool,
    tenant_id: i32,
    webhook_id: i64,
    cursor: Option<i64>,
    limit: i64,
) -> Result<Vec<Delivery>> {
    get(pool, tenant_id, webhook_id).await?;
    let ts =
        |c: &str| format!("to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')");
    let rows = pool
        .get()
        .await?
        .query(
            &format!(
                "SELECT d.id, d.event, d.event_id, d.state, d.attempts, \
                     CASE WHEN d.state = 'queued' THEN {} END, d.last_status, d.last_error, \
                     {}, {}, d.payload, \
                     coalesce((SELECT jsonb_agg(jsonb_build_object( \
                         'attempt', a.attempt, 'started_at', {}, 'duration_ms', a.duration_ms, \
                         'status', a.status, 'error', a.error) ORDER BY a.attempt) \
                       FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]') \
                 FROM webhook_deliveries d \
                 WHERE d.webhook_id = $1 AND d.tenant_id = $2 AND ($3::bigint IS NULL OR d.id < $3) \
                 ORDER BY d.id DESC LIMIT $4",
                ts("d.next_attempt_at"),
                ts("d.created_at"),
                ts("d.delivered_at"),
                ts("a.started_at"),
            ),
            &[&webhook_id, &tenant_id, &cursor, &limit.clamp(1, 500)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let log: serde_json::Value = r.get(11);
            Delivery {
                id: r.get(0),
                event: r.get(1),
                event_id: r.get(2),
                state: r.get(3),
                attempts: r.get(4),
                next_attempt_at: r.get(5),
                last_status: r.get(6),
                last_error: r.get(7),
                created_at: r.get(8),
                delivered_at: r.get(9),
                payload: r.get(10),
                log: attempts(&log),
            }
        })
        .collect())
}

fn attempts(log: &serde_json::Value) -> Vec<Attempt> {
    log.as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|a| Attempt {
            attempt: a["attempt"]
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .unwrap_or(0),
            started_at: a["started_at"].as_str().unwrap_or_default().to_owned(),
            duration_ms: a["duration_ms"]
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .unwrap_or(0),
            status: a["status"].as_i64().and_then(|n| i32::try_from(n).ok()),
            error: a["error"].as_str().map(str::to_owned),
        })
        .collect()
}

/// Writes one event: a delivery to each live webhook of `tenant_id` that
/// asks for `event`, or to webhook `only` alone when given (a test, or a
/// match that reached that webhook's `min_score`). The body is `{"id",
/// "type", "created_at", "data"}`. The number of deliveries written.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn enqueue(
    client: &impl GenericClient,
    tenant_id: i32,
    event: &str,
    event_id: &str,
    data: &serde_json::Value,
    only: Option<i64>,
) -> Result<u64> {
    Ok(client
        .execute(
            "INSERT INTO webhook_deliveries (webhook_id, tenant_id, event, event_id, payload) \
             SELECT w.id, w.tenant_id, $2, $3, jsonb_build_object('id', $3::text, 'type', $2::text, \
                 'created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), \
                 'data', $4::jsonb) \
             FROM webhooks w \
             WHERE w.tenant_id = $1 AND w.disabled_at IS NULL \
               AND ($2 = ANY (w.events) OR w.id = $5) AND ($5::bigint IS NULL OR w.id = $5) \
             ON CONFLICT (webhook_id, event_id) DO NOTHING",
            &[&tenant_id, &event, &event_id, data, &only],
        )
        .await?)
}

/// A tenant's live webhooks asking for `media.matched`, as (id, min_score).
///
/// # Errors
/// [`Error::Postgres`].
pub async fn matched_subscribers(pool: &Pool, tenant_id: i32) -> Result<Vec<(i64, f32)>> {
    Ok(pool
        .get()
        .await?
        .query(
            "SELECT id, min_score FROM webhooks \
             WHERE tenant_id = $1 AND disabled_at IS NULL AND 'media.matched' = ANY (events)",
            &[&tenant_id],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

/// Locks the row of the job item `media_id` belongs to, if any, for
/// [`job_finished`]: taken before the item's status changes.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn lock_job_of(tx: &Transaction<'_>, media_id: i64) -> Result<Option<i64>> {
    Ok(tx
        .query_opt(
            "SELECT id FROM jobs WHERE id = (SELECT job_id FROM media WHERE id = $1) FOR UPDATE",
            &[&media_id],
        )
        .await?
        .map(|r| r.get(0)))
}

/// Writes `job.finished` for `job_id` when nothing of it is left: every
/// row expanded, no item pending or processing, not cancelled. Its
/// counts are the job's as `GET /v1/jobs/{id}` gives them. The caller holds
/// the job's lock ([`lock_job_of`]).
///
/// # Errors
/// [`Error::Postgres`].
pub async fn job_finished(tx: &Transaction<'_>, job_id: i64) -> Result<()> {
    // The first two conditions are the cheap ones, and the tenant's
    // webhooks are looked for before the job's items are counted.
    tx.execute(
        "WITH job AS ( \
             SELECT j.id, j.tenant_id, j.kind, j.total FROM jobs j \
             WHERE j.id = $1 AND j.cancelled_at IS NULL AND j.expanded_rows >= j.total \
               AND EXISTS (SELECT 1 FROM webhooks w WHERE w.tenant_id = j.tenant_id \
                   AND w.disabled_at IS NULL AND 'job.finished' = ANY (w.events)) \
               AND NOT EXISTS (SELECT 1 FROM media m WHERE m.job_id = j.id \
                   AND m.status IN ('pending', 'processing'))), \
         data AS ( \
             SELECT job.tenant_id, jsonb_build_object('job_id', job.id, 'kind', job.kind, \
                 'status', 'done', 'total', job.total, \
                 'completed', count(*) FILTER (WHERE m.status = 'ready'), \
                 'failed', count(*) FILTER (WHERE m.status = 'failed') \
                     + (SELECT count(*) FROM job_failures f WHERE f.job_id = job.id), \
                 'cancelled', count(*) FILTER (WHERE m.status = 'cancelled')) AS data \
             FROM job LEFT JOIN media m ON m.job_id = job.id \
             GROUP BY job.id, job.tenant_id, job.kind, job.total) \
         INSERT INTO webhook_deliveries (webhook_id, tenant_id, event, event_id, payload) \
         SELECT w.id, w.tenant_id, 'job.finished', 'job.finished:' || $1, \
             jsonb_build_object('id', 'job.finished:' || $1, 'type', 'job.finished', \
                 'created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), \
                 'data', data.data) \
         FROM data JOIN webhooks w ON w.tenant_id = data.tenant_id \
             AND w.disabled_at IS NULL AND 'job.finished' = ANY (w.events) \
         ON CONFLICT (webhook_id, event_id) DO NOTHING",
        &[&job_id],
    )
    .await?;
    Ok(())
}

/// Writes `media.failed` for item `media_id`, just marked failed in `tx`.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn media_failed(tx: &Transaction<'_>, media_id: i64) -> Result<()> {
    let Some(row) = tx
        .query_opt(
            "SELECT tenant_id, jsonb_build_object('media_id', id, 'external_id', external_id, \
                 'job_id', job_id, 'source', source, 'error', error) \
             FROM media m WHERE id = $1 AND EXISTS (SELECT 1 FROM webhooks w \
                 WHERE w.tenant_id = m.tenant_id AND w.disabled_at IS NULL \
                   AND 'media.failed' = ANY (w.events))",
            &[&media_id],
        )
        .await?
    else {
        return Ok(());
    };
    let data: serde_json::Value = row.get(1);
    enqueue(
        tx,
        row.get(0),
        "media.failed",
        &format!("media.failed:{media_id}"),
        &data,
        None,
    )
    .await?;
    Ok(())
}

/// A delivery a sender claimed.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The delivery.
    pub id: i64,
    /// This is attempt `attempt` (1 for the first).
    pub attempt: i32,
    /// The body to send.
    pub payload: serde_json::Value,
    /// Where to.
    pub url: String,
    /// The signing key.
    pub secret: String,
    /// The webhook's tenant.
    pub tenant_id: i32,
}

/// The claim, one statement, as `store::queue`'s. A delivery is due when
/// queued and its wait is over, or `sending` with its lease run out (its
/// sender died); its webhook is live and its tenant not disabled.
///
/// Which: a tenant holding `$2` senders already is skipped, so a tenant
/// whose receiver hangs holds at most that many while the others' go on;
/// among the rest, the tenant with the fewest in flight first, then the
/// delivery due longest. The lease is the deadline and a margin: a sender
/// records its attempt well inside it.
const CLAIM: &str = "\
WITH busy AS ( \
    SELECT tenant_id, count(*) AS sending FROM webhook_deliveries \
    WHERE state = 'sending' AND lease_until >= now() GROUP BY tenant_id) \
UPDATE webhook_deliveries d SET state = 'sending', attempts = d.attempts + 1, \
    lease_until = now() + $1 * interval '1 millisecond' \
FROM webhooks w \
WHERE w.id = d.webhook_id AND d.id = ( \
    SELECT c.id FROM webhook_deliveries c \
    JOIN webhooks cw ON cw.id = c.webhook_id AND cw.disabled_at IS NULL \
    JOIN tenants t ON t.id = c.tenant_id AND t.disabled_at IS NULL \
    LEFT JOIN busy b ON b.tenant_id = c.tenant_id \
    WHERE ((c.state = 'queued' AND c.next_attempt_at <= now()) \
        OR (c.state = 'sending' AND c.lease_until < now())) \
      AND coalesce(b.sending, 0) < $2 \
    ORDER BY coalesce(b.sending, 0), c.next_attempt_at, c.id \
    FOR UPDATE OF c SKIP LOCKED LIMIT 1) \
RETURNING d.id, d.attempts, d.payload, w.url, w.secret, d.tenant_id";

/// Takes the next due delivery, fairly across tenants (see `CLAIM`).
///
/// # Errors
/// [`Error::Postgres`].
pub async fn claim(
    pool: &Pool,
    lease: Duration,
    tenant_in_flight: usize,
) -> Result<Option<Claimed>> {
    let lease_ms = lease.as_millis() as f64;
    let cap = i64::try_from(tenant_in_flight).unwrap_or(i64::MAX);
    let row = pool
        .get()
        .await?
        .query_opt(CLAIM, &[&lease_ms, &cap])
        .await?;
    Ok(row.map(|r| Claimed {
        id: r.get(0),
        attempt: r.get(1),
        payload: r.get(2),
        url: r.get(3),
        secret: r.get(4),
        tenant_id: r.get(5),
    }))
}

/// What an attempt came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// When it started.
    pub started: std::time::SystemTime,
    /// How long it took.
    pub took: Duration,
    /// The receiver's status, when it answered.
    pub status: Option<u16>,
    /// Why it failed; `None` when delivered (a 2xx).
    pub error: Option<String>,
    /// The wait before the next attempt; `None` when there is none (the
    /// delivery is done or given up).
    pub retry_after: Option<Duration>,
}

/// Logs an attempt and moves the delivery on: `delivered`, `queued` for
/// the next attempt, or `failed` (given up). Nothing moves when another
/// sender took the delivery over meanwhile (this one's lease ran out).
///
/// # Errors
/// [`Error::Postgres`].
pub async fn record(pool: &Pool, delivery: &Claimed, outcome: &Outcome) -> Result<()> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let started = outcome
        .started
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let took = i32::try_from(outcome.took.as_millis()).unwrap_or(i32::MAX);
    let status = outcome.status.map(i32::from);
    let moved = tx
        .execute(
            "UPDATE webhook_deliveries SET lease_until = NULL, last_status = $3, last_error = $4, \
                 state = CASE WHEN $4::text IS NULL THEN 'delivered' \
                              WHEN $5::float8 IS NULL THEN 'failed' ELSE 'queued' END, \
                 delivered_at = CASE WHEN $4::text IS NULL THEN now() END, \
                 next_attempt_at = CASE WHEN $5::float8 IS NULL THEN next_attempt_at \
                     ELSE now() + $5 * interval '1 millisecond' END \
             WHERE id = $1 AND attempts = $2 AND state = 'sending'",
            &[
                &delivery.id,
                &delivery.attempt,
                &status,
                &outcome.error,
                &outcome.retry_after.map(|d| d.as_millis() as f64),
            ],
        )
        .await?;
    if moved == 1 {
        tx.execute(
            "INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status, error) \
             VALUES ($1, $2, to_timestamp($3), $4, $5, $6) ON CONFLICT DO NOTHING",
            &[&delivery.id, &delivery.attempt, &started, &took, &status, &outcome.error],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
