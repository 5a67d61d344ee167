//! ClickHouse, and every statement the control plane sends it. One type,
//! [`Engine`], that the rest of the code uses, whether ClickHouse runs in
//! this process ([`embedded`], the default), as a server reached over HTTP
//! ([`server`], chosen by `CLICKHOUSE_URL`), or in a running
//! `clickprint serve` ([`remote`]); results are [`output::QueryOutput`].
//! The statements: [`library`] (the fingerprint schema, ingest, search and
//! delete), [`review`] (the reviewers' decisions the search honours),
//! [`analyst`] (analysts' SQL scoped to a tenant) and [`access`]
//! (analysts' own users on a server); [`formats`] writes results in
//! ClickHouse's output formats. The embedded engine's statements take
//! turns in [`scheduler`]'s lanes, and analysts' results are counted within
//! their bounds by [`result_limits`].

pub mod access;
pub mod analyst;
pub mod embedded;
pub mod extractors;
pub mod formats;
pub mod library;
pub mod output;
pub mod remote;
pub mod result_limits;
pub mod review;
pub mod scheduler;
pub mod server;
pub mod upkeep;

use serde::Serialize;

use crate::config::{ClickHouseConfig, UdfPools};
use crate::error::{Error, Result};

/// The UDF definitions of `clickhouse-config/`, compiled in so the binary
/// needs no checkout at run time. The embedded engine reads them from a
/// folder of the data directory, with the search pools' `pool_size` set by
/// the settings ([`crate::config::UdfPools`]); a server reads the same
/// files as its operator deploys them.
pub const FUNCTION_DEFINITIONS: &[(&str, &str)] = &[
    (
        "clickprint_version_function.xml",
        include_str!("../../../clickhouse-config/clickprint_version_function.xml"),
    ),
    (
        "clickprint_query_function.xml",
        include_str!("../../../clickhouse-config/clickprint_query_function.xml"),
    ),
    (
        "clickprint_rerank_function.xml",
        include_str!("../../../clickhouse-config/clickprint_rerank_function.xml"),
    ),
    (
        "clickprint_nearest_function.xml",
        include_str!("../../../clickhouse-config/clickprint_nearest_function.xml"),
    ),
    (
        "clickprint_text_rank_function.xml",
        include_str!("../../../clickhouse-config/clickprint_text_rank_function.xml"),
    ),
];

pub use embedded::EmbeddedEngine;
pub use output::{ARROW_STREAM, QueryOutput};
pub use remote::RemoteEngine;
pub use server::ServerEngine;

/// Which kind of ClickHouse an [`Engine`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// chDB in this process.
    Embedded,
    /// A clickhouse-server over HTTP.
    Server,
}

/// ClickHouse, embedded or server; the choice is configuration.
#[derive(Debug, Clone)]
pub enum Engine {
    /// chDB in this process.
    Embedded(EmbeddedEngine),
    /// A clickhouse-server over HTTP.
    Server(Box<ServerEngine>),
    /// The embedded engine of a running `clickprint serve`, through its API.
    Remote(RemoteEngine),
}

impl Engine {
    /// Opens the configured ClickHouse. For the embedded engine this writes
    /// the UDF definitions and loads chDB (about 0.25 s); for a server it
    /// only builds the client.
    ///
    /// # Errors
    /// As [`EmbeddedEngine::open`].
    pub fn open(config: &ClickHouseConfig) -> Result<Self> {
        match config {
            ClickHouseConfig::Embedded(options) => {
                write_function_definitions(&options.functions_dir, options.udf_pools)?;
                Ok(Engine::Embedded(EmbeddedEngine::open(options)?))
            }
            ClickHouseConfig::Server(options) => {
                Ok(Engine::Server(Box::new(ServerEngine::new(options))))
            }
        }
    }

    /// Which kind of ClickHouse this is.
    pub fn kind(&self) -> EngineKind {
        match self {
            Engine::Embedded(_) | Engine::Remote(_) => EngineKind::Embedded,
            Engine::Server(_) => EngineKind::Server,
        }
    }

    /// Whether this is a cluster laid out by
    /// `sql/clickhouse/cluster/schema.sql` (`clickhouse_cluster`).
    pub fn is_cluster(&self) -> bool {
        matches!(self, Engine::Server(server) if server.is_cluster())
    }

    /// Runs one statement and collects its whole result.
    ///
    /// # Errors
    /// [`Error::ClickHouse`] with the engine's message.
    pub async fn query(&self, sql: &str) -> Result<QueryOutput> {
        match self {
            Engine::Embedded(e) => e.query(sql).await,
            Engine::Server(s) => s.query(sql).await,
            Engine::Remote(r) => r.query_with_params(sql, &[]).await,
        }
    }

    /// Runs one statement with `{name:Type}` query parameters; values are
    /// parsed by ClickHouse as their declared types, never spliced into SQL.
    ///
    /// # Errors
    /// [`Error::ClickHouse`] with the engine's message.
    pub async fn query_with_params(
        &self,
        sql: &str,
        params: &[(&str, String)],
    ) -> Result<QueryOutput> {
        match self {
            Engine::Embedded(e) => e.query_with_params(sql, params).await,
            Engine::Server(s) => s.query_with_params(sql, params).await,
            Engine::Remote(r) => r.query_with_params(sql, params).await,
        }
    }

    /// Runs one statement in `database` with `{name:Type}` query
    /// `params` under `settings` (ours: a tenant's view database,
    /// `readonly`, limits), which hold for that statement only; its result
    /// is collected within `budget` ([`result_limits`]).
    ///
    /// # Errors
    /// [`Error::ClickHouse`] with the engine's message;
    /// [`Error::LimitExceeded`] past `budget`; through a running
    /// service ([`Engine::Remote`]) this is not offered (the service runs
    /// such statements itself), which is an error.
    pub async fn query_scoped(
        &self,
        sql: &str,
        database: &str,
        params: &[(&str, String)],
        settings: &[(&str, String)],
        budget: Option<result_limits::Budget>,
    ) -> Result<QueryOutput> {
        match self {
            Engine::Embedded(e) => {
                e.query_scoped(sql, database, params, settings, budget)
                    .await
            }
            Engine::Server(s) => {
                s.query_scoped(sql, database, params, settings, budget)
                    .await
            }
            Engine::Remote(_) => Err(Error::Config(
                "scoped statements run in the service itself, not through it".into(),
            )),
        }
    }

    /// The ClickHouse version, e.g. `26.9.2.1`.
    ///
    /// # Errors
    /// As [`Engine::query`].
    pub async fn version(&self) -> Result<String> {
        self.query("SELECT version()")
            .await?
            .first_string()
            .ok_or_else(|| Error::ClickHouse("SELECT version() returned no text".into()))
    }

    /// The version reported by clickprint's own UDF executable, called from
    /// SQL: proof that ClickHouse finds and runs the UDFs.
    ///
    /// # Errors
    /// As [`Engine::query`]; the UDF's own message when it fails.
    pub async fn udf_version(&self) -> Result<String> {
        self.query("SELECT clickprint_version('')")
            .await?
            .first_string()
            .ok_or_else(|| Error::ClickHouse("clickprint_version() returned no text".into()))
    }
}

fn write_function_definitions(dir: &std::path::Path, pools: UdfPools) -> Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    for (name, text) in FUNCTION_DEFINITIONS {
        let path = dir.join(name);
        let text = with_pool_size(name, text, pools);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text)
                .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        }
    }
    Ok(())
}

/// A function definition with the `pool_size` the settings give its pool
/// (the query's, and the rerank's, which also sizes the rare-inlier
/// table's: one call a search beside the rerank's; any other unchanged).
fn with_pool_size(name: &str, text: &str, pools: UdfPools) -> String {
    let size = match name {
        "clickprint_query_function.xml" => pools.query,
        "clickprint_rerank_function.xml" | "clickprint_nearest_function.xml" => pools.rerank,
        _ => return text.to_owned(),
    };
    let (Some(start), Some(end)) = (text.find("<pool_size>"), text.find("</pool_size>")) else {
        return text.to_owned();
    };
    format!("{}<pool_size>{size}{}", &text[..start], &text[end..])
}

/// The code of a ClickHouse exception quoted in `words` (`Code: N.`), as
/// the engine writes every exception.
pub fn exception_code(words: &str) -> Option<u32> {
    let at = words.find("Code: ")? + "Code: ".len();
    let digits: String = words[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settings_size_the_search_pools() {
        let pools = UdfPools {
            query: 3,
            rerank: 7,
        };
        for (name, text) in FUNCTION_DEFINITIONS {
            let written = with_pool_size(name, text, pools);
            let size = written
                .split("<pool_size>")
                .nth(1)
                .and_then(|rest| rest.split("</pool_size>").next());
            match *name {
                "clickprint_query_function.xml" => assert_eq!(size, Some("3")),
                "clickprint_rerank_function.xml" | "clickprint_nearest_function.xml" => {
                    assert_eq!(size, Some("7"));
                }
                _ => assert_eq!(&written, text),
            }
            let around = |t: &str| {
                let (before, rest) = t.split_once("<pool_size>").unwrap_or((t, ""));
                (
                    before.to_owned(),
                    rest.split_once("</pool_size>").map(|r| r.1.to_owned()),
                )
            };
            assert_eq!(
                around(&written),
                around(text),
                "only the pool size changes in {name}"
            );
        }
    }

    #[test]
    fn every_shipped_function_definition_is_compiled_in() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../clickhouse-config");
        let mut shipped: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with("_function.xml"))
            .collect();
        shipped.sort();
        let mut compiled: Vec<String> = FUNCTION_DEFINITIONS
            .iter()
            .map(|(n, _)| n.to_string())
            .collect();
        compiled.sort();
        assert_eq!(shipped, compiled);
    }
}
