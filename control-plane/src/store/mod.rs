//! Postgres, the store of metadata, and every statement the control plane
//! sends it: [`postgres`] is the pool and the migrations; [`cluster`] is the
//! private cluster run when no `DATABASE_URL` is given; [`tenants`],
//! [`sessions`], [`media`], [`jobs`], [`queue`], [`dismissals`] and [`webhooks`]
//! are the statements on their tables.

pub mod cluster;
pub mod dismissals;
pub mod jobs;
pub mod media;
pub mod postgres;
pub mod queue;
pub mod sessions;
pub mod tenants;
pub mod webhooks;

pub use postgres::PostgresStore;
