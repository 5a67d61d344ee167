//! Bulk ingest jobs: a CSV of URLs, or a ZIP holding a manifest CSV and
//! the media files. A job becomes one media item (and task) per good row,
//! all in one transaction; a malformed row becomes a failed row with its
//! reason, and the job goes on. A hostile archive (paths escaping the
//! archive, absolute paths, symbolic links, archives inside it, a
//! compression ratio that says "bomb") is refused whole, with the reason.
//! Extraction is counted by the bytes actually written, not the sizes the
//! archive declares, against the job's budget (`job_max_extract_bytes`):
//! every manifest row naming an entry writes (and is counted for) its own
//! copy, and past the budget the whole job is refused and every file it
//! wrote removed at once. A file that fails to extract is removed at once.
//! Per tenant, the budget is also cut to what is left of its byte quota
//! (`max_bytes`), and one ZIP of a tenant is extracted at a time (its
//! other uploads wait for it), so what a tenant has in flight on disk is
//! never more than one job's budget, however many uploads it sends at once.
//!
//! A CSV job is accepted at once, whatever its length: the request checks
//! the whole CSV (its header, its row count, the asset quota), stores it
//! under `<data dir>/jobs/<tenant>/`, turns its first [`EXPAND_BATCH`] rows
//! into items, and answers with the job (`expanding` while rows are left).
//! Workers turn the rest into items a batch at a time ([`expand_next`]),
//! and `GET /v1/jobs/{id}` shows `expanded` moving to `total`. A 100,000-row
//! CSV used to be expanded inside its request (581 s), so a client retrying
//! after its timeout made a second job; an `Idempotency-Key` now returns
//! the first job to such a retry (see [`crate::store::jobs`]).
//!
//! CSV columns: `url` (CSV jobs) or `file` (the ZIP manifest) is required;
//! `external_id` is optional; `subtitles` names a subtitle file given with
//! the item (a URL; in a ZIP's manifest also a file of the archive) and
//! `subtitles_language` its language tag (for a file that names none);
//! every other column becomes a metadata key.
//!
//! This module reads the job's file; [`crate::store::jobs`] writes the job
//! and reads it back.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

use deadpool_postgres::Pool;

use crate::error::{Error, Result};
use crate::store;
use crate::store::jobs::Job;
use crate::store::media::NewMedia;
use crate::store::tenants::Tenant;

/// The manifest's name inside a ZIP.
pub const MANIFEST: &str = "manifest.csv";
/// A ZIP entry may expand to at most this many times its compressed size.
pub const MAX_COMPRESSION_RATIO: u64 = 200;
/// Rows a job may have.
pub const MAX_ROWS: usize = 100_000;
/// Rows of a CSV job turned into items in one transaction: the request's
/// first batch, then each of a worker's.
pub const EXPAND_BATCH: usize = 1_000;

/// One good row.
#[derive(Debug, Clone)]
struct Row {
    number: i32,
    /// The URL (CSV) or the file name inside the archive (ZIP).
    source: String,
    external_id: Option<String>,
    metadata: serde_json::Value,
    /// The subtitle file given with it: a URL, or (ZIP) a file of the
    /// archive.
    subtitles: Option<String>,
    /// Its language tag, checked (may be empty).
    subtitles_language: String,
}

/// The columns that are not metadata, beside the required one.
const OWN_COLUMNS: [&str; 3] = ["external_id", "subtitles", "subtitles_language"];

/// A failed row: its number and why.
type Failure = (i32, String);

/// What [`parse_csv`] read.
#[derive(Debug, Default)]
struct Parsed {
    /// Good rows of the range asked for.
    rows: Vec<Row>,
    /// Failed rows of the range asked for.
    failures: Vec<Failure>,
    /// Rows in the whole CSV, header excluded.
    total: usize,
}

/// Rows of a CSV: good ones, and failures, of the rows whose 0-based index
/// is in `range` (the others are only counted). `required` is the column
/// naming the media (`url` or `file`).
fn parse_csv(data: &[u8], required: &str, range: std::ops::Range<usize>) -> Result<Parsed> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::BadRequest(format!("the CSV header does not parse: {e}")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let Some(source_column) = headers.iter().position(|h| h == required) else {
        return Err(Error::BadRequest(format!(
            "the CSV needs a `{required}` column (found: {})",
            headers.join(", ")
        )));
    };
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (external_column, subtitles_column, language_column) = (
        column("external_id"),
        column("subtitles"),
        column("subtitles_language"),
    );
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    let mut total = 0;
    for (i, record) in reader.records().enumerate() {
        let number = i32::try_from(i + 1).unwrap_or(i32::MAX);
        if i >= MAX_ROWS {
            return Err(Error::BadRequest(format!(
                "more than {MAX_ROWS} rows; split the job"
            )));
        }
        total = i + 1;
        if !range.contains(&i) {
            continue;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                failures.push((number, format!("does not parse: {e}")));
                continue;
            }
        };
        if record.len() != headers.len() {
            failures.push((
                number,
                format!(
                    "has {} fields, the header has {}",
                    record.len(),
                    headers.len()
                ),
            ));
            continue;
        }
        let source = record.get(source_column).unwrap_or("").to_owned();
        if source.is_empty() {
            failures.push((number, format!("no `{required}`")));
            continue;
        }
        if required == "url" && !clickprint_fetch::is_url(&source) {
            failures.push((number, format!("`{source}` is not an http(s) URL")));
            continue;
        }
        let value_of = |column: Option<usize>| {
            column
                .and_then(|c| record.get(c))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let subtitles = value_of(subtitles_column);
        if let Some(s) = &subtitles
            && required == "url"
            && !clickprint_fetch::is_url(s)
        {
            failures.push((number, format!("`subtitles` {s:?} is not an http(s) URL")));
            continue;
        }
        let language = value_of(language_column).unwrap_or_default();
        let subtitles_language = match crate::app::search::check_language(&language) {
            Ok(language) if subtitles.is_some() || language.is_empty() => language.to_owned(),
            Ok(_) => {
                failures.push((number, "`subtitles_language` without `subtitles`".into()));
                continue;
            }
            Err(Error::BadRequest(why)) => {
                failures.push((number, why));
                continue;
            }
            Err(other) => return Err(other),
        };
        let mut metadata = serde_json::Map::new();
        for (c, value) in record.iter().enumerate() {
            if c != source_column
                && !OWN_COLUMNS.contains(&headers[c].as_str())
                && !value.is_empty()
            {
                metadata.insert(
                    headers[c].clone(),
                    serde_json::Value::String(value.to_owned()),
                );
            }
        }
        rows.push(Row {
            number,
            source,
            external_id: value_of(external_column),
            metadata: serde_json::Value::Object(metadata),
            subtitles,
            subtitles_language,
        });
    }
    Ok(Parsed {
        rows,
        failures,
        total,
    })
}

/// What an archive holds, checked: the manifest's bytes, and each file's
/// entry index by name.
struct Archive {
    zip: zip::ZipArchive<std::fs::File>,
    manifest: Vec<u8>,
    files: HashMap<String, usize>,
    /// Largest file, bytes.
    limit: u64,
    /// What the job may write in all.
    budget: Budget,
    /// Bytes written so far, counted as they are written.
    written: u64,
}

fn is_archive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        ".zip", ".jar", ".tar", ".tgz", ".gz", ".bz2", ".xz", ".zst", ".7z", ".rar",
    ]
    .iter()
    .any(|ext| lower.ends_with(ext))
}

/// Opens and checks a ZIP: every entry must be a plain file or folder with
/// a relative path inside the archive, not an archive itself, and expand
/// by at most [`MAX_COMPRESSION_RATIO`] and `limit` bytes in all.
fn open_archive(path: &Path, limit: u64, budget: Budget) -> Result<Archive> {
    let refuse = |why: String| Error::BadRequest(format!("ZIP refused: {why}"));
    let file = std::fs::File::open(path).map_err(|e| Error::io("opening the upload", e))?;
    let mut zip =
        zip::ZipArchive::new(file).map_err(|e| refuse(format!("not a ZIP file ({e})")))?;
    let mut files = HashMap::new();
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| refuse(format!("entry {i} does not read ({e})")))?;
        let name = entry.name().to_owned();
        if name.starts_with('/') || name.starts_with('\\') || name.contains(":\\") {
            return Err(refuse(format!("`{name}` is an absolute path")));
        }
        if entry.enclosed_name().is_none() || name.split(['/', '\\']).any(|p| p == "..") {
            return Err(refuse(format!("`{name}` points outside the archive")));
        }
        if entry.is_symlink() {
            return Err(refuse(format!("`{name}` is a symbolic link")));
        }
        if entry.is_dir() {
            continue;
        }
        if is_archive_name(&name) {
            return Err(refuse(format!(
                "`{name}` is an archive inside the archive; send its files instead"
            )));
        }
        let ratio = entry.size() / entry.compressed_size().max(1);
        if ratio > MAX_COMPRESSION_RATIO {
            return Err(refuse(format!(
                "`{name}` expands {ratio} times (more than {MAX_COMPRESSION_RATIO}): a compression bomb"
            )));
        }
        total = total.saturating_add(entry.size());
        if total > limit {
            return Err(refuse(format!(
                "its files expand to more than the {limit}-byte upload limit"
            )));
        }
        files.insert(name, i);
    }
    let manifest_index = *files
        .get(MANIFEST)
        .ok_or_else(|| refuse(format!("no {MANIFEST} at its top level")))?;
    let mut manifest = Vec::new();
    read_entry(&mut zip, manifest_index, 16 << 20, &mut manifest)
        .map_err(|e| refuse(format!("{MANIFEST}: {e}")))?;
    Ok(Archive {
        zip,
        manifest,
        files,
        limit,
        budget,
        written: 0,
    })
}

/// Reads an entry, stopping at `limit` bytes whatever its header claims
/// (a header can lie about the size).
fn read_entry(
    zip: &mut zip::ZipArchive<std::fs::File>,
    index: usize,
    limit: u64,
    out: &mut impl std::io::Write,
) -> std::result::Result<u64, String> {
    let entry = zip.by_index(index).map_err(|e| e.to_string())?;
    let mut limited = entry.take(limit + 1);
    let n = std::io::copy(&mut limited, out).map_err(|e| e.to_string())?;
    if n > limit {
        return Err(format!("larger than {limit} bytes"));
    }
    Ok(n)
}

/// A writer that counts what it was given, so bytes written before an
/// error are counted too.
struct Counted<W> {
    inner: W,
    bytes: u64,
}

impl<W: std::io::Write> std::io::Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Archive {
    /// Extracts one file to `target`: `Ok(Err(reason))` when this row
    /// fails (nothing is left at `target`), `Err` when the job's budget is
    /// spent (the job is refused).
    fn extract(&mut self, name: &str, target: &Path) -> Result<std::result::Result<(), String>> {
        let Some(&index) = self.files.get(name) else {
            return Ok(Err(format!(
                "the manifest names `{name}`, which the archive does not hold"
            )));
        };
        let remaining = self.budget.bytes.saturating_sub(self.written);
        let cap = self.limit.min(remaining);
        let mut out = Counted {
            inner: match std::fs::File::create(target) {
                Ok(file) => file,
                Err(e) => return Ok(Err(e.to_string())),
            },
            bytes: 0,
        };
        let read = read_entry(&mut self.zip, index, cap, &mut out);
        self.written = self.written.saturating_add(out.bytes);
        drop(out);
        if read.is_ok() {
            return Ok(Ok(()));
        }
        let _ = std::fs::remove_file(target);
        // Past the budget only when this entry wrote more than what was
        // left of it (`read_entry` writes one byte over its cap to know).
        if self.written > self.budget.bytes {
            return Err(Error::BadRequest(format!(
                "ZIP refused: its files expand past {} (each manifest row writes its own copy)",
                self.budget
            )));
        }
        Ok(read.map(|_| ()))
    }
}

/// What a ZIP job may write when extracted, and what set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Bytes.
    pub bytes: u64,
    /// Whether it is what is left of the tenant's byte quota (`max_bytes`),
    /// not the job's own budget (`job_max_extract_bytes`).
    pub of_quota: bool,
}

impl Budget {
    /// `job` (`job_max_extract_bytes`), cut to `quota_left`, the bytes left
    /// of the tenant's `max_bytes` (`None`: no byte quota).
    pub fn new(job: u64, quota_left: Option<u64>) -> Budget {
        match quota_left {
            Some(left) if left < job => Budget {
                bytes: left,
                of_quota: true,
            },
            _ => Budget {
                bytes: job,
                of_quota: false,
            },
        }
    }
}

impl std::fmt::Display for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.of_quota {
            write!(
                f,
                "the {} bytes left of the tenant's byte quota (setting max_bytes)",
                self.bytes
            )
        } else {
            write!(
                f,
                "the job's {}-byte extraction budget (setting job_max_extract_bytes)",
                self.bytes
            )
        }
    }
}

/// One ZIP extraction at a time per tenant: the lock of `tenant`.
fn extraction_lock(tenant: i32) -> Arc<tokio::sync::Mutex<()>> {
    static LOCKS: LazyLock<Mutex<HashMap<i32, Arc<tokio::sync::Mutex<()>>>>> =
        LazyLock::new(Mutex::default);
    let mut locks = LOCKS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Arc::clone(locks.entry(tenant).or_default())
}

/// A job file as the request received it.
#[derive(Debug, Clone, Copy)]
pub struct JobFile<'a> {
    /// `csv` or `zip`.
    pub kind: &'a str,
    /// Where the upload is kept; a CSV with rows left to expand is moved
    /// from there into the data directory.
    pub path: &'a Path,
    /// The client's `Idempotency-Key`.
    pub idempotency_key: Option<&'a str>,
}

/// Creates a job from an uploaded CSV (`kind` "csv") or ZIP ("zip"): its
/// first rows' (a ZIP's: all its rows') items and tasks, and failed rows,
/// in one transaction; a CSV's other rows are left to workers. A key the
/// tenant already used returns that job, and this upload is dropped.
///
/// # Errors
/// [`Error::BadRequest`] for a CSV without the needed column or a refused
/// archive (one writing more than `budget` bytes, or than what is left of
/// the tenant's byte quota, when extracted: no file of it is left);
/// [`Error::QuotaExceeded`] when the items do not fit the quota.
pub async fn create(
    pool: &Pool,
    data_dir: &Path,
    tenant: &Tenant,
    file: JobFile<'_>,
    max_bytes: u64,
    budget: u64,
) -> Result<Job> {
    if let Some(key) = file.idempotency_key
        && let Some(job) = store::jobs::by_key(pool, tenant.id, key).await?
    {
        return Ok(job);
    }
    let inserted = match file.kind {
        "csv" => create_csv(pool, data_dir, tenant, file).await?,
        "zip" => create_zip(pool, data_dir, tenant, file, max_bytes, budget).await?,
        other => {
            return Err(Error::BadRequest(format!(
                "unknown job kind {other:?}; send text/csv or application/zip"
            )));
        }
    };
    let (store::jobs::Inserted::Created(id) | store::jobs::Inserted::Existing(id)) = inserted;
    store::jobs::get(pool, tenant.id, id).await
}

/// URL rows as the store takes them.
fn url_rows(rows: Vec<Row>) -> Vec<store::jobs::UrlRow> {
    rows.into_iter()
        .map(|r| store::jobs::UrlRow {
            row: r.number,
            url: r.source,
            external_id: r.external_id,
            metadata: r.metadata,
            subtitles: r.subtitles,
            subtitles_language: r.subtitles_language,
        })
        .collect()
}

/// Reads rows `range` of a stored CSV off the async threads.
async fn parse_stored(path: &Path, range: std::ops::Range<usize>) -> Result<Parsed> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let data = std::fs::read(&path).map_err(|e| Error::io("reading the CSV", e))?;
        parse_csv(&data, "url", range)
    })
    .await
    .map_err(|e| Error::BadRequest(format!("reading the job: {e}")))?
}

/// A CSV job: the whole CSV checked, its first [`EXPAND_BATCH`] rows made
/// items now, the CSV kept for the workers when rows are left.
async fn create_csv(
    pool: &Pool,
    data_dir: &Path,
    tenant: &Tenant,
    file: JobFile<'_>,
) -> Result<store::jobs::Inserted> {
    let parsed = parse_stored(file.path, 0..MAX_ROWS).await?;
    let quota_items = parsed.rows.len() as i64;
    let first: Vec<Row> = parsed
        .rows
        .into_iter()
        .take_while(|r| (r.number as usize) <= EXPAND_BATCH)
        .collect();
    let failures: Vec<Failure> = parsed
        .failures
        .into_iter()
        .filter(|f| (f.0 as usize) <= EXPAND_BATCH)
        .collect();
    let total = i32::try_from(parsed.total).unwrap_or(i32::MAX);
    let expanded = parsed.total.min(EXPAND_BATCH);
    let kept = if expanded < parsed.total {
        let folder = Path::new("jobs").join(tenant.id.to_string());
        let name = folder.join(format!("{}.csv", crate::random_hex(12)?));
        let dir = data_dir.join(&folder);
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        tokio::fs::rename(file.path, data_dir.join(&name))
            .await
            .map_err(|e| Error::io("keeping the job's CSV", e))?;
        Some(name.display().to_string())
    } else {
        None
    };
    let job = store::jobs::NewJob {
        kind: "csv",
        total,
        expanded: i32::try_from(expanded).unwrap_or(i32::MAX),
        upload: kept.clone(),
        idempotency_key: file.idempotency_key,
        quota_items,
        quota_bytes: 0,
    };
    let inserted = store::jobs::insert(
        pool,
        data_dir,
        tenant,
        &job,
        store::jobs::Items::Urls(url_rows(first)),
        &failures,
    )
    .await;
    // The kept CSV belongs to the job, unless none was made.
    if !matches!(inserted, Ok(store::jobs::Inserted::Created(_)))
        && let Some(kept) = kept
    {
        let _ = tokio::fs::remove_file(data_dir.join(kept)).await;
    }
    inserted
}

/// A ZIP job: extracted and made items whole, inside the request.
async fn create_zip(
    pool: &Pool,
    data_dir: &Path,
    tenant: &Tenant,
    file: JobFile<'_>,
    max_bytes: u64,
    budget: u64,
) -> Result<store::jobs::Inserted> {
    let staging = data_dir.join("uploads");
    let lock = extraction_lock(tenant.id);
    let _extracting = lock.lock().await;
    let quota_left = store::media::bytes_left(pool, tenant).await?;
    let budget = Budget::new(budget, quota_left);
    let (parsed, extracted) = {
        let upload = file.path.to_path_buf();
        let staging = staging.clone();
        tokio::task::spawn_blocking(move || extract_zip(&upload, &staging, max_bytes, budget))
            .await
            .map_err(|e| Error::BadRequest(format!("reading the job: {e}")))??
    };
    let Parsed {
        rows,
        mut failures,
        total,
    } = parsed;
    let files: Vec<PathBuf> = extracted
        .iter()
        .filter_map(|f| f.as_ref().ok())
        .flat_map(|(media, subtitles)| std::iter::once(media).chain(subtitles))
        .cloned()
        .collect();
    let total = i32::try_from(total).unwrap_or(i32::MAX);
    let mut items = Vec::with_capacity(rows.len());
    let mut bytes = 0i64;
    for (row, file) in rows.into_iter().zip(extracted) {
        match file {
            Ok((file, subtitles_file)) => {
                bytes = bytes.saturating_add(store::media::upload_size(&file).await?);
                let subtitles = row.subtitles.map(|name| store::media::NewSubtitles {
                    source: match &subtitles_file {
                        Some(_) => format!("upload:{name}"),
                        None => name,
                    },
                    language: row.subtitles_language,
                    upload: subtitles_file,
                });
                items.push((
                    row.number,
                    NewMedia {
                        source: format!("upload:{}", row.source),
                        external_id: row.external_id,
                        metadata: row.metadata,
                        upload: Some(file),
                        job: None,
                        idempotency_key: None,
                        subtitles,
                    },
                ));
            }
            Err(reason) => failures.push((row.number, reason)),
        }
    }
    let job = store::jobs::NewJob {
        kind: "zip",
        total,
        expanded: total,
        upload: None,
        idempotency_key: file.idempotency_key,
        quota_items: items.len() as i64,
        quota_bytes: bytes,
    };
    let stored = store::jobs::insert(
        pool,
        data_dir,
        tenant,
        &job,
        store::jobs::Items::Files(items),
        &failures,
    )
    .await;
    // Files the items took were moved into the library; what is left of
    // them (a refused job) goes.
    for file in files {
        let _ = tokio::fs::remove_file(file).await;
    }
    stored
}

/// Expands the next batch of a CSV job that has rows left (the one that
/// has expanded the fewest; see [`store::jobs::claim_expansion`]): its
/// rows become items and tasks, or failed rows, in one transaction with
/// the job's progress. Rows over the tenant's asset quota fail with the
/// quota's reason. Whether there was a batch to expand.
///
/// # Errors
/// [`Error::Postgres`], or the tenant gone.
pub async fn expand_next(pool: &Pool, data_dir: &Path) -> Result<bool> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let Some(job) = store::jobs::claim_expansion(&tx).await? else {
        return Ok(false);
    };
    let start = usize::try_from(job.expanded).unwrap_or(0);
    let end = (start + EXPAND_BATCH).min(usize::try_from(job.total).unwrap_or(0));
    let stored = job.upload.as_ref().map(|u| data_dir.join(u));
    let parsed = match &stored {
        Some(path) => parse_stored(path, start..end).await,
        None => Err(Error::BadRequest("the job's CSV is not kept".into())),
    };
    let (rows, failures) = match parsed {
        Ok(p) => {
            let tenant = store::tenants::find(pool, &job.tenant_id.to_string()).await?;
            match store::media::check_quota(&tx, &tenant, p.rows.len() as i64, 0).await {
                Ok(()) => (p.rows, p.failures),
                Err(Error::QuotaExceeded(why)) => {
                    let mut failures = p.failures;
                    failures.extend(p.rows.iter().map(|r| (r.number, why.clone())));
                    (Vec::new(), failures)
                }
                Err(e) => return Err(e),
            }
        }
        // The CSV cannot be read back (the data directory lost it): the
        // rows left fail, saying so, rather than wait for ever.
        Err(e) => {
            let why = format!("the job's stored CSV cannot be read: {e}");
            let failures = (start..end)
                .map(|i| (i32::try_from(i + 1).unwrap_or(i32::MAX), why.clone()))
                .collect();
            (Vec::new(), failures)
        }
    };
    let up_to = i32::try_from(end).unwrap_or(i32::MAX);
    store::jobs::add_batch(&tx, &job, &url_rows(rows), &failures, up_to).await?;
    tx.commit().await?;
    if up_to >= job.total
        && let Some(path) = stored
    {
        let _ = tokio::fs::remove_file(path).await;
    }
    Ok(true)
}

/// A good manifest row's extracted files: the media, and the subtitle
/// file given with it when the row names one of the archive.
type RowFiles = (PathBuf, Option<PathBuf>);

/// What a ZIP holds, read off the async threads: its manifest's rows, and
/// per good row its extracted files or why they are missing.
type Extracted = (Parsed, Vec<std::result::Result<RowFiles, String>>);

fn extract_zip(upload: &Path, staging: &Path, max_bytes: u64, budget: Budget) -> Result<Extracted> {
    let mut archive = open_archive(upload, max_bytes, budget)?;
    let parsed = parse_csv(&archive.manifest.clone(), "file", 0..MAX_ROWS)?;
    std::fs::create_dir_all(staging)
        .map_err(|e| Error::io(format!("creating {}", staging.display()), e))?;
    let mut written = Vec::new();
    let mut files = Vec::with_capacity(parsed.rows.len());
    for row in &parsed.rows {
        match extract_row(&mut archive, staging, row, &mut written) {
            Ok(file) => files.push(file),
            Err(refused) => {
                // The job is refused: what it wrote goes now.
                for file in written {
                    let _ = std::fs::remove_file(file);
                }
                return Err(refused);
            }
        }
    }
    Ok((parsed, files))
}

/// Extracts a manifest row's files into `staging` (each path written is
/// added to `written`): its media, and its subtitle file when it names one
/// of the archive. `Ok(Err(why))` when the row fails (what it wrote is
/// removed), `Err` when the whole job is refused.
fn extract_row(
    archive: &mut Archive,
    staging: &Path,
    row: &Row,
    written: &mut Vec<PathBuf>,
) -> Result<std::result::Result<RowFiles, String>> {
    let mut extract = |name: &str, what: &str| -> Result<std::result::Result<PathBuf, String>> {
        let target = staging.join(format!("zip-{}", crate::random_hex(12)?));
        Ok(match archive.extract(name, &target)? {
            Ok(()) => {
                written.push(target.clone());
                Ok(target)
            }
            Err(why) => Err(format!("{what}{why}")),
        })
    };
    let media = match extract(&row.source, "")? {
        Ok(media) => media,
        Err(why) => return Ok(Err(why)),
    };
    let subtitles = match &row.subtitles {
        Some(name) if !clickprint_fetch::is_url(name) => match extract(name, "`subtitles`: ")? {
            Ok(file) => Some(file),
            Err(why) => {
                let _ = std::fs::remove_file(&media);
                return Ok(Err(why));
            }
        },
        _ => None,
    };
    Ok(Ok((media, subtitles)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_become_items_or_reasons() {
        let csv = "url,external_id,colour\n\
                   https://a.example/1.jpg,one,red\n\
                   ,two,blue\n\
                   ftp://x/3.jpg,three,\n\
                   https://a.example/4.jpg,four\n\
                   https://a.example/5.jpg,,green\n";
        let Parsed {
            rows,
            failures,
            total,
        } = parse_csv(csv.as_bytes(), "url", 0..MAX_ROWS).unwrap();
        assert_eq!(total, 5);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].external_id.as_deref(), Some("one"));
        assert_eq!(rows[0].metadata, serde_json::json!({"colour": "red"}));
        assert_eq!(rows[1].number, 5);
        assert_eq!(rows[1].external_id, None);
        let reasons: Vec<(i32, &str)> = failures.iter().map(|(n, r)| (*n, r.as_str())).collect();
        assert_eq!(reasons[0], (2, "no `url`"));
        assert_eq!(reasons[1].0, 3);
        assert!(reasons[1].1.contains("not an http(s) URL"));
        assert_eq!(reasons[2], (4, "has 2 fields, the header has 3"));
    }

    /// A subtitle file given with a row: its columns are not metadata; a
    /// CSV job's must be a URL, a manifest's may name a file of the
    /// archive; a bad language or a language alone fails the row.
    #[test]
    fn subtitle_columns_go_with_their_row() {
        let csv = "url,subtitles,subtitles_language,colour\n\
                   https://a.example/1.mp4,https://a.example/1.srt,eng,red\n\
                   https://a.example/2.mp4,2.srt,,blue\n\
                   https://a.example/3.mp4,https://a.example/3.srt,e n g,\n\
                   https://a.example/4.mp4,,eng,\n\
                   https://a.example/5.mp4,,,green\n";
        let Parsed { rows, failures, .. } = parse_csv(csv.as_bytes(), "url", 0..MAX_ROWS).unwrap();
        let kept: Vec<(i32, Option<&str>, &str)> = rows
            .iter()
            .map(|r| {
                (
                    r.number,
                    r.subtitles.as_deref(),
                    r.subtitles_language.as_str(),
                )
            })
            .collect();
        assert_eq!(
            kept,
            [(1, Some("https://a.example/1.srt"), "eng"), (5, None, "")]
        );
        assert_eq!(rows[0].metadata, serde_json::json!({"colour": "red"}));
        let reasons: Vec<(i32, &str)> = failures.iter().map(|(n, r)| (*n, r.as_str())).collect();
        assert_eq!(
            reasons[0],
            (2, "`subtitles` \"2.srt\" is not an http(s) URL")
        );
        assert_eq!(reasons[1].0, 3);
        assert!(reasons[1].1.contains("language tag"), "{}", reasons[1].1);
        assert_eq!(reasons[2], (4, "`subtitles_language` without `subtitles`"));
        // In a manifest, a name is a file of the archive.
        let manifest = "file,subtitles\nfilm.mp4,film.srt\n";
        let Parsed { rows, failures, .. } =
            parse_csv(manifest.as_bytes(), "file", 0..MAX_ROWS).unwrap();
        assert_eq!((rows.len(), failures.len()), (1, 0));
        assert_eq!(rows[0].subtitles.as_deref(), Some("film.srt"));
    }

    /// Issue 18, item 5, at the extraction itself: one entry named by many
    /// manifest rows is counted once per copy written, and the job stops
    /// at its budget with nothing left in the staging folder.
    #[test]
    fn a_small_zip_cannot_fill_the_disk() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let upload = dir.path().join("job.zip");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&upload).unwrap());
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file(MANIFEST, stored).unwrap();
        zip.write_all(format!("file\n{}", "same.bin\n".repeat(40)).as_bytes())
            .unwrap();
        zip.start_file("same.bin", stored).unwrap();
        zip.write_all(&[7u8; 100_000]).unwrap();
        zip.finish().unwrap();
        let staging = dir.path().join("staging");
        let e = extract_zip(&upload, &staging, 1 << 30, Budget::new(1_050_000, None)).unwrap_err();
        assert!(
            e.to_string().contains("1050000-byte extraction budget"),
            "{e}"
        );
        let left: Vec<_> = std::fs::read_dir(&staging).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
        // Under the budget, every row has its file.
        let (parsed, files) =
            extract_zip(&upload, &staging, 1 << 30, Budget::new(4_000_000, None)).unwrap();
        assert_eq!((parsed.rows.len(), files.len()), (40, 40));
        for (file, subtitles) in files.into_iter().flatten() {
            assert_eq!(subtitles, None);
            std::fs::remove_file(file).unwrap();
        }
        // What is left of the tenant's byte quota cuts the job's budget.
        let e = extract_zip(
            &upload,
            &staging,
            1 << 30,
            Budget::new(4_000_000, Some(350_000)),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("the 350000 bytes left of the tenant's byte quota"),
            "{e}"
        );
        let left: Vec<_> = std::fs::read_dir(&staging).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn a_csv_without_its_column_is_refused() {
        let e = parse_csv(b"link\nhttps://x/y\n", "url", 0..MAX_ROWS).unwrap_err();
        assert!(e.to_string().contains("needs a `url` column"), "{e}");
    }
}
