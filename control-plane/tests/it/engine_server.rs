//! The server engine (`engine::server`, the `clickhouse` crate over
//! ClickHouse's HTTP protocol) against a real ClickHouse engine: a
//! clickhouse-server when `CLICKHOUSE_URL` is set
//! (`CLICKHOUSE_URL=http://host:8123 scripts/test.sh`), otherwise another
//! `clickprint serve` process's ClickHouse interface, whose engine is the
//! embedded chDB (the operator allowed the media functions,
//! `clickhouse_http_operator_media`). Only the analysts' own ClickHouse
//! users need a clickhouse-server: chDB has no access management.

use std::path::Path;

use arrow::array::AsArray;
use arrow::datatypes::UInt64Type;
use clickprint::clickhouse::{Engine, EngineKind, ServerEngine, library};
use clickprint::config::ServerOptions;
use clickprint_tests::{Service, admin_token, data_dir, ffmpeg, image_source};

/// A ClickHouse server to run against, and what keeps it up.
struct Server {
    options: ServerOptions,
    _service: Option<(Service, tempfile::TempDir)>,
}

impl Server {
    /// `CLICKHOUSE_URL`'s server when set; else a `clickprint serve` with
    /// its ClickHouse interface, signed in as its operator.
    fn start() -> Server {
        if let Ok(url) = std::env::var("CLICKHOUSE_URL") {
            return Server {
                options: ServerOptions {
                    url,
                    user: std::env::var("CLICKHOUSE_USER").ok(),
                    password: std::env::var("CLICKHOUSE_PASSWORD").ok(),
                    database: None,
                    cluster: false,
                },
                _service: None,
            };
        }
        let dir = data_dir("engine-server");
        let service = Service::start_with(
            dir.path(),
            &[
                ("CLICKPRINT_WORKERS", "0"),
                ("CLICKPRINT_CLICKHOUSE_HTTP_LISTEN", "127.0.0.1:0"),
                ("CLICKPRINT_CLICKHOUSE_HTTP_OPERATOR_MEDIA", "true"),
            ],
        );
        let url = service
            .clickhouse_http
            .clone()
            .expect("the service printed its ClickHouse interface's address");
        Server {
            options: ServerOptions {
                url,
                user: Some("admin".into()),
                password: Some(admin_token(dir.path())),
                database: None,
                cluster: false,
            },
            _service: Some((service, dir)),
        }
    }

    fn engine(&self) -> Engine {
        Engine::Server(Box::new(ServerEngine::new(&self.options)))
    }
}

fn server() -> (Server, Engine) {
    let server = Server::start();
    let engine = server.engine();
    (server, engine)
}

#[tokio::test]
async fn server_answers_version_and_round_trips_a_table() {
    let (_server, engine) = server();
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
async fn server_errors_carry_the_servers_message() {
    let (_server, engine) = server();
    let err = engine
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
#[ignore = "needs a clickhouse-server (chDB has no access management): set CLICKHOUSE_URL"]
async fn an_analyst_credential_reads_only_its_tenant() {
    let (_server, engine) = server();
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
        url: _server.options.url.clone(),
        user: Some(credential.user.clone()),
        password: Some(credential.password.clone()),
        database: None,
        cluster: false,
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

/// The library's own statements (schema, ingest, search, delete) over the
/// server path give the answers the embedded engine gives for the same
/// library: the same items, scores, ranges and evidence.
#[tokio::test]
async fn ingest_and_search_through_the_server_answer_as_the_embedded_engine() {
    let (_server, server) = server();
    library::apply_schema(&server).await.unwrap();
    answers_as_the_embedded_engine(&server).await;
    if server.kind() == EngineKind::Server && std::env::var("CLICKHOUSE_URL").is_ok() {
        forget_test_tenant(&server, "clickprint", "").await;
    }
}

/// The same on a cluster laid out by `sql/clickhouse/cluster/schema.sql`
/// (clickhouse-config/cluster/README.md), its service user with the
/// `clickprint_cluster` profile: the search's statements run unchanged
/// through the Distributed tables, and what `clickprint serve` applies at
/// start (`schema.sql`) changes nothing there.
#[tokio::test]
#[ignore = "needs a ClickHouse cluster: set CLICKHOUSE_CLUSTER_URL (and CLICKHOUSE_USER, CLICKHOUSE_PASSWORD)"]
async fn ingest_and_search_on_a_cluster_answer_as_the_embedded_engine() {
    let url = std::env::var("CLICKHOUSE_CLUSTER_URL").expect("CLICKHOUSE_CLUSTER_URL");
    let server = Engine::Server(Box::new(ServerEngine::new(&ServerOptions {
        url,
        user: std::env::var("CLICKHOUSE_USER").ok(),
        password: std::env::var("CLICKHOUSE_PASSWORD").ok(),
        database: None,
        cluster: true,
    })));
    assert!(server.is_cluster());
    for statement in library::statements(library::CLUSTER_SCHEMA) {
        server.query(statement).await.unwrap();
    }
    library::apply_schema(&server).await.unwrap();
    let engines = server
        .query(
            "SELECT groupUniqArray(engine) AS e FROM system.tables \
             WHERE database = 'clickprint' AND name IN ('fp_keys', 'fp_media', 'media_deleted')",
        )
        .await
        .unwrap();
    assert_eq!(
        engines.to_json_rows().unwrap()[0]["e"],
        serde_json::json!(["Distributed"])
    );
    answers_as_the_embedded_engine(&server).await;
    forget_test_tenant(&server, "clickprint_shard", " ON CLUSTER '{cluster}'").await;
}

/// A tenant id of its own per run: a clickhouse-server may be shared.
fn test_tenant() -> u32 {
    800_000 + std::process::id() % 100_000
}

/// Ingests [`media`]'s library into `server` and a fresh embedded engine,
/// and checks that every query's answer is the same, field for field, and
/// that a deleted item is gone from the server's answers.
async fn answers_as_the_embedded_engine(server: &Engine) {
    let dir = data_dir("engine-server-library");
    let embedded = crate::search::open(dir.path()).await;
    let tenant = test_tenant();
    let media = media(dir.path());
    for engine in [&embedded, server] {
        for (id, path) in media.library.iter().enumerate() {
            library::ingest(engine, tenant, id as u64 + 1, path)
                .await
                .unwrap_or_else(|e| panic!("{:?} ingests {path}: {e}", engine.kind()));
        }
    }
    for query in &media.queries {
        let want = library::search(&embedded, tenant, query, 10, 0.0)
            .await
            .expect("the embedded engine searches");
        let got = library::search(server, tenant, query, 10, 0.0)
            .await
            .expect("the server searches");
        assert!(
            !want.is_empty(),
            "{query}: the embedded engine found nothing"
        );
        assert_eq!(got, want, "{query}");
    }
    library::delete(server, tenant, 1)
        .await
        .expect("the server deletes");
    let after = library::search(server, tenant, &media.queries[0], 10, 0.0)
        .await
        .expect("the server searches after the delete");
    assert!(after.iter().all(|m| m.media_id != 1), "{after:?}");
}

/// Removes the test tenant's rows from a shared server's `database`
/// tables (`on_cluster`: the clause that reaches every shard).
async fn forget_test_tenant(server: &Engine, database: &str, on_cluster: &str) {
    let tenant = test_tenant();
    for table in ["fp_keys", "fp_media", "media_ingested", "media_deleted"] {
        server
            .query(&format!(
                "ALTER TABLE {database}.{table}{on_cluster} DELETE WHERE tenant_id = {tenant}"
            ))
            .await
            .expect("the test tenant's rows are removed");
    }
}

/// Library media and queries: three pictures, a sound; a crop of the first
/// picture and an excerpt of the sound.
struct Media {
    library: Vec<String>,
    queries: Vec<String>,
}

fn media(dir: &Path) -> Media {
    let path = |p: std::path::PathBuf| p.to_str().expect("a UTF-8 path").to_owned();
    let mut library = Vec::new();
    for (i, source) in [
        "mandelbrot=s=640x480:start_scale=1.5".to_owned(),
        "testsrc2=s=640x480".to_owned(),
        image_source(1),
    ]
    .iter()
    .enumerate()
    {
        library.push(path(ffmpeg(
            &["-f", "lavfi", "-i", source, "-frames:v", "1"],
            &dir.join(format!("p{i}.png")),
        )));
    }
    library.push(path(ffmpeg(
        &["-f", "lavfi", "-i", &clickprint_tests::melody_source(3, 20)],
        &dir.join("melody.wav"),
    )));
    let crop = path(ffmpeg(
        &["-i", &library[0], "-vf", "crop=iw*0.85:ih*0.85"],
        &dir.join("crop.jpg"),
    ));
    let excerpt = path(ffmpeg(
        &["-ss", "5", "-t", "8", "-i", &library[3], "-b:a", "96k"],
        &dir.join("excerpt.mp3"),
    ));
    Media {
        library,
        queries: vec![crop, excerpt],
    }
}
