//! The embedded engine: chDB through ADBC, tables on disk, UDFs from
//! `clickhouse-config/`.

use arrow::array::AsArray;
use arrow::datatypes::UInt64Type;
use clickprint::Error;
use clickprint::clickhouse::{EmbeddedEngine, Engine};
use clickprint::config::ClickHouseConfig;
use clickprint::config::EmbeddedOptions;

use crate::common::embedded_config;
use clickprint_tests::data_dir;

fn embedded_options(config: &clickprint::config::Config) -> EmbeddedOptions {
    match &config.clickhouse {
        ClickHouseConfig::Embedded(options) => options.clone(),
        other => panic!("expected the embedded engine, got {other:?}"),
    }
}

#[tokio::test]
async fn mergetree_table_round_trip() {
    let dir = data_dir("mergetree");
    let engine = Engine::open(&embedded_config(dir.path()).clickhouse).unwrap();
    engine
        .query("CREATE DATABASE mergetree_table_round_trip")
        .await
        .unwrap();
    engine
        .query(
            "CREATE TABLE mergetree_table_round_trip.t (tenant_id UInt32, key UInt64, note String) \
             ENGINE = MergeTree ORDER BY (tenant_id, key)",
        )
        .await
        .unwrap();
    engine
        .query(
            "INSERT INTO mergetree_table_round_trip.t \
             SELECT number % 3, number, concat('n', toString(number)) FROM numbers(1000)",
        )
        .await
        .unwrap();
    let output = engine
        .query(
            "SELECT tenant_id, count() AS n, sum(key) AS total FROM mergetree_table_round_trip.t \
             GROUP BY tenant_id ORDER BY tenant_id",
        )
        .await
        .unwrap();
    assert_eq!(output.num_rows(), 3);
    let batch = &output.batches[0];
    let counts = batch.column(1).as_primitive::<UInt64Type>();
    let totals = batch.column(2).as_primitive::<UInt64Type>();
    assert_eq!(counts.values().to_vec(), vec![334, 333, 333]);
    // Keys 0..1000 split by key % 3: 0+3+..+999, 1+4+..+997, 2+5+..+998.
    assert_eq!(totals.values().to_vec(), vec![166_833, 166_167, 166_500]);
    // The table is on disk in the data directory.
    assert!(
        dir.path().join("clickhouse").join("store").is_dir()
            || dir.path().join("clickhouse").join("data").is_dir()
    );
}

#[tokio::test]
async fn version_is_clickhouse_26_9() {
    let dir = data_dir("version");
    let engine = Engine::open(&embedded_config(dir.path()).clickhouse).unwrap();
    let version = engine.version().await.unwrap();
    assert!(version.starts_with("26.9."), "version {version}");
}

#[tokio::test]
async fn udf_from_clickhouse_config_answers_every_row() {
    let dir = data_dir("udf");
    let engine = Engine::open(&embedded_config(dir.path()).clickhouse).unwrap();
    // Many rows, so ClickHouse sends several blocks to the pooled process.
    let output = engine
        .query(
            "SELECT count() AS n, uniqExact(v) AS distinct_values, any(v) AS sample \
             FROM (SELECT clickprint_version(toString(number)) AS v FROM numbers(200000))",
        )
        .await
        .unwrap();
    let batch = &output.batches[0];
    assert_eq!(
        batch.column(0).as_primitive::<UInt64Type>().value(0),
        200_000
    );
    assert_eq!(batch.column(1).as_primitive::<UInt64Type>().value(0), 1);
    let v = batch.column(2).as_string::<i32>();
    assert_eq!(v.value(0), env!("CARGO_PKG_VERSION"));
    assert_eq!(
        engine.udf_version().await.unwrap(),
        env!("CARGO_PKG_VERSION")
    );
}

#[tokio::test]
async fn statements_run_concurrently_on_the_pool() {
    let dir = data_dir("concurrent");
    let engine = Engine::open(&embedded_config(dir.path()).clickhouse).unwrap();
    let mut tasks = Vec::new();
    for i in 0..12u64 {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            let output = engine
                .query(&format!("SELECT sum(number) FROM numbers({})", 100_000 + i))
                .await
                .unwrap();
            let column = output.batches[0]
                .column(0)
                .as_primitive::<UInt64Type>()
                .clone();
            (i, column.value(0))
        }));
    }
    for task in tasks {
        let (i, sum) = task.await.unwrap();
        let n = 100_000 + i;
        assert_eq!(sum, n * (n - 1) / 2, "statement {i}");
    }
}

#[tokio::test]
async fn a_bad_statement_is_an_error_with_the_engines_message() {
    let dir = data_dir("bad-statement");
    let engine = Engine::open(&embedded_config(dir.path()).clickhouse).unwrap();
    let err = engine
        .query("SELECT * FROM no_such_table")
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::ClickHouse(_)), "{text}");
    assert!(
        text.contains("no_such_table") && text.contains("UNKNOWN_TABLE"),
        "{text}"
    );
    assert!(!text.contains("Stack trace"), "{text}");
    // The engine keeps serving after an error.
    assert!(engine.version().await.unwrap().starts_with("26.9."));
}

#[tokio::test]
async fn a_second_storage_path_in_one_process_is_refused() {
    let first = data_dir("first-path");
    let second = data_dir("second-path");
    let options = embedded_options(&embedded_config(first.path()));
    let engine = EmbeddedEngine::open(&options).unwrap();
    // Same path: the same engine.
    let again = EmbeddedEngine::open(&options).unwrap();
    assert_eq!(again.path(), engine.path());
    let other = embedded_options(&embedded_config(second.path()));
    let err = EmbeddedEngine::open(&other).unwrap_err().to_string();
    assert!(err.contains("one storage path per process"), "{err}");
}

#[test]
fn missing_chdb_library_names_the_setup_command() {
    let dir = data_dir("missing-chdb");
    let mut options = embedded_options(&embedded_config(dir.path()));
    options.chdb_library = dir.path().join("no").join("_chdb.abi3.so");
    let err = EmbeddedEngine::open(&options).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::MissingDependency { .. }), "{text}");
    assert!(
        text.contains("chDB") && text.contains("scripts/setup.sh"),
        "{text}"
    );
}

#[test]
fn missing_libpython_names_the_setup_command() {
    let dir = data_dir("missing-python");
    let mut options = embedded_options(&embedded_config(dir.path()));
    options.libpython = dir.path().join("libpython3.11.so");
    let err = EmbeddedEngine::open(&options).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("libpython") && text.contains("scripts/setup.sh"),
        "{text}"
    );
}

#[test]
fn a_library_that_is_not_chdb_is_a_clear_error() {
    let dir = data_dir("not-chdb");
    let mut options = embedded_options(&embedded_config(dir.path()));
    let fake = dir.path().join("_chdb.abi3.so");
    std::fs::write(&fake, b"not a shared library").unwrap();
    options.chdb_library = fake;
    let text = EmbeddedEngine::open(&options).unwrap_err().to_string();
    assert!(
        text.contains("did not load") && text.contains("scripts/setup.sh"),
        "{text}"
    );
}
