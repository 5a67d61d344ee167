//! Postgres, the store of metadata, and every statement the control plane
//! sends it: [`postgres`] is the pool and the migrations; [`cluster`] is the
//! private cluster run when no `DATABASE_URL` is given; [`tenants`],
//! [`sessions`], [`media`], [`jobs`], [`queue`], [`review`] and [`webhooks`]
//! are the statements on their tables.

pub mod cluster;
pub mod jobs;
pub mod media;
pub mod postgres;
pub mod queue;
pub mod review;
pub mod sessions;
pub mod tenants;
pub mod webhooks;

pub use postgres::PostgresStore;

/// A page of a listing asked for `limit + 1` rows, newest first: the
/// first `limit`, and the next page's cursor (the last one's id) when
/// there were more.
pub fn page<T>(mut rows: Vec<T>, limit: i64, id: impl Fn(&T) -> i64) -> (Vec<T>, Option<i64>) {
    let limit = usize::try_from(limit).unwrap_or(0);
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(id);
        (rows, next)
    } else {
        (rows, None)
    }
}
