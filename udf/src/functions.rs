//! The functions ClickHouse calls, over `RowBinary` (see
//! `clickhouse-config/*_function.xml` for their SQL signatures):
//!
//! - [`extract`]: for the `executable()` table function; one media
//!   reference in (or none: no rows out), one row per fingerprint record
//!   out, then an `end` row (kind `end`, no record, no keys) that says the
//!   extraction finished: `kind String, time_ms UInt32, item UInt32,
//!   record String, keys Array(Tuple(UInt8, UInt32))`.
//! - [`query`]: `clickprint_query(source String)`, an `executable_pool`
//!   function: a media reference (or `fp:` and a packed fingerprint in hex,
//!   for callers that extracted elsewhere) in, the query's lookup keys
//!   `Array(Tuple(band UInt8, key UInt32, time_ms UInt32))` and its packed
//!   fingerprint out.
//! - [`rerank`]: `clickprint_rerank(query String, reference String,
//!   audio_hits Array(Tuple(UInt32, UInt32)))`, an `executable_pool`
//!   function: score and aligned time ranges out.
//!
//! A bad input fails the call with a message (the binary prints it to
//! stderr and exits non-zero, which fails the query with it).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clickprint_fetch::Policy as FetchPolicy;

use crate::decode::Limits;
use crate::error::{Error, Result};
use crate::matching::rerank::{self, Prepared};
use crate::media::{MediaFingerprint, fingerprint_file};
use crate::records::{self, Payload, Record, Use};
use crate::rowbinary::{Reader, Writer};

/// The longest media reference accepted, bytes.
const MAX_SOURCE: usize = 64 * 1024;
/// The largest packed fingerprint accepted, bytes (a 2-hour video with
/// local features packs to about 60 MB).
const MAX_FINGERPRINT: usize = 256 * 1024 * 1024;
/// The most audio hits accepted per candidate.
const MAX_AUDIO_HITS: usize = 10_000_000;

/// A media reference made local: a path, or a download kept in a
/// temporary file for as long as this lives.
#[derive(Debug)]
pub struct Local {
    path: PathBuf,
    /// The URL it came from, which messages name instead of the temporary file.
    url: Option<String>,
    _download: Option<tempfile::TempPath>,
}

impl Local {
    /// Where to read it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Fingerprints it, naming the URL (not the temporary file) in errors.
    ///
    /// # Errors
    /// As [`fingerprint_file`].
    pub fn fingerprint(&self, limits: &Limits) -> Result<MediaFingerprint> {
        fingerprint_file(&self.path, limits).map_err(|e| self.named(e))
    }

    /// An error about the local file, naming the URL it came from instead.
    pub fn named(&self, error: Error) -> Error {
        match &self.url {
            Some(url) => error.named(url),
            None => error,
        }
    }
}

/// Where a media reference points: a local path or `file://` URL as it is;
/// an `http(s)://` URL downloaded under `fetch`'s policy (size, time,
/// redirects, no private addresses unless allowed) into a temporary file.
///
/// # Errors
/// [`Error::Input`] for other schemes and empty references,
/// [`Error::Fetch`] when the download is refused or fails.
pub fn resolve(source: &str, fetch: &FetchPolicy) -> Result<Local> {
    let source = source.trim();
    if source.is_empty() {
        return Err(Error::Input("empty media reference".into()));
    }
    let local = |path: &str| Local {
        path: PathBuf::from(path),
        url: None,
        _download: None,
    };
    if let Some(path) = source.strip_prefix("file://") {
        return Ok(local(path));
    }
    if clickprint_fetch::is_url(source) {
        let download = tempfile::Builder::new()
            .prefix("clickprint-fetch-")
            .tempfile()
            .map_err(|e| Error::Fetch(format!("fetching {source}: temporary file: {e}")))?
            .into_temp_path();
        clickprint_fetch::fetch_to_file(source, fetch, &download)
            .map_err(|e| Error::Fetch(format!("fetching {source}: {e}")))?;
        return Ok(Local {
            path: download.to_path_buf(),
            url: Some(source.to_owned()),
            _download: Some(download),
        });
    }
    if let Some((scheme, _)) = source.split_once("://") {
        return Err(Error::Input(format!(
            "media reference scheme `{scheme}://` is not read; \
             pass a local path, a file:// URL or an http(s) URL"
        )));
    }
    Ok(local(source))
}

/// The records of a media reference.
///
/// # Errors
/// As [`resolve`] and [`fingerprint_file`] (whose messages name the file
/// or URL).
pub fn records_of(source: &str, usage: Use, limits: &Limits) -> Result<Vec<Record>> {
    let fp = resolve(source, &limits.fetch)?.fingerprint(limits)?;
    Ok(records::records(&fp, usage))
}

/// One row of an extraction: a fingerprint record and its lookup keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// `visual`, `local` or `audio`.
    pub kind: String,
    /// Time in the media, ms.
    pub time_ms: u32,
    /// Tells records at the same time apart.
    pub item: u32,
    /// The record, self-contained ([`records`]).
    pub record: Vec<u8>,
    /// Its lookup keys, (band, key).
    pub keys: Vec<(u8, u32)>,
}

impl Extracted {
    /// The row of `record`, with the keys of `usage`.
    pub fn of(record: &Record, usage: Use) -> Extracted {
        Extracted {
            kind: record.kind().to_owned(),
            time_ms: record.time_ms,
            item: record.item,
            record: record.to_bytes(),
            keys: record
                .keys(usage)
                .into_iter()
                .map(|k| (k.band, k.key))
                .collect(),
        }
    }
}

/// `clickprint_query`'s answer for one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryAnswer {
    /// The keys looked up, (band, key, time_ms).
    pub keys: Vec<(u8, u32, u32)>,
    /// The packed query fingerprint the rerank compares.
    pub fingerprint: Vec<u8>,
}

/// One candidate `clickprint_rerank` compares with the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The packed query fingerprint.
    pub query: Vec<u8>,
    /// The candidate's records, concatenated.
    pub reference: Vec<u8>,
    /// The candidate's landmark rows the key lookup found, (key, time_ms).
    pub audio_hits: Vec<(u32, u32)>,
}

/// `clickprint_rerank`'s answer for one candidate: score 0 and empty
/// evidence when it does not match.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// 0..=1.
    pub score: f32,
    /// Matched span of the query, ms.
    pub query_range: (u32, u32),
    /// The same span in the reference, ms.
    pub reference_range: (u32, u32),
    /// `audio`, `visual`, `local`, or empty.
    pub evidence: String,
}

impl From<Option<rerank::Verdict>> for Ranked {
    fn from(verdict: Option<rerank::Verdict>) -> Ranked {
        match verdict {
            Some(v) => Ranked {
                score: v.score,
                query_range: v.query_range,
                reference_range: v.reference_range,
                evidence: v.evidence.as_str().to_owned(),
            },
            None => Ranked {
                score: 0.0,
                query_range: (0, 0),
                reference_range: (0, 0),
                evidence: String::new(),
            },
        }
    }
}

/// What extracts fingerprints for [`extract`] and [`query`]: this process
/// ([`InProcess`]) or a warm Arrow Flight sidecar
/// (`crate::flight::client::Sidecar`). The row protocol below is the same
/// for both, so answers are too.
pub trait Extractor {
    /// The rows of one media reference, handed over in batches as they are
    /// made.
    ///
    /// # Errors
    /// Undecodable or unreachable media; a failing `rows`.
    fn extract(
        &mut self,
        source: &str,
        usage: Use,
        rows: &mut dyn FnMut(Vec<Extracted>) -> Result<()>,
    ) -> Result<()>;

    /// One answer per source, in order.
    ///
    /// # Errors
    /// As [`query_answer`].
    fn query(&mut self, sources: Vec<String>) -> Result<Vec<QueryAnswer>>;
}

/// What reranks candidates for [`rerank`]: a [`Reranker`] here, or the
/// sidecar.
pub trait Ranker {
    /// One answer per candidate, in order.
    ///
    /// # Errors
    /// A malformed fingerprint.
    fn rerank(&mut self, candidates: Vec<Candidate>) -> Result<Vec<Ranked>>;
}

/// Extraction done here, in this process (decoding with ffmpeg).
#[derive(Debug)]
pub struct InProcess {
    limits: Limits,
}

impl InProcess {
    /// Work under `limits`.
    pub fn new(limits: Limits) -> InProcess {
        InProcess { limits }
    }
}

impl Extractor for InProcess {
    fn extract(
        &mut self,
        source: &str,
        usage: Use,
        rows: &mut dyn FnMut(Vec<Extracted>) -> Result<()>,
    ) -> Result<()> {
        let records = records_of(source, usage, &self.limits)?;
        for chunk in records.chunks(EXTRACT_BATCH) {
            rows(chunk.iter().map(|r| Extracted::of(r, usage)).collect())?;
        }
        Ok(())
    }

    fn query(&mut self, sources: Vec<String>) -> Result<Vec<QueryAnswer>> {
        sources
            .iter()
            .map(|s| query_answer(s, &self.limits))
            .collect()
    }
}

/// Rows handed over at a time by an extraction.
pub const EXTRACT_BATCH: usize = 4096;

/// The query side of a search for one source: a media reference, or `fp:`
/// and a packed fingerprint in hex.
///
/// # Errors
/// As [`records_of`]; malformed hex or fingerprint.
pub fn query_answer(source: &str, limits: &Limits) -> Result<QueryAnswer> {
    let records = match source.strip_prefix("fp:") {
        Some(hex) => records::decode(&unhex(hex)?)
            .map_err(|e| Error::Input(format!("query fingerprint: {e}")))?,
        None => records_of(source, Use::Query, limits)?,
    };
    let keys = records
        .iter()
        .filter(|r| looked_up(r))
        .flat_map(|r| {
            r.keys(Use::Query)
                .into_iter()
                .map(|k| (k.band, k.key, r.time_ms))
        })
        .collect();
    Ok(QueryAnswer {
        keys,
        fingerprint: records::pack(&records),
    })
}

/// Reranks candidates, decoding each distinct query once (every row of a
/// search carries the same query).
#[derive(Debug, Default)]
pub struct Reranker {
    last_query: Option<(Vec<u8>, Prepared)>,
}

impl Ranker for Reranker {
    fn rerank(&mut self, candidates: Vec<Candidate>) -> Result<Vec<Ranked>> {
        candidates.iter().map(|c| self.rank(c)).collect()
    }
}

impl Reranker {
    /// The verdict for one candidate.
    ///
    /// # Errors
    /// [`Error::Input`] for a malformed fingerprint.
    pub fn rank(&mut self, candidate: &Candidate) -> Result<Ranked> {
        if self
            .last_query
            .as_ref()
            .is_none_or(|(bytes, _)| *bytes != candidate.query)
        {
            let prepared = Prepared::new(&decode(&candidate.query, "query")?);
            self.last_query = Some((candidate.query.clone(), prepared));
        }
        let Some((_, prepared_query)) = &self.last_query else {
            unreachable!("set above");
        };
        let reference = Prepared::new(&decode(&candidate.reference, "reference")?);
        Ok(rerank::rerank(prepared_query, &reference, &candidate.audio_hits).into())
    }
}

/// `executable()` extraction: at most one media reference in.
///
/// # Errors
/// On bad input, undecodable media, or a broken pipe.
pub fn extract(
    input: impl Read,
    output: &mut impl Write,
    backend: &mut dyn Extractor,
) -> Result<()> {
    let mut reader = Reader::new(input);
    let mut sources = Vec::new();
    while !reader.at_end()? {
        sources.push(utf8(reader.string(MAX_SOURCE)?, "media reference")?);
    }
    let source = match sources.as_slice() {
        [] => return Ok(()),
        [source] => source,
        more => {
            return Err(Error::Input(format!(
                "extract takes one media reference per call, got {}",
                more.len()
            )));
        }
    };
    let mut w = Writer::default();
    backend.extract(source, Use::Library, &mut |rows| {
        for row in rows {
            w.string(row.kind.as_bytes())
                .u32(row.time_ms)
                .u32(row.item)
                .string(&row.record);
            w.varint(row.keys.len() as u64);
            for (band, key) in row.keys {
                w.u8(band).u32(key);
            }
        }
        w.drain_to(output)?;
        Ok(())
    })?;
    w.string(b"end").u32(0).u32(u32::MAX).string(b"").varint(0);
    w.drain_to(output)?;
    output.flush()?;
    Ok(())
}

/// `clickprint_query`: one answer per input row, sent as soon as the rows
/// read so far are answered (a pool keeps the pipe open).
///
/// # Errors
/// On bad input, undecodable media, or a broken pipe.
pub fn query(input: impl Read, output: &mut impl Write, backend: &mut dyn Extractor) -> Result<()> {
    let mut reader = Reader::new(input);
    let mut w = Writer::default();
    while let Some(sources) = block(&mut reader, |r| {
        utf8(r.string(MAX_FINGERPRINT)?, "query source")
    })? {
        for answer in backend.query(sources)? {
            w.varint(answer.keys.len() as u64);
            for (band, key, time_ms) in answer.keys {
                w.u8(band).u32(key).u32(time_ms);
            }
            w.string(&answer.fingerprint);
        }
        w.drain_to(output)?;
        output.flush()?;
    }
    Ok(())
}

/// `clickprint_rerank`: one verdict per candidate row.
///
/// # Errors
/// On a malformed fingerprint or a broken pipe.
pub fn rerank(input: impl Read, output: &mut impl Write, backend: &mut dyn Ranker) -> Result<()> {
    let mut reader = Reader::new(input);
    let mut w = Writer::default();
    while let Some(candidates) = block(&mut reader, |r| {
        let query = r.string(MAX_FINGERPRINT)?;
        let reference = r.string(MAX_FINGERPRINT)?;
        let n = r.length(MAX_AUDIO_HITS)?;
        let mut audio_hits = Vec::with_capacity(n);
        for _ in 0..n {
            audio_hits.push((r.u32()?, r.u32()?));
        }
        Ok(Candidate {
            query,
            reference,
            audio_hits,
        })
    })? {
        for v in backend.rerank(candidates)? {
            w.f32(v.score)
                .u32(v.query_range.0)
                .u32(v.query_range.1)
                .u32(v.reference_range.0)
                .u32(v.reference_range.1)
                .string(v.evidence.as_bytes());
        }
        w.drain_to(output)?;
        output.flush()?;
    }
    Ok(())
}

/// The rows ClickHouse has sent so far: at least one (waiting for it),
/// then as many as are already buffered, never waiting for more (a pool
/// keeps the pipe open between blocks, so waiting would stall it). `None`
/// at the end of input.
fn block<R: Read, T>(
    reader: &mut Reader<R>,
    mut row: impl FnMut(&mut Reader<R>) -> Result<T>,
) -> Result<Option<Vec<T>>> {
    if reader.at_end()? {
        return Ok(None);
    }
    let mut rows = vec![row(reader)?];
    while reader.has_buffered() {
        rows.push(row(reader)?);
    }
    Ok(Some(rows))
}

/// Keypoints per query picture whose keys are looked up (the strongest of
/// the finest pyramid level come first), and of its mirror image. Every
/// lookup key reads at least one granule of fp_keys, so a query's reads
/// grow with its keys, while a copy needs only a few shared keys to become
/// a candidate; the rerank then compares all keypoints. Measured: see
/// sql/README.md, "Reads".
pub const QUERY_KEYPOINTS: u32 = 24;
/// As [`QUERY_KEYPOINTS`], for the mirror image (flips are mostly found by
/// the global hash's mirror bands already).
pub const QUERY_MIRRORED_KEYPOINTS: u32 = 12;

/// Whether a query record's keys are looked up.
fn looked_up(record: &Record) -> bool {
    match record.payload {
        Payload::Local {
            mirrored: false, ..
        } => record.item <= QUERY_KEYPOINTS,
        Payload::Local { mirrored: true, .. } => {
            record.item <= records::MIRRORED_ITEM_BASE + QUERY_MIRRORED_KEYPOINTS
        }
        _ => true,
    }
}

fn decode(bytes: &[u8], what: &str) -> Result<Vec<Record>> {
    records::decode(bytes).map_err(|e| Error::Input(format!("{what} fingerprint: {e}")))
}

fn utf8(bytes: Vec<u8>, what: &str) -> Result<String> {
    String::from_utf8(bytes).map_err(|_| Error::Input(format!("{what} is not UTF-8")))
}

/// Lower- or upper-case hex to bytes.
///
/// # Errors
/// [`Error::Input`] on odd length or a non-hex character.
pub fn unhex(text: &str) -> Result<Vec<u8>> {
    let text = text.trim();
    if !text.len().is_multiple_of(2) {
        return Err(Error::Input(
            "packed fingerprint: odd number of hex digits".into(),
        ));
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(text.get(i..i + 2).unwrap_or("zz"), 16)
                .map_err(|_| Error::Input(format!("packed fingerprint: not hex at {i}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::visual::{VisualFingerprint, VisualHash};

    fn here() -> InProcess {
        InProcess::new(Limits::default())
    }

    #[test]
    fn references_resolve_or_are_refused() {
        let policy = FetchPolicy::default();
        let resolve = |s: &str| resolve(s, &policy);
        assert_eq!(resolve("/a/b.png").unwrap().path(), Path::new("/a/b.png"));
        assert_eq!(
            resolve("file:///a/b.png").unwrap().path(),
            Path::new("/a/b.png")
        );
        assert!(
            resolve("ftp://x/y")
                .unwrap_err()
                .to_string()
                .contains("ftp://")
        );
        assert!(resolve("  ").is_err());
        // The fetch policy applies before any connection.
        let e = resolve("http://169.254.169.254/latest/meta-data").unwrap_err();
        assert!(matches!(e, Error::Fetch(_)), "{e}");
        assert!(e.to_string().contains("link-local"), "{e}");
    }

    #[test]
    fn a_packed_query_gives_keys_and_rerank_scores_it_against_itself() {
        let picture = Record {
            time_ms: 0,
            item: 0,
            payload: Payload::Visual(VisualFingerprint {
                hash: VisualHash([0x5a; 32]),
                flipped: VisualHash([0xa5; 32]),
                quality: 50,
            }),
        };
        let packed = records::pack(&[picture]);
        let hex = crate::hex(&packed);
        let mut input = Writer::default();
        input.string(format!("fp:{hex}").as_bytes());
        let mut out = Vec::new();
        query(&input.bytes[..], &mut out, &mut here()).unwrap();
        let mut r = Reader::new(&out[..]);
        let n = r.length(1000).unwrap();
        assert_eq!(n, 2 * 16, "own bands and mirror bands (none shared here)");
        for _ in 0..n {
            r.u8().unwrap();
            r.u32().unwrap();
            assert_eq!(r.u32().unwrap(), 0, "time");
        }
        assert_eq!(r.string(1 << 20).unwrap(), packed);

        let mut input = Writer::default();
        input.string(&packed).string(&packed).varint(0);
        let mut out = Vec::new();
        rerank(&input.bytes[..], &mut out, &mut Reranker::default()).unwrap();
        let score = f32::from_le_bytes(out[..4].try_into().unwrap());
        assert!((score - 1.0).abs() < 1e-6, "{score}");
        assert!(out.ends_with(b"\x06visual"));
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        let mut input = Writer::default();
        input.string(b"fp:zz");
        assert!(query(&input.bytes[..], &mut Vec::new(), &mut here()).is_err());
        let mut input = Writer::default();
        input.string(b"Q").string(b"").varint(0);
        assert!(rerank(&input.bytes[..], &mut Vec::new(), &mut Reranker::default()).is_err());
        let mut two = Writer::default();
        two.string(b"/a").string(b"/b");
        let err = extract(&two.bytes[..], &mut Vec::new(), &mut here()).unwrap_err();
        assert!(err.to_string().contains("one media reference"), "{err}");
        let mut out = Vec::new();
        extract(&b""[..], &mut out, &mut here()).unwrap();
        assert!(out.is_empty(), "no input, no rows");
    }
}
