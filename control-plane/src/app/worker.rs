//! Ingest workers: take a task from the queue, fetch the media (URL) or
//! find it (upload), hash it (an exact duplicate in the tenant links to the
//! existing fingerprints), probe it (a disabled modality fails the item),
//! fingerprint it through ClickHouse's ingest statement (all rows in one
//! INSERT), and mark it ready.
//!
//! Safe to run twice or to kill anywhere: the download lands under a
//! temporary name and is renamed when whole; the ingest statement adds
//! nothing for a media id whose `end` marker ClickHouse already holds, and
//! rows of an ingest killed before its marker are identical to the retry's
//! (ReplacingMergeTree keeps one; the search counts distinct hits).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use sha2::{Digest, Sha256};

use crate::app::search::MAX_SUBTITLE_BYTES;
use crate::clickhouse::Engine;
use crate::config::Config;
use crate::error::Error;
use crate::ids::{MediaId, TenantId};
use crate::metrics::Metrics;
use crate::probe::probe;
use crate::store::media::{self, WorkItem};
use crate::store::queue::{self, AfterFailure, Claimed};
use crate::store::tenants;

/// Longest a preview may take (a long video decodes once more for it).
const PREVIEW_TIMEOUT: Duration = Duration::from_secs(600);

/// What a worker needs.
#[derive(Debug)]
pub struct WorkerContext {
    /// Postgres: the queue and the metadata.
    pub pool: Pool,
    /// ClickHouse: the ingest statement.
    pub engine: Engine,
    /// Where media files are kept (`<data dir>/media/...`).
    pub data_dir: PathBuf,
    /// Download limits for URL sources.
    pub fetch: clickprint_fetch::Policy,
    /// The `clickprint-udf` executable (for probing).
    pub udf: PathBuf,
    /// How long a claim lasts without renewal.
    pub lease: Duration,
    /// How long to wait when the queue is empty.
    pub poll: Duration,
    /// Counters and histograms.
    pub metrics: Arc<Metrics>,
    /// The settings (the item search of `media.matched`).
    pub config: Config,
}

impl WorkerContext {
    /// What a worker needs, from the configuration and the stores.
    pub fn new(config: &Config, pool: Pool, engine: Engine, metrics: Arc<Metrics>) -> Self {
        WorkerContext {
            pool,
            engine,
            data_dir: config.data_dir.clone(),
            fetch: config.fetch.clone(),
            udf: config.udf.clone(),
            lease: config.task_lease,
            poll: Duration::from_millis(500),
            metrics,
            config: config.clone(),
        }
    }
}

/// Starts `count` workers sharing `context`; send `true` to stop them
/// (each finishes or abandons its task: abandoned tasks go to another
/// worker when their lease ends).
pub fn start(
    context: Arc<WorkerContext>,
    count: usize,
) -> (
    tokio::sync::watch::Sender<bool>,
    Vec<tokio::task::JoinHandle<()>>,
) {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let host = host_name();
    let handles = (0..count)
        .map(|i| {
            let name = format!("{host}:{}:{i}", std::process::id());
            tokio::spawn(run(Arc::clone(&context), name, stopped.clone()))
        })
        .collect();
    (stop, handles)
}

/// This host's name, the first part of its workers' names
/// (`<host>:<pid>:<n>`).
fn host_name() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".into())
}

/// Ends the leases held by workers of this host whose process no longer
/// runs (killed, crashed), so their items do not show `processing` until
/// the leases run out (`task_lease_secs`). A process of the same id that
/// runs again is taken for alive: its leases then run out as before.
async fn release_dead_leases(ctx: &WorkerContext) {
    let prefix = format!("{}:", host_name());
    let holders = match queue::lease_holders(&ctx.pool, &prefix).await {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(error = %e, "listing leases failed");
            return;
        }
    };
    let dead: Vec<String> = holders
        .into_iter()
        .filter(|w| {
            let pid = w[prefix.len()..]
                .split(':')
                .next()
                .and_then(|p| p.parse::<i32>().ok());
            pid.filter(|p| *p > 0).is_some_and(|pid| {
                // Signal 0 checks the process exists; ESRCH: it does not.
                nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None)
                    == Err(nix::errno::Errno::ESRCH)
            })
        })
        .collect();
    if dead.is_empty() {
        return;
    }
    match queue::release(&ctx.pool, &dead).await {
        Ok(n) => tracing::info!(workers = ?dead, items = n, "released the leases of dead workers"),
        Err(e) => tracing::warn!(error = %e, "releasing dead workers' leases failed"),
    }
}

/// Why a task failed, and whether trying again may help.
#[derive(Debug)]
struct TaskError {
    message: String,
    retry: bool,
}

impl TaskError {
    fn permanent(message: impl Into<String>) -> Self {
        TaskError {
            message: message.into(),
            retry: false,
        }
    }

    fn transient(message: impl Into<String>) -> Self {
        TaskError {
            message: message.into(),
            retry: true,
        }
    }
}

impl From<Error> for TaskError {
    fn from(e: Error) -> Self {
        match e {
            Error::Media(m)
            | Error::Forbidden(m)
            | Error::BadRequest(m)
            | Error::QuotaExceeded(m) => TaskError::permanent(m),
            other => TaskError::transient(other.to_string()),
        }
    }
}

/// Runs one worker until `stop` says so, taking tasks one at a time.
pub async fn run(
    ctx: Arc<WorkerContext>,
    name: String,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    tracing::info!(worker = %name, "worker started");
    release_dead_leases(&ctx).await;
    let mut last_chores = Instant::now();
    loop {
        if *stop.borrow() {
            break;
        }
        if last_chores.elapsed() > Duration::from_secs(60) {
            last_chores = Instant::now();
            chores(&ctx).await;
        }
        // A batch of a CSV job's rows, then a task: expanding a long job
        // neither waits for the queue nor holds it up.
        let expanded = match crate::app::jobs::expand_next(&ctx.pool, &ctx.data_dir).await {
            Ok(expanded) => expanded,
            Err(e) => {
                tracing::warn!(worker = %name, error = %e, "expanding a job failed");
                false
            }
        };
        let claimed = match queue::claim(&ctx.pool, &name, ctx.lease).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(worker = %name, error = %e, "claiming a task failed");
                None
            }
        };
        match claimed {
            Some(task) => handle(&ctx, &name, task).await,
            None if expanded => {}
            None => {
                tokio::select! {
                    () = tokio::time::sleep(ctx.poll) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }
    tracing::info!(worker = %name, "worker stopped");
}

/// Housekeeping any worker may do now and then: forget request counts
/// older than an hour (the per-minute quota needs the current minute only),
/// release the leases of this host's dead workers, and remove uploads left by requests that died before making their item.
async fn chores(ctx: &WorkerContext) {
    let _ = tenants::forget_request_counts(&ctx.pool).await;
    release_dead_leases(ctx).await;
    let uploads = ctx.data_dir.join("uploads");
    if let Ok(mut entries) = tokio::fs::read_dir(&uploads).await {
        while let Ok(Some(entry)) = entries.next_entry().await {
            let stale = entry
                .metadata()
                .await
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > Duration::from_secs(24 * 3600));
            if stale {
                let _ = tokio::fs::remove_file(entry.path()).await;
            }
        }
    }
}

/// Works one task to its end: done, queued again, or dead.
async fn handle(ctx: &WorkerContext, name: &str, task: Claimed) {
    let started = Instant::now();
    let outcome = if task.attempt > task.max_attempts {
        // Claimed again after its lease ran out, attempts used up: its
        // workers keep dying on it.
        Err(TaskError::permanent(format!(
            "gave up after {} attempts (the last worker stopped before finishing)",
            task.max_attempts
        )))
    } else {
        let renewing = renew_while_working(ctx, name, &task);
        tokio::select! {
            result = work(ctx, &task) => result,
            () = renewing => Err(TaskError::transient("lost the task's lease")),
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    match outcome {
        Ok(ready) => {
            ctx.metrics.task_done(seconds);
            if let Err(e) = queue::finish(&ctx.pool, &task, name).await {
                tracing::warn!(task = task.id, error = %e, "marking a task done failed");
            }
            // A new item that copies one the library holds, for the
            // tenant's webhooks that ask (app::webhooks).
            if let Some(tenant) = ready {
                let announced = crate::app::webhooks::announce_matches(
                    &ctx.pool,
                    &ctx.engine,
                    &ctx.config,
                    &tenant,
                    task.media_id,
                )
                .await;
                if let Err(e) = announced {
                    tracing::warn!(media = task.media_id, error = %e, "the media.matched search failed");
                }
            }
        }
        Err(failure) => {
            ctx.metrics.task_failed(seconds, failure.retry);
            tracing::info!(task = task.id, media = task.media_id, error = %failure.message, retry = failure.retry, "task failed");
            let after = queue::fail(&ctx.pool, &task, name, &failure.message, failure.retry).await;
            let media_status = match after {
                Ok(AfterFailure::Retry(_)) => "pending",
                Ok(AfterFailure::Dead) => "failed",
                Err(e) => {
                    tracing::warn!(task = task.id, error = %e, "recording a failure failed");
                    return;
                }
            };
            // Failed for good: its files would only take disk (a failed
            // item holds no fingerprints, so nothing shares them). They go
            // before the status says `failed`, so whoever reads `failed`
            // finds them gone.
            if media_status == "failed"
                && let Err(e) =
                    media::remove_files(&ctx.data_dir, task.tenant_id, task.media_id).await
            {
                tracing::warn!(media = task.media_id, error = %e, "removing a failed item's files failed");
            }
            if let Err(e) = media::set_status(
                &ctx.pool,
                task.media_id,
                media_status,
                Some(&failure.message),
            )
            .await
            {
                tracing::warn!(media = task.media_id, error = %e, "recording a media failure failed");
            }
        }
    }
}

/// Renews the lease every third of it; returns only when the task was
/// taken over (this worker was too slow to renew).
async fn renew_while_working(ctx: &WorkerContext, name: &str, task: &Claimed) {
    let every = ctx.lease / 3;
    loop {
        tokio::time::sleep(every).await;
        match queue::renew(&ctx.pool, task, name, ctx.lease).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => tracing::warn!(task = task.id, error = %e, "renewing a lease failed"),
        }
    }
}

/// Works a task; the item's tenant when the item became ready.
async fn work(
    ctx: &WorkerContext,
    task: &Claimed,
) -> std::result::Result<Option<tenants::Tenant>, TaskError> {
    let WorkItem {
        source,
        status,
        tenant,
    } = media::work_item(&ctx.pool, task.media_id)
        .await?
        .ok_or_else(|| TaskError::permanent("the media item is gone"))?;
    if status == "deleted" || status == "cancelled" {
        return Ok(None);
    }
    media::set_status(&ctx.pool, task.media_id, "processing", None).await?;
    let path = media::file_path(&ctx.data_dir, task.tenant_id, task.media_id);
    if clickprint_fetch::is_url(&source) {
        if !path.is_file() {
            download(&ctx.fetch, &source, &path).await?;
        }
    } else if !path.is_file() {
        return Err(TaskError::permanent(format!(
            "the uploaded file for media {} is missing",
            task.media_id
        )));
    }
    let name_in_messages = |message: String| message.replace(&path.display().to_string(), &source);

    let (digest, bytes) = hash_file(&path).await?;
    if media::link_duplicate(&ctx.pool, task.tenant_id, task.media_id, &digest, bytes).await? {
        // Same bytes as an item already fingerprinted: the file adds
        // nothing; a subtitle file given with it joins the first copy's
        // dialogue (they share fingerprints and cues).
        let _ = tokio::fs::remove_file(&path).await;
        let item = media::get(&ctx.pool, task.tenant_id, task.media_id).await?;
        if let (Some(owner), Some(modality)) = (item.duplicate_of, item.modality.as_deref()) {
            read_given_subtitles(ctx, task, item.subtitles.clone(), owner, modality).await?;
        }
        return Ok(Some(tenant));
    }
    if clickprint_fetch::is_url(&source) {
        // A download's size is known only now: it must fit the byte quota
        // (a failed item's file is removed).
        media::record_download(&ctx.pool, &tenant, task.media_id, bytes).await?;
    }
    let probed = probe(&ctx.udf, &path, Duration::from_secs(120))
        .await
        .map_err(|e| TaskError::from(e).map(name_in_messages))?;
    tenant
        .require(probed.modality.as_str())
        .map_err(TaskError::from)?;
    // Previews are for people looking at matches; an item without them
    // still searches, so a failure here is logged, not fatal.
    let previews = media::previews_dir(&ctx.data_dir, task.tenant_id, task.media_id);
    if let Err(e) = crate::probe::previews(&ctx.udf, &path, &previews, PREVIEW_TIMEOUT).await {
        tracing::warn!(
            media = task.media_id,
            "no previews: {}",
            name_in_messages(e.to_string())
        );
    }
    let ingest = crate::clickhouse::library::ingest(
        &ctx.engine,
        TenantId(task.tenant_id).clickhouse()?,
        MediaId(task.media_id).clickhouse()?,
        &path.display().to_string(),
    )
    .await;
    if let Err(e) = ingest {
        let message = name_in_messages(e.to_string());
        // The extractor's complaints about the media (its `input` code) are
        // final; anything else (the engine busy or restarting, a sidecar
        // out of reach) may pass.
        return Err(match Error::from_executable(&message) {
            Some(Error::Media(_)) => TaskError::permanent(message),
            _ => TaskError::transient(message),
        });
    }
    // Then every plug-in extractor enabled for the tenant and the item's
    // modality (sql/clickhouse/extract.sql; each skips an item it already
    // extracted at its version, so a retried task redoes only what failed).
    // A plug-in's failure fails the task like ours, retried, then dead.
    for extractor in ctx
        .config
        .extractors
        .iter()
        .filter(|e| e.applies(&tenant.name, probed.modality.as_str()))
    {
        crate::clickhouse::extractors::extract(
            &ctx.engine,
            extractor,
            TenantId(task.tenant_id).clickhouse()?,
            MediaId(task.media_id).clickhouse()?,
            &path.display().to_string(),
            probed.modality.as_str(),
        )
        .await
        .map_err(|e| TaskError::transient(name_in_messages(e.to_string())))?;
    }
    let given = media::get(&ctx.pool, task.tenant_id, task.media_id)
        .await?
        .subtitles;
    read_given_subtitles(ctx, task, given, task.media_id, probed.modality.as_str()).await?;
    media::mark_ready(
        &ctx.pool,
        task.media_id,
        probed.modality.as_str(),
        i64::try_from(probed.duration_ms).unwrap_or(i64::MAX),
        bytes,
        &digest,
    )
    .await?;
    Ok(Some(tenant))
}

impl TaskError {
    fn map(self, f: impl FnOnce(String) -> String) -> Self {
        TaskError {
            message: f(self.message),
            retry: self.retry,
        }
    }
}

/// Reads the subtitle file `given` with the task's item, if one was and it
/// was not read yet, into the dialogue of item `owner` (the item, or the
/// first copy of an exact duplicate), and records the cues or why it was
/// not read. A file that cannot be had or read (a failed download, past
/// [`MAX_SUBTITLE_BYTES`], not a subtitle file, a picture's) never fails
/// the item; only the engine's own trouble does (the task is retried).
async fn read_given_subtitles(
    ctx: &WorkerContext,
    task: &Claimed,
    given: Option<media::ItemSubtitles>,
    owner: i64,
    modality: &str,
) -> std::result::Result<(), TaskError> {
    let Some(given) = given else {
        return Ok(());
    };
    if given.cues.is_some() || given.error.is_some() {
        return Ok(());
    }
    let path = media::subtitles_path(&ctx.data_dir, task.tenant_id, task.media_id);
    let outcome = match read_subtitles(ctx, task, owner, modality, &given, &path).await {
        Ok(cues) => Ok(cues),
        Err(Unread::File(why)) => Err(why),
        Err(Unread::Task(e)) => return Err(e),
    };
    if let Err(why) = &outcome {
        tracing::info!(media = task.media_id, "subtitles not read: {why}");
    }
    media::set_subtitles(&ctx.pool, task.media_id, outcome).await?;
    let _ = tokio::fs::remove_file(&path).await;
    Ok(())
}

/// Why a given subtitle file was not read.
enum Unread {
    /// The file's fault: recorded on the item, which is ingested.
    File(String),
    /// The task's: it is retried.
    Task(TaskError),
}

impl From<Error> for Unread {
    fn from(e: Error) -> Self {
        Unread::Task(e.into())
    }
}

/// Gets the subtitle file `given` (downloads a URL to `path`) and stores
/// its cues as item `owner`'s; their count.
async fn read_subtitles(
    ctx: &WorkerContext,
    task: &Claimed,
    owner: i64,
    modality: &str,
    given: &media::ItemSubtitles,
    path: &Path,
) -> std::result::Result<u64, Unread> {
    let unread = |why: &str| Unread::File(why.to_owned());
    if modality == "image" {
        return Err(unread(
            "a picture has no dialogue: subtitles go with a video or a sound",
        ));
    }
    if clickprint_fetch::is_url(&given.source) && !path.is_file() {
        let policy = clickprint_fetch::Policy {
            max_bytes: ctx.fetch.max_bytes.min(MAX_SUBTITLE_BYTES),
            ..ctx.fetch.clone()
        };
        download(&policy, &given.source, path)
            .await
            .map_err(|e| Unread::File(e.message))?;
    }
    let bytes = tokio::fs::metadata(path)
        .await
        .map_err(|e| Unread::File(format!("the subtitle file is missing: {e}")))?
        .len();
    if bytes > MAX_SUBTITLE_BYTES {
        return Err(Unread::File(format!(
            "the subtitle file is larger than the {MAX_SUBTITLE_BYTES}-byte limit"
        )));
    }
    let stored = crate::app::search::store_subtitles(
        &ctx.engine,
        TenantId(task.tenant_id).clickhouse()?,
        MediaId(owner).clickhouse()?,
        path,
        &given.language,
    )
    .await;
    match stored {
        Ok(cues) => Ok(cues),
        Err(Error::Media(why)) => Err(Unread::File(why)),
        Err(other) => Err(other.into()),
    }
}

/// Downloads `url` to `path` under `policy`: into `path.part`, renamed
/// when whole, so a killed download is never taken for a file.
async fn download(
    policy: &clickprint_fetch::Policy,
    url: &str,
    path: &Path,
) -> std::result::Result<(), TaskError> {
    use clickprint_fetch::Error as F;
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| TaskError::transient(format!("creating {}: {e}", dir.display())))?;
    }
    let part = path.with_extension("part");
    let mut file = tokio::fs::File::create(&part)
        .await
        .map_err(|e| TaskError::transient(format!("creating {}: {e}", part.display())))?;
    let fetched = clickprint_fetch::fetch(url, policy, &mut file).await;
    drop(file);
    match fetched {
        Ok(_) => tokio::fs::rename(&part, path)
            .await
            .map_err(|e| TaskError::transient(format!("keeping the download: {e}"))),
        Err(e) => {
            let _ = tokio::fs::remove_file(&part).await;
            let message = format!("fetching {url}: {e}");
            // A server error or a network hiccup may pass; a refused
            // address, a bad scheme, a 404 or an oversized file will not.
            let retry = match &e {
                F::Status { status } => *status >= 500 || *status == 429 || *status == 408,
                F::Timeout(_) | F::Transfer(_) | F::Io(_) => true,
                _ => false,
            };
            Err(TaskError { message, retry })
        }
    }
}

/// SHA-256 and size of a file, read off the async threads.
async fn hash_file(path: &Path) -> std::result::Result<(Vec<u8>, i64), TaskError> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || -> std::io::Result<(Vec<u8>, i64)> {
        let mut file = std::fs::File::open(&path)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut bytes = 0i64;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            bytes += n as i64;
            hasher.update(&buf[..n]);
        }
        Ok((hasher.finalize().to_vec(), bytes))
    })
    .await
    .map_err(|e| TaskError::transient(format!("hashing: {e}")))?
    .map_err(|e| TaskError::transient(format!("hashing the file: {e}")))
}
