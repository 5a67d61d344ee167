//! The task queue in Postgres (`tasks`): claimed with `FOR UPDATE SKIP
//! LOCKED` so workers on any host never take the same task, leased so a
//! dead worker's task goes to another after `lease`, retried with
//! exponential backoff, dead after `max_attempts` with its last error kept.
//! Claims are fair across tenants: a tenant's one upload is not served
//! after another tenant's 100,000-row job, but next to it.
//!
//! A disabled tenant's tasks are skipped, not failed: they stay queued (the
//! items `pending`) and are served again when an operator enables the
//! tenant, since disabling is how an operator pauses a tenant (its keys
//! are refused) and must not destroy work it paid for. Tasks already
//! running when it is disabled finish.
//!
//! A worker's name is `<host>:<pid>:<n>`. When a process dies, its tasks'
//! leases would hold them `running` (their items `processing`) until they
//! ran out; [`release`] ends the leases of workers named after a process
//! that no longer runs, which any worker on the host does when it starts
//! and then every minute.

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

/// The claim, one statement. A task is due when it is queued and its
/// backoff has passed, or running with its lease run out (its worker died),
/// and its tenant is not disabled.
///
/// Which due task: round-robin across tenants, by load. `due` is each
/// tenant with due work and its oldest due task; `busy` is how many of a
/// tenant's tasks run now (live leases). The tenant with the fewest running
/// goes first; among equals, the one whose oldest due task waited longest
/// (so with one worker, tenants alternate); then that tenant's oldest task.
/// With 1,000 of tenant A's tasks due and one of B's, the first claim takes
/// A's oldest, the second B's (A now runs one, B none).
///
/// Concurrent workers: the counts are a snapshot, so two claims at once may
/// both favour one tenant (fairness is per claim, approximate), but a task
/// is never claimed twice: the row is locked `FOR UPDATE SKIP LOCKED`, and a
/// worker that finds a tenant's oldest tasks locked by another's claim
/// takes the next in the same order instead of waiting. The ordering
/// sorts the due tasks; with 100,000 due that is milliseconds, against a
/// task's seconds of work.
const CLAIM: &str = "\
WITH due AS ( \
    SELECT tenant_id, min(run_after) AS oldest FROM tasks \
    WHERE ((state = 'queued' AND run_after <= now()) \
       OR (state = 'running' AND lease_until < now())) \
      AND tenant_id NOT IN (SELECT id FROM tenants WHERE disabled_at IS NOT NULL) \
    GROUP BY tenant_id), \
busy AS ( \
    SELECT tenant_id, count(*) AS running FROM tasks \
    WHERE state = 'running' AND lease_until >= now() \
    GROUP BY tenant_id) \
UPDATE tasks SET state = 'running', attempts = attempts + 1, worker = $1, \
    lease_until = now() + $2 * interval '1 millisecond' \
WHERE id = ( \
    SELECT t.id FROM tasks t \
    JOIN due d ON d.tenant_id = t.tenant_id \
    LEFT JOIN busy b ON b.tenant_id = t.tenant_id \
    WHERE (t.state = 'queued' AND t.run_after <= now()) \
       OR (t.state = 'running' AND t.lease_until < now()) \
    ORDER BY coalesce(b.running, 0), d.oldest, d.tenant_id, t.run_after, t.id \
    FOR UPDATE OF t SKIP LOCKED LIMIT 1) \
RETURNING id, media_id, tenant_id, attempts, max_attempts";

/// Takes the next due task, fairly across tenants (the statement `CLAIM` below explains how).
///
/// # Errors
/// [`crate::Error::Postgres`].
pub async fn claim(pool: &Pool, worker: &str, lease: Duration) -> Result<Option<Claimed>> {
    let client = pool.get().await?;
    let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
    let row = client
        .query_opt(CLAIM, &[&worker, &(lease_ms as f64)])
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

/// Workers holding live leases whose names start with `prefix` (a host's
/// workers: `<host>:`).
///
/// # Errors
/// [`crate::Error::Postgres`].
pub async fn lease_holders(pool: &Pool, prefix: &str) -> Result<Vec<String>> {
    let client = pool.get().await?;
    Ok(client
        .query(
            "SELECT DISTINCT worker FROM tasks \
             WHERE state = 'running' AND lease_until >= now() AND starts_with(worker, $1)",
            &[&prefix],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// Ends the leases of `workers` (workers known dead): their tasks are due
/// at once, and their items `pending` again until a worker takes them.
/// The number of items set back to `pending`.
///
/// # Errors
/// [`crate::Error::Postgres`].
pub async fn release(pool: &Pool, workers: &[String]) -> Result<u64> {
    let client = pool.get().await?;
    Ok(client
        .execute(
            "WITH released AS ( \
                 UPDATE tasks SET lease_until = now() - interval '1 millisecond' \
                 WHERE state = 'running' AND worker = ANY($1) RETURNING media_id) \
             UPDATE media SET status = 'pending', updated_at = now() \
             WHERE id IN (SELECT media_id FROM released) AND status = 'processing'",
            &[&workers],
        )
        .await?)
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
