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
//!
//! CSV columns: `url` (CSV jobs) or `file` (the ZIP manifest) is required;
//! `external_id` is optional; every other column becomes a metadata key.
//!
//! This module reads the job's file; [`crate::store::jobs`] writes the job
//! and reads it back.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

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

/// One good row.
#[derive(Debug, Clone)]
struct Row {
    number: i32,
    /// The URL (CSV) or the file name inside the archive (ZIP).
    source: String,
    external_id: Option<String>,
    metadata: serde_json::Value,
}

/// A failed row: its number and why.
type Failure = (i32, String);

/// Rows of a CSV: good ones, and failures. `required` is the column naming
/// the media (`url` or `file`).
fn parse_csv(data: &[u8], required: &str) -> Result<(Vec<Row>, Vec<Failure>)> {
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
    let external_column = headers.iter().position(|h| h == "external_id");
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let number = i32::try_from(i + 1).unwrap_or(i32::MAX);
        if i >= MAX_ROWS {
            return Err(Error::BadRequest(format!(
                "more than {MAX_ROWS} rows; split the job"
            )));
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
        let mut metadata = serde_json::Map::new();
        for (c, value) in record.iter().enumerate() {
            if c != source_column && Some(c) != external_column && !value.is_empty() {
                metadata.insert(
                    headers[c].clone(),
                    serde_json::Value::String(value.to_owned()),
                );
            }
        }
        rows.push(Row {
            number,
            source,
            external_id: external_column
                .and_then(|c| record.get(c))
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
            metadata: serde_json::Value::Object(metadata),
        });
    }
    Ok((rows, failures))
}

/// What an archive holds, checked: the manifest's bytes, and each file's
/// entry index by name.
struct Archive {
    zip: zip::ZipArchive<std::fs::File>,
    manifest: Vec<u8>,
    files: HashMap<String, usize>,
    /// Largest file, bytes.
    limit: u64,
    /// Bytes the job may write in all.
    budget: u64,
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
fn open_archive(path: &Path, limit: u64, budget: u64) -> Result<Archive> {
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
        let remaining = self.budget.saturating_sub(self.written);
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
        if self.written > self.budget {
            return Err(Error::BadRequest(format!(
                "ZIP refused: its files expand past the job's {}-byte extraction budget \
                 (each manifest row writes its own copy; setting job_max_extract_bytes)",
                self.budget
            )));
        }
        Ok(read.map(|_| ()))
    }
}

/// Creates a job from an uploaded CSV (`kind` "csv") or ZIP ("zip") kept at
/// `upload`: its items and tasks, and its failed rows, in one transaction.
///
/// # Errors
/// [`Error::BadRequest`] for a CSV without the needed column or a refused
/// archive (one writing more than `budget` bytes when extracted: no file
/// of it is left); [`Error::QuotaExceeded`] when the items do not fit the quota.
pub async fn create(
    pool: &Pool,
    data_dir: &Path,
    tenant: &Tenant,
    kind: &str,
    upload: &Path,
    max_bytes: u64,
    budget: u64,
) -> Result<Job> {
    let staging = data_dir.join("uploads");
    let (rows, mut failures, extracted) = {
        let upload = upload.to_path_buf();
        let kind = kind.to_owned();
        let staging = staging.clone();
        tokio::task::spawn_blocking(move || prepare(&kind, &upload, &staging, max_bytes, budget))
            .await
            .map_err(|e| Error::BadRequest(format!("reading the job: {e}")))??
    };
    let files: Vec<PathBuf> = extracted
        .iter()
        .filter_map(|f| f.as_ref().ok().cloned().flatten())
        .collect();
    let total = i32::try_from(rows.len() + failures.len()).unwrap_or(i32::MAX);
    let mut items = Vec::with_capacity(rows.len());
    for (row, file) in rows.into_iter().zip(extracted) {
        match file {
            Ok(file) => items.push((
                row.number,
                NewMedia {
                    source: match &file {
                        Some(_) => format!("upload:{}", row.source),
                        None => row.source,
                    },
                    external_id: row.external_id,
                    metadata: row.metadata,
                    upload: file,
                    job: None,
                },
            )),
            Err(reason) => failures.push((row.number, reason)),
        }
    }
    let stored = store::jobs::insert(pool, data_dir, tenant, kind, total, items, &failures).await;
    // Files the items took were moved into the library; what is left of
    // them (a refused job) goes.
    for file in files {
        let _ = tokio::fs::remove_file(file).await;
    }
    store::jobs::get(pool, tenant.id, stored?).await
}

/// What a job file holds, read off the async threads: rows, failures, and
/// per row its extracted file (ZIP), `None` (CSV), or why it is missing.
type Prepared = (
    Vec<Row>,
    Vec<Failure>,
    Vec<std::result::Result<Option<PathBuf>, String>>,
);

fn prepare(
    kind: &str,
    upload: &Path,
    staging: &Path,
    max_bytes: u64,
    budget: u64,
) -> Result<Prepared> {
    match kind {
        "csv" => {
            let data = std::fs::read(upload).map_err(|e| Error::io("reading the CSV", e))?;
            let (rows, failures) = parse_csv(&data, "url")?;
            let files = rows.iter().map(|_| Ok(None)).collect();
            Ok((rows, failures, files))
        }
        "zip" => {
            let mut archive = open_archive(upload, max_bytes, budget)?;
            let (rows, failures) = parse_csv(&archive.manifest.clone(), "file")?;
            std::fs::create_dir_all(staging)
                .map_err(|e| Error::io(format!("creating {}", staging.display()), e))?;
            let mut files = Vec::with_capacity(rows.len());
            for row in &rows {
                let extracted = crate::random_hex(12).and_then(|name| {
                    let target = staging.join(format!("zip-{name}"));
                    archive
                        .extract(&row.source, &target)
                        .map(|r| r.map(|()| Some(target)))
                });
                match extracted {
                    Ok(file) => files.push(file),
                    Err(refused) => {
                        // The job is refused: what it wrote goes now.
                        for file in files.into_iter().flatten().flatten() {
                            let _ = std::fs::remove_file(file);
                        }
                        return Err(refused);
                    }
                }
            }
            Ok((rows, failures, files))
        }
        other => Err(Error::BadRequest(format!(
            "unknown job kind {other:?}; send text/csv or application/zip"
        ))),
    }
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
        let (rows, failures) = parse_csv(csv.as_bytes(), "url").unwrap();
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
        let e = prepare("zip", &upload, &staging, 1 << 30, 1_050_000).unwrap_err();
        assert!(
            e.to_string().contains("1050000-byte extraction budget"),
            "{e}"
        );
        let left: Vec<_> = std::fs::read_dir(&staging).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
        // Under the budget, every row has its file.
        let (rows, _, files) = prepare("zip", &upload, &staging, 1 << 30, 4_000_000).unwrap();
        assert_eq!((rows.len(), files.len()), (40, 40));
    }

    #[test]
    fn a_csv_without_its_column_is_refused() {
        let e = parse_csv(b"link\nhttps://x/y\n", "url").unwrap_err();
        assert!(e.to_string().contains("needs a `url` column"), "{e}");
    }
}
