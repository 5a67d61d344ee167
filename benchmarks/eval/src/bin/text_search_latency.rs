//! Text-search latency on made-up dialogue: one tenant's cues grown to
//! each size (with as many for each of two other tenants), the product's
//! statement (`sql/clickhouse/text_search.sql`) beside a plain `LIKE` scan
//! on the same queries in the same run
//! (`clickprint_eval::text_latency`). Run by `benchmarks/text_search.sh`.
//!
//! Usage: `text_search_latency <work dir> [cues,cues...] [runs]`; prints
//! CSV.

use clickprint_eval::{fixtures, text_latency};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::Path::new(
        args.get(1)
            .expect("usage: text_search_latency DIR [SIZES] [RUNS]"),
    );
    // The UDF executables sit beside this one, in target/<profile>.
    let exe = std::env::current_exe().expect("this executable's path");
    let udf_dir = exe.parent().expect("target/<profile>");
    let engine = fixtures::engine(dir, udf_dir).await.expect("engine");
    let sizes: Vec<u64> = args.get(2).map_or(vec![100_000, 1_000_000], |list| {
        list.split(',')
            .map(|n| n.parse().expect("cue counts"))
            .collect()
    });
    let runs: usize = args.get(3).map_or(21, |n| n.parse().expect("runs"));
    let rows = text_latency::measure(&engine, 5, &[6, 7], &sizes, runs, &|s| eprintln!("{s}"))
        .await
        .expect("measuring");
    println!("cues,other_cues,kind,form,p50_ms,p95_ms,mean_answers");
    for r in rows {
        println!(
            "{},{},{},{},{:.1},{:.1},{:.1}",
            r.cues,
            r.other_cues,
            r.kind.replace(',', ""),
            r.form,
            r.p50_ms,
            r.p95_ms,
            r.mean_answers
        );
    }
}
