//! The command-line operations (`clickprint tenant`, `ingest`, `search`,
//! `worker`), over [`Stores`]: the same library calls the HTTP API makes,
//! so a script gets the same answers with or without a running service.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::app::search::{self, Answer};
use crate::app::stores::Stores;
use crate::app::{gateway, jobs};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::store::media::{self, NewMedia};
use crate::store::tenants::{self, NewTenant, Tenant};

/// Creates a tenant; its id.
///
/// # Errors
/// As [`tenants::create`].
pub async fn create_tenant(
    stores: &Stores,
    name: &str,
    modalities: Option<Vec<String>>,
) -> Result<Tenant> {
    tenants::create(
        stores.postgres.pool(),
        &NewTenant {
            name: name.to_owned(),
            modalities,
            max_assets: None,
            max_bytes: None,
            requests_per_minute: None,
            search_weights: None,
        },
    )
    .await
}

/// What one ingest argument became.
#[derive(Debug, Default)]
pub struct Accepted {
    /// Items made (to wait for).
    pub media: Vec<i64>,
    /// Jobs made (CSV, ZIP).
    pub jobs: Vec<i64>,
    /// Rows of those jobs that failed at once, with reasons.
    pub failed_rows: Vec<String>,
}

fn is_job_file(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name.ends_with(".csv") {
        Some("csv")
    } else if name.ends_with(".zip") {
        Some("zip")
    } else {
        None
    }
}

/// Accepts files, folders (every file inside, recursively), URLs, CSV
/// and ZIP jobs for `tenant`. Files are copied into the library (the
/// originals are left alone); the external id is the file name.
///
/// # Errors
/// A missing path, or what the API would refuse (quota, bad job file).
pub async fn ingest(
    stores: &Stores,
    config: &Config,
    tenant: &Tenant,
    sources: &[String],
) -> Result<Accepted> {
    let pool = stores.postgres.pool();
    let staging = config.data_dir.join("uploads");
    tokio::fs::create_dir_all(&staging)
        .await
        .map_err(|e| Error::io(format!("creating {}", staging.display()), e))?;
    let mut accepted = Accepted::default();
    let mut files = Vec::new();
    for source in sources {
        if clickprint_fetch::is_url(source) {
            let item = media::create(
                pool,
                &config.data_dir,
                tenant,
                NewMedia {
                    source: source.clone(),
                    external_id: source.rsplit('/').next().map(str::to_owned),
                    ..NewMedia::default()
                },
            )
            .await?;
            accepted.media.push(item.id);
            continue;
        }
        let path = PathBuf::from(source);
        if path.is_dir() {
            collect_files(&path, &mut files)?;
        } else if path.is_file() {
            files.push(path);
        } else {
            return Err(Error::BadRequest(format!(
                "{source} is neither a file, a folder nor an http(s) URL"
            )));
        }
    }
    for (i, file) in files.iter().enumerate() {
        let copy = staging.join(format!("cli-{}-{i}", std::process::id()));
        tokio::fs::copy(file, &copy)
            .await
            .map_err(|e| Error::io(format!("copying {}", file.display()), e))?;
        if let Some(kind) = is_job_file(file) {
            let job = jobs::create(
                pool,
                &config.data_dir,
                tenant,
                jobs::JobFile {
                    kind,
                    path: &copy,
                    idempotency_key: None,
                },
                config.max_upload_bytes,
                config.job_max_extract_bytes,
            )
            .await;
            let _ = tokio::fs::remove_file(&copy).await;
            let mut job = job?;
            // A long CSV's rows past its first batch become items in
            // batches; the command waits for all of them, expanding them
            // itself when no worker is quicker.
            while job.status == "expanding" {
                if !jobs::expand_next(pool, &config.data_dir).await? {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                job = crate::store::jobs::get(pool, tenant.id, job.id).await?;
            }
            let rows = media::of_job(stores.postgres.pool(), job.id).await?;
            accepted.media.extend(rows);
            accepted.failed_rows.extend(
                job.failures
                    .iter()
                    .map(|f| format!("{} row {}: {}", file.display(), f.row, f.reason)),
            );
            accepted.jobs.push(job.id);
            continue;
        }
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let item = media::create(
            pool,
            &config.data_dir,
            tenant,
            NewMedia {
                source: format!("upload:{name}"),
                external_id: Some(name),
                upload: Some(copy.clone()),
                ..NewMedia::default()
            },
        )
        .await;
        if item.is_err() {
            let _ = tokio::fs::remove_file(&copy).await;
        }
        accepted.media.push(item?.id);
    }
    Ok(accepted)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("reading {}", dir.display()), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// Waits until every item is finished, calling `tick(done, total)` as it
/// goes. When this process owns the stores nobody else works the queue, so
/// it runs workers itself meanwhile.
///
/// # Errors
/// [`Error::Postgres`].
pub async fn wait(
    stores: &Stores,
    config: &Config,
    ids: &[i64],
    mut tick: impl FnMut(usize, usize),
) -> Result<Vec<(i64, String, String)>> {
    let workers = stores
        .owned()
        .then(|| stores.start_workers(config, config.workers.max(1)));
    let outcome = loop {
        match media::progress(stores.postgres.pool(), ids).await {
            Ok((done, failed)) => {
                tick(done, ids.len());
                if done >= ids.len() {
                    break Ok(failed);
                }
            }
            Err(e) => break Err(e),
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    if let Some((stop, handles)) = workers {
        let _ = stop.send(true);
        for handle in handles {
            let _ = handle.await;
        }
    }
    outcome
}

/// A query's file, local for as long as this lives: a file as it is, a
/// URL downloaded as the API downloads one (into the data directory's
/// uploads folder, removed when this is dropped), a library item's stored
/// original.
#[derive(Debug)]
pub struct QueryFile {
    /// The file.
    pub path: std::path::PathBuf,
    /// The library item it is, for a search by item (never a match of
    /// itself).
    pub item: Option<i64>,
    _download: Option<tempfile::TempPath>,
}

/// Makes `query` a local file ([`QueryFile`]).
///
/// # Errors
/// [`Error::BadRequest`] for a path that is no file; as
/// [`search::fetch_query`] and [`search::item_query`].
pub async fn query_file(
    stores: &Stores,
    config: &Config,
    tenant: &Tenant,
    query: &SearchQuery,
) -> Result<QueryFile> {
    let text = match query {
        SearchQuery::Item(id) => {
            let path = search::item_query(stores.postgres.pool(), config, tenant, *id).await?;
            return Ok(QueryFile {
                path,
                item: Some(*id),
                _download: None,
            });
        }
        SearchQuery::Media(text) => text,
    };
    // search_treats_a_url_as_a_path: a URL was looked for as a file.
    // Now it is downloaded as the API downloads one, into a file of the
    // data directory's uploads folder that goes when the search ends.
    if clickprint_fetch::is_url(text) {
        let uploads = config.data_dir.join("uploads");
        std::fs::create_dir_all(&uploads)
            .map_err(|e| Error::io(format!("creating {}", uploads.display()), e))?;
        let (file, path) = tempfile::Builder::new()
            .prefix("query-")
            .tempfile_in(&uploads)
            .map_err(|e| Error::io("creating the query file", e))?
            .into_parts();
        let mut sink = tokio::fs::File::from_std(file);
        search::fetch_query(config, text, &mut sink).await?;
        return Ok(QueryFile {
            path: path.to_path_buf(),
            item: None,
            _download: Some(path),
        });
    }
    let path = std::path::absolute(text).map_err(|e| Error::io(format!("resolving {text}"), e))?;
    if !path.is_file() {
        return Err(Error::BadRequest(format!(
            "{} is not a file",
            path.display()
        )));
    }
    Ok(QueryFile {
        path,
        item: None,
        _download: None,
    })
}

/// Searches `tenant`'s library with `query` (a file, a URL, or one of its
/// own items by its stored original), as `POST /v1/search` does.
///
/// # Errors
/// As [`query_file`] and [`search::run`].
pub async fn search(
    stores: &Stores,
    config: &Config,
    tenant: &Tenant,
    query: &SearchQuery,
    top_k: Option<u32>,
    min_score: Option<f32>,
) -> Result<Answer> {
    let file = query_file(stores, config, tenant, query).await?;
    let mut query = search::Query::new(&file.path, top_k, min_score, config)?;
    query.exclude = file.item;
    search::run(
        stores.postgres.pool(),
        &stores.engine,
        config,
        tenant,
        query,
    )
    .await
}

/// Searches `tenant`'s library with `query` and its dialogue with `text`
/// at once, the answers merged ([`gateway::run`]), as `POST /v1/search`
/// with both does.
///
/// # Errors
/// As [`query_file`] and [`gateway::run`].
pub async fn search_mixed(
    stores: &Stores,
    config: &Config,
    tenant: &Tenant,
    query: &SearchQuery,
    (top_k, min_score): (Option<u32>, Option<f32>),
    text: search::TextSearch,
    weights: gateway::Weights,
) -> Result<gateway::MixedAnswer> {
    let file = query_file(stores, config, tenant, query).await?;
    let mut query = search::Query::new(&file.path, top_k, min_score, config)?;
    query.exclude = file.item;
    gateway::run(
        stores.postgres.pool(),
        &stores.engine,
        config,
        tenant,
        query,
        text,
        weights.checked()?,
    )
    .await
}

/// One query of `clickprint search`: a file or URL, or a library item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchQuery {
    /// A local file or an http(s) URL.
    Media(String),
    /// A library item of the tenant, by id (its stored original; never a
    /// match of itself).
    Item(i64),
}

impl SearchQuery {
    /// How the command's output names it: the file or URL, or `media:ID`
    /// (as the batch API does).
    pub fn label(&self) -> String {
        match self {
            SearchQuery::Media(text) => text.clone(),
            SearchQuery::Item(id) => format!("media:{id}"),
        }
    }
}

/// The queries of `clickprint search FILE|DIR|URL... --item ID...`, in
/// order: a folder becomes every file inside it (recursively, sorted), as
/// `ingest` reads one; then the items.
///
/// # Errors
/// [`Error::BadRequest`] for a path that is neither a file, a folder nor
/// an http(s) URL, or when nothing is left to search with.
pub fn search_queries(sources: &[String], items: &[i64]) -> Result<Vec<SearchQuery>> {
    let mut queries = Vec::new();
    for source in sources {
        let path = Path::new(source);
        if !clickprint_fetch::is_url(source) && path.is_dir() {
            let mut files = Vec::new();
            collect_files(path, &mut files)?;
            queries.extend(
                files
                    .into_iter()
                    .map(|f| SearchQuery::Media(f.to_string_lossy().into_owned())),
            );
        } else {
            queries.push(SearchQuery::Media(source.clone()));
        }
    }
    queries.extend(items.iter().map(|&id| SearchQuery::Item(id)));
    if queries.is_empty() {
        return Err(Error::BadRequest(
            "nothing to search with: give files, folders, URLs or --item IDs".into(),
        ));
    }
    Ok(queries)
}
