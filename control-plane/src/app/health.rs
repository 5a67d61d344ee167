//! What `GET /healthz` reports: each store, whether it answers, and its version.

use std::future::Future;
use std::time::Duration;

use serde::Serialize;

use crate::clickhouse::scheduler::{self, Lane};
use crate::clickhouse::{Engine, EngineKind};
use crate::store::PostgresStore;

/// How long one store may take to answer a health check.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// The health of the service and each store.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    /// `ok` when every store is up, else `degraded`.
    pub status: &'static str,
    /// ClickHouse.
    pub clickhouse: ClickHouseHealth,
    /// Postgres.
    pub postgres: PostgresHealth,
}

/// ClickHouse's part of [`Health`].
#[derive(Debug, Clone, Serialize)]
pub struct ClickHouseHealth {
    /// Embedded (chDB) or server.
    pub engine: EngineKind,
    /// Whether `SELECT version()` answered.
    pub up: bool,
    /// The ClickHouse version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The version clickprint's UDF executable reports, called from SQL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub udf_version: Option<String>,
    /// What went wrong, when something did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Postgres's part of [`Health`].
#[derive(Debug, Clone, Serialize)]
pub struct PostgresHealth {
    /// `embedded` (the private cluster) or `external`.
    pub mode: &'static str,
    /// Whether `SHOW server_version` answered.
    pub up: bool,
    /// The server version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// What went wrong, when something did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Health {
    /// Asks both stores, each bounded by a timeout, concurrently; the
    /// engine's statements run in the health lane, behind no other work
    /// ([`crate::clickhouse::scheduler`]).
    pub async fn check(engine: &Engine, postgres: &PostgresStore) -> Health {
        let (ch_version, udf_version, pg_version) = scheduler::scope(Lane::Health, None, async {
            tokio::join!(
                bounded(engine.version()),
                bounded(engine.udf_version()),
                bounded(postgres.version()),
            )
        })
        .await;
        let (version, mut error) = split(ch_version);
        let (udf_version, udf_error) = split(udf_version);
        if error.is_none() {
            error = udf_error.map(|e| format!("UDF check: {e}"));
        }
        let clickhouse = ClickHouseHealth {
            engine: engine.kind(),
            up: version.is_some(),
            version,
            udf_version,
            error,
        };
        let (version, error) = split(pg_version);
        let postgres = PostgresHealth {
            mode: if postgres.private_cluster_pid().is_some() {
                "embedded"
            } else {
                "external"
            },
            up: version.is_some(),
            version,
            error,
        };
        let all_up = clickhouse.up && clickhouse.error.is_none() && postgres.up;
        Health {
            status: if all_up { "ok" } else { "degraded" },
            clickhouse,
            postgres,
        }
    }

    /// True when every store is up.
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }
}

async fn bounded<T>(check: impl Future<Output = crate::Result<T>>) -> Result<T, String> {
    match tokio::time::timeout(CHECK_TIMEOUT, check).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {}s", CHECK_TIMEOUT.as_secs())),
    }
}

fn split<T>(result: Result<T, String>) -> (Option<T>, Option<String>) {
    match result {
        Ok(v) => (Some(v), None),
        Err(e) => (None, Some(e)),
    }
}
