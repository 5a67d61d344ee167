//! Which codecs the fingerprint tables should use, measured on real rows:
//! every media file in a folder is ingested with the SQL ingest statement,
//! then `fp_keys` and `fp_media` are copied into tables that differ only
//! in their codecs, merged, and compared column by column (compressed
//! bytes per row) and by the time to read every column back. Run by
//! `benchmarks/storage_codecs.sh`.
//!
//! Usage: storage_codecs <work dir> <media folder>

use std::time::Instant;

mod common;
use clickprint::clickhouse::library;

/// (variant, fp_keys columns, fp_media columns). The schema's own columns
/// (`sql/clickhouse/schema.sql`) come first, copied from the live tables.
const VARIANTS: [(&str, &str, &str); 4] = [
    ("schema", "", ""),
    (
        "default (LZ4)",
        "tenant_id UInt32, band UInt8, key UInt32, media_id UInt64, time_ms UInt32, item UInt32",
        "tenant_id UInt32, media_id UInt64, time_ms UInt32, item UInt32, \
         kind LowCardinality(String), record String",
    ),
    (
        "Delta everywhere sorted, ZSTD(3) records",
        "tenant_id UInt32, band UInt8, key UInt32 CODEC(Delta, ZSTD(1)), \
         media_id UInt64 CODEC(Delta, ZSTD(1)), time_ms UInt32 CODEC(ZSTD(1)), \
         item UInt32 CODEC(ZSTD(1))",
        "tenant_id UInt32, media_id UInt64, time_ms UInt32 CODEC(Delta, ZSTD(1)), \
         item UInt32 CODEC(ZSTD(1)), kind LowCardinality(String), record String CODEC(ZSTD(3))",
    ),
    (
        "T64/DoubleDelta+ZSTD, LZ4HC records",
        "tenant_id UInt32, band UInt8, key UInt32 CODEC(T64, ZSTD(1)), \
         media_id UInt64 CODEC(T64, ZSTD(1)), time_ms UInt32 CODEC(T64, ZSTD(1)), \
         item UInt32 CODEC(T64, ZSTD(1))",
        "tenant_id UInt32, media_id UInt64, time_ms UInt32 CODEC(DoubleDelta, ZSTD(1)), \
         item UInt32 CODEC(T64, ZSTD(1)), kind LowCardinality(String), record String CODEC(LZ4HC(9))",
    ),
];

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (dir, media) = (&args[1], &args[2]);
    let engine = common::engine(std::path::Path::new(dir)).await;
    let mut files: Vec<_> = std::fs::read_dir(media)
        .expect("media folder")
        .filter_map(|e| Some(e.ok()?.path()))
        .collect();
    files.sort();
    let started = Instant::now();
    for (i, file) in files.iter().enumerate() {
        library::ingest(&engine, 1, i as u64 + 1, &file.display().to_string())
            .await
            .expect("ingest");
    }
    eprintln!(
        "ingested {} files in {:.1} s",
        files.len(),
        started.elapsed().as_secs_f64()
    );
    println!("table,variant,rows,column,compressed_bytes_per_row,ratio_to_schema,read_all_ms");
    for (table, order) in [
        ("fp_keys", "tenant_id, band, key, media_id, time_ms, item"),
        ("fp_media", "tenant_id, media_id, time_ms, item"),
    ] {
        let mut schema_bytes: Vec<f64> = Vec::new();
        for (v, (variant, keys, records)) in VARIANTS.iter().enumerate() {
            let columns = if table == "fp_keys" { keys } else { records };
            let copy = format!("clickprint.codec_{table}_{v}");
            let granularity = if table == "fp_keys" { 128 } else { 8192 };
            for sql in [
                format!("DROP TABLE IF EXISTS {copy}"),
                format!(
                    "CREATE TABLE {copy} {} ENGINE = MergeTree ORDER BY ({order}) \
                     SETTINGS index_granularity = {granularity}, min_bytes_for_wide_part = 0",
                    if columns.is_empty() {
                        format!("AS clickprint.{table}")
                    } else {
                        format!("({columns})")
                    }
                ),
                format!("INSERT INTO {copy} SELECT * FROM clickprint.{table}"),
                format!("OPTIMIZE TABLE {copy} FINAL"),
            ] {
                engine.query(&sql).await.expect("copy");
            }
            let stats = engine
                .query(&format!(
                    "SELECT name, toFloat64(data_compressed_bytes) AS bytes, \
                        (SELECT toFloat64(count()) FROM {copy}) AS rows \
                     FROM system.columns \
                     WHERE database = 'clickprint' AND table = 'codec_{table}_{v}' \
                     ORDER BY position"
                ))
                .await
                .expect("column sizes")
                .to_json_rows()
                .expect("rows");
            let read = {
                let sql = format!("SELECT * FROM {copy} FORMAT Null");
                let mut ms = Vec::new();
                for _ in 0..5 {
                    let t = Instant::now();
                    engine.query(&sql).await.expect("read");
                    ms.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                ms.sort_by(f64::total_cmp);
                ms[2]
            };
            let rows = stats[0]["rows"].as_f64().unwrap_or(0.0);
            let mut total = 0.0;
            let mut line = |column: &str, i: usize, bytes: f64| {
                if v == 0 {
                    schema_bytes.push(bytes);
                }
                let base = schema_bytes.get(i).copied().unwrap_or(bytes).max(1.0);
                println!(
                    "{table},{variant},{rows},{column},{:.2},{:.2},{read:.1}",
                    bytes / rows.max(1.0),
                    bytes / base
                );
            };
            let columns = stats.as_array().cloned().unwrap_or_default();
            for (i, row) in columns.iter().enumerate() {
                let name = row["name"].as_str().unwrap_or("?");
                let bytes = row["bytes"].as_f64().unwrap_or(0.0);
                total += bytes;
                line(name, i, bytes);
            }
            line("(all)", columns.len(), total);
        }
    }
}
