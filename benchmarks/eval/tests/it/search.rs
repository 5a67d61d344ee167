//! The search statement against a large made-up library: its candidate
//! lookup is served by the primary key and the whole statement reads under
//! 1% of the table, while the benchmarks' full-scan form reads all of it.
//! Here rather than in the control plane's tests because the made-up rows
//! are the evaluation's fixture.

use arrow::array::AsArray;
use clickprint::clickhouse::library;
use clickprint_eval::fixtures::{self, Synthetic};
use clickprint_tests::{binaries_dir, data_dir, ffmpeg};

#[tokio::test]
async fn a_search_reads_only_what_its_keys_select() {
    const ROWS: u64 = 10_000_000;
    // fp_keys's index_granularity (sql/clickhouse/schema.sql).
    const GRANULE: u64 = 128;
    let dir = data_dir("search-reads");
    let engine = fixtures::engine(dir.path(), &binaries_dir())
        .await
        .expect("the embedded engine");
    fixtures::add_synthetic_keys(&engine, Synthetic::TenTenants, 0..ROWS)
        .await
        .expect("synthetic rows");
    let original = ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "life=s=240x180:seed=3:ratio=0.3,scale=480:360,boxblur=3",
            "-frames:v",
            "1",
        ],
        &dir.path().join("a.png"),
    );
    library::ingest(&engine, 7, 1, original.to_str().unwrap())
        .await
        .unwrap();
    let copy = ffmpeg(
        &["-i", original.to_str().unwrap(), "-q:v", "15"],
        &dir.path().join("copy.jpg"),
    );
    let params = [
        ("tenant", "7".to_owned()),
        ("query", copy.to_str().unwrap().to_owned()),
        ("top_k", "5".to_owned()),
        ("min_score", "0.3".to_owned()),
        ("extractor_keys", "[]".to_owned()),
    ];
    // The primary key serves the candidate lookup: tenant and (band, key).
    // The lookup is a scalar subquery of the search (so it runs once), and
    // EXPLAIN does not show those: explain it alone, with the statement's
    // own text and the scalars before it.
    let search = library::SEARCH;
    let lookup = search
        .split("-- candidate lookup: begin")
        .nth(1)
        .and_then(|rest| rest.split("-- candidate lookup: end").next())
        .expect("search.sql marks its candidate lookup");
    let scalars = &search[search.find("WITH").expect("a WITH clause")
        ..search
            .find("-- The candidates as one array")
            .expect("the candidates")];
    let lookup = format!(
        "{} {}",
        scalars.trim_end().trim_end_matches(','),
        lookup.lines().skip(1).collect::<Vec<_>>().join("\n")
    );
    let explain = engine
        .query_with_params(&format!("EXPLAIN indexes = 1 {lookup}"), &params)
        .await
        .unwrap();
    // Raw bytes: the plan inlines the query's binary fingerprint, which is
    // not UTF-8 (chDB still labels the column as text).
    let explain: String = explain
        .batches
        .iter()
        .flat_map(|b| {
            let lines = b.column(0).as_string::<i32>();
            let (data, offsets) = (lines.value_data(), lines.offsets());
            offsets
                .windows(2)
                .map(|w| {
                    let line = &data[w[0] as usize..w[1] as usize];
                    String::from_utf8_lossy(line).into_owned() + "\n"
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let primary_key = explain
        .split("PrimaryKey")
        .nth(1)
        .expect("EXPLAIN shows a primary key step");
    assert!(
        primary_key.contains("tenant_id")
            && primary_key.contains("band")
            && primary_key.contains("key"),
        "{explain}"
    );
    // What the key selects: "Granules: selected/total" of fp_keys.
    let selected: u64 = primary_key
        .split("Granules: ")
        .nth(1)
        .and_then(|g| g.split('/').next())
        .and_then(|n| n.trim().parse().ok())
        .expect("EXPLAIN gives the selected granules");
    // The whole statement reads the key ranges once, plus a few granules
    // of records: ClickHouse stops it otherwise (a lookup run twice reads
    // the selected granules twice, and is stopped).
    let once = format!(
        "{} SETTINGS max_rows_to_read = {}, read_overflow_mode = 'throw'",
        library::SEARCH.trim_end(),
        (selected + 16) * GRANULE
    );
    let out = engine.query_with_params(&once, &params).await.unwrap();
    assert_eq!(out.to_json_rows().unwrap()[0]["media_id"], 1);
    // The whole statement, every subquery included, reads under 1% of the
    // table: ClickHouse stops it otherwise.
    let bounded = format!(
        "{} SETTINGS max_rows_to_read = {}, read_overflow_mode = 'throw'",
        library::SEARCH.trim_end(),
        ROWS / 100
    );
    let out = engine.query_with_params(&bounded, &params).await.unwrap();
    let found = out.to_json_rows().unwrap();
    assert_eq!(found[0]["media_id"], 1, "{found}");
    // And the same limit stops a full scan, so the check can fail.
    let scan = engine
        .query(&format!(
            "SELECT count() FROM clickprint.fp_keys WHERE key % 7 = 1 \
             SETTINGS max_rows_to_read = {}, read_overflow_mode = 'throw'",
            ROWS / 100
        ))
        .await;
    assert!(scan.is_err(), "a full scan must hit the limit");
    // The benchmarks' full-scan form of the search is one (ClickHouse's
    // index analysis sees through plain rewrites such as `tenant_id + 0`
    // and `has()`): the same limit stops it, and unbounded it gives the
    // same answer.
    let full_scan = fixtures::search_full_scan();
    let bounded_scan = format!(
        "{} SETTINGS max_rows_to_read = {}, read_overflow_mode = 'throw'",
        full_scan.trim_end(),
        ROWS / 100
    );
    let stopped = engine.query_with_params(&bounded_scan, &params).await;
    assert!(stopped.is_err(), "the full-scan form must read the table");
    let out = engine.query_with_params(&full_scan, &params).await.unwrap();
    assert_eq!(out.to_json_rows().unwrap()[0]["media_id"], 1);
}
