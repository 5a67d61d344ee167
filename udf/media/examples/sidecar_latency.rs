//! Query-media extraction and rerank latency, per block of rows, the ways
//! ClickHouse can run clickprint's UDFs, all in the same run:
//!
//! - `per block, alone`: a `clickprint-udf` process per block that decodes
//!   itself (it becomes `clickprint-udf-media`): `type executable`;
//! - `per block, media binary`: `clickprint-udf-media` started directly per
//!   block (what every function cost before the executable was made thin);
//! - `per block, sidecar`: a `clickprint-udf` process per block that
//!   delegates to a warm `clickprint-sidecar`;
//! - `pool, alone` / `pool, sidecar`: one long-lived process fed block
//!   after block (`type executable_pool`).
//!
//! Usage: `sidecar_latency QUERY_PICTURE QUERY_TRACK REFERENCE... RUNS`.
//! Prints CSV: function, input, mode, p50_ms, p95_ms, ratio to `per block,
//! alone` (p50). `benchmarks/sidecar_latency.sh` makes the media and runs it.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

use clickprint_core::records::{Use, pack};
use clickprint_media::decode::Limits;
use clickprint_media::extractor::query_answer;
use clickprint_media::source::records_of;
use clickprint_udf::rowbinary::{Reader, Writer};

/// Candidates in the rerank block (a search reranks up to 100).
const CANDIDATES: usize = 100;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (runs, files) = args.split_last().expect("usage: see the module comment");
    let runs: usize = runs.parse().expect("RUNS is a number");
    let [picture, track, references @ ..] = files else {
        panic!("usage: sidecar_latency QUERY_PICTURE QUERY_TRACK REFERENCE... RUNS");
    };
    let bin = std::env::current_exe()
        .expect("example path")
        .parent()
        .and_then(Path::parent)
        .expect("target/release")
        .to_path_buf();
    let sidecar = clickprint_tests::Sidecar::start(&[], &[("CLICKPRINT_LOG", "warn")]);

    // The blocks: one query row per medium; one rerank block of candidates.
    let query_block = |path: &str| {
        let mut w = Writer::default();
        w.string(path.as_bytes());
        w.bytes
    };
    let limits = Limits::default();
    let query = query_answer(picture, &limits).expect("the query picture decodes");
    let packed: Vec<Vec<u8>> = references
        .iter()
        .map(|r| pack(&records_of(r, Use::Library, &limits).expect("a reference decodes")))
        .collect();
    let mut rerank_block = Writer::default();
    for i in 0..CANDIDATES {
        rerank_block
            .string(&query.fingerprint)
            .string(&packed[i % packed.len()])
            .varint(0);
    }

    println!("function,input,mode,p50_ms,p95_ms,ratio_p50");
    let cases: [(&str, &str, Vec<u8>, Answer); 3] = [
        ("query", "picture", query_block(picture), Answer::Query(1)),
        ("query", "track", query_block(track), Answer::Query(1)),
        (
            "rerank",
            "100 candidates",
            rerank_block.bytes,
            Answer::Rerank(CANDIDATES),
        ),
    ];
    for (function, input, block, answer) in cases {
        let udf = bin.join("clickprint-udf");
        let media = bin.join("clickprint-udf-media");
        let env: &[(&str, &str)] = &[("CLICKPRINT_SIDECAR", &sidecar.endpoint)];
        let modes: Vec<(&str, Vec<f64>)> = vec![
            (
                "per block, alone",
                per_block(&udf, function, &[], &block, runs),
            ),
            (
                "per block, media binary",
                per_block(&media, function, &[], &block, runs),
            ),
            (
                "per block, sidecar",
                per_block(&udf, function, env, &block, runs),
            ),
            (
                "pool, alone",
                pooled(&udf, function, &[], &block, answer, runs),
            ),
            (
                "pool, sidecar",
                pooled(&udf, function, env, &block, answer, runs),
            ),
        ];
        let base = percentile(&modes[0].1, 0.5);
        for (mode, times) in &modes {
            let (p50, p95) = (percentile(times, 0.5), percentile(times, 0.95));
            println!(
                "{function},{input},{mode},{p50:.2},{p95:.2},{:.2}",
                p50 / base
            );
        }
    }
    drop(sidecar);
}

/// `EXE FUNCTION` with `env` (and no sidecar from ours), piped.
fn udf(exe: &Path, function: &str, env: &[(&str, &str)]) -> Child {
    Command::new(exe)
        .arg(function)
        .env_remove("CLICKPRINT_SIDECAR")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the UDF starts")
}

/// Milliseconds per block with a new process for each block, after one
/// warm-up.
fn per_block(
    exe: &Path,
    function: &str,
    env: &[(&str, &str)],
    block: &[u8],
    runs: usize,
) -> Vec<f64> {
    let mut times = Vec::with_capacity(runs);
    for run in 0..=runs {
        let started = Instant::now();
        let mut child = udf(exe, function, env);
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(block)
            .expect("block written");
        let out = child.wait_with_output().expect("the UDF answers");
        assert!(out.status.success() && !out.stdout.is_empty());
        if run > 0 {
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times
}

/// How to read one block's answer from a pooled process.
#[derive(Debug, Clone, Copy)]
enum Answer {
    /// `n` query answers.
    Query(usize),
    /// `n` verdicts.
    Rerank(usize),
}

fn read_answer(reader: &mut Reader<ChildStdout>, answer: Answer) {
    match answer {
        Answer::Query(n) => {
            for _ in 0..n {
                let keys = reader.length(1 << 24).expect("keys");
                for _ in 0..keys {
                    reader.u8().expect("band");
                    reader.u32().expect("key");
                    reader.u32().expect("time");
                }
                reader.string(1 << 30).expect("fingerprint");
            }
        }
        Answer::Rerank(n) => {
            for _ in 0..n {
                let mut score = [0u8; 4];
                for byte in &mut score {
                    *byte = reader.u8().expect("score");
                }
                for _ in 0..4 {
                    reader.u32().expect("range");
                }
                reader.string(64).expect("evidence");
                for _ in 0..4 {
                    reader.u8().expect("speed");
                }
                // Segments: four ranges' ends, a speed and a score each.
                let segments = reader.length(1 << 16).expect("segments");
                for _ in 0..segments * 6 {
                    reader.u32().expect("segment");
                }
            }
        }
    }
}

/// Milliseconds per block through one long-lived process, after one
/// warm-up block.
fn pooled(
    exe: &Path,
    function: &str,
    env: &[(&str, &str)],
    block: &[u8],
    answer: Answer,
    runs: usize,
) -> Vec<f64> {
    let mut child = udf(exe, function, env);
    let mut stdin: ChildStdin = child.stdin.take().expect("stdin");
    let mut reader = Reader::new(child.stdout.take().expect("stdout"));
    let mut times = Vec::with_capacity(runs);
    for run in 0..=runs {
        let started = Instant::now();
        stdin.write_all(block).expect("block written");
        stdin.flush().expect("flushed");
        read_answer(&mut reader, answer);
        if run > 0 {
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    drop(stdin);
    let mut rest = Vec::new();
    let _ = child.stdout.take().map(|mut s| s.read_to_end(&mut rest));
    let _ = child.wait();
    times
}

fn percentile(times: &[f64], q: f64) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[at]
}
