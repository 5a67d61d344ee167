//! Search latency on synthetic libraries of 1M and 10M key rows, beside a
//! full-scan formulation of the same search in the same run, and the
//! per-call cost of the warm rerank pool (`executable_pool`) against a
//! process per block (`executable`). Run by `benchmarks/search_latency.sh`.
//!
//! Usage: `search_latency <work dir> <query image> [rows,rows...]`
//!
//! With `CLICKPRINT_SIDECAR` set, the UDF processes chDB starts delegate to
//! that Arrow Flight sidecar, and every form is labelled "via sidecar".

use std::time::Instant;

use clickprint::clickhouse::{Engine, library};
use clickprint_eval::fixtures::{self, Synthetic};

const RUNS: usize = 15;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn time(engine: &Engine, sql: &str, params: &[(&str, String)]) -> (f64, f64) {
    let mut ms = Vec::with_capacity(RUNS);
    engine
        .query_with_params(sql, params)
        .await
        .expect("warm-up run");
    for _ in 0..RUNS {
        let started = Instant::now();
        engine.query_with_params(sql, params).await.expect("search");
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    (percentile(&ms, 0.5), percentile(&ms, 0.95))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (dir, image) = (&args[1], &args[2]);
    // The UDF executables sit beside this one, in target/<profile>.
    let exe = std::env::current_exe().expect("this executable's path");
    let udf_dir = exe.parent().expect("target/<profile>");
    let engine = fixtures::engine(std::path::Path::new(dir), udf_dir)
        .await
        .expect("engine");
    library::ingest(&engine, 7, 1, image).await.expect("ingest");
    let params = [
        ("tenant", "7".to_owned()),
        ("query", image.clone()),
        ("top_k", "10".to_owned()),
        ("min_score", "0.3".to_owned()),
        ("extractor_keys", "[]".to_owned()),
    ];
    let full_scan = fixtures::search_full_scan();
    let once = library::SEARCH.replace("clickprint_rerank(", "clickprint_rerank_once(");
    let sizes: Vec<u64> = args.get(3).map_or(vec![1_000_000, 10_000_000], |list| {
        list.split(',')
            .map(|n| n.parse().expect("row counts"))
            .collect()
    });
    let via = if std::env::var_os("CLICKPRINT_SIDECAR").is_some() {
        " via sidecar"
    } else {
        ""
    };
    println!("rows,form,p50_ms,p95_ms");
    let mut inserted = 0u64;
    for rows in sizes {
        fixtures::add_synthetic_keys(&engine, Synthetic::TenTenants, inserted..rows)
            .await
            .expect("synthetic rows");
        inserted = rows;
        for (form, sql) in [
            ("search (primary key)", library::SEARCH),
            ("full scan", full_scan.as_str()),
            ("search with a rerank process per block", once.as_str()),
        ] {
            let (p50, p95) = time(&engine, sql, &params).await;
            println!("{rows},{form}{via},{p50:.1},{p95:.1}");
        }
    }
}
