//! Which ClickHouse format the UDFs should speak: the cost, on
//! ClickHouse's side, of sending the rows our functions exchange to an
//! executable and reading them back, per format, in the same run. The
//! executable is `cat`, so the figures are ClickHouse's serialisation and
//! parsing plus the pipe, and nothing of ours. Run by
//! `benchmarks/udf_format.sh`.
//!
//! Three shapes, as the functions see them:
//! - `rerank`: 100 candidates a search, each a packed query (24 KB), a
//!   reference of records (6 KB) and 40 audio hits;
//! - `query`: one row, a packed fingerprint (24 KB) and 200 lookup keys;
//! - `extract`: 60,000 record rows of a long video (65-byte records, 16
//!   keys each), the row-heavy case.
//!
//! Usage: udf_format <work dir>

use std::time::Instant;

use clickprint::clickhouse::Engine;
use clickprint::config::{Config, RawConfig};

const RUNS: usize = 9;

const SHAPES: [(&str, &str, &str); 3] = [
    (
        "rerank",
        "q String, r String, hits Array(Tuple(UInt32, UInt32))",
        "SELECT randomString(24000), randomString(6000), \
         arrayMap(i -> (toUInt32(i * 7919), toUInt32(i * 500)), range(40)) FROM numbers(100)",
    ),
    (
        "query",
        "keys Array(Tuple(UInt8, UInt32, UInt32)), fingerprint String",
        "SELECT arrayMap(i -> (toUInt8(i % 24), toUInt32(cityHash64(i) % 4294967296), \
         toUInt32(i * 500)), range(200)), randomString(24000) FROM numbers(1)",
    ),
    (
        "extract",
        "kind String, time_ms UInt32, item UInt32, record String, \
         keys Array(Tuple(UInt8, UInt32))",
        "SELECT 'visual', toUInt32(number * 500), toUInt32(number % 3), randomString(65), \
         arrayMap(i -> (toUInt8(i), toUInt32(cityHash64(number, i) % 4294967296)), range(16)) \
         FROM numbers(60000)",
    ),
];

const FORMATS: [&str; 4] = ["RowBinary", "TabSeparated", "Native", "ArrowStream"];

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(&args[1]);
    // user_scripts_path: the real UDF (the function definitions name it)
    // and `passthrough`, which is cat.
    let scripts = dir.join("scripts");
    std::fs::create_dir_all(&scripts).expect("scripts folder");
    let udf = std::env::current_exe()
        .ok()
        .and_then(|e| Some(e.parent()?.parent()?.join("clickprint-udf")))
        .expect("target folder");
    let link = scripts.join("clickprint-udf");
    if !link.exists() {
        std::os::unix::fs::symlink(&udf, &link).expect("link the UDF");
    }
    let passthrough = scripts.join("passthrough");
    std::fs::write(&passthrough, "#!/bin/sh\nexec cat\n").expect("passthrough");
    std::fs::set_permissions(
        &passthrough,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("executable");
    let config = Config::from_raw(RawConfig {
        data_dir: dir.join("data"),
        udf_dir: Some(scripts),
        ..RawConfig::default()
    })
    .expect("configuration");
    let engine = Engine::open(&config.clickhouse).expect("engine");
    println!("shape,format,p50_ms,p95_ms,ratio_to_rowbinary");
    for (shape, structure, rows) in SHAPES {
        // The rows are made once, so every format moves the same bytes.
        let table = format!("payload_{shape}");
        engine
            .query(&format!(
                "CREATE TABLE {table} ({structure}) ENGINE = Memory AS {rows}"
            ))
            .await
            .expect("payload");
        let mut baseline = None;
        for format in FORMATS {
            let sql = format!(
                "SELECT count() FROM executable('passthrough', '{format}', '{structure}', \
                 (SELECT * FROM {table}))"
            );
            let mut ms = Vec::with_capacity(RUNS);
            engine.query(&sql).await.expect("warm-up");
            for _ in 0..RUNS {
                let started = Instant::now();
                engine.query(&sql).await.expect("round trip");
                ms.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            ms.sort_by(f64::total_cmp);
            let (p50, p95) = (ms[RUNS / 2], ms[RUNS * 95 / 100]);
            let base = *baseline.get_or_insert(p50);
            println!("{shape},{format},{p50:.2},{p95:.2},{:.2}", p50 / base);
        }
    }
}
