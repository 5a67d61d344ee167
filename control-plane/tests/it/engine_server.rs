//! The server engine against a real clickhouse-server. These tests are
//! ignored unless `CLICKHOUSE_URL` is set; `scripts/test.sh` runs them when
//! it is (`CLICKHOUSE_URL=http://host:8123 scripts/test.sh`).

use arrow::array::AsArray;
use arrow::datatypes::UInt64Type;
use clickprint::engine::{Engine, EngineKind, ServerEngine, ServerOptions};

fn server() -> Engine {
    let url = std::env::var("CLICKHOUSE_URL").expect("CLICKHOUSE_URL is set for these tests");
    Engine::Server(Box::new(ServerEngine::new(&ServerOptions {
        url,
        user: std::env::var("CLICKHOUSE_USER").ok(),
        password: std::env::var("CLICKHOUSE_PASSWORD").ok(),
        database: None,
    })))
}

#[tokio::test]
#[ignore = "needs a clickhouse-server: set CLICKHOUSE_URL"]
async fn server_answers_version_and_round_trips_a_table() {
    let engine = server();
    assert_eq!(engine.kind(), EngineKind::Server);
    assert!(!engine.version().await.unwrap().is_empty());
    let db = format!("clickprint_it_{}", std::process::id());
    engine
        .query(&format!("CREATE DATABASE IF NOT EXISTS {db}"))
        .await
        .unwrap();
    engine
        .query(&format!(
            "CREATE TABLE {db}.t (tenant_id UInt32, key UInt64) ENGINE = MergeTree ORDER BY (tenant_id, key)"
        ))
        .await
        .unwrap();
    engine
        .query(&format!(
            "INSERT INTO {db}.t SELECT 1, number FROM numbers(100)"
        ))
        .await
        .unwrap();
    let output = engine
        .query(&format!("SELECT count(), sum(key) FROM {db}.t"))
        .await
        .unwrap();
    let batch = &output.batches[0];
    assert_eq!(batch.column(0).as_primitive::<UInt64Type>().value(0), 100);
    assert_eq!(batch.column(1).as_primitive::<UInt64Type>().value(0), 4950);
    engine.query(&format!("DROP DATABASE {db}")).await.unwrap();
}

#[tokio::test]
#[ignore = "needs a clickhouse-server: set CLICKHOUSE_URL"]
async fn server_errors_carry_the_servers_message() {
    let err = server()
        .query("SELECT * FROM no_such_table_here")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no_such_table_here"), "{err}");
}
