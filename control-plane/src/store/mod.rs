//! Postgres, the store of metadata: tenants, keys, media status, jobs and the
//! task queue. [`postgres`] is the pool and the migrations; [`cluster`] is
//! the private cluster run when no `DATABASE_URL` is given.

pub mod cluster;
pub mod postgres;

pub use postgres::PostgresStore;
