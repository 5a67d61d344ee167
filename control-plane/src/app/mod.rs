//! What the product does with its two stores: the synchronous [`search`]
//! (and [`gateway`], a media query and a line of dialogue searched at once),
//! bulk ingest [`jobs`], the ingest [`worker`]s, the command-line
//! operations ([`commands`]), what `GET /healthz` reports ([`health`]), and
//! [`stores`], the wiring that opens both stores for a tool or a worker;
//! [`webhooks`], the senders of notifications and the `media.matched` check;
//! [`review`], reviewers' decisions and exclusions in both stores.
//! Built on [`crate::store`] and [`crate::clickhouse`]; the HTTP API and
//! the service are built on it.

pub mod commands;
pub mod gateway;
pub mod health;
pub mod jobs;
pub mod review;
pub mod search;
pub mod stores;
pub mod upkeep;
pub mod webhooks;
pub mod worker;
