//! Configuration: compiled-in defaults, then a TOML file, then `CLICKPRINT_*`
//! environment variables (plus the conventional `DATABASE_URL` and
//! `CLICKHOUSE_URL`), then command-line flags. [`RawConfig`] is what those
//! layers deserialize into; [`Config::from_raw`] validates it into the
//! [`Config`] the code uses, so nothing downstream re-checks a setting.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The settings as written by a person, before validation. Every field has
/// a default, so an empty file and no variables make a working embedded setup.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawConfig {
    /// Where clickprint keeps everything it owns: the ClickHouse store, the
    /// private Postgres cluster, the lock and the service address file.
    pub data_dir: PathBuf,
    /// The HTTP address `serve` listens on (`127.0.0.1:0` picks a free port).
    pub listen: String,
    /// An external Postgres; unset means a private cluster in the data dir.
    pub database_url: Option<String>,
    /// How many Postgres connections the pool keeps.
    pub postgres_pool_size: usize,
    /// Where `initdb`, `pg_ctl` and `postgres` live for the private cluster.
    pub postgres_bin_dir: PathBuf,
    /// A clickhouse-server's HTTP URL; unset means the embedded engine.
    pub clickhouse_url: Option<String>,
    /// The clickhouse-server user.
    pub clickhouse_user: Option<String>,
    /// The clickhouse-server password.
    pub clickhouse_password: Option<String>,
    /// The clickhouse-server database.
    pub clickhouse_database: Option<String>,
    /// The clickhouse-server is a cluster laid out by
    /// `sql/clickhouse/cluster/schema.sql`: upkeep runs the cluster forms
    /// of the statements a Distributed table cannot take.
    pub clickhouse_cluster: bool,
    /// chDB's `_chdb.abi3.so`; unset means the one `scripts/setup.sh` installed.
    pub chdb_library: Option<PathBuf>,
    /// The CPython shared library; unset means the one `scripts/setup.sh` found.
    pub libpython: Option<PathBuf>,
    /// The folder holding the `clickprint-udf` executable; unset means the
    /// folder of the running `clickprint` binary.
    pub udf_dir: Option<PathBuf>,
    /// How many searches' statements the embedded engine runs at once
    /// (the search lane; the other kinds of work have lanes of their own).
    pub clickhouse_connections: usize,
    /// How many ingest and service statements it runs at once.
    pub ingest_statements: usize,
    /// How many analysts' statements it runs at once.
    pub analyst_statements: usize,
    /// The largest share of a lane one tenant's statements may hold, percent.
    pub tenant_lane_percent: u8,
    /// How many `clickprint_query` processes the embedded engine keeps
    /// warm (the UDF's `pool_size`): one per search decoding its query.
    pub udf_query_pool_size: usize,
    /// How many `clickprint_rerank` processes it keeps warm (and as many
    /// `clickprint_nearest`, a picture search's rare-inlier table).
    pub udf_rerank_pool_size: usize,
    /// An analyst statement's wall-clock time, s.
    pub analyst_max_execution_secs: u64,
    /// Rows an analyst statement may read.
    pub analyst_max_rows_to_read: u64,
    /// Rows an analyst statement may return.
    pub analyst_max_result_rows: u64,
    /// Bytes an analyst statement may return (held, and as JSON).
    pub analyst_max_result_bytes: u64,
    /// Memory an analyst statement may use in the engine, bytes.
    pub analyst_max_memory_bytes: u64,
    /// The operators' token for `/v1/admin/*`; unset means the data
    /// directory's own (`<data dir>/admin-token`, readable by its owner).
    pub admin_token: Option<String>,
    /// Ingest workers `serve` runs in its own process (0: none; run
    /// `clickprint worker` processes instead).
    pub workers: usize,
    /// How long a worker holds a task without renewing its claim, s; a
    /// worker that dies loses its task to another after this.
    pub task_lease_secs: u64,
    /// Attempts per ingest task before it is dead.
    pub task_max_attempts: i32,
    /// Largest upload accepted (media, search query, CSV or ZIP), bytes.
    pub max_upload_bytes: u64,
    /// Bytes a ZIP job may write when extracted, counted as written (each
    /// manifest row naming a file writes its own copy); past it the job is
    /// refused and its files removed.
    pub job_max_extract_bytes: u64,
    /// Largest download of a media URL, bytes (also `CLICKPRINT_FETCH_MAX_BYTES` for the UDFs).
    pub fetch_max_bytes: u64,
    /// Time for a whole download, s.
    pub fetch_timeout_secs: u64,
    /// Redirects followed at most.
    pub fetch_max_redirects: usize,
    /// Whether media URLs may point at loopback or private addresses.
    pub fetch_allow_private: bool,
    /// Matches a search returns when the request does not say.
    pub search_top_k: u32,
    /// The score a match needs when the request does not say (0..1).
    pub search_min_score: f32,
    /// Queries one batch search (`POST /v1/search/batch`) may hold.
    pub search_batch_max_queries: usize,
    /// Whether browsers reach the service over HTTPS (a TLS proxy in
    /// front): the console's cookie is then `Secure` and its requests must
    /// come from an `https://` origin.
    pub behind_tls: bool,
    /// A client has this long to send a request's headers, s; a connection
    /// that does not is closed (an idle kept-alive one too).
    pub header_read_timeout_secs: u64,
    /// A separate address serving `GET /metrics` without credentials (for a
    /// scraper on a private network); unset means `/metrics` only on
    /// `listen`, behind the admin token.
    pub metrics_listen: Option<String>,
    /// An address serving ClickHouse's HTTP interface over the embedded
    /// engine, for ClickHouse clients (`serve --clickhouse-http`); unset
    /// (the default) serves none.
    pub clickhouse_http_listen: Option<String>,
    /// Whether the operator (`admin` with the admin token) may call the
    /// clickprint functions that read media through that interface, so
    /// another clickprint can use this service as its ClickHouse server
    /// (`CLICKHOUSE_URL`); off by default: nobody reaches them there.
    pub clickhouse_http_operator_media: bool,
    /// The longest query sound or video a search takes, s (by its declared
    /// duration, checked before it is decoded).
    pub search_max_query_secs: u64,
    /// How often the stop lists of tenants whose library changed are
    /// refreshed, s (`sql/clickhouse/stop_list.sql`); 0 never.
    pub stop_list_interval_secs: u64,
    /// A key held more than this many times by one tenant is stop-listed
    /// (the search skips it).
    pub stop_list_max_rows: u64,
    /// How often deleted media's rows are purged, s
    /// (`sql/clickhouse/purge.sql`); 0 never.
    pub purge_interval_secs: u64,
    /// Webhook senders `serve` runs in its own process (0: none).
    pub webhook_senders: usize,
    /// Time for one delivery, connection, request and answer, s.
    pub webhook_timeout_secs: u64,
    /// The waits before each retry of a failed delivery, comma-separated
    /// seconds; after the last, the delivery is `failed`.
    pub webhook_retry_secs: String,
    /// Senders one tenant's deliveries may hold at once.
    pub webhook_tenant_in_flight: usize,
    /// Webhooks a tenant may keep.
    pub webhooks_per_tenant: usize,
    /// Whether receivers may be `http://` and on loopback or private
    /// addresses.
    pub webhook_allow_private: bool,
    /// Plug-in extractors (`[[extractors]]` tables; udf/README.md,
    /// "Plug-in extractors"), beside ours ([`BUILT_IN_EXTRACTORS`], which
    /// a table of the same name adjusts).
    pub extractors: Vec<RawExtractor>,
}

/// One plug-in extractor as written in the file (`[[extractors]]`). A
/// declaration named like one of ours ([`BUILT_IN_EXTRACTORS`]:
/// `dialogue`) changes only the fields it gives (`enabled = false`,
/// `tenants`); any other gives `command`, `modalities`, `version`, and
/// `bands`, `outputs` or both.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExtractor {
    /// Its name: lower-case letters, digits, `_` and `-`, unique.
    pub name: String,
    /// Its executable, a file in the UDF folder (`udf_dir`, ClickHouse's
    /// `user_scripts_path`), and the arguments it is started with,
    /// separated by spaces.
    #[serde(default)]
    pub command: Option<String>,
    /// The modalities of the media it extracts: `image`, `audio`, `video`.
    #[serde(default)]
    pub modalities: Option<Vec<String>>,
    /// The first and last band its keys use, inside 129..=255; none: it
    /// emits no keys (and is not run on search queries).
    #[serde(default)]
    pub bands: Option<[u8; 2]>,
    /// What it emits besides keys and records: `cues` (rows of kind
    /// `cue`, stored in `fp_cues` for the text search); none by default.
    #[serde(default)]
    pub outputs: Option<Vec<String>>,
    /// Its version: changing it marks the items it extracted for
    /// `clickprint reextract`.
    #[serde(default)]
    pub version: Option<String>,
    /// Whether it runs at ingest and its bands are searched (default
    /// true).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// The tenants (by name) it runs for; empty (the default) means every
    /// tenant.
    #[serde(default)]
    pub tenants: Option<Vec<String>>,
}

/// The dialogue extractor's version: change it when the cues it emits
/// change (their text, numbering or ranges), so `clickprint reextract
/// dialogue` makes them again.
pub const DIALOGUE_VERSION: &str = "1";

/// The extractors clickprint declares itself, before the file's: the
/// dialogue extractor (`clickprint-udf dialogue`, the cues of a video's
/// text subtitle streams; `udf/README.md`, "Plug-in extractors"). A file's
/// declaration of the same name overrides the fields it gives.
pub const BUILT_IN_EXTRACTORS: [&str; 1] = ["dialogue"];

fn built_in_extractor(name: &str) -> Option<RawExtractor> {
    match name {
        "dialogue" => Some(RawExtractor {
            name: name.into(),
            command: Some("clickprint-udf dialogue".into()),
            modalities: Some(vec!["video".into()]),
            bands: None,
            outputs: Some(vec!["cues".into()]),
            version: Some(DIALOGUE_VERSION.into()),
            enabled: Some(true),
            tenants: Some(Vec::new()),
        }),
        _ => None,
    }
}

impl RawExtractor {
    /// `self`'s fields, with `base`'s where `self` gives none.
    fn over(self, base: RawExtractor) -> RawExtractor {
        RawExtractor {
            name: self.name,
            command: self.command.or(base.command),
            modalities: self.modalities.or(base.modalities),
            bands: self.bands.or(base.bands),
            outputs: self.outputs.or(base.outputs),
            version: self.version.or(base.version),
            enabled: self.enabled.or(base.enabled),
            tenants: self.tenants.or(base.tenants),
        }
    }
}

/// The extractors in force: ours ([`BUILT_IN_EXTRACTORS`]) first, each
/// with the fields the first declaration of its name in `declared` gives,
/// then the others declared, in order (a second declaration of one of
/// ours among them, which the check refuses as declared twice).
fn with_built_ins(declared: Vec<RawExtractor>) -> Vec<RawExtractor> {
    let mut all: Vec<RawExtractor> = BUILT_IN_EXTRACTORS
        .iter()
        .filter_map(|name| built_in_extractor(name))
        .collect();
    let ours = all.len();
    let mut adjusted = vec![false; ours];
    for raw in declared {
        match all[..ours].iter().position(|b| b.name == raw.name) {
            Some(i) if !adjusted[i] => {
                adjusted[i] = true;
                all[i] = raw.over(all[i].clone());
            }
            _ => all.push(raw),
        }
    }
    all
}

/// A plug-in extractor, checked ([`RawExtractor`] holds what each field
/// means).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extractor {
    /// Its unique name.
    pub name: String,
    /// Its executable in the UDF folder, with its arguments.
    pub command: String,
    /// The modalities it extracts.
    pub modalities: Vec<String>,
    /// Its bands, inside [`clickprint_core::keys::EXTRACTOR_BANDS`]; `None`
    /// when it emits no keys.
    pub bands: Option<std::ops::RangeInclusive<u8>>,
    /// Whether it emits cues (`outputs = ["cues"]`): its `cue` rows go to
    /// `fp_cues`; without, a `cue` row fails its statement.
    pub cues: bool,
    /// Its version.
    pub version: String,
    /// Whether it runs and is searched.
    pub enabled: bool,
    /// The tenants it runs for; empty means every tenant.
    pub tenants: Vec<String>,
}

impl Extractor {
    /// One of ours ([`BUILT_IN_EXTRACTORS`]) as compiled in, for code that
    /// ingests below the worker (tests, the evaluation); `None` for
    /// another name.
    pub fn built_in(name: &str) -> Option<Extractor> {
        built_in_extractor(name).and_then(|raw| Extractor::from_raw(raw, &[]).ok())
    }

    /// Whether it runs, at ingest and search, for `tenant`'s media of
    /// `modality`: enabled, for that tenant, and for that modality.
    pub fn applies(&self, tenant: &str, modality: &str) -> bool {
        self.enabled
            && (self.tenants.is_empty() || self.tenants.iter().any(|t| t == tenant))
            && self.modalities.iter().any(|m| m == modality)
    }

    /// Whether a search runs it on its query: it applies and it has keys
    /// to look up (an extractor of cues only, like the dialogue one, is
    /// never started for a query).
    pub fn searched(&self, tenant: &str, modality: &str) -> bool {
        self.bands.is_some() && self.applies(tenant, modality)
    }

    /// Checks a raw declaration; `taken` are the extractors checked before
    /// it, whose names and bands it must not share.
    fn from_raw(raw: RawExtractor, taken: &[Extractor]) -> Result<Self> {
        let name = raw.name;
        let wrong = |what: String| Error::Config(format!("extractor {name:?}: {what}"));
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        {
            return Err(wrong(
                "a name is lower-case letters, digits, `_` and `-`".into(),
            ));
        }
        if taken.iter().any(|e| e.name == name) {
            return Err(wrong("declared twice".into()));
        }
        let command = raw.command.unwrap_or_default();
        let program = command.split_whitespace().next().unwrap_or("");
        if program.is_empty() || program.contains('/') || program.starts_with('.') {
            return Err(wrong(format!(
                "`command` names a file in the UDF folder (no path), then its arguments, not {command:?}"
            )));
        }
        if command.contains(['\'', '"', '\\']) || command.chars().any(char::is_control) {
            return Err(wrong(
                "`command` holds no quotes, backslashes or control characters".into(),
            ));
        }
        let modalities = raw.modalities.unwrap_or_default();
        if modalities.is_empty()
            || modalities
                .iter()
                .any(|m| clickprint_core::media::Kind::parse(m).is_none())
        {
            return Err(wrong(format!(
                "`modalities` are some of image, audio, video, not {modalities:?}"
            )));
        }
        let outputs = raw.outputs.unwrap_or_default();
        if let Some(other) = outputs.iter().find(|o| o.as_str() != "cues") {
            return Err(wrong(format!(
                "`outputs` are none or [\"cues\"], not {other:?}"
            )));
        }
        let cues = !outputs.is_empty();
        let bands = match raw.bands {
            None if !cues => {
                return Err(wrong(
                    "it declares neither `bands` nor `outputs`: nothing it emits would be searched"
                        .into(),
                ));
            }
            None => None,
            Some([first, last]) => {
                let allowed = clickprint_core::keys::EXTRACTOR_BANDS;
                if first > last || !allowed.contains(&first) || !allowed.contains(&last) {
                    return Err(wrong(format!(
                        "`bands` are [first, last] inside {}..={}, not [{first}, {last}]",
                        allowed.start(),
                        allowed.end()
                    )));
                }
                if let Some(other) = taken.iter().find(|e| {
                    e.bands
                        .as_ref()
                        .is_some_and(|b| first <= *b.end() && *b.start() <= last)
                }) {
                    return Err(wrong(format!(
                        "its bands [{first}, {last}] overlap extractor {:?}'s",
                        other.name
                    )));
                }
                Some(first..=last)
            }
        };
        let version = raw.version.unwrap_or_default();
        if version.trim().is_empty() {
            return Err(wrong("`version` must not be empty".into()));
        }
        Ok(Extractor {
            name,
            command: command.split_whitespace().collect::<Vec<_>>().join(" "),
            modalities,
            bands,
            cues,
            version,
            enabled: raw.enabled.unwrap_or(true),
            tenants: raw.tenants.unwrap_or_default(),
        })
    }
}

impl Default for RawConfig {
    fn default() -> Self {
        let analyst = AnalystLimits::default();
        RawConfig {
            data_dir: PathBuf::from("data"),
            listen: "127.0.0.1:7420".into(),
            database_url: None,
            postgres_pool_size: 8,
            postgres_bin_dir: PathBuf::from("/usr/lib/postgresql/15/bin"),
            clickhouse_url: None,
            clickhouse_user: None,
            clickhouse_password: None,
            clickhouse_database: None,
            clickhouse_cluster: false,
            chdb_library: None,
            libpython: None,
            udf_dir: None,
            clickhouse_connections: 4,
            ingest_statements: 2,
            analyst_statements: 2,
            tenant_lane_percent: 50,
            udf_query_pool_size: 4,
            udf_rerank_pool_size: 4,
            analyst_max_execution_secs: analyst.max_execution_time.as_secs(),
            analyst_max_rows_to_read: analyst.max_rows_to_read,
            analyst_max_result_rows: analyst.max_result_rows,
            analyst_max_result_bytes: analyst.max_result_bytes,
            analyst_max_memory_bytes: analyst.max_memory_usage,
            admin_token: None,
            workers: 2,
            task_lease_secs: 300,
            task_max_attempts: 5,
            max_upload_bytes: 2 << 30,
            job_max_extract_bytes: 4 << 30,
            fetch_max_bytes: 2 << 30,
            fetch_timeout_secs: 300,
            fetch_max_redirects: 5,
            fetch_allow_private: false,
            search_top_k: 10,
            search_min_score: 0.3,
            search_batch_max_queries: 50,
            behind_tls: false,
            header_read_timeout_secs: 10,
            metrics_listen: None,
            clickhouse_http_listen: None,
            clickhouse_http_operator_media: false,
            search_max_query_secs: 600,
            stop_list_interval_secs: 600,
            stop_list_max_rows: 10_000,
            purge_interval_secs: 3600,
            webhook_senders: 4,
            webhook_timeout_secs: 10,
            webhook_retry_secs: "30,120,600,3600,21600".into(),
            webhook_tenant_in_flight: 2,
            webhooks_per_tenant: 10,
            webhook_allow_private: false,
            extractors: Vec::new(),
        }
    }
}

impl RawConfig {
    /// The download policy these settings make.
    pub fn fetch_policy(&self) -> clickprint_fetch::Policy {
        clickprint_fetch::Policy {
            max_bytes: self.fetch_max_bytes,
            timeout: std::time::Duration::from_secs(self.fetch_timeout_secs),
            max_redirects: self.fetch_max_redirects,
            allow_private: self.fetch_allow_private,
        }
    }

    /// The same download policy as `CLICKPRINT_FETCH_*` variables, and the
    /// longest query as `CLICKPRINT_QUERY_MAX_SECS`, for the UDF processes
    /// ClickHouse starts (they inherit its environment): the extraction
    /// itself refuses a longer query, whoever calls it.
    pub fn udf_env(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                clickprint_core::media::ENV_MAX_QUERY_SECS,
                self.search_max_query_secs.to_string(),
            ),
            (
                clickprint_fetch::ENV_MAX_BYTES,
                self.fetch_max_bytes.to_string(),
            ),
            (
                clickprint_fetch::ENV_TIMEOUT_SECS,
                self.fetch_timeout_secs.to_string(),
            ),
            (
                clickprint_fetch::ENV_MAX_REDIRECTS,
                self.fetch_max_redirects.to_string(),
            ),
            (
                clickprint_fetch::ENV_ALLOW_PRIVATE,
                self.fetch_allow_private.to_string(),
            ),
        ]
    }

    /// The setting names, as written in the file (lower case).
    pub fn keys() -> Vec<String> {
        match serde_json::to_value(RawConfig::default()) {
            Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// Reads the layers: defaults, `file` (when given, it must exist), then
    /// the environment.
    ///
    /// # Errors
    /// [`Error::Config`] for a missing file, bad TOML, an unknown key or a
    /// value of the wrong type.
    pub fn load(file: Option<&Path>) -> Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(RawConfig::default()));
        if let Some(file) = file {
            if !file.is_file() {
                return Err(Error::Config(format!(
                    "no config file at {}",
                    file.display()
                )));
            }
            figment = figment.merge(Toml::file(file));
        }
        // Only variables naming a setting are read, so an unrelated
        // CLICKPRINT_* variable (read by another binary) is not an error,
        // while an unknown key in the file is.
        let known = RawConfig::keys();
        figment = figment
            .merge(Env::raw().only(&["DATABASE_URL", "CLICKHOUSE_URL"]))
            .merge(
                Env::prefixed("CLICKPRINT_")
                    .filter(move |key| known.iter().any(|k| k.eq_ignore_ascii_case(key.as_str()))),
            );
        figment.extract().map_err(|e| Error::Config(e.to_string()))
    }
}

/// Which Postgres to use.
#[derive(Debug, Clone)]
pub enum PostgresConfig {
    /// A private cluster that clickprint creates and runs in the data dir.
    Embedded {
        /// Where the Postgres server binaries live.
        bin_dir: PathBuf,
    },
    /// A Postgres someone else runs.
    External {
        /// A `postgres://` URL or a key=value connection string.
        url: String,
    },
}

/// Which ClickHouse to use.
#[derive(Debug, Clone)]
pub enum ClickHouseConfig {
    /// chDB in this process.
    Embedded(EmbeddedOptions),
    /// A clickhouse-server over HTTP.
    Server(ServerOptions),
}

/// Where the embedded engine finds its library, its data and its UDFs.
#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    /// The ClickHouse data folder (created if missing).
    pub path: PathBuf,
    /// chDB's shared library, `chdb/_chdb.abi3.so` from the `chdb-core` wheel.
    pub chdb_library: PathBuf,
    /// The CPython shared library chDB's symbols resolve against.
    pub libpython: PathBuf,
    /// The folder holding the UDF executables (`user_scripts_path`).
    pub udf_dir: PathBuf,
    /// The folder holding the `*_function.xml` UDF definitions.
    pub functions_dir: PathBuf,
    /// How many statements of each kind may run at once.
    pub lanes: LaneSizes,
    /// How many processes each search UDF keeps warm.
    pub udf_pools: UdfPools,
}

/// How many processes the embedded engine keeps warm for each
/// `executable_pool` UDF of a search (`pool_size` in its definition,
/// written into the data directory's copy of `clickhouse-config/`). A
/// statement that finds every process of a pool busy waits for one, so
/// each pool holds at least as many as the search lane runs at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdfPools {
    /// `clickprint_query` (`udf_query_pool_size`).
    pub query: usize,
    /// `clickprint_rerank`, and `clickprint_nearest` alike
    /// (`udf_rerank_pool_size`).
    pub rerank: usize,
}

/// How many statements each lane of the embedded engine's scheduler runs
/// at once (`clickhouse::scheduler`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaneSizes {
    /// The search lane (`clickhouse_connections`).
    pub search: usize,
    /// The ingest lane (`ingest_statements`).
    pub ingest: usize,
    /// The analysts' lane (`analyst_statements`).
    pub analyst: usize,
    /// The largest share of a lane one tenant may hold, percent (1..=100);
    /// at least one statement (`tenant_lane_percent`).
    pub tenant_percent: u8,
}

/// How to reach a clickhouse-server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// `http://host:8123` (the HTTP interface).
    pub url: String,
    /// The user to connect as.
    pub user: Option<String>,
    /// That user's password.
    pub password: Option<String>,
    /// The database statements run in by default.
    pub database: Option<String>,
    /// A cluster laid out by `sql/clickhouse/cluster/schema.sql`
    /// (`clickhouse_cluster`).
    pub cluster: bool,
}

/// Bounds on one analyst statement (`clickhouse::analyst`); each is a
/// setting of its own (`analyst_*`, named in the refusal when hit).
#[derive(Debug, Clone, Copy)]
pub struct AnalystLimits {
    /// Wall-clock time (`analyst_max_execution_secs`).
    pub max_execution_time: std::time::Duration,
    /// Rows the statement may read (`analyst_max_rows_to_read`).
    pub max_rows_to_read: u64,
    /// Rows it may return (`analyst_max_result_rows`).
    pub max_result_rows: u64,
    /// Bytes it may return, in memory and as JSON (`analyst_max_result_bytes`).
    pub max_result_bytes: u64,
    /// Memory it may use in the engine, bytes (`analyst_max_memory_bytes`).
    pub max_memory_usage: u64,
}

impl Default for AnalystLimits {
    fn default() -> Self {
        AnalystLimits {
            max_execution_time: std::time::Duration::from_secs(30),
            max_rows_to_read: 200_000_000,
            max_result_rows: 100_000,
            max_result_bytes: 64 << 20,
            max_memory_usage: 1 << 30,
        }
    }
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Absolute path of the data directory.
    pub data_dir: PathBuf,
    /// The HTTP address `serve` listens on.
    pub listen: SocketAddr,
    /// Which Postgres.
    pub postgres: PostgresConfig,
    /// Postgres pool size.
    pub postgres_pool_size: usize,
    /// Which ClickHouse.
    pub clickhouse: ClickHouseConfig,
    /// The `clickprint-udf` executable (the control plane runs its probe).
    pub udf: PathBuf,
    /// The configured operators' token, if any.
    pub admin_token: Option<String>,
    /// In-process ingest workers.
    pub workers: usize,
    /// A worker's claim on a task lasts this long unrenewed.
    pub task_lease: std::time::Duration,
    /// Attempts per ingest task.
    pub task_max_attempts: i32,
    /// Largest upload, bytes.
    pub max_upload_bytes: u64,
    /// Bytes a ZIP job may write when extracted.
    pub job_max_extract_bytes: u64,
    /// How media URLs are downloaded.
    pub fetch: clickprint_fetch::Policy,
    /// Default matches per search.
    pub search_top_k: u32,
    /// Default score threshold.
    pub search_min_score: f32,
    /// Queries one batch search may hold, at least 1.
    pub search_batch_max_queries: usize,
    /// Whether browsers reach the service over HTTPS.
    pub behind_tls: bool,
    /// How long a client has to send a request's headers.
    pub header_read_timeout: std::time::Duration,
    /// Where `/metrics` is served without credentials, if anywhere.
    pub metrics_listen: Option<SocketAddr>,
    /// Where ClickHouse's HTTP interface is served, if anywhere.
    pub clickhouse_http_listen: Option<SocketAddr>,
    /// Whether the operator may call the media functions through it.
    pub clickhouse_http_operator_media: bool,
    /// The longest query a search takes.
    pub search_max_query: std::time::Duration,
    /// Bounds on every analyst statement.
    pub analyst: AnalystLimits,
    /// The library's upkeep schedule.
    pub upkeep: Upkeep,
    /// How webhooks are delivered.
    pub webhooks: Webhooks,
    /// The extractors, enabled or not: ours ([`BUILT_IN_EXTRACTORS`]),
    /// then the plug-ins in the order declared.
    pub extractors: Vec<Extractor>,
}

/// How webhooks are delivered (`crate::app::webhooks`).
#[derive(Debug, Clone)]
pub struct Webhooks {
    /// Senders `serve` runs.
    pub senders: usize,
    /// The rules of a delivery: its deadline, at most 64 KiB of the answer
    /// read, no redirect, private addresses as `webhook_allow_private` says.
    pub policy: clickprint_fetch::Policy,
    /// The wait before retry `n` is `retries[n - 1]`; a delivery has
    /// `retries.len() + 1` attempts.
    pub retries: Vec<std::time::Duration>,
    /// Senders one tenant's deliveries may hold at once, at least 1.
    pub tenant_in_flight: usize,
    /// Webhooks a tenant may keep.
    pub per_tenant: usize,
}

/// When `clickprint serve` keeps the library lean (`crate::app::upkeep`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upkeep {
    /// How often stop lists are refreshed; `None` never.
    pub stop_list_every: Option<std::time::Duration>,
    /// A key held more than this many times by one tenant is stop-listed.
    pub stop_list_max_rows: u64,
    /// How often deleted media's rows are purged; `None` never.
    pub purge_every: Option<std::time::Duration>,
}

impl Config {
    /// Validates raw settings.
    ///
    /// # Errors
    /// [`Error::Config`] naming the bad setting.
    pub fn from_raw(raw: RawConfig) -> Result<Self> {
        let data_dir = absolute(&raw.data_dir)?;
        let fetch = raw.fetch_policy();
        let webhooks = webhooks(&raw)?;
        let listen: SocketAddr = raw.listen.parse().map_err(|e| {
            Error::Config(format!(
                "listen: `{}` is not a socket address ({e})",
                raw.listen
            ))
        })?;
        let metrics_listen = optional_address("metrics_listen", raw.metrics_listen.as_deref())?;
        let clickhouse_http_listen = optional_address(
            "clickhouse_http_listen",
            raw.clickhouse_http_listen.as_deref(),
        )?;
        if raw.header_read_timeout_secs == 0 {
            return Err(Error::Config(
                "header_read_timeout_secs must be at least 1".into(),
            ));
        }
        if raw.postgres_pool_size == 0 {
            return Err(Error::Config(
                "postgres_pool_size must be at least 1".into(),
            ));
        }
        for (name, value) in [
            ("clickhouse_connections", raw.clickhouse_connections),
            ("ingest_statements", raw.ingest_statements),
            ("analyst_statements", raw.analyst_statements),
            ("udf_query_pool_size", raw.udf_query_pool_size),
            ("udf_rerank_pool_size", raw.udf_rerank_pool_size),
        ] {
            if value == 0 {
                return Err(Error::Config(format!("{name} must be at least 1")));
            }
        }

        if !(1..=100).contains(&raw.tenant_lane_percent) {
            return Err(Error::Config(
                "tenant_lane_percent is between 1 and 100".into(),
            ));
        }
        let analyst = AnalystLimits {
            max_execution_time: std::time::Duration::from_secs(raw.analyst_max_execution_secs),
            max_rows_to_read: raw.analyst_max_rows_to_read,
            max_result_rows: raw.analyst_max_result_rows,
            max_result_bytes: raw.analyst_max_result_bytes,
            max_memory_usage: raw.analyst_max_memory_bytes,
        };
        for (name, value) in [
            ("analyst_max_execution_secs", raw.analyst_max_execution_secs),
            ("analyst_max_rows_to_read", raw.analyst_max_rows_to_read),
            ("analyst_max_result_rows", raw.analyst_max_result_rows),
            ("analyst_max_result_bytes", raw.analyst_max_result_bytes),
            ("analyst_max_memory_bytes", raw.analyst_max_memory_bytes),
            ("search_max_query_secs", raw.search_max_query_secs),
        ] {
            if value == 0 {
                return Err(Error::Config(format!("{name} must be at least 1")));
            }
        }
        let postgres = match raw.database_url.filter(|u| !u.trim().is_empty()) {
            Some(url) => PostgresConfig::External { url },
            None => PostgresConfig::Embedded {
                bin_dir: raw.postgres_bin_dir,
            },
        };
        let clickhouse = match raw.clickhouse_url.filter(|u| !u.trim().is_empty()) {
            Some(url) => {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(Error::Config(format!(
                        "clickhouse_url: `{url}` must start with http:// or https://"
                    )));
                }
                ClickHouseConfig::Server(ServerOptions {
                    url,
                    user: raw.clickhouse_user,
                    password: raw.clickhouse_password,
                    database: raw.clickhouse_database,
                    cluster: raw.clickhouse_cluster,
                })
            }
            None if raw.clickhouse_cluster => {
                return Err(Error::Config(
                    "clickhouse_cluster needs clickhouse_url: the embedded engine is one machine"
                        .into(),
                ));
            }
            None => {
                let deps = SetupPaths::discover();
                let chdb_library = raw.chdb_library.or(deps.chdb_library).ok_or_else(|| {
                    Error::MissingDependency {
                        what: "the chDB library (PyPI chdb-core)".into(),
                        detail: "no chdb_library setting and no .deps/paths.env".into(),
                    }
                })?;
                let libpython =
                    raw.libpython
                        .or(deps.libpython)
                        .ok_or_else(|| Error::MissingDependency {
                            what: "the CPython shared library (libpython3)".into(),
                            detail: "no libpython setting and no .deps/paths.env".into(),
                        })?;
                let udf_dir = udf_dir(raw.udf_dir.as_deref())?;
                // A search that finds a pool's processes all busy waits for
                // one, so each pool serves the whole search lane.
                for (name, value) in [
                    ("udf_query_pool_size", raw.udf_query_pool_size),
                    ("udf_rerank_pool_size", raw.udf_rerank_pool_size),
                ] {
                    if value < raw.clickhouse_connections {
                        return Err(Error::Config(format!(
                            "{name} ({value}) must be at least clickhouse_connections ({}): \
                             a search that finds the pool busy waits for a process",
                            raw.clickhouse_connections
                        )));
                    }
                }
                ClickHouseConfig::Embedded(EmbeddedOptions {
                    path: data_dir.join("clickhouse"),
                    chdb_library,
                    libpython,
                    udf_dir,
                    functions_dir: data_dir.join("clickhouse-functions"),
                    lanes: LaneSizes {
                        search: raw.clickhouse_connections,
                        ingest: raw.ingest_statements,
                        analyst: raw.analyst_statements,
                        tenant_percent: raw.tenant_lane_percent,
                    },
                    udf_pools: UdfPools {
                        query: raw.udf_query_pool_size,
                        rerank: raw.udf_rerank_pool_size,
                    },
                })
            }
        };
        if raw.task_lease_secs == 0 || raw.task_max_attempts < 1 {
            return Err(Error::Config(
                "task_lease_secs and task_max_attempts must be at least 1".into(),
            ));
        }
        if raw.job_max_extract_bytes == 0 {
            return Err(Error::Config(
                "job_max_extract_bytes must be at least 1".into(),
            ));
        }
        if raw.stop_list_max_rows == 0 {
            return Err(Error::Config(
                "stop_list_max_rows must be at least 1 (a stop list of every key would find nothing)"
                    .into(),
            ));
        }
        if !(0.0..=1.0).contains(&raw.search_min_score) || raw.search_top_k == 0 {
            return Err(Error::Config(
                "search_min_score is between 0 and 1 and search_top_k at least 1".into(),
            ));
        }
        if raw.search_batch_max_queries == 0 {
            return Err(Error::Config(
                "search_batch_max_queries must be at least 1".into(),
            ));
        }
        let mut extractors: Vec<Extractor> = Vec::new();
        for declared in with_built_ins(raw.extractors.clone()) {
            let checked = Extractor::from_raw(declared, &extractors)?;
            extractors.push(checked);
        }
        Ok(Config {
            extractors,
            webhooks,
            data_dir,
            listen,
            postgres,
            postgres_pool_size: raw.postgres_pool_size,
            clickhouse,
            udf: udf_dir(raw.udf_dir.as_deref())?.join("clickprint-udf"),
            admin_token: raw.admin_token.filter(|t| !t.trim().is_empty()),
            workers: raw.workers,
            task_lease: std::time::Duration::from_secs(raw.task_lease_secs),
            task_max_attempts: raw.task_max_attempts,
            max_upload_bytes: raw.max_upload_bytes,
            job_max_extract_bytes: raw.job_max_extract_bytes,
            fetch,
            search_top_k: raw.search_top_k,
            search_min_score: raw.search_min_score,
            search_batch_max_queries: raw.search_batch_max_queries,
            behind_tls: raw.behind_tls,
            header_read_timeout: std::time::Duration::from_secs(raw.header_read_timeout_secs),
            metrics_listen,
            clickhouse_http_listen,
            clickhouse_http_operator_media: raw.clickhouse_http_operator_media,
            search_max_query: std::time::Duration::from_secs(raw.search_max_query_secs),
            analyst,
            upkeep: Upkeep {
                stop_list_every: every(raw.stop_list_interval_secs),
                stop_list_max_rows: raw.stop_list_max_rows,
                purge_every: every(raw.purge_interval_secs),
            },
        })
    }
}

/// The webhook settings, checked.
fn webhooks(raw: &RawConfig) -> Result<Webhooks> {
    let retries = raw
        .webhook_retry_secs
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<u64>()
                .map(std::time::Duration::from_secs)
                .map_err(|_| {
                    Error::Config(format!(
                        "webhook_retry_secs: `{s}` is not a number of seconds (write e.g. \"30,120,600\")"
                    ))
                })
        })
        .collect::<Result<Vec<_>>>()?;
    if raw.webhook_timeout_secs == 0 || raw.webhook_tenant_in_flight == 0 {
        return Err(Error::Config(
            "webhook_timeout_secs and webhook_tenant_in_flight must be at least 1".into(),
        ));
    }
    Ok(Webhooks {
        senders: raw.webhook_senders,
        policy: clickprint_fetch::Policy {
            max_bytes: 64 << 10,
            timeout: std::time::Duration::from_secs(raw.webhook_timeout_secs),
            max_redirects: 0,
            allow_private: raw.webhook_allow_private,
        },
        retries,
        tenant_in_flight: raw.webhook_tenant_in_flight,
        per_tenant: raw.webhooks_per_tenant,
    })
}

/// A schedule's period: `secs` seconds, 0 meaning never.
fn every(secs: u64) -> Option<std::time::Duration> {
    (secs > 0).then(|| std::time::Duration::from_secs(secs))
}

/// The paths `scripts/setup.sh` records in `.deps/paths.env`.
#[derive(Debug, Default)]
struct SetupPaths {
    chdb_library: Option<PathBuf>,
    libpython: Option<PathBuf>,
}

impl SetupPaths {
    /// Looks for `.deps/paths.env` above the running binary, then above the
    /// working directory (the binary usually sits in the repo's `target/`).
    fn discover() -> Self {
        let mut starts = Vec::new();
        if let Ok(exe) = std::env::current_exe() {
            starts.push(exe);
        }
        if let Ok(cwd) = std::env::current_dir() {
            starts.push(cwd);
        }
        for start in starts {
            for dir in start.ancestors() {
                let file = dir.join(".deps").join("paths.env");
                if let Ok(text) = std::fs::read_to_string(&file) {
                    return SetupPaths::parse(&text);
                }
            }
        }
        SetupPaths::default()
    }

    fn parse(text: &str) -> Self {
        let mut paths = SetupPaths::default();
        for line in text.lines() {
            match line.split_once('=') {
                Some(("CLICKPRINT_CHDB_LIBRARY", v)) => paths.chdb_library = Some(v.into()),
                Some(("CLICKPRINT_LIBPYTHON", v)) => paths.libpython = Some(v.into()),
                _ => {}
            }
        }
        paths
    }
}

/// The `clickprint-udf` executable: in `udf_dir` when given, else beside the
/// running binary; `clickprint-udf-media`, which it runs to decode, must sit
/// beside it.
///
/// # Errors
/// [`Error::MissingDependency`] when either is not there.
pub fn udf_executable(configured: Option<&Path>) -> Result<PathBuf> {
    let dir = udf_dir(configured)?;
    for name in ["clickprint-udf", "clickprint-udf-media"] {
        let path = dir.join(name);
        if !path.is_file() {
            return Err(Error::MissingDependency {
                what: format!("the {name} executable"),
                detail: format!("no file at {}; build the workspace", path.display()),
            });
        }
    }
    Ok(dir.join("clickprint-udf"))
}

/// The folder of the UDF executables: the configured one, else the folder
/// of the running binary (cargo builds both into the same folder).
fn udf_dir(configured: Option<&Path>) -> Result<PathBuf> {
    match configured {
        Some(dir) => absolute(dir),
        None => current_exe_dir(),
    }
}

/// An optional socket address setting; empty is unset.
fn optional_address(name: &str, text: Option<&str>) -> Result<Option<SocketAddr>> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => text
            .parse::<SocketAddr>()
            .map(Some)
            .map_err(|e| Error::Config(format!("{name}: `{text}` is not a socket address ({e})"))),
    }
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|e| Error::io(format!("resolving {}", path.display()), e))
}

fn current_exe_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(|e| Error::io("finding the running binary", e))?;
    exe.parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| Error::Config("the running binary has no parent folder".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_paths_parse_the_file_setup_writes() {
        let paths = SetupPaths::parse(
            "# comment\nCLICKPRINT_CHDB_LIBRARY=/a/_chdb.abi3.so\nCLICKPRINT_LIBPYTHON=/b/libpython3.11.so\n",
        );
        assert_eq!(paths.chdb_library, Some(PathBuf::from("/a/_chdb.abi3.so")));
        assert_eq!(paths.libpython, Some(PathBuf::from("/b/libpython3.11.so")));
    }

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "the closure type is figment::Jail's"
    )]
    fn layers_apply_in_order_defaults_file_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "clickprint.toml",
                "listen = \"127.0.0.1:9000\"\npostgres_pool_size = 3\n",
            )?;
            jail.set_env("CLICKPRINT_LISTEN", "127.0.0.1:9001");
            jail.set_env("CLICKPRINT_SIDECAR", "read by another binary, not an error");
            jail.set_env("DATABASE_URL", "postgres://u@h/db");
            let raw =
                RawConfig::load(Some(Path::new("clickprint.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(raw.listen, "127.0.0.1:9001", "environment beats the file");
            assert_eq!(raw.postgres_pool_size, 3, "the file beats the defaults");
            assert_eq!(raw.clickhouse_connections, 4, "defaults fill the rest");
            assert_eq!(raw.database_url.as_deref(), Some("postgres://u@h/db"));
            Ok(())
        });
    }

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "the closure type is figment::Jail's"
    )]
    fn an_unknown_key_in_the_file_is_an_error() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("clickprint.toml", "listen_adress = \"127.0.0.1:1\"\n")?;
            let err = RawConfig::load(Some(Path::new("clickprint.toml"))).unwrap_err();
            assert!(err.to_string().contains("listen_adress"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn every_shipped_config_file_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../clickprint.example.toml");
        let raw = RawConfig::load(Some(&path)).unwrap();
        Config::from_raw(raw).unwrap();
        // It lists every setting, set or commented out.
        let text = std::fs::read_to_string(&path).unwrap();
        for key in RawConfig::keys() {
            assert!(
                text.lines()
                    .any(|l| l.trim_start_matches("# ").starts_with(&format!("{key} = "))),
                "clickprint.example.toml does not mention {key}"
            );
        }
    }

    #[test]
    fn the_search_pools_are_settings_that_serve_the_search_lane() {
        let config = Config::from_raw(RawConfig {
            clickhouse_connections: 3,
            udf_query_pool_size: 3,
            udf_rerank_pool_size: 5,
            ..RawConfig::default()
        })
        .unwrap();
        let ClickHouseConfig::Embedded(options) = config.clickhouse else {
            panic!("the default is the embedded engine");
        };
        assert_eq!(
            options.udf_pools,
            UdfPools {
                query: 3,
                rerank: 5
            }
        );
        assert_eq!(options.lanes.search, 3);
        let err = Config::from_raw(RawConfig {
            clickhouse_connections: 6,
            ..RawConfig::default()
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("udf_query_pool_size (4) must be at least clickhouse_connections (6)"),
            "{err}"
        );
    }

    fn extractor(name: &str, bands: [u8; 2]) -> RawExtractor {
        RawExtractor {
            name: name.into(),
            command: Some("plug --band  200".into()),
            modalities: Some(vec!["image".into()]),
            bands: Some(bands),
            version: Some("1".into()),
            ..RawExtractor::default()
        }
    }

    fn extractors_error(extractors: Vec<RawExtractor>) -> String {
        let raw = RawConfig {
            extractors,
            ..RawConfig::default()
        };
        Config::from_raw(raw).unwrap_err().to_string()
    }

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "the closure type is figment::Jail's"
    )]
    fn extractors_are_read_from_the_file_and_checked() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "clickprint.toml",
                "[[extractors]]\nname = \"wm\"\ncommand = \"wm.py\"\n\
                 modalities = [\"image\", \"video\"]\nbands = [200, 203]\nversion = \"2\"\n\
                 tenants = [\"acme\"]\n",
            )?;
            let raw = RawConfig::load(Some(Path::new("clickprint.toml"))).unwrap();
            let config = Config::from_raw(raw).unwrap();
            let wm = &config.extractors[1];
            assert_eq!((wm.bands.clone(), wm.enabled), (Some(200..=203), true));
            assert!(!wm.cues);
            assert!(wm.applies("acme", "video"));
            assert!(!wm.applies("acme", "audio"));
            assert!(!wm.applies("other", "image"));
            Ok(())
        });
        let one = Config::from_raw(RawConfig {
            extractors: vec![extractor("a", [129, 129])],
            ..RawConfig::default()
        })
        .unwrap();
        assert_eq!(one.extractors[1].command, "plug --band 200");
        for (extractors, says) in [
            (vec![extractor("a", [100, 200])], "inside 129..=255"),
            (vec![extractor("a", [128, 128])], "inside 129..=255"),
            (vec![extractor("a", [201, 200])], "[first, last]"),
            (
                vec![extractor("a", [200, 210]), extractor("b", [210, 220])],
                "overlap extractor \"a\"",
            ),
            (
                vec![extractor("a", [200, 200]), extractor("a", [201, 201])],
                "declared twice",
            ),
            (vec![extractor("A b", [200, 200])], "lower-case"),
        ] {
            let err = extractors_error(extractors);
            assert!(err.contains(says), "{err} should say {says}");
        }
        for command in ["../plug", "/bin/sh -c x", "plug 'x'", ""] {
            let err = extractors_error(vec![RawExtractor {
                command: Some(command.into()),
                ..extractor("a", [200, 200])
            }]);
            assert!(err.contains("`command`"), "{command:?}: {err}");
        }
        let err = extractors_error(vec![RawExtractor {
            modalities: Some(vec!["text".into()]),
            ..extractor("a", [200, 200])
        }]);
        assert!(err.contains("`modalities`"), "{err}");
        for (raw, says) in [
            (
                RawExtractor {
                    bands: None,
                    ..extractor("a", [200, 200])
                },
                "neither `bands` nor `outputs`",
            ),
            (
                RawExtractor {
                    outputs: Some(vec!["subtitles".into()]),
                    ..extractor("a", [200, 200])
                },
                "`outputs`",
            ),
            (
                RawExtractor {
                    version: None,
                    ..extractor("a", [200, 200])
                },
                "`version`",
            ),
        ] {
            let err = extractors_error(vec![raw]);
            assert!(err.contains(says), "{err} should say {says}");
        }
        // Cues and no keys: allowed, and never run on a search's query.
        let cues_only = Config::from_raw(RawConfig {
            extractors: vec![RawExtractor {
                bands: None,
                outputs: Some(vec!["cues".into()]),
                ..extractor("speech", [200, 200])
            }],
            ..RawConfig::default()
        })
        .unwrap();
        let speech = &cues_only.extractors[1];
        assert_eq!((speech.bands.clone(), speech.cues), (None, true));
        assert!(speech.applies("acme", "image") && !speech.searched("acme", "image"));
    }

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "the closure type is figment::Jail's"
    )]
    fn the_dialogue_extractor_is_declared_by_default_and_a_file_adjusts_it_by_name() {
        let config = Config::from_raw(RawConfig::default()).unwrap();
        let dialogue = &config.extractors[0];
        assert_eq!(
            dialogue,
            &Extractor {
                name: "dialogue".into(),
                command: "clickprint-udf dialogue".into(),
                modalities: vec!["video".into()],
                bands: None,
                cues: true,
                version: DIALOGUE_VERSION.into(),
                enabled: true,
                tenants: Vec::new(),
            }
        );
        assert_eq!(Extractor::built_in("dialogue").as_ref(), Some(dialogue));
        assert_eq!(Extractor::built_in("watermark"), None);
        assert!(dialogue.applies("acme", "video") && !dialogue.applies("acme", "image"));
        assert!(!dialogue.searched("acme", "video"), "no keys, no query run");
        figment::Jail::expect_with(|jail| {
            // Another extractor declared: ours stays, first.
            jail.create_file(
                "plug.toml",
                "[[extractors]]\nname = \"wm\"\ncommand = \"wm.py\"\n\
                 modalities = [\"image\"]\nbands = [200, 200]\nversion = \"1\"\n",
            )?;
            let raw = RawConfig::load(Some(Path::new("plug.toml"))).unwrap();
            let names: Vec<String> = Config::from_raw(raw)
                .unwrap()
                .extractors
                .into_iter()
                .map(|e| e.name)
                .collect();
            assert_eq!(names, ["dialogue", "wm"]);
            // Ours adjusted by name: only the fields given change.
            jail.create_file(
                "off.toml",
                "[[extractors]]\nname = \"dialogue\"\nenabled = false\n\
                 tenants = [\"acme\"]\nversion = \"2\"\n",
            )?;
            let raw = RawConfig::load(Some(Path::new("off.toml"))).unwrap();
            let twice = RawConfig {
                extractors: [raw.extractors.clone(), raw.extractors.clone()].concat(),
                ..raw.clone()
            };
            let err = Config::from_raw(twice).unwrap_err().to_string();
            assert!(err.contains("\"dialogue\": declared twice"), "{err}");
            let config = Config::from_raw(raw).unwrap();
            assert_eq!(config.extractors.len(), 1);
            let off = &config.extractors[0];
            assert_eq!(
                (off.enabled, off.tenants.as_slice(), off.version.as_str()),
                (false, &["acme".to_owned()][..], "2")
            );
            assert_eq!(
                (off.command.as_str(), off.cues),
                ("clickprint-udf dialogue", true)
            );
            Ok(())
        });
    }

    #[test]
    fn webhook_retries_are_read_in_order_and_a_bad_one_is_named() {
        let config = Config::from_raw(RawConfig::default()).unwrap();
        let secs: Vec<u64> = config
            .webhooks
            .retries
            .iter()
            .map(|d| d.as_secs())
            .collect();
        assert_eq!(secs, [30, 120, 600, 3600, 21600]);
        let raw = RawConfig {
            webhook_retry_secs: "1, 2,".into(),
            ..RawConfig::default()
        };
        let secs: Vec<u64> = Config::from_raw(raw)
            .unwrap()
            .webhooks
            .retries
            .iter()
            .map(|d| d.as_secs())
            .collect();
        assert_eq!(secs, [1, 2]);
        let raw = RawConfig {
            webhook_retry_secs: "30,2m".into(),
            ..RawConfig::default()
        };
        let e = Config::from_raw(raw).unwrap_err().to_string();
        assert!(e.contains("webhook_retry_secs") && e.contains("2m"), "{e}");
    }

    #[test]
    fn bad_listen_address_names_the_setting() {
        let raw = RawConfig {
            listen: "nowhere".into(),
            ..RawConfig::default()
        };
        let err = Config::from_raw(raw).unwrap_err().to_string();
        assert!(err.contains("listen"), "{err}");
    }

    #[test]
    fn the_clickhouse_http_interface_is_off_unless_an_address_is_set() {
        let config = Config::from_raw(RawConfig::default()).unwrap();
        assert_eq!(config.clickhouse_http_listen, None);
        let raw = RawConfig {
            clickhouse_http_listen: Some("127.0.0.1:8123".into()),
            ..RawConfig::default()
        };
        let config = Config::from_raw(raw).unwrap();
        assert_eq!(
            config.clickhouse_http_listen,
            Some("127.0.0.1:8123".parse().unwrap())
        );
        let raw = RawConfig {
            clickhouse_http_listen: Some("port 8123".into()),
            ..RawConfig::default()
        };
        let err = Config::from_raw(raw).unwrap_err().to_string();
        assert!(err.contains("clickhouse_http_listen"), "{err}");
    }

    #[test]
    fn clickhouse_url_selects_the_server_engine() {
        let raw = RawConfig {
            clickhouse_url: Some("http://127.0.0.1:8123".into()),
            ..RawConfig::default()
        };
        let config = Config::from_raw(raw).unwrap();
        assert!(matches!(config.clickhouse, ClickHouseConfig::Server(_)));
    }

    #[test]
    fn a_cluster_needs_a_server() {
        let raw = RawConfig {
            clickhouse_cluster: true,
            ..RawConfig::default()
        };
        let e = Config::from_raw(raw).unwrap_err().to_string();
        assert!(e.contains("clickhouse_cluster needs clickhouse_url"), "{e}");
        let raw = RawConfig {
            clickhouse_url: Some("http://127.0.0.1:8123".into()),
            clickhouse_cluster: true,
            ..RawConfig::default()
        };
        let config = Config::from_raw(raw).unwrap();
        assert!(matches!(
            config.clickhouse,
            ClickHouseConfig::Server(ServerOptions { cluster: true, .. })
        ));
    }
}
