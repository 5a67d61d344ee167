//! Postgres, the store of metadata, and every statement the control plane
//! sends it: [`postgres`] is the pool and the migrations; [`cluster`] is the
//! private cluster run when no `DATABASE_URL` is given; [`tenants`],
//! [`media`], [`jobs`] and [`queue`] are the statements on their tables.

pub mod cluster;
pub mod jobs;
pub mod media;
pub mod postgres;
pub mod queue;
pub mod tenants;

pub use postgres::PostgresStore;
