//! The Postgres store: a connection pool, and the migrations in
//! `sql/postgres/` applied at start (under an advisory lock, so several
//! processes starting at once apply each migration exactly once).

use std::sync::Mutex;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use super::cluster::{self, PrivateCluster};
use crate::config::{Config, PostgresConfig};
use crate::error::{Error, Result};

mod embedded {
    refinery::embed_migrations!("../sql/postgres");
}

/// Any constant works; it only has to be the same in every clickprint process.
const MIGRATION_LOCK: i64 = 0x636c_6963_6b70; // "clickp"

/// The Postgres store. Owns the private cluster when it runs one.
#[derive(Debug)]
pub struct PostgresStore {
    pool: Pool,
    client_config: tokio_postgres::Config,
    cluster: Mutex<Option<PrivateCluster>>,
}

/// What [`PostgresStore::migrate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// The migrations applied by this call, as `V<version>__<name>`.
    pub applied: Vec<String>,
}

impl PostgresStore {
    /// Connects (starting the private cluster when configured so), then
    /// applies pending migrations.
    ///
    /// The private cluster is started on the calling thread; see
    /// [`PrivateCluster::start`].
    ///
    /// # Errors
    /// [`Error::EmbeddedPostgres`] / [`Error::MissingDependency`] when the
    /// private cluster cannot start, [`Error::Postgres`] when Postgres cannot
    /// be reached or a migration fails.
    pub async fn open(config: &Config) -> Result<Self> {
        let (client_config, cluster) = match &config.postgres {
            PostgresConfig::External { url } => {
                let parsed: tokio_postgres::Config = url
                    .parse()
                    .map_err(|e| Error::Config(format!("database_url is not valid: {e}")))?;
                (parsed, None)
            }
            PostgresConfig::Embedded { bin_dir } => {
                let cluster = PrivateCluster::start(&config.data_dir, bin_dir)?;
                create_database(&cluster).await?;
                (cluster.client_config(cluster::ROLE), Some(cluster))
            }
        };
        let pool = pool(&client_config, config.postgres_pool_size)?;
        let store = PostgresStore {
            pool,
            client_config,
            cluster: Mutex::new(cluster),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Connects to the Postgres another clickprint process runs or uses
    /// (for `clickprint worker` beside `clickprint serve`): never starts or
    /// stops a cluster, never migrates.
    ///
    /// # Errors
    /// [`Error::Postgres`] when it cannot be reached.
    pub async fn attach(config: &Config) -> Result<Self> {
        let client_config = match &config.postgres {
            PostgresConfig::External { url } => url
                .parse()
                .map_err(|e| Error::Config(format!("database_url is not valid: {e}")))?,
            PostgresConfig::Embedded { .. } => PrivateCluster::attach_config(&config.data_dir),
        };
        let pool = pool(&client_config, config.postgres_pool_size)?;
        // Fail now, with the reason, rather than at the first task.
        drop(pool.get().await?);
        Ok(PostgresStore {
            pool,
            client_config,
            cluster: Mutex::new(None),
        })
    }

    /// The connection pool.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The server's version, e.g. `15.18 (Debian 15.18-0+deb12u1)`.
    ///
    /// # Errors
    /// [`Error::Postgres`] when the server cannot be reached.
    pub async fn version(&self) -> Result<String> {
        let client = self.pool.get().await?;
        let row = client.query_one("SHOW server_version", &[]).await?;
        Ok(row.get(0))
    }

    /// The private cluster's server process id, when one runs.
    pub fn private_cluster_pid(&self) -> Option<u32> {
        self.cluster
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .and_then(|c| c.pid())
    }

    /// Applies the migrations not yet applied; a no-op when there are none.
    ///
    /// # Errors
    /// [`Error::Postgres`] when a migration fails (it is rolled back) or the
    /// applied history diverges from the files.
    pub async fn migrate(&self) -> Result<MigrationReport> {
        let (mut client, connection) = self.client_config.connect(NoTls).await?;
        let driver = tokio::spawn(connection);
        client
            .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        let outcome = embedded::migrations::runner().run_async(&mut client).await;
        let unlocked = client
            .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
            .await;
        drop(client);
        let _ = driver.await;
        let report = outcome.map_err(|e| Error::Postgres(format!("migrations: {e}")))?;
        unlocked?;
        Ok(MigrationReport {
            applied: report
                .applied_migrations()
                .iter()
                .map(|m| format!("V{}__{}", m.version(), m.name()))
                .collect(),
        })
    }

    /// Closes the pool and stops the private cluster, if one runs.
    ///
    /// # Errors
    /// [`Error::EmbeddedPostgres`] when the cluster would not stop.
    pub fn shutdown(&self) -> Result<()> {
        self.pool.close();
        let cluster = self
            .cluster
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        match cluster {
            Some(mut cluster) => cluster.stop(),
            None => Ok(()),
        }
    }
}

/// Creates clickprint's database in a fresh private cluster.
async fn create_database(cluster: &PrivateCluster) -> Result<()> {
    let (client, connection) = cluster.client_config("postgres").connect(NoTls).await?;
    let driver = tokio::spawn(connection);
    let exists = client
        .query_opt(
            "SELECT 1 FROM pg_database WHERE datname = $1",
            &[&cluster::ROLE],
        )
        .await?
        .is_some();
    if !exists {
        // The name is our constant, not input; identifiers cannot be bound.
        client
            .batch_execute(&format!("CREATE DATABASE {}", cluster::ROLE))
            .await?;
    }
    drop(client);
    let _ = driver.await;
    Ok(())
}

fn pool(client_config: &tokio_postgres::Config, size: usize) -> Result<Pool> {
    let manager = Manager::from_config(
        client_config.clone(),
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(Duration::from_secs(30)))
        .create_timeout(Some(Duration::from_secs(10)))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()
        .map_err(|e| Error::Postgres(format!("building the pool: {e}")))
}
