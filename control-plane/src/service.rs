//! The long-running service (`clickprint serve`) and the command-line tools
//! that either open the data directory themselves or talk to that service.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::app::upkeep;
use crate::app::worker::{self, WorkerContext};
use crate::clickhouse::{Engine, QueryOutput, RemoteEngine, extractors, library};
use crate::config::{ClickHouseConfig, Config};
use crate::datadir::{self, DataDirLock, Owner, ServiceInfo};
use crate::error::{Error, Result};
use crate::http::{self, AppState};
use crate::metrics::Metrics;
use crate::store::PostgresStore;

/// Runs the service until `shutdown` resolves: takes the data directory,
/// starts or connects both stores, serves HTTP, then stops it all in order.
/// `on_listening` is told the bound address once requests are accepted.
///
/// # Errors
/// Whatever stops a store from starting, or the listener from binding.
pub async fn serve(
    config: &Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<()> {
    let lock = DataDirLock::acquire(&config.data_dir)?;
    // Bound first: a busy port is said at once, before the stores start.
    let listeners = Listeners::bind(config).await?;
    let admin_token = match &config.admin_token {
        Some(token) => token.clone(),
        None => lock.admin_token()?,
    };
    let postgres = PostgresStore::open(config).await?;
    let engine = library::open(&config.clickhouse).await;
    let state = match engine {
        Ok(engine) => Arc::new(AppState {
            engine,
            postgres,
            admin_token,
            config: config.clone(),
            metrics: Arc::new(Metrics::new()),
        }),
        Err(e) => {
            let _ = postgres.shutdown();
            return Err(e);
        }
    };
    // The review loop's ClickHouse mirror, written again whole: a change
    // cut off between the two stores is in the search from here on. A
    // failure is said and the service starts (ClickHouse answered the
    // schema a moment ago; each later change is mirrored as it is made).
    match crate::app::review::rebuild_mirror(state.postgres.pool(), &state.engine).await {
        Ok(rows) => tracing::info!(rows, "review decisions mirrored to ClickHouse"),
        Err(e) => tracing::warn!(error = %e, "mirroring review decisions to ClickHouse failed"),
    }
    let (stop, workers) = worker::start(
        Arc::new(WorkerContext::new(
            config,
            state.postgres.pool().clone(),
            state.engine.clone(),
            Arc::clone(&state.metrics),
        )),
        config.workers,
    );
    let senders = crate::app::webhooks::start(
        state.postgres.pool().clone(),
        config.webhooks.clone(),
        stop.subscribe(),
    );
    let upkeep = upkeep::start(
        state.engine.clone(),
        config.upkeep,
        Arc::clone(&state.metrics),
        stop.subscribe(),
    );
    let served = run_http(
        config,
        listeners,
        &lock,
        Arc::clone(&state),
        shutdown,
        on_listening,
    )
    .await;
    // Workers stop taking tasks; a task in work is abandoned and goes to
    // another worker when its lease ends (its steps are safe to repeat).
    let _ = stop.send(true);
    for task in workers.into_iter().chain(senders).chain([upkeep]) {
        let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    }
    lock.unpublish();
    let stopped = state.postgres.shutdown();
    served.and(stopped)
}

/// The service's listening sockets, bound before anything else starts.
struct Listeners {
    api: TcpListener,
    metrics: Option<TcpListener>,
    clickhouse_http: Option<TcpListener>,
}

impl Listeners {
    async fn bind(config: &Config) -> Result<Listeners> {
        async fn bind(at: SocketAddr, what: &str) -> Result<TcpListener> {
            TcpListener::bind(at)
                .await
                .map_err(|e| Error::io(format!("listening on {at}{what}"), e))
        }
        let api = bind(config.listen, "").await?;
        let metrics = match config.metrics_listen {
            Some(at) => Some(bind(at, " (metrics_listen)").await?),
            None => None,
        };
        let clickhouse_http = match config.clickhouse_http_listen {
            Some(at) => Some(bind(at, " (clickhouse_http_listen)").await?),
            None => None,
        };
        Ok(Listeners {
            api,
            metrics,
            clickhouse_http,
        })
    }
}

fn bound(listener: &TcpListener) -> Result<SocketAddr> {
    listener
        .local_addr()
        .map_err(|e| Error::io("reading the bound address", e))
}

async fn run_http(
    config: &Config,
    listeners: Listeners,
    lock: &DataDirLock,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<()> {
    let Listeners {
        api: listener,
        metrics,
        clickhouse_http,
    } = listeners;
    let addr = bound(&listener)?;
    lock.publish(&ServiceInfo {
        pid: std::process::id(),
        url: format!("http://{addr}"),
    })?;
    if let Some(listener) = &clickhouse_http {
        // Tests and scripts read this line to find the port.
        println!(
            "clickhouse http interface listening on http://{}",
            bound(listener)?
        );
    }
    on_listening(addr);
    let shutdown = futures_util::FutureExt::shared(shutdown);
    let timeout = config.header_read_timeout;
    let metrics = async {
        if let Some(listener) = metrics {
            let routes = http::metrics_routes(Arc::clone(&state));
            http::server::serve(listener, routes, timeout, shutdown.clone()).await;
        }
    };
    let clickhouse_http = async {
        if let Some(listener) = clickhouse_http {
            let routes = http::clickhouse_interface::routes(Arc::clone(&state));
            http::server::serve(listener, routes, timeout, shutdown.clone()).await;
        }
    };
    let api = http::server::serve(
        listener,
        http::routes(state.clone()),
        timeout,
        shutdown.clone(),
    );
    tokio::join!(api, metrics, clickhouse_http);
    Ok(())
}

/// Runs one SQL statement for `clickprint sql`: through the running service
/// when one owns the data directory, else by opening ClickHouse directly
/// (the schema applied first, so the fingerprint tables are there), as
/// [`operator_query`] runs it.
///
/// # Errors
/// The statement's error, or why neither path could run it.
pub async fn run_sql(config: &Config, sql: &str, params: &[(&str, String)]) -> Result<QueryOutput> {
    let (engine, lock) = tool_engine(config).await?;
    let output = async {
        if lock.is_some() {
            library::apply_schema(&engine).await?;
        }
        operator_query(&engine, sql, params).await
    }
    .await;
    drop(lock);
    output
}

/// The database an operator's statement runs in (`clickprint sql`,
/// `POST /v1/admin/sql`): the fingerprint tables' own, so `FROM fp_keys`
/// names the same table for an operator as for a tenant's analyst (whose
/// current database holds its views of them), and one statement of
/// `sql/README.md` runs as written for both.
pub const OPERATOR_DATABASE: &str = crate::clickhouse::library::DATABASE;

/// Runs an operator's statement in [`OPERATOR_DATABASE`] with `{name:Type}`
/// `params`; through a running service ([`Engine::Remote`]), the service
/// does the same.
///
/// # Errors
/// The engine's message.
pub async fn operator_query(
    engine: &Engine,
    sql: &str,
    params: &[(&str, String)],
) -> Result<QueryOutput> {
    match engine {
        Engine::Remote(_) => engine.query_with_params(sql, params).await,
        _ => {
            engine
                .query_scoped(sql, OPERATOR_DATABASE, params, &[], None)
                .await
        }
    }
}

/// Runs both upkeep chores once, now, for `clickprint upkeep`: through
/// the running service when one owns the data directory, else on
/// ClickHouse directly ([`upkeep::run_once`]).
///
/// # Errors
/// The first statement's error, or why neither path could run it.
pub async fn run_upkeep(config: &Config) -> Result<upkeep::Report> {
    let (engine, lock) = tool_engine(config).await?;
    if lock.is_some() || engine.kind() == crate::clickhouse::EngineKind::Server {
        // Nobody else applied the schema to this engine (a service does
        // at its start).
        library::apply_schema(&engine).await?;
    }
    let report = upkeep::run_once(&engine, config.upkeep.stop_list_max_rows).await;
    drop(lock);
    report
}

/// What `clickprint reextract` did for one plug-in extractor.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reextracted {
    /// The extractor.
    pub extractor: String,
    /// Its configured version, which the items now carry.
    pub version: String,
    /// Items that had been extracted with another version.
    pub stale: usize,
    /// Those extracted again.
    pub reextracted: usize,
    /// Those whose file is gone (their rows in its bands are cleared;
    /// they are listed again by the next run until it is back).
    pub missing_files: Vec<u64>,
}

/// `clickprint reextract`: for each enabled plug-in extractor (or those
/// in `names`), the items it extracted with another version than its
/// configured one (`sql/clickhouse/extractor_stale.sql`) lose what it
/// stored for them (`sql/clickhouse/extractor_forget.sql`) and are
/// extracted again from their kept files (`sql/clickhouse/extract.sql`).
/// Until an item is done, a search does not find it by that extractor's
/// keys (ours are untouched).
///
/// # Errors
/// [`Error::Config`] for a name that is not an enabled extractor; the
/// engine's message (a run stopped half way is completed by the next:
/// the items keep their old version until extracted again).
pub async fn run_reextract(config: &Config, names: &[String]) -> Result<Vec<Reextracted>> {
    for name in names {
        if !config
            .extractors
            .iter()
            .any(|e| e.enabled && &e.name == name)
        {
            return Err(Error::Config(format!(
                "no enabled extractor is named {name:?}"
            )));
        }
    }
    let (engine, lock) = tool_engine(config).await?;
    if lock.is_some() || engine.kind() == crate::clickhouse::EngineKind::Server {
        library::apply_schema(&engine).await?;
    }
    let mut report = Vec::new();
    for extractor in config
        .extractors
        .iter()
        .filter(|e| e.enabled && (names.is_empty() || names.contains(&e.name)))
    {
        let stale = extractors::stale(&engine, extractor).await?;
        extractors::forget(&engine, extractor, &stale).await?;
        let mut done = Reextracted {
            extractor: extractor.name.clone(),
            version: extractor.version.clone(),
            stale: stale.len(),
            reextracted: 0,
            missing_files: Vec::new(),
        };
        for item in &stale {
            let file = crate::store::media::file_path(
                &config.data_dir,
                i32::try_from(item.tenant_id).unwrap_or(i32::MAX),
                i64::try_from(item.media_id).unwrap_or(i64::MAX),
            );
            if !file.is_file() {
                done.missing_files.push(item.media_id);
                continue;
            }
            extractors::extract(
                &engine,
                extractor,
                item.tenant_id,
                item.media_id,
                &file.display().to_string(),
                &item.modality,
            )
            .await?;
            done.reextracted += 1;
        }
        report.push(done);
    }
    drop(lock);
    Ok(report)
}

/// The engine a command-line tool uses: the configured server; else the
/// running service that owns the data directory; else the embedded
/// engine, opened here, with the data directory's lock (held while the
/// engine is used).
async fn tool_engine(config: &Config) -> Result<(Engine, Option<DataDirLock>)> {
    if let ClickHouseConfig::Server(_) = config.clickhouse {
        return Ok((Engine::open(&config.clickhouse)?, None));
    }
    let dir = config.data_dir.clone();
    let owner = tokio::task::spawn_blocking(move || datadir::owner(&dir, Duration::from_secs(60)))
        .await
        .map_err(|e| Error::Config(format!("waiting for the data directory: {e}")))??;
    match owner {
        Owner::Acquired(lock) => Ok((Engine::open(&config.clickhouse)?, Some(lock))),
        Owner::Service(info) => {
            let token = datadir::read_admin_token(&config.data_dir)?;
            Ok((
                Engine::Remote(RemoteEngine::new(&info.url, info.pid, &token)),
                None,
            ))
        }
    }
}
