//! The `clickprint` binary: command-line glue over the `clickprint` library.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use clickprint::app::commands;
use clickprint::app::stores::Stores;
use clickprint::clickhouse::library::WordsMode;
use clickprint::config::{Config, RawConfig};
use clickprint::store::tenants;

/// clickprint: find copies of images, audio and video inside ClickHouse.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// A TOML configuration file (settings in `clickprint::config::RawConfig`).
    #[arg(long, global = true, env = "CLICKPRINT_CONFIG")]
    config: Option<PathBuf>,
    /// Where clickprint keeps its data (overrides the file and environment;
    /// default: the setting `data_dir`, `./data` unless configured). Only
    /// `serve` and `tenant create` create it; the other commands refuse a
    /// folder that does not exist.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service with both stores (embedded by default).
    Serve {
        /// The address to listen on, e.g. 127.0.0.1:7420 (port 0 picks one).
        #[arg(long)]
        listen: Option<String>,
        /// Also serve ClickHouse's HTTP interface for ClickHouse clients on
        /// this address (setting `clickhouse_http_listen`; off by default).
        #[arg(long, value_name = "ADDR")]
        clickhouse_http: Option<String>,
    },
    /// Decode and fingerprint a media file; print what was extracted.
    Fingerprint {
        /// The image, audio or video file.
        file: PathBuf,
        /// Print every hash and landmark as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run ingest workers against the stores of a running `clickprint serve`
    /// (or a configured server and Postgres). Ctrl-C stops them.
    Worker {
        /// How many workers.
        #[arg(long, default_value_t = 1)]
        count: usize,
    },
    /// Tenants.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Add media to a tenant's library: files, folders, http(s) URLs, CSV
    /// files of URLs, ZIP files with a manifest.csv. Waits until every item
    /// is ready or failed, with a progress bar.
    Ingest {
        /// The tenant's name or id.
        #[arg(long)]
        tenant: String,
        /// Return once the items are queued.
        #[arg(long)]
        no_wait: bool,
        /// What to add.
        #[arg(required = true)]
        sources: Vec<String>,
    },
    /// Search a tenant's library: with media files, folders (every file
    /// inside), http(s) URLs, or items already in the library (`--item`).
    /// Each query is answered on its own: one that fails is reported and
    /// the others still run (the exit status is 1 when any failed). Or
    /// search its dialogue (subtitle cues) for words: `--text`.
    Search {
        /// The tenant's name or id.
        #[arg(long)]
        tenant: String,
        /// The queries: files, folders, or http(s) URLs (downloaded under
        /// the `fetch_*` settings).
        #[arg(required_unless_present_any = ["items", "text"])]
        queries: Vec<String>,
        /// Words to find in the items' subtitle cues, with "double-quoted
        /// phrases" (sql/clickhouse/text_search.sql). With one media query
        /// (a file, URL or `--item`) beside it, both are searched at once
        /// and the answers merged (README, "the search gateway").
        #[arg(long, conflicts_with = "csv")]
        text: Option<String>,
        /// With `--text` and a media query: how much the fingerprint
        /// search's and the dialogue search's rankings count, as
        /// `MEDIA,DIALOGUE` (the tenant's `search_weights` by default).
        #[arg(long, requires = "text", value_name = "MEDIA,DIALOGUE")]
        weights: Option<String>,
        /// With `--text`: every word in one cue (`all`, the default) or
        /// any of them (`any`).
        #[arg(long, requires = "text", value_parser = ["all", "any"])]
        mode: Option<String>,
        /// With `--text`: only cues of this subtitle language (`eng`).
        #[arg(long, requires = "text")]
        language: Option<String>,
        /// Search with a library item's stored original ("what else copies
        /// item 12?"); it is never a match of itself. Repeat for more.
        #[arg(long = "item", value_name = "ID")]
        items: Vec<i64>,
        /// One JSON line per query: `{"query": ..., "matches": [...],
        /// "timings_ms": {...}, ...}`, or `{"query": ..., "error": ...}`.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// CSV: a header, then one row per match of each query.
        #[arg(long)]
        csv: bool,
        /// Matches returned at most, per query (1..1000).
        #[arg(long)]
        top_k: Option<u32>,
        /// Score a match needs (0..1).
        #[arg(long)]
        min_score: Option<f32>,
    },
    /// Run one SQL statement in ClickHouse and print the result as a table.
    /// Goes through the running service when one owns the data directory.
    Sql {
        /// The statement.
        query: String,
        /// Print JSON rows instead of a table.
        #[arg(long)]
        json: bool,
        /// Run it as that tenant's analyst: one read-only SELECT over its
        /// own fingerprint rows (see sql/README.md, "Analysts").
        #[arg(long)]
        tenant: Option<String>,
        /// A query parameter, `NAME=VALUE`, for `{NAME:Type}` in the
        /// statement (ClickHouse parses the value as the declared type).
        /// Repeat for more.
        #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parameter)]
        params: Vec<(String, String)>,
    },
    /// Keep the library lean now, as `serve` does on its schedule: recount
    /// every tenant's stop list and purge deleted media's rows; prints what
    /// was done as JSON. Goes through the running service when one owns
    /// the data directory.
    Upkeep,
    /// Extract again, with their configured versions, the items that
    /// enabled plug-in extractors (all, or those named) extracted with
    /// another version; prints what was done as JSON. Goes through the
    /// running service when one owns the data directory.
    Reextract {
        /// Extractor names; none means every enabled extractor.
        names: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Create a tenant; prints its id.
    Create {
        /// Lower-case letters, digits, `_` and `-`.
        name: String,
        /// Enabled modalities (default: image,audio,video).
        #[arg(long, value_delimiter = ',')]
        modalities: Option<Vec<String>>,
    },
    /// Issue an API key for a tenant; prints it (shown once).
    Key {
        /// The tenant's name or id.
        tenant: String,
    },
    /// List tenants.
    List,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The UDF processes ClickHouse starts inherit this process's
    // environment: hand them the download policy and the longest query of
    // the configuration (file or variables) before any thread exists.
    if let Ok(raw) = RawConfig::load(cli.config.as_deref()) {
        for (name, value) in raw.udf_env() {
            // SAFETY: no other thread runs yet (the runtime starts below).
            unsafe { std::env::set_var(name, value) };
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CLICKPRINT_LOG").unwrap_or_else(|_| {
                // The long-running commands tell what they do; the
                // one-shot tools print only their answer and warnings.
                match cli.command {
                    Command::Serve { .. } | Command::Worker { .. } => "info".into(),
                    _ => "warn".into(),
                }
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // block_on polls on this (the main) thread, which matters: the private
    // Postgres is started from here and its parent-death signal follows the
    // thread that started it.
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output went away (`clickprint sql ... | head`):
        // end quietly, as other command-line tools do.
        Err(e) if is_closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Writes a line to standard output, failing (not panicking, as `println!`
/// does) when the reader has gone.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

/// `--param NAME=VALUE`.
fn parameter(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!("`{text}` is not NAME=VALUE")),
    }
}

fn is_closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Whether the command may create the data directory: a new installation
/// starts with `serve` or `tenant create`; `fingerprint` uses none.
fn creates_data_dir(command: &Command) -> bool {
    matches!(
        command,
        Command::Serve { .. }
            | Command::Fingerprint { .. }
            | Command::Tenant {
                command: TenantCommand::Create { .. }
            }
    )
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut raw = RawConfig::load(cli.config.as_deref())?;
    if let Some(dir) = cli.data_dir {
        raw.data_dir = dir;
    }
    // a_command_run_from_the_wrong_folder_creates_a_data_dir: `tenant list`
    // started a new Postgres and ClickHouse in ./data and listed nothing.
    if !creates_data_dir(&cli.command) && !raw.data_dir.exists() {
        anyhow::bail!(
            "no data directory at {}: run from the folder that holds `data`, or pass \
             --data-dir DIR (or set data_dir); `clickprint serve` and `clickprint tenant \
             create` make a new one",
            std::path::absolute(&raw.data_dir)
                .unwrap_or_else(|_| raw.data_dir.clone())
                .display()
        );
    }
    match cli.command {
        Command::Serve {
            listen,
            clickhouse_http,
        } => {
            if let Some(listen) = listen {
                raw.listen = listen;
            }
            if let Some(at) = clickhouse_http {
                raw.clickhouse_http_listen = Some(at);
            }
            let config = Config::from_raw(raw)?;
            clickprint::service::serve(&config, shutdown_signal(), |addr| {
                // Tests and scripts read this line to find the port.
                println!("clickprint listening on http://{addr}");
                tracing::info!(data_dir = %config.data_dir.display(), "ready; Ctrl-C stops");
            })
            .await
            .context("serve")?;
            tracing::info!("stopped");
        }
        Command::Fingerprint { file, json } => {
            // Extraction lives in the UDF executable; this binary does not
            // link ffmpeg (whose libraries, loaded beside chDB, make chDB
            // crash). Hand over to it.
            let udf = clickprint::config::udf_executable(raw.udf_dir.as_deref())?;
            let mut command = std::process::Command::new(&udf);
            command.arg("inspect").arg(&file);
            if json {
                command.arg("--json");
            }
            let error = std::os::unix::process::CommandExt::exec(&mut command);
            anyhow::bail!("running {}: {error}", udf.display());
        }
        Command::Worker { count } => {
            let config = Config::from_raw(raw)?;
            let stores = Stores::open(&config).await?;
            if stores.owned() {
                stores.close()?;
                anyhow::bail!(
                    "no clickprint serve owns {}: start it first (workers join a running service)",
                    config.data_dir.display()
                );
            }
            let (stop, handles) = stores.start_workers(&config, count.max(1));
            shutdown_signal().await;
            let _ = stop.send(true);
            for handle in handles {
                let _ = handle.await;
            }
            stores.close()?;
        }
        Command::Tenant { command } => {
            let config = Config::from_raw(raw)?;
            let stores = Stores::open(&config).await?;
            let result = tenant_command(&stores, command).await;
            stores.close()?;
            result?;
        }
        Command::Ingest {
            tenant,
            no_wait,
            sources,
        } => {
            let config = Config::from_raw(raw)?;
            let stores = Stores::open(&config).await?;
            let result = ingest(&stores, &config, &tenant, no_wait, &sources).await;
            stores.close()?;
            result?;
        }
        Command::Search {
            tenant,
            text: Some(text),
            mode,
            language,
            json,
            top_k,
            min_score,
            queries,
            items,
            weights,
            ..
        } => {
            let config = Config::from_raw(raw)?;
            let mode = match mode.as_deref() {
                Some("any") => WordsMode::Any,
                _ => WordsMode::All,
            };
            // A bad option is said before any store opens.
            let search = clickprint::app::search::TextSearch::new(
                &text,
                Some(mode),
                language.as_deref(),
                top_k,
                &config,
            )?;
            if !queries.is_empty() || !items.is_empty() {
                let weights = parse_weights(weights.as_deref())?;
                clickprint::app::search::limits(top_k, min_score, &config)?;
                let mut media = commands::search_queries(&queries, &items)?;
                if media.len() != 1 {
                    anyhow::bail!(
                        "--text goes with one media query (a file, a URL or --item), not {}",
                        media.len()
                    );
                }
                let query = media.remove(0);
                let stores = Stores::open(&config).await?;
                let result = async {
                    let tenant = tenants::find(stores.postgres.pool(), &tenant).await?;
                    commands::search_mixed(
                        &stores,
                        &config,
                        &tenant,
                        &query,
                        (top_k, min_score),
                        search,
                        weights.unwrap_or(tenant.search_weights),
                    )
                    .await
                }
                .await;
                stores.close()?;
                let answer = result?;
                if json {
                    out!("{}", serde_json::to_string(&answer)?)?;
                } else {
                    print_mixed_matches(&answer)?;
                }
                return Ok(());
            }
            if min_score.is_some() || weights.is_some() {
                anyhow::bail!("--min-score and --weights go with a media query beside --text");
            }
            let stores = Stores::open(&config).await?;
            let result = async {
                let tenant = tenants::find(stores.postgres.pool(), &tenant).await?;
                clickprint::app::search::run_text(
                    stores.postgres.pool(),
                    &stores.engine,
                    &tenant,
                    search,
                )
                .await
            }
            .await;
            stores.close()?;
            let answer = result?;
            if json {
                out!("{}", serde_json::to_string(&answer)?)?;
            } else {
                print_text_matches(&answer)?;
            }
        }
        Command::Search {
            tenant,
            queries,
            items,
            json,
            csv,
            top_k,
            min_score,
            ..
        } => {
            let config = Config::from_raw(raw)?;
            // A bad option or query is said before any store opens.
            clickprint::app::search::limits(top_k, min_score, &config)?;
            let queries = commands::search_queries(&queries, &items)?;
            let format = if json {
                Format::Json
            } else if csv {
                Format::Csv
            } else {
                Format::Table
            };
            let stores = Stores::open(&config).await?;
            let result = search(
                &stores, &config, &tenant, &queries, top_k, min_score, format,
            )
            .await;
            stores.close()?;
            result?;
        }
        Command::Sql {
            query,
            json,
            tenant,
            params,
        } => {
            let params: Vec<(&str, String)> = params
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            let config = Config::from_raw(raw)?;
            let output = match tenant {
                None => clickprint::service::run_sql(&config, &query, &params).await?,
                Some(name) => {
                    let stores = Stores::open(&config).await?;
                    let result = async {
                        let tenant = tenants::find(stores.postgres.pool(), &name).await?;
                        let id = clickprint::TenantId(tenant.id).clickhouse()?;
                        clickprint::clickhouse::analyst::run_with_params(
                            &stores.engine,
                            id,
                            &query,
                            &params,
                            &config.analyst,
                        )
                        .await
                    }
                    .await;
                    stores.close()?;
                    result?
                }
            };
            if json {
                out!("{}", serde_json::to_string_pretty(&output.to_json_rows()?)?)?;
            } else {
                out!("{}", output.to_table()?)?;
            }
        }
        Command::Upkeep => {
            let config = Config::from_raw(raw)?;
            let report = clickprint::service::run_upkeep(&config).await?;
            out!("{}", serde_json::to_string_pretty(&report)?)?;
        }
        Command::Reextract { names } => {
            let config = Config::from_raw(raw)?;
            let report = clickprint::service::run_reextract(&config, &names).await?;
            out!("{}", serde_json::to_string_pretty(&report)?)?;
        }
    }
    Ok(())
}

/// How `clickprint search` prints its answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Table,
    Json,
    Csv,
}

/// `clickprint search`: each query in turn, its answer printed as it
/// comes; a query that fails is reported (on standard error, and as a JSON
/// line) and the rest still run.
async fn search(
    stores: &Stores,
    config: &Config,
    tenant: &str,
    queries: &[commands::SearchQuery],
    top_k: Option<u32>,
    min_score: Option<f32>,
    format: Format,
) -> anyhow::Result<()> {
    let tenant = tenants::find(stores.postgres.pool(), tenant).await?;
    let mut csv = (format == Format::Csv).then(|| csv::Writer::from_writer(std::io::stdout()));
    if let Some(w) = csv.as_mut() {
        w.write_record([
            "query",
            "rank",
            "media_id",
            "external_id",
            "score",
            "query_start",
            "query_end",
            "reference_start",
            "reference_end",
            "evidence",
        ])
        .map_err(csv_error)?;
        w.flush()?;
    }
    let several = queries.len() > 1;
    let mut failed = 0;
    for query in queries {
        let label = query.label();
        let answer = commands::search(stores, config, &tenant, query, top_k, min_score).await;
        let answer = match answer {
            Ok(answer) => answer,
            Err(e) => {
                failed += 1;
                if format == Format::Json {
                    out!(
                        "{}",
                        serde_json::json!({ "query": label, "error": e.to_string() })
                    )?;
                }
                eprintln!("error: {label}: {e}");
                continue;
            }
        };
        match format {
            Format::Json => {
                let mut line = serde_json::to_value(&answer)?;
                if let Some(fields) = line.as_object_mut() {
                    fields.insert("query".into(), serde_json::json!(label));
                }
                out!("{line}")?;
            }
            Format::Csv => {
                let w = csv.as_mut().expect("a CSV writer for --csv");
                let range = |r: Option<[f64; 2]>, i: usize| {
                    r.map_or_else(String::new, |r| format!("{:.3}", r[i]))
                };
                for (rank, m) in answer.matches.iter().enumerate() {
                    w.write_record([
                        label.clone(),
                        (rank + 1).to_string(),
                        m.media_id.to_string(),
                        m.external_id.clone().unwrap_or_default(),
                        format!("{:.4}", m.score),
                        range(m.query_range, 0),
                        range(m.query_range, 1),
                        range(m.reference_range, 0),
                        range(m.reference_range, 1),
                        m.evidence.clone(),
                    ])
                    .map_err(csv_error)?;
                }
                w.flush()?;
            }
            Format::Table => {
                if several {
                    out!("{label}")?;
                }
                print_matches(&answer)?;
            }
        }
    }
    if failed > 0 {
        anyhow::bail!(
            "{failed} of {} quer{} failed",
            queries.len(),
            if queries.len() == 1 { "y" } else { "ies" }
        );
    }
    Ok(())
}

/// A CSV writer's error, its I/O error as such (so a closed pipe ends
/// quietly).
fn csv_error(e: csv::Error) -> anyhow::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io.into(),
        other => anyhow::anyhow!("writing CSV: {other:?}"),
    }
}

/// An answer as a table: one line a match, a compilation's segments under
/// it.
fn print_matches(answer: &clickprint::app::search::Answer) -> std::io::Result<()> {
    if answer.matches.is_empty() {
        return out!("no match");
    }
    for m in &answer.matches {
        let range =
            |r: Option<[f64; 2]>| r.map_or_else(String::new, |[a, b]| format!(" {a:.1}-{b:.1}s"));
        out!(
            "{:>8} {:<30} {:.3}{}{}",
            m.media_id,
            m.external_id.as_deref().unwrap_or("-"),
            m.score,
            range(m.query_range),
            range(m.reference_range)
        )?;
        // A compilation's every segment, under its match.
        for s in m.segments.iter().filter(|_| m.segments.len() > 1) {
            out!(
                "{:>8} segment {:.1}-{:.1}s {:.1}-{:.1}s speed {:.3} score {:.3}",
                "",
                s.query_start,
                s.query_end,
                s.reference_start,
                s.reference_end,
                s.speed,
                s.score
            )?;
        }
    }
    Ok(())
}

/// A text search's answer as lines: an item, then each matching cue
/// (its range and its text with the query's words in « »).
fn print_text_matches(answer: &clickprint::app::search::TextAnswer) -> std::io::Result<()> {
    if answer.matches.is_empty() {
        return out!("no match");
    }
    for m in &answer.matches {
        out!(
            "{:>8} {:<30} {:.3} ({} cues)",
            m.media_id,
            m.external_id.as_deref().unwrap_or("-"),
            m.score,
            m.matching_cues
        )?;
        for c in &m.cues {
            out!(
                "{:>8} {:.3}-{:.3}s {}",
                "",
                c.start,
                c.end,
                c.highlighted.replace('\n', " / ")
            )?;
        }
    }
    Ok(())
}

/// `--weights MEDIA,DIALOGUE`, checked; `None` (the tenant's) when not
/// given.
fn parse_weights(text: Option<&str>) -> anyhow::Result<Option<clickprint::app::gateway::Weights>> {
    let Some(text) = text else {
        return Ok(None);
    };
    let parsed = text
        .split_once(',')
        .and_then(|(m, d)| Some((m.trim().parse().ok()?, d.trim().parse().ok()?)));
    let Some((media, dialogue)) = parsed else {
        anyhow::bail!("--weights is MEDIA,DIALOGUE (two numbers, 0..10), not {text:?}");
    };
    Ok(Some(
        clickprint::app::gateway::Weights { media, dialogue }.checked()?,
    ))
}

/// A merged answer as a table: each match's fused score, which searchers
/// found it, its fingerprint range and its first matching cue.
fn print_mixed_matches(answer: &clickprint::app::gateway::MixedAnswer) -> std::io::Result<()> {
    if answer.matches.is_empty() {
        return out!("no match");
    }
    for m in &answer.matches {
        out!(
            "{:>8} {:<30} {:.3} found by {}",
            m.media_id,
            m.external_id.as_deref().unwrap_or("-"),
            m.score,
            m.found_by.join(" and ")
        )?;
        if let Some(hit) = &m.media {
            let range = hit
                .reference_range
                .map_or_else(String::new, |[a, b]| format!(" at {a:.1}-{b:.1}s"));
            out!("{:>8} media {:.3} ({}){range}", "", hit.score, hit.evidence)?;
        }
        if let Some(cue) = m.dialogue.as_ref().and_then(|d| d.cues.first()) {
            out!(
                "{:>8} dialogue {:.3}-{:.3}s {}",
                "",
                cue.start,
                cue.end,
                cue.highlighted.replace('\n', " / ")
            )?;
        }
    }
    Ok(())
}

async fn tenant_command(stores: &Stores, command: TenantCommand) -> anyhow::Result<()> {
    match command {
        TenantCommand::Create { name, modalities } => {
            let tenant = commands::create_tenant(stores, &name, modalities).await?;
            out!("{}", tenant.id)?;
        }
        TenantCommand::Key { tenant } => {
            let tenant = tenants::find(stores.postgres.pool(), &tenant).await?;
            let key = tenants::issue_key(stores.postgres.pool(), tenant.id, "cli").await?;
            out!("{}", key.key)?;
        }
        TenantCommand::List => {
            for t in tenants::list(stores.postgres.pool()).await? {
                out!(
                    "{:>5} {:<24} {}{}",
                    t.id,
                    t.name,
                    t.modalities.join(","),
                    if t.disabled { " (disabled)" } else { "" }
                )?;
            }
        }
    }
    Ok(())
}

async fn ingest(
    stores: &Stores,
    config: &Config,
    tenant: &str,
    no_wait: bool,
    sources: &[String],
) -> anyhow::Result<()> {
    let tenant = tenants::find(stores.postgres.pool(), tenant).await?;
    let accepted = commands::ingest(stores, config, &tenant, sources).await?;
    for line in &accepted.failed_rows {
        eprintln!("failed: {line}");
    }
    if no_wait {
        out!("queued {} items", accepted.media.len())?;
        return Ok(());
    }
    let bar = indicatif::ProgressBar::new(accepted.media.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} items {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let failed = commands::wait(stores, config, &accepted.media, |done, _| {
        bar.set_position(done as u64);
    })
    .await?;
    bar.finish_and_clear();
    for (id, name, reason) in &failed {
        eprintln!("failed: {name} (media {id}): {reason}");
    }
    out!(
        "{} ready, {} failed",
        accepted.media.len() - failed.len(),
        failed.len() + accepted.failed_rows.len()
    )?;
    if failed.is_empty() && accepted.failed_rows.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("some items failed")
    }
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let terminated = async {
        match term.as_mut() {
            Some(t) => {
                t.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminated => {}
    }
    tracing::info!("shutting down");
}
