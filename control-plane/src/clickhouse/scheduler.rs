//! The service's own scheduler for statements in the embedded engine, so
//! that no tenant and no kind of work can stall the others (issue 18, item
//! 3). chDB has no workload scheduling to rely on: it runs whatever its
//! connections are given, all tenants and all work alike.
//!
//! Every statement takes a permit of one **lane** before it runs: `search`,
//! `ingest` (also the service's own work), `analyst` (tenants' SQL) and
//! `health`, each with its own number of permits (the settings'
//! [`LaneSizes`]), so health checks never wait behind a search and
//! searches never wait behind analysts' SQL. In a lane, one tenant holds
//! at most a share of the permits (half by default, at least one), and
//! tenants waiting for a permit are served in turn (round robin; each
//! tenant's own statements in order), so a tenant that sends many
//! statements waits behind itself, not others behind it.
//!
//! Which lane and tenant a statement is for is the task's [`Work`], set
//! once where the work starts ([`scope`]: a search, an analyst's statement,
//! a health check) and read where a statement runs, so the code between
//! passes nothing along. Work outside any scope is the service's own
//! (`ingest` lane, no tenant, no share bound).

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::config::LaneSizes;
use crate::error::{Error, Result};

/// A kind of work with permits of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Searches (the query's extraction, lookup and rerank).
    Search,
    /// Ingest, jobs and the service's own statements.
    Ingest,
    /// Analysts' SQL.
    Analyst,
    /// Health checks.
    Health,
}

/// The health lane's permits: a health check runs two statements.
const HEALTH_PERMITS: usize = 2;

/// What a statement is for: its lane, and the tenant it serves (`None`:
/// the service's own work, which no share bounds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    /// The lane.
    pub lane: Lane,
    /// The tenant.
    pub tenant: Option<u32>,
}

tokio::task_local! {
    static WORK: Work;
}

/// Runs `future` as `lane` work for `tenant`: the statements it runs take
/// that lane's permits, counted against that tenant.
pub async fn scope<F: Future>(lane: Lane, tenant: Option<u32>, future: F) -> F::Output {
    WORK.scope(Work { lane, tenant }, future).await
}

/// The work the current task does (see the module comment).
pub fn current() -> Work {
    WORK.try_with(|w| *w).unwrap_or(Work {
        lane: Lane::Ingest,
        tenant: None,
    })
}

/// The lanes' permits; cheap to clone.
#[derive(Debug, Clone)]
pub struct Scheduler {
    search: Arc<LaneQueue>,
    ingest: Arc<LaneQueue>,
    analyst: Arc<LaneQueue>,
    health: Arc<LaneQueue>,
}

impl Scheduler {
    /// A scheduler with lanes of `sizes` (each at least one permit).
    pub fn new(sizes: LaneSizes) -> Self {
        let lane = |total: usize| {
            let total = total.max(1);
            let share = (total * usize::from(sizes.tenant_percent.clamp(1, 100))) / 100;
            Arc::new(LaneQueue {
                total,
                per_tenant: share.max(1),
                state: Mutex::new(State::default()),
            })
        };
        Scheduler {
            search: lane(sizes.search),
            ingest: lane(sizes.ingest),
            analyst: lane(sizes.analyst),
            health: lane(HEALTH_PERMITS),
        }
    }

    /// Waits for a permit of `work`'s lane; the statement runs while the
    /// permit lives. A waiter that gives up (its request ended) leaves the
    /// queue without taking a permit.
    ///
    /// # Errors
    /// [`Error::ClickHouse`] when the scheduler is gone (the engine shut down).
    pub async fn acquire(&self, work: Work) -> Result<Permit> {
        let lane = match work.lane {
            Lane::Search => &self.search,
            Lane::Ingest => &self.ingest,
            Lane::Analyst => &self.analyst,
            Lane::Health => &self.health,
        };
        let waiting = {
            let mut state = lane.lock();
            // Every waiter that could run has been given a permit (see
            // `dispatch`), so one that can run now jumps nobody.
            if lane.can_run(&state, work.tenant) {
                state.start(work.tenant);
                return Ok(Permit {
                    lane: Arc::clone(lane),
                    tenant: work.tenant,
                });
            }
            let (tx, rx) = oneshot::channel();
            state.waiting.entry(work.tenant).or_default().push_back(tx);
            if !state.turns.contains(&work.tenant) {
                state.turns.push_back(work.tenant);
            }
            rx
        };
        waiting
            .await
            .map_err(|_| Error::ClickHouse("the embedded engine is shut down".into()))
    }
}

/// One lane: its bounds and who runs and waits.
#[derive(Debug)]
struct LaneQueue {
    total: usize,
    per_tenant: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    running: usize,
    by_tenant: HashMap<Option<u32>, usize>,
    waiting: HashMap<Option<u32>, VecDeque<oneshot::Sender<Permit>>>,
    /// Tenants with waiters, in the order they are served.
    turns: VecDeque<Option<u32>>,
}

impl State {
    fn start(&mut self, tenant: Option<u32>) {
        self.running += 1;
        *self.by_tenant.entry(tenant).or_default() += 1;
    }

    fn finish(&mut self, tenant: Option<u32>) {
        self.running -= 1;
        if let Some(n) = self.by_tenant.get_mut(&tenant) {
            *n -= 1;
            if *n == 0 {
                self.by_tenant.remove(&tenant);
            }
        }
    }
}

impl LaneQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn can_run(&self, state: &State, tenant: Option<u32>) -> bool {
        state.running < self.total
            && (tenant.is_none()
                || state.by_tenant.get(&tenant).copied().unwrap_or(0) < self.per_tenant)
    }

    /// Gives permits to waiters, tenants in turn, while any can run; the
    /// permits are sent by the caller, with the lock released.
    fn dispatch(self: &Arc<Self>, state: &mut State) -> Vec<(oneshot::Sender<Permit>, Permit)> {
        let mut grants = Vec::new();
        let mut passed = 0;
        while state.running < self.total && passed < state.turns.len() {
            let Some(tenant) = state.turns.pop_front() else {
                break;
            };
            if !self.can_run(state, tenant) {
                state.turns.push_back(tenant);
                passed += 1;
                continue;
            }
            let queue = state.waiting.entry(tenant).or_default();
            // Waiters whose request ended are dropped here.
            while queue.front().is_some_and(oneshot::Sender::is_closed) {
                queue.pop_front();
            }
            if let Some(tx) = queue.pop_front() {
                state.start(tenant);
                grants.push((
                    tx,
                    Permit {
                        lane: Arc::clone(self),
                        tenant,
                    },
                ));
            }
            if state.waiting.get(&tenant).is_some_and(|q| !q.is_empty()) {
                state.turns.push_back(tenant);
            } else {
                state.waiting.remove(&tenant);
            }
            passed = 0;
        }
        grants
    }
}

/// A running statement's place in its lane, given back when dropped.
#[derive(Debug)]
pub struct Permit {
    lane: Arc<LaneQueue>,
    tenant: Option<u32>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let grants = {
            let mut state = self.lane.lock();
            state.finish(self.tenant);
            self.lane.dispatch(&mut state)
        };
        for (tx, permit) in grants {
            // A waiter that left in the meantime: its permit is dropped
            // here, with the lock released, and goes to the next.
            drop(tx.send(permit));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn sizes(analyst: usize) -> LaneSizes {
        LaneSizes {
            search: 1,
            ingest: 1,
            analyst,
            tenant_percent: 50,
        }
    }

    fn analyst(tenant: u32) -> Work {
        Work {
            lane: Lane::Analyst,
            tenant: Some(tenant),
        }
    }

    /// Whether `acquire` gives a permit at once.
    async fn at_once(s: &Scheduler, work: Work) -> Option<Permit> {
        tokio::time::timeout(Duration::from_millis(50), s.acquire(work))
            .await
            .ok()
            .map(Result::unwrap)
    }

    #[tokio::test]
    async fn a_tenant_holds_at_most_its_share_of_a_lane() {
        let s = Scheduler::new(sizes(4));
        let a1 = at_once(&s, analyst(1)).await.unwrap();
        let _a2 = at_once(&s, analyst(1)).await.unwrap();
        assert!(at_once(&s, analyst(1)).await.is_none(), "a third of four");
        let _b1 = at_once(&s, analyst(2)).await.unwrap();
        let _b2 = at_once(&s, analyst(2)).await.unwrap();
        // Other lanes do not wait for this one.
        let health = Work {
            lane: Lane::Health,
            tenant: None,
        };
        assert!(at_once(&s, health).await.is_some());
        drop(a1);
        assert!(at_once(&s, analyst(1)).await.is_some());
    }

    #[tokio::test]
    async fn waiting_tenants_are_served_in_turn() {
        let s = Scheduler::new(sizes(2));
        let a = at_once(&s, analyst(1)).await.unwrap();
        let b = at_once(&s, analyst(2)).await.unwrap();
        // Tenant 1 queues three statements, then tenant 3 one.
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for tenant in [1, 1, 1, 3] {
            let (s, order) = (s.clone(), Arc::clone(&order));
            tasks.push(tokio::spawn(async move {
                let _p = s.acquire(analyst(tenant)).await.unwrap();
                order.lock().unwrap().push(tenant);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }));
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        drop(a);
        drop(b);
        for t in tasks {
            t.await.unwrap();
        }
        let order = order.lock().unwrap().clone();
        assert_eq!(
            order[..2],
            [1, 3],
            "tenant 3 is not behind all of 1's: {order:?}"
        );
    }

    #[tokio::test]
    async fn a_waiter_that_gives_up_takes_no_permit() {
        let s = Scheduler::new(sizes(1));
        let a = at_once(&s, analyst(1)).await.unwrap();
        assert!(at_once(&s, analyst(2)).await.is_none());
        drop(a);
        assert!(at_once(&s, analyst(3)).await.is_some());
    }
}
