//! Speed side by side, in the same run as the accuracy tables:
//!
//! - extraction throughput: clickprint's fingerprinting, each peer's and
//!   ffmpeg decoding alone, on the same files, round after round
//!   (interleaved, so a slow spell of the shared machine falls on all of
//!   them), the median round kept;
//! - search latency against library size: the search statement and its
//!   full-scan form on the same tenant as made-up pictures are added.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clickprint::clickhouse::Engine;
use clickprint::clickhouse::library;
use clickprint_eval::fixtures::{self, SYNTHETIC_ROWS_PER_PICTURE as ROWS_PER_PICTURE};

/// The baseline every extraction is divided by.
pub const DECODE_ONLY: &str = "ffmpeg decode only";

/// One method's extraction speed on one modality's files.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Throughput {
    pub modality: &'static str,
    pub method: String,
    pub files: usize,
    /// Seconds of sound or video in the files.
    pub media_seconds: Option<f64>,
    /// Seconds all the files took, the median round.
    pub seconds: f64,
    pub files_per_second: f64,
    /// Media seconds per second of work.
    pub times_real_time: Option<f64>,
    /// `seconds` over ffmpeg's decode-only seconds on the same files.
    pub vs_decode_only: f64,
}

/// How one method (or, for a Python peer, several) is timed.
#[derive(Clone, Copy)]
pub enum Timer<'a> {
    /// A process per file, its wall-clock time from start to exit:
    /// `program before... FILE after...`. `check`: a failed exit is an
    /// error (fpcalc 1.5 fails at the end of a WAV after printing its
    /// fingerprint, so it is not checked).
    Process {
        name: &'a str,
        program: &'a Path,
        before: &'a [&'a str],
        after: &'a [&'a str],
        check: bool,
    },
    /// One process over all the files (their paths on its stdin) that
    /// reports per file the seconds of each of its methods (`seconds` of
    /// each JSON line), `decode` being reading the file, which each of
    /// them needs and is charged: the peers' Python scripts (`peers.py`,
    /// `vpdq_peer.py`; the interpreter's start and imports not counted)
    /// and `clickprint-udf inspect --time` (the process start not
    /// counted).
    InProcess(&'a dyn Fn() -> Command),
}

/// Seconds of one round of `timer` over `files`, per method.
fn round(timer: &Timer<'_>, files: &[PathBuf]) -> Result<Vec<(String, f64)>> {
    match timer {
        Timer::Process {
            name,
            program,
            before,
            after,
            check,
        } => {
            let mut total = 0.0;
            for file in files {
                let started = Instant::now();
                let status = Command::new(program)
                    .args(*before)
                    .arg(file)
                    .args(*after)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .with_context(|| format!("running {}", program.display()))?;
                total += started.elapsed().as_secs_f64();
                if *check && !status.success() {
                    bail!("{name}: {} failed on {}", program.display(), file.display());
                }
            }
            Ok(vec![((*name).to_owned(), total)])
        }
        Timer::InProcess(command) => {
            let paths: Vec<&PathBuf> = files.iter().collect();
            let mut totals: BTreeMap<String, f64> = BTreeMap::new();
            for line in crate::methods::run_over(command(), &paths)?.lines() {
                let value: serde_json::Value = serde_json::from_str(line)?;
                let seconds: BTreeMap<String, f64> =
                    serde_json::from_value(value["seconds"].clone())
                        .with_context(|| format!("no seconds in {line}"))?;
                let decode = seconds.get("decode").copied().unwrap_or(0.0);
                for (method, s) in seconds.iter().filter(|(m, _)| *m != "decode") {
                    *totals.entry(method.clone()).or_default() += s + decode;
                }
            }
            Ok(totals.into_iter().collect())
        }
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Every timer over `files`, `rounds` times; the first timer's (first)
/// method is the decode-only baseline.
pub fn throughput(
    modality: &'static str,
    files: &[PathBuf],
    media_seconds: Option<f64>,
    timers: &[Timer<'_>],
    rounds: usize,
) -> Result<Vec<Throughput>> {
    let mut seconds: Vec<(String, Vec<f64>)> = Vec::new();
    for _ in 0..rounds.max(1) {
        for timer in timers {
            for (method, s) in round(timer, files)? {
                match seconds.iter_mut().find(|(m, _)| *m == method) {
                    Some((_, all)) => all.push(s),
                    None => seconds.push((method, vec![s])),
                }
            }
        }
    }
    let medians: Vec<(String, f64)> = seconds
        .into_iter()
        .map(|(method, all)| (method, median(all)))
        .collect();
    let decode = medians.first().map_or(f64::NAN, |(_, s)| *s);
    Ok(medians
        .into_iter()
        .map(|(method, s)| Throughput {
            modality,
            method,
            files: files.len(),
            media_seconds,
            seconds: s,
            files_per_second: files.len() as f64 / s,
            times_real_time: media_seconds.map(|m| m / s),
            vs_decode_only: s / decode,
        })
        .collect())
}

/// One form of the search at one library size.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Latency {
    /// Pictures in the tenant's library, made-up ones included.
    pub pictures: u64,
    /// Key rows of the tenant.
    pub rows: u64,
    pub form: &'static str,
    pub p50_ms: f64,
    pub p95_ms: f64,
    /// Whether the query's original was still the best answer.
    pub found: bool,
}

/// The one number `sql` answers.
async fn number(engine: &Engine, sql: &str) -> Result<u64> {
    engine
        .query(&format!("SELECT toString(({sql}))"))
        .await?
        .first_string()
        .with_context(|| format!("no answer to {sql}"))?
        .parse()
        .with_context(|| format!("{sql} is not a count"))
}

/// Search latency of `query` in `tenant` (whose library holds `expected`)
/// as the library grows to each of `sizes` pictures: the search statement
/// and its full-scan form, `runs` timed runs each after a warm-up, with
/// ClickHouse's query-condition cache off (repeats would otherwise skip
/// the granules an earlier run ruled out).
pub async fn search_latency(
    engine: &Engine,
    tenant: u32,
    query: &str,
    expected: u64,
    sizes: &[u64],
    runs: usize,
    progress: &dyn Fn(&str),
) -> Result<Vec<Latency>> {
    let settings = "\nSETTINGS use_query_condition_cache = 0";
    let forms = [
        (
            "search (primary key)",
            format!("{}{settings}", library::SEARCH),
        ),
        (
            "full scan",
            format!("{}{settings}", fixtures::search_full_scan()),
        ),
    ];
    let real = number(
        engine,
        &format!("SELECT uniqExact(media_id) FROM clickprint.fp_keys WHERE tenant_id = {tenant}"),
    )
    .await?;
    let mut out = Vec::new();
    let mut made = 0;
    for &size in sizes {
        progress(&format!(
            "search latency: adding pictures up to {size} ({} rows)",
            size * ROWS_PER_PICTURE
        ));
        fixtures::add_synthetic_keys(
            engine,
            fixtures::Synthetic::Pictures { tenant },
            made * ROWS_PER_PICTURE..size * ROWS_PER_PICTURE,
        )
        .await?;
        made = size;
        let rows = number(
            engine,
            &format!("SELECT count() FROM clickprint.fp_keys WHERE tenant_id = {tenant}"),
        )
        .await?;
        for (form, sql) in &forms {
            let mut ms = Vec::with_capacity(runs);
            let mut found = true;
            for run in 0..=runs {
                let started = Instant::now();
                let answer = library::search_with(sql, engine, tenant, query, 10, 0.3).await?;
                if run > 0 {
                    ms.push(started.elapsed().as_secs_f64() * 1000.0);
                }
                found &= answer.first().is_some_and(|m| m.media_id == expected);
            }
            ms.sort_by(f64::total_cmp);
            let at = |p: f64| ms[((ms.len() - 1) as f64 * p).round() as usize];
            out.push(Latency {
                pictures: size + real,
                rows,
                form,
                p50_ms: at(0.5),
                p95_ms: at(0.95),
                found,
            });
        }
    }
    Ok(out)
}
