//! The methods compared, each answering every query with its candidates
//! from the references, best first.
//!
//! - clickprint: the product itself: references ingested into the embedded
//!   ClickHouse with the SQL ingest statement, each query answered by the
//!   one search statement (key lookup, then rerank).
//! - PDQ (`pdqhash`), pHash, dHash and the crop-resistant hash
//!   (`imagehash`): hashes computed by the peers' own Python packages
//!   (`peers.py`); they have no search, so each gets the same linear scan
//!   by Hamming distance (the crop-resistant hash: imagehash's own
//!   segment-by-segment comparison).
//! - Chromaprint (`fpcalc -raw`): no search either; a linear scan slides the
//!   query over each reference and keeps the offset with the fewest
//!   differing bits (the comparison AcoustID-style matchers make).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use clickprint::clickhouse::Engine;

/// One candidate answer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Candidate {
    /// Index of the reference.
    pub reference: usize,
    /// Higher is more alike, 0..=1.
    pub score: f64,
    /// Where in the reference, seconds (methods that localise).
    pub range: Option<(f64, f64)>,
    /// Reference seconds per query second (methods that measure it).
    pub speed: Option<f64>,
    /// Every stretch of the reference the query holds, seconds (methods
    /// that report segments; empty otherwise).
    pub segments: Vec<(f64, f64)>,
}

/// A method: its name, the score at and above which it calls a copy, and
/// its answers.
pub struct Answers {
    pub method: &'static str,
    pub threshold: f64,
    /// Per query, best first, at most 10.
    pub ranked: Vec<Vec<Candidate>>,
}

// ---- clickprint ---------------------------------------------------------

/// Ingests `references` for `tenant` (media ids 1..) and searches each query.
pub async fn clickprint(
    engine: &Engine,
    tenant: u32,
    references: &[PathBuf],
    queries: &[PathBuf],
    progress: &dyn Fn(&str),
) -> Result<Answers> {
    for (i, reference) in references.iter().enumerate() {
        clickprint::clickhouse::library::ingest(
            engine,
            tenant,
            i as u64 + 1,
            &reference.display().to_string(),
        )
        .await
        .with_context(|| format!("ingesting {}", reference.display()))?;
    }
    progress(&format!(
        "clickprint: {} references ingested",
        references.len()
    ));
    let mut ranked = Vec::with_capacity(queries.len());
    for (n, query) in queries.iter().enumerate() {
        // A query the decoder refuses counts as unanswered, and is said.
        let found = clickprint::clickhouse::library::search(
            engine,
            tenant,
            &query.display().to_string(),
            10,
            0.0,
        )
        .await
        .unwrap_or_else(|e| {
            progress(&format!(
                "clickprint: no answer for {}: {e}",
                query.display()
            ));
            Vec::new()
        });
        ranked.push(
            found
                .iter()
                .map(|m| Candidate {
                    reference: m.media_id as usize - 1,
                    score: f64::from(m.score),
                    range: (m.reference_range.1 > 0).then(|| {
                        (
                            f64::from(m.reference_range.0) / 1000.0,
                            f64::from(m.reference_range.1) / 1000.0,
                        )
                    }),
                    speed: (m.evidence == "audio").then_some(f64::from(m.speed)),
                    segments: m
                        .segments
                        .iter()
                        .map(|s| {
                            (
                                f64::from(s.reference_range.0) / 1000.0,
                                f64::from(s.reference_range.1) / 1000.0,
                            )
                        })
                        .collect(),
                })
                .collect(),
        );
        if n % 50 == 49 {
            progress(&format!(
                "clickprint: {} of {} queries",
                n + 1,
                queries.len()
            ));
        }
    }
    Ok(Answers {
        method: "clickprint",
        // The service's default `search_min_score`.
        threshold: 0.3,
        ranked,
    })
}

/// The ten best of a linear scan's candidates, best first (ties by
/// reference, so the order is the same on every run).
fn best_ten(mut all: Vec<Candidate>) -> Vec<Candidate> {
    all.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.reference.cmp(&b.reference))
    });
    all.truncate(10);
    all
}

// ---- picture hashes -----------------------------------------------------

/// Hashes of one picture by each peer, as hex.
#[derive(Debug, Clone, serde::Deserialize)]
struct PeerHashes {
    path: String,
    pdq: String,
    phash: String,
    dhash: String,
    /// One dHash per segment, comma-separated.
    crop_resistant: String,
}

fn bits(hex: &str) -> Result<Vec<u8>> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).context("a hex hash"))
        .collect()
}

fn hamming(a: &[u8], b: &[u8]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// Runs a peer's Python `script` (with the packages in `python_path`)
/// over every file once; what it printed.
pub fn run_python(script: &Path, python_path: &Path, files: &[&PathBuf]) -> Result<String> {
    run_over(python(script, python_path), files)
}

/// `python3 script` with the peers' packages in `python_path`.
pub fn python(script: &Path, python_path: &Path) -> Command {
    let mut command = Command::new("python3");
    command.arg(script).env("PYTHONPATH", python_path);
    command
}

/// Runs `command` with the files' paths on its stdin, one a line; what it
/// printed, or its stderr as the error. The paths are written from a
/// thread of their own while the output is read: a program that answers
/// each line as it comes fills its stdout pipe long before the full
/// mode's 1,600 paths are all written, and writing them first would wait
/// for it forever while it waits for us.
pub fn run_over(mut command: Command, files: &[&PathBuf]) -> Result<String> {
    let name = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running {name}"))?;
    let mut stdin = child.stdin.take().context("the program's stdin")?;
    let lines: String = files.iter().map(|f| format!("{}\n", f.display())).collect();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(lines.as_bytes())
    });
    let output = child.wait_with_output()?;
    // Its own error first: one that stops early also breaks our pipe.
    if !output.status.success() {
        bail!("{name}: {}", String::from_utf8_lossy(&output.stderr));
    }
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("{name}: the thread writing its input panicked"))?
        .with_context(|| format!("{name}: writing its input"))?;
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// `peers.py`'s hashes of every file, by path.
fn peer_hashes(
    script: &Path,
    python_path: &Path,
    files: &[&PathBuf],
) -> Result<HashMap<String, PeerHashes>> {
    let mut all = HashMap::new();
    for line in run_python(script, python_path, files)?.lines() {
        let h: PeerHashes =
            serde_json::from_str(line).with_context(|| format!("peers.py said {line}"))?;
        all.insert(h.path.clone(), h);
    }
    Ok(all)
}

/// A peer's hash: its name, where it is in [`PeerHashes`], its width in
/// bits and its match cut in bits.
type HashMethod = (&'static str, fn(&PeerHashes) -> &str, u32, u32);

/// PDQ, pHash and dHash over the same files, each with a linear scan.
pub fn picture_hashes(
    script: &Path,
    python_path: &Path,
    references: &[PathBuf],
    queries: &[PathBuf],
) -> Result<Vec<Answers>> {
    let files: Vec<&PathBuf> = references.iter().chain(queries).collect();
    let hashes = peer_hashes(script, python_path, &files)?;
    let get = |p: &PathBuf| {
        hashes
            .get(&p.display().to_string())
            .with_context(|| format!("no peer hashes for {}", p.display()))
    };
    // (name, field, bits, threshold in bits): PDQ's own recommended 31 of
    // 256; 10 of 64 for pHash and dHash, the usual cut for imagehash.
    let methods: [HashMethod; 3] = [
        ("PDQ", |h| &h.pdq, 256, 31),
        ("pHash", |h| &h.phash, 64, 10),
        ("dHash", |h| &h.dhash, 64, 10),
    ];
    let mut out = Vec::new();
    for (name, field, width, cut) in methods {
        let hash = |p: &PathBuf| bits(field(get(p)?));
        let refs: Vec<Vec<u8>> = references.iter().map(hash).collect::<Result<_>>()?;
        let asked: Vec<Vec<u8>> = queries.iter().map(hash).collect::<Result<_>>()?;
        out.push(Answers {
            method: name,
            threshold: 1.0 - f64::from(cut) / f64::from(width),
            ranked: scan(&asked, &refs, |q, r| {
                1.0 - f64::from(hamming(q, r)) / f64::from(width)
            }),
        });
    }
    let segments = |p: &PathBuf| -> Result<Vec<Vec<u8>>> {
        get(p)?.crop_resistant.split(',').map(bits).collect()
    };
    let refs: Vec<Vec<Vec<u8>>> = references.iter().map(segments).collect::<Result<_>>()?;
    let asked: Vec<Vec<Vec<u8>>> = queries.iter().map(segments).collect::<Result<_>>()?;
    out.push(Answers {
        method: "crop-resistant",
        // imagehash's `matches` default: one segment within the cut.
        threshold: f64::EPSILON,
        ranked: scan(&asked, &refs, |q, r| crop_resistant_score(q, r)),
    });
    Ok(out)
}

/// A linear scan without ranges: each query's hashes scored against every
/// reference's, the best ten.
fn scan<T>(queries: &[T], references: &[T], score: impl Fn(&T, &T) -> f64) -> Vec<Vec<Candidate>> {
    queries
        .iter()
        .map(|q| {
            best_ten(
                references
                    .iter()
                    .enumerate()
                    .map(|(i, r)| Candidate {
                        reference: i,
                        score: score(q, r),
                        range: None,
                        speed: None,
                        segments: Vec::new(),
                    })
                    .collect(),
            )
        })
        .collect()
}

/// imagehash's comparison of two crop-resistant hashes (`hash_diff` and
/// `__sub__`) as a score: each query segment's nearest reference segment
/// counts when within a quarter of its bits (the library's default); the
/// count, less the mean distance of the counted ones as a tie breaker, is
/// divided by the query's segment count. Above 0 exactly when imagehash's
/// `matches` says the two match.
fn crop_resistant_score(query: &[Vec<u8>], reference: &[Vec<u8>]) -> f64 {
    let Some(first) = query.first() else {
        return 0.0;
    };
    let width = 8 * first.len() as u32;
    let cut = width / 4;
    let distances: Vec<u32> = query
        .iter()
        .filter_map(|q| reference.iter().map(|r| hamming(q, r)).min())
        .filter(|d| *d <= cut)
        .collect();
    if distances.is_empty() {
        return 0.0;
    }
    let matches = distances.len() as f64;
    let sum: u32 = distances.iter().sum();
    (matches - f64::from(sum) / (matches * f64::from(width))) / query.len() as f64
}

// ---- vPDQ ---------------------------------------------------------------

#[derive(serde::Deserialize)]
struct VpdqFile {
    path: String,
    /// `[hex, quality, seconds]`, one a second.
    features: Vec<(String, u32, f64)>,
}

/// vPDQ's defaults: frames of quality under 50 are ignored, two frame
/// hashes match within 31 bits, and a video matches when 80% of the
/// query's frames match some frame of the other.
const VPDQ_QUALITY: u32 = 50;
const VPDQ_DISTANCE: u32 = 31;

/// vPDQ with a linear scan: the score is the share of the query's frames
/// that match a frame of the reference (vPDQ has no temporal alignment, so
/// no range).
pub fn vpdq(
    script: &Path,
    python_path: &Path,
    references: &[PathBuf],
    queries: &[PathBuf],
) -> Result<Answers> {
    let files: Vec<&PathBuf> = references.iter().chain(queries).collect();
    let output = run_python(script, python_path, &files)?;
    let mut by_path: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
    for line in output.lines() {
        let file: VpdqFile =
            serde_json::from_str(line).with_context(|| format!("vpdq_peer.py said {line}"))?;
        let hashes = file
            .features
            .iter()
            .filter(|(_, quality, _)| *quality >= VPDQ_QUALITY)
            .map(|(hex, _, _)| bits(hex))
            .collect::<Result<_>>()?;
        by_path.insert(file.path, hashes);
    }
    let get = |p: &PathBuf| {
        by_path
            .get(&p.display().to_string())
            .with_context(|| format!("no vPDQ hashes for {}", p.display()))
    };
    let refs: Vec<&Vec<Vec<u8>>> = references.iter().map(get).collect::<Result<_>>()?;
    let asked: Vec<&Vec<Vec<u8>>> = queries.iter().map(get).collect::<Result<_>>()?;
    Ok(Answers {
        method: "vPDQ",
        threshold: 0.8,
        ranked: scan(&asked, &refs, |q, r| {
            let matched = q
                .iter()
                .filter(|h| r.iter().any(|rh| hamming(h, rh) <= VPDQ_DISTANCE))
                .count();
            if q.is_empty() {
                0.0
            } else {
                matched as f64 / q.len() as f64
            }
        }),
    })
}

// ---- Chromaprint --------------------------------------------------------

/// Seconds per Chromaprint fingerprint item (4096-sample hop at 11025 Hz
/// with 2/3 overlap, as fpcalc reports it).
const ITEM_SECONDS: f64 = 0.123_808_5;
/// Least overlap compared, items (about 5 s).
const MIN_OVERLAP: usize = 40;

#[derive(serde::Deserialize)]
struct Fpcalc {
    fingerprint: Vec<u32>,
}

fn fpcalc(path: &Path) -> Result<Vec<u32>> {
    // fpcalc 1.5 reports the end of a WAV file as a decoding error, and
    // exits non-zero, after printing the whole fingerprint: the printed
    // fingerprint is what counts.
    let output = Command::new("fpcalc")
        .args(["-raw", "-json", "-ignore-errors"])
        .arg(path)
        .output()
        .context("running fpcalc (Debian package libchromaprint-tools)")?;
    match serde_json::from_slice::<Fpcalc>(&output.stdout) {
        Ok(f) if !f.fingerprint.is_empty() => Ok(f.fingerprint),
        _ => bail!(
            "fpcalc {}: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// Best similarity of `q` slid over `r`, and the offset (items into `r`).
fn best_alignment(q: &[u32], r: &[u32]) -> (f64, isize) {
    let min_overlap = MIN_OVERLAP.min(q.len()).min(r.len()).max(1);
    let mut best = (0.0, 0isize);
    let (ql, rl) = (q.len() as isize, r.len() as isize);
    for offset in -(ql - min_overlap as isize)..=(rl - min_overlap as isize) {
        let (qs, rs) = if offset < 0 {
            (-offset, 0)
        } else {
            (0, offset)
        };
        let n = (ql - qs).min(rl - rs);
        if n < min_overlap as isize {
            continue;
        }
        let errors: u32 = (0..n)
            .map(|i| (q[(qs + i) as usize] ^ r[(rs + i) as usize]).count_ones())
            .sum();
        let similarity = 1.0 - f64::from(errors) / (32.0 * n as f64);
        if similarity > best.0 {
            best = (similarity, offset);
        }
    }
    best
}

/// Chromaprint with a linear scan.
pub fn chromaprint(references: &[PathBuf], queries: &[PathBuf]) -> Result<Answers> {
    let refs: Vec<Vec<u32>> = references
        .iter()
        .map(|r| fpcalc(r))
        .collect::<Result<_>>()?;
    let mut ranked = Vec::new();
    for q in queries {
        // fpcalc makes no fingerprint of a query too short for it (3 s):
        // that query goes unanswered, as it would in use.
        let Ok(qf) = fpcalc(q) else {
            ranked.push(Vec::new());
            continue;
        };
        let all: Vec<Candidate> = refs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let (score, offset) = best_alignment(&qf, r);
                let start = offset.max(0) as f64 * ITEM_SECONDS;
                let end =
                    ((offset + qf.len() as isize).min(r.len() as isize)) as f64 * ITEM_SECONDS;
                Candidate {
                    reference: i,
                    score,
                    range: Some((start, end.max(start))),
                    speed: None,
                    segments: Vec::new(),
                }
            })
            .collect();
        ranked.push(best_ten(all));
    }
    Ok(Answers {
        method: "Chromaprint",
        // A bit error rate under 35%: the usual cut for a match.
        threshold: 0.65,
        ranked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alignment_finds_the_offset_of_an_excerpt() {
        let r: Vec<u32> = (0..200u32).map(|i| i.wrapping_mul(2_654_435_761)).collect();
        let q = r[60..120].to_vec();
        let (score, offset) = best_alignment(&q, &r);
        assert_eq!((score, offset), (1.0, 60));
    }

    #[test]
    fn crop_resistant_hashes_match_when_one_segment_is_near() {
        let segs =
            |hex: &str| -> Vec<Vec<u8>> { hex.split(',').map(|h| bits(h).unwrap()).collect() };
        let query = segs("ffffffffffffffff,0000000000000000");
        // One segment 8 bits off (within 16 of 64), the other far.
        let near = segs("00ffffffffffffff,5555555555555555");
        let score = crop_resistant_score(&query, &near);
        assert!((score - (1.0 - 8.0 / 64.0) / 2.0).abs() < 1e-12, "{score}");
        let far = segs("5555555555555555");
        assert_eq!(crop_resistant_score(&query, &far), 0.0);
    }

    /// A program that answers each line as it reads it (`cat`), given
    /// far more than a pipe holds: the answers come back whole instead of
    /// both sides waiting on each other (the full mode's peers did).
    #[test]
    fn a_program_that_answers_as_it_reads_gets_every_path() {
        let files: Vec<PathBuf> = (0..20_000)
            .map(|i| PathBuf::from(format!("/corpus/pictures/clipart-{i:05}.png")))
            .collect();
        let paths: Vec<&PathBuf> = files.iter().collect();
        let output = run_over(Command::new("cat"), &paths).unwrap();
        assert!(output.len() > 4 * 65_536, "{} bytes", output.len());
        assert!(output.lines().eq(files.iter().map(|f| f.to_str().unwrap())));
    }

    #[test]
    fn hashes_compare_bit_by_bit() {
        assert_eq!(hamming(&bits("ff00").unwrap(), &bits("0f00").unwrap()), 4);
    }
}
