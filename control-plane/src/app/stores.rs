//! Both stores for a command-line tool or a worker process: through the
//! running `clickprint serve` when one owns the data directory (Postgres
//! attached at its socket, ClickHouse through its API), otherwise opened
//! here (the private cluster started, chDB loaded, the schema applied), so
//! scripts need no server.

use std::sync::Arc;
use std::time::Duration;

use crate::app::worker::{self, WorkerContext};
use crate::clickhouse::{Engine, RemoteEngine, library};
use crate::config::{ClickHouseConfig, Config};
use crate::datadir::{self, DataDirLock, Owner};
use crate::error::Result;
use crate::metrics::Metrics;
use crate::store::PostgresStore;

/// The stores, and whether this process owns them.
#[derive(Debug)]
pub struct Stores {
    /// Postgres.
    pub postgres: PostgresStore,
    /// ClickHouse.
    pub engine: Engine,
    /// Held when this process owns the data directory (no service runs).
    lock: Option<DataDirLock>,
}

impl Stores {
    /// Opens or attaches, waiting up to a minute for a starting service.
    ///
    /// # Errors
    /// Whatever stops a store from opening or the service from answering.
    pub async fn open(config: &Config) -> Result<Self> {
        if let ClickHouseConfig::Server(_) = config.clickhouse
            && let crate::config::PostgresConfig::External { .. } = config.postgres
        {
            return Ok(Stores {
                postgres: PostgresStore::attach(config).await?,
                engine: Engine::open(&config.clickhouse)?,
                lock: None,
            });
        }
        let dir = config.data_dir.clone();
        let owner =
            tokio::task::spawn_blocking(move || datadir::owner(&dir, Duration::from_secs(60)))
                .await
                .map_err(|e| {
                    crate::Error::Config(format!("waiting for the data directory: {e}"))
                })??;
        match owner {
            Owner::Service(info) => {
                let token = match &config.admin_token {
                    Some(token) => token.clone(),
                    None => datadir::read_admin_token(&config.data_dir)?,
                };
                Ok(Stores {
                    postgres: PostgresStore::attach(config).await?,
                    engine: match config.clickhouse {
                        ClickHouseConfig::Server(_) => Engine::open(&config.clickhouse)?,
                        ClickHouseConfig::Embedded(_) => {
                            Engine::Remote(RemoteEngine::new(&info.url, info.pid, &token))
                        }
                    },
                    lock: None,
                })
            }
            Owner::Acquired(lock) => {
                let postgres = PostgresStore::open(config).await?;
                let engine = library::open(&config.clickhouse).await;
                match engine {
                    Ok(engine) => Ok(Stores {
                        postgres,
                        engine,
                        lock: Some(lock),
                    }),
                    Err(e) => {
                        let _ = postgres.shutdown();
                        Err(e)
                    }
                }
            }
        }
    }

    /// Whether this process owns the stores (no service runs): then nobody
    /// else works the queue, and the caller should.
    pub fn owned(&self) -> bool {
        self.lock.is_some()
    }

    /// Starts `count` workers on these stores; send `true` to stop them.
    pub fn start_workers(
        &self,
        config: &Config,
        count: usize,
    ) -> (
        tokio::sync::watch::Sender<bool>,
        Vec<tokio::task::JoinHandle<()>>,
    ) {
        let context = WorkerContext::new(
            config,
            self.postgres.pool().clone(),
            self.engine.clone(),
            Arc::new(Metrics::new()),
        );
        worker::start(Arc::new(context), count)
    }

    /// Closes the stores (stops the private cluster when this process runs it).
    ///
    /// # Errors
    /// As [`PostgresStore::shutdown`].
    pub fn close(self) -> Result<()> {
        let stopped = self.postgres.shutdown();
        drop(self.lock);
        stopped
    }
}
