//! The task queue in Postgres (`tasks`): claimed with `FOR UPDATE SKIP
//! LOCKED` so workers on any host never take the same task, leased so a
//! dead worker's task goes to another after `lease`, retried with
//! exponential backoff, dead after `max_attempts` with its last error kept.

use std::time::Duration;

use deadpool_postgres::Pool;

use crate::error::Result;

/// A claimed task.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The task.
    pub id: i64,
    /// Its media item.
    pub media_id: i64,
    /// The item's tenant.
    pub tenant_id: i32,
    /// This is attempt number `attempt` (1 for the first).
    pub attempt: i32,
    /// Attempts allowed.
    pub max_attempts: i32,
}

/// Takes the next due task: a queued one whose backoff has passed, or a
/// running one whose lease ran out (its worker died). The oldest first.
///
/// # Errors
/// [`crate::Error::Postgres`].
pub async fn claim(pool: &Pool, worker: &str, lease: Duration) -> Result<Option<Claimed>> {
    let client = pool.get().await?;
    let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
    let row = client
        .query_opt(
            "UPDATE tasks SET state = 'running', attempts = attempts + 1, worker = $1, \
                 lease_until = now() + $2 * interval '1 millisecond' \
             WHERE id = ( \
                 SELECT id FROM tasks \
                 WHERE (state = 'queued' AND run_after <= now()) \
                    OR (state = 'running' AND lease_until < now()) \
                 ORDER BY run_after, id \
                 FOR UPDATE SKIP LOCKED LIMIT 1) \
             RETURNING id, media_id, tenant_id, attempts, max_attempts",
            &[&worker, &(lease_ms as f64)],
        )
        .await?;
    Ok(row.map(|r| Claimed {
        id: r.get(0),
        media_id: r.get(1),
        tenant_id: r.get(2),
        attempt: r.get(3),
        max_attempts: r.get(4),
    }))
}

/// Extends the lease of a task this worker still holds; false when it no
/// longer holds it (the lease ran out and another worker took it).
///
/// # Errors
/// [`crate::Error::Postgres`].
pub async fn renew(pool: &Pool, task: &Claimed, worker: &str, lease: Duration) -> Result<bool> {
    let client = pool.get().await?;
    let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
    let n = client
        .execute(
            "UPDATE tasks SET lease_until = now() + $3 * interval '1 millisecond' \
             WHERE id = $1 AND worker = $2 AND state = 'running' AND attempts = $4",
            &[&task.id, &worker, &(lease_ms as f64), &task.attempt],
        )
        .await?;
    Ok(n == 1)
}

/// Marks a task done (unless another worker took it over meanwhile).
///
/// # Errors
/// [`crate::Error::Postgres`].
pub async fn finish(pool: &Pool, task: &Claimed, worker: &str) -> Result<()> {
    let client = pool.get().await?;
    client
        .execute(
            "UPDATE tasks SET state = 'done', finished_at = now(), lease_until = NULL \
             WHERE id = $1 AND worker = $2 AND attempts = $3",
            &[&task.id, &worker, &task.attempt],
        )
        .await?;
    Ok(())
}

/// What became of a failed task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Queued again, after this backoff.
    Retry(Duration),
    /// No more attempts: dead, with its error kept.
    Dead,
}

/// The wait before attempt `attempt + 1`: 2 s doubling, at most 10 min.
pub fn backoff(attempt: i32) -> Duration {
    let exp = u32::try_from(attempt.saturating_sub(1)).unwrap_or(0).min(9);
    Duration::from_secs(2u64 << exp).min(Duration::from_secs(600))
}

/// Records a failure: retried later when `retry` and attempts remain,
/// otherwise dead.
///
/// # Errors
/// [`crate::Error::Postgres`].
pub async fn fail(
    pool: &Pool,
    task: &Claimed,
    worker: &str,
    error: &str,
    retry: bool,
) -> Result<AfterFailure> {
    let client = pool.get().await?;
    if retry && task.attempt < task.max_attempts {
        let wait = backoff(task.attempt);
        client
            .execute(
                "UPDATE tasks SET state = 'queued', last_error = $2, lease_until = NULL, \
                     run_after = now() + $3 * interval '1 millisecond' \
                 WHERE id = $1 AND worker = $4 AND attempts = $5",
                &[
                    &task.id,
                    &error,
                    &(wait.as_millis() as f64),
                    &worker,
                    &task.attempt,
                ],
            )
            .await?;
        Ok(AfterFailure::Retry(wait))
    } else {
        client
            .execute(
                "UPDATE tasks SET state = 'dead', last_error = $2, finished_at = now(), \
                     lease_until = NULL \
                 WHERE id = $1 AND worker = $3 AND attempts = $4",
                &[&task.id, &error, &worker, &task.attempt],
            )
            .await?;
        Ok(AfterFailure::Dead)
    }
}

/// Tasks waiting or running: the queue's depth.
///
/// # Errors
/// [`crate::Error::Postgres`].
pub async fn depth(pool: &Pool) -> Result<i64> {
    let client = pool.get().await?;
    Ok(client
        .query_one(
            "SELECT count(*) FROM tasks WHERE state IN ('queued', 'running')",
            &[],
        )
        .await?
        .get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(2), Duration::from_secs(4));
        assert_eq!(backoff(5), Duration::from_secs(32));
        assert_eq!(backoff(50), Duration::from_secs(600));
    }
}
