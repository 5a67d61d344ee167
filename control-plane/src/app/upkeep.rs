//! Keeps the library lean while `clickprint serve` runs, and on demand
//! (`clickprint upkeep`): two chores, each on its own schedule
//! ([`crate::config::Upkeep`]).
//!
//! - **Stop lists.** Every `stop_list_interval_secs`, each tenant whose
//!   library changed since its list was last counted (its
//!   [`library_versions`] number moved, or a purge removed rows of it;
//!   every tenant once after a start) has its stop list recounted, in the ingest lane under its own
//!   tenant, so a large tenant's recount takes its share of that lane and
//!   no more.
//! - **Purge.** Every `purge_interval_secs`, deleted media's rows are
//!   removed in batches of [`PURGE_BATCH`] items until none are left.
//!
//! A chore that fails is logged, counted (`upkeep_failures_total`) and
//! tried again at its next turn; nothing it half did is lost or wrong
//! (the statements are safe to repeat). The service's stop signal ends
//! the schedule between statements.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::watch;

use crate::clickhouse::Engine;
use crate::clickhouse::scheduler::{self, Lane};
use crate::clickhouse::upkeep::{Purged, library_versions, purge, refresh_stop_list};
use crate::config::Upkeep;
use crate::error::Result;
use crate::metrics::Metrics;

/// Deleted items one purge statement takes: a batch's pairs travel as one
/// parameter, and each batch is one rewrite of the parts it touches.
pub const PURGE_BATCH: u64 = 1000;

/// What one round of upkeep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Each tenant whose stop list was recounted, with its keys now.
    pub stop_lists: Vec<StopList>,
    /// What the purge removed.
    pub purged: Purged,
}

/// One tenant's recounted stop list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StopList {
    /// The tenant.
    pub tenant: u32,
    /// Keys on its list.
    pub keys: u64,
}

/// The stop lists' bookkeeping between rounds: the library number each
/// tenant's list was counted at, and its size.
#[derive(Debug, Default)]
struct Counted {
    at: HashMap<u32, u64>,
    keys: HashMap<u32, u64>,
}

impl Counted {
    /// Recounts the stop list of every tenant whose library changed.
    async fn refresh(&mut self, engine: &Engine, max_rows: u64) -> Result<Vec<StopList>> {
        let versions = scheduler::scope(Lane::Ingest, None, library_versions(engine)).await?;
        let mut done = Vec::new();
        for (tenant, version) in versions {
            if self.at.get(&tenant) == Some(&version) {
                continue;
            }
            let keys = scheduler::scope(
                Lane::Ingest,
                Some(tenant),
                refresh_stop_list(engine, tenant, max_rows),
            )
            .await?;
            self.at.insert(tenant, version);
            self.keys.insert(tenant, keys);
            done.push(StopList { tenant, keys });
        }
        Ok(done)
    }

    /// A purge removed rows of these tenants: their keys' counts changed.
    fn forget(&mut self, tenants: &std::collections::BTreeSet<u32>) {
        for tenant in tenants {
            self.at.remove(tenant);
        }
    }

    fn total_keys(&self) -> u64 {
        self.keys.values().sum()
    }
}

/// Purges until no deleted item is left (or a statement fails).
async fn purge_all(engine: &Engine, metrics: Option<&Metrics>) -> Result<Purged> {
    let mut total = Purged::default();
    loop {
        let purged = scheduler::scope(Lane::Ingest, None, purge(engine, PURGE_BATCH)).await?;
        if let Some(metrics) = metrics {
            metrics.purged(&purged);
        }
        let last = purged.media < PURGE_BATCH;
        total += purged;
        if last {
            return Ok(total);
        }
    }
}

/// Both chores once, now: every deleted item purged, then every tenant's
/// stop list recounted (`clickprint upkeep`).
///
/// # Errors
/// The engine's message for the first statement that fails.
pub async fn run_once(engine: &Engine, stop_list_max_rows: u64) -> Result<Report> {
    let purged = purge_all(engine, None).await?;
    let stop_lists = Counted::default()
        .refresh(engine, stop_list_max_rows)
        .await?;
    Ok(Report { stop_lists, purged })
}

/// Starts the schedule; it ends when `stop` turns true.
pub fn start(
    engine: Engine,
    upkeep: Upkeep,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut counted = Counted::default();
        // An interval's first tick is at once: a started service recounts
        // every tenant's list (its bookkeeping is empty) and purges what a
        // previous run left.
        let mut stop_list = upkeep.stop_list_every.map(tokio::time::interval);
        let mut purging = upkeep.purge_every.map(tokio::time::interval);
        for timer in [&mut stop_list, &mut purging].into_iter().flatten() {
            timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        }
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                () = tick(&mut stop_list) => {
                    match counted.refresh(&engine, upkeep.stop_list_max_rows).await {
                        Ok(done) => {
                            metrics.stop_listed(done.len(), counted.total_keys());
                            for list in done {
                                tracing::info!(tenant = list.tenant, keys = list.keys, "stop list refreshed");
                            }
                        }
                        Err(e) => {
                            metrics.upkeep_failed("stop_list");
                            tracing::warn!(error = %e, "refreshing the stop lists failed");
                        }
                    }
                }
                () = tick(&mut purging) => {
                    match purge_all(&engine, Some(&metrics)).await {
                        Ok(purged) if purged.media > 0 => {
                            counted.forget(&purged.tenants);
                            tracing::info!(media = purged.media, key_rows = purged.key_rows, record_rows = purged.record_rows, "deleted media purged");
                        }
                        Ok(_) => {}
                        Err(e) => {
                            metrics.upkeep_failed("purge");
                            tracing::warn!(error = %e, "purging deleted media failed");
                        }
                    }
                }
            }
        }
    })
}

/// The timer's next tick; never, for a chore that is off.
async fn tick(timer: &mut Option<tokio::time::Interval>) {
    match timer {
        Some(timer) => {
            timer.tick().await;
        }
        None => std::future::pending().await,
    }
}
