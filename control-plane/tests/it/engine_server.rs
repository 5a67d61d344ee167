//! The server engine against a real clickhouse-server. These tests are
//! ignored unless `CLICKHOUSE_URL` is set; `scripts/test.sh` runs them when
//! it is (`CLICKHOUSE_URL=http://host:8123 scripts/test.sh`).

use arrow::array::AsArray;
use arrow::datatypes::UInt64Type;
use clickprint::clickhouse::{Engine, EngineKind, ServerEngine};
use clickprint::config::ServerOptions;

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

/// An analyst credential on a real server: the tenant's rows only, no
/// writes, no table functions or index introspection, no raising limits.
/// The service's user (`CLICKHOUSE_USER`) needs access management
/// (`clickhouse-config/analysts/`).
#[tokio::test]
#[ignore = "needs a clickhouse-server: set CLICKHOUSE_URL"]
async fn an_analyst_credential_reads_only_its_tenant() {
    let engine = server();
    clickprint::clickhouse::library::apply_schema(&engine)
        .await
        .unwrap();
    let tenants = [900_001_u32, 900_002];
    for tenant in tenants {
        engine
            .query(&format!(
                "INSERT INTO clickprint.fp_keys (tenant_id, band, key, media_id, time_ms, item) \
                 SELECT {tenant}, 1, number, 1, 0, 0 FROM numbers(10)"
            ))
            .await
            .unwrap();
    }
    let credential = clickprint::clickhouse::access::issue(&engine, tenants[0])
        .await
        .unwrap();
    let analyst = Engine::Server(Box::new(ServerEngine::new(&ServerOptions {
        url: std::env::var("CLICKHOUSE_URL").unwrap(),
        user: Some(credential.user.clone()),
        password: Some(credential.password.clone()),
        database: None,
    })));
    let seen = analyst
        .query("SELECT DISTINCT tenant_id AS t FROM clickprint.fp_keys WHERE tenant_id >= 900001")
        .await
        .unwrap()
        .to_json_rows()
        .unwrap();
    assert_eq!(seen, serde_json::json!([{"t": tenants[0]}]));
    for refused in [
        "INSERT INTO clickprint.fp_keys (tenant_id) VALUES (900002)",
        "ALTER TABLE clickprint.fp_keys DELETE WHERE 1",
        "DROP TABLE clickprint.fp_keys",
        "CREATE TABLE x (a UInt8) ENGINE = Memory",
        "SELECT * FROM mergeTreeIndex('clickprint', 'fp_keys')",
        "SELECT * FROM merge('clickprint', '^fp_')",
        "SELECT * FROM remote('127.0.0.1', 'clickprint', 'fp_keys')",
        "SELECT * FROM file('/etc/passwd', 'LineAsString')",
        "SELECT * FROM url('http://127.0.0.1:8123/?query=SELECT+1', 'LineAsString')",
        "SELECT * FROM executable('sh', 'LineAsString', 'x String')",
        "SELECT * FROM system.parts",
        "SELECT count() FROM clickprint.fp_keys SETTINGS max_execution_time = 100000",
        "SELECT count() FROM clickprint.fp_keys SETTINGS readonly = 0",
    ] {
        assert!(analyst.query(refused).await.is_err(), "{refused}");
    }
    clickprint::clickhouse::access::revoke(&engine, tenants[0], &credential.user)
        .await
        .unwrap();
    assert!(analyst.query("SELECT 1").await.is_err());
    for tenant in tenants {
        engine
            .query(&format!(
                "ALTER TABLE clickprint.fp_keys DELETE WHERE tenant_id = {tenant}"
            ))
            .await
            .unwrap();
    }
}
