//! ClickHouse's HTTP interface (`serve --clickhouse-http`) as ClickHouse
//! clients use it: real clients from their registries (clickhouse-connect
//! from PyPI and @clickhouse/client from npm, installed by
//! `scripts/setup.sh`; the `clickhouse` crate), plain
//! HTTP for what the clients read (headers, errors, compression), and the
//! adversarial analyst statements, which this door must refuse exactly as
//! `POST /v1/sql` does.

use std::io::Read;
use std::path::{Path, PathBuf};

use std::time::Duration;

use clickprint_tests::{Api, Service, admin_token, data_dir};
use serde_json::json;

/// A service serving the ClickHouse interface, with no workers.
fn service(dir: &Path) -> (Service, Api, String) {
    let service = Service::start_with(
        dir,
        &[
            ("CLICKPRINT_WORKERS", "0"),
            ("CLICKPRINT_CLICKHOUSE_HTTP_LISTEN", "127.0.0.1:0"),
        ],
    );
    let admin = Api::new(&service.url, Some(&admin_token(dir)));
    let clickhouse = service
        .clickhouse_http
        .clone()
        .expect("the service printed its ClickHouse interface's address");
    (service, admin, clickhouse)
}

/// The key of a tenant client made by `Api::create_tenant`.
fn key_of(admin: &Api, tenant: i64) -> String {
    let (status, key) = admin.post_json(&format!("/v1/admin/tenants/{tenant}/keys"), &json!({}));
    assert_eq!(status, 201, "{key}");
    key["key"].as_str().expect("a key").to_owned()
}

/// What the interface answered: status, headers, body.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// `POST url?query` with `sql` as the body, as `user`:`password`.
fn post(url: &str, query: &str, user: &str, password: &str, sql: &str) -> Answer {
    let response = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client")
        .post(format!("{url}/?{query}"))
        .basic_auth(user, Some(password))
        .body(sql.to_owned())
        .send()
        .expect("request");
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.bytes().expect("body").to_vec(),
    }
}

/// Adds fingerprint rows for two tenants straight into the operator's
/// tables, through the interface as the operator: `rows` for each.
fn seed(url: &str, token: &str, tenants: [(i64, usize); 2]) {
    let values: Vec<String> = tenants
        .iter()
        .flat_map(|(tenant, rows)| {
            (0..*rows).map(move |i| format!("({tenant}, 0, {i}, {tenant}, 0, 0)"))
        })
        .collect();
    let answer = post(
        url,
        "",
        "admin",
        token,
        &format!(
            "INSERT INTO clickprint.fp_keys (tenant_id, band, key, media_id, time_ms, item) VALUES {}",
            values.join(", ")
        ),
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_clickhouse_http_interface_is_not_listening_unless_set() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let dir = data_dir("clickhouse-http-off");
    let off = Service::start_with(dir.path(), &[("CLICKPRINT_WORKERS", "0")]);
    assert_eq!(off.clickhouse_http, None);
    let refused = std::net::TcpStream::connect(("127.0.0.1", port));
    assert!(refused.is_err(), "something listens on {port}: {refused:?}");
    drop(off);
    let at = format!("127.0.0.1:{port}");
    let on = Service::start_with(
        dir.path(),
        &[
            ("CLICKPRINT_WORKERS", "0"),
            ("CLICKPRINT_CLICKHOUSE_HTTP_LISTEN", &at),
        ],
    );
    assert_eq!(
        on.clickhouse_http.as_deref(),
        Some(format!("http://{at}").as_str())
    );
    let ping = reqwest::blocking::get(format!("http://{at}/ping")).unwrap();
    assert_eq!(ping.text().unwrap(), "Ok.\n");
}

#[test]
fn the_interface_answers_as_clickhouse_does() {
    let dir = data_dir("clickhouse-http-protocol");
    let (_service, admin, url) = service(dir.path());
    let (tenant, _) = admin.create_tenant(&json!({"name": "acme"}));
    let key = key_of(&admin, tenant);

    let ok = post(
        &url,
        "param_n=3&default_format=JSONCompact",
        "acme",
        &key,
        "SELECT {n:UInt8} + 1 AS m",
    );
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.header("x-clickhouse-format"), "JSONCompact");
    assert!(!ok.header("x-clickhouse-query-id").is_empty());
    assert!(!ok.header("x-clickhouse-timezone").is_empty());
    let summary: serde_json::Value =
        serde_json::from_str(ok.header("x-clickhouse-summary")).unwrap();
    assert_eq!(summary["result_rows"], "1", "{summary}");
    let body: serde_json::Value = serde_json::from_slice(&ok.body).unwrap();
    assert_eq!(body["data"], json!([[4]]), "{body}");
    assert_eq!(body["meta"][0]["type"], "UInt16", "{body}");

    // The query in the URL and the body, joined; FORMAT in the statement.
    let joined = post(
        &url,
        "query=SELECT%201%20AS%20a%2C",
        "acme",
        &key,
        "2 AS b FORMAT TSVWithNamesAndTypes",
    );
    assert_eq!(
        (joined.status, joined.text().as_str()),
        (200, "a\tb\nUInt8\tUInt8\n1\t2\n")
    );

    // X-ClickHouse-User / X-ClickHouse-Key, and gzip when asked for.
    let response = reqwest::blocking::Client::builder()
        .no_gzip()
        .build()
        .unwrap()
        .get(format!(
            "{url}/?enable_http_compression=1&query=SELECT%20arrayJoin(range(1000))%20AS%20n"
        ))
        .header("X-ClickHouse-User", "acme")
        .header("X-ClickHouse-Key", &key)
        .header("Accept-Encoding", "gzip")
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let mut text = String::new();
    flate2::read::GzDecoder::new(response.bytes().unwrap().as_ref())
        .read_to_string(&mut text)
        .expect("a gzip body");
    assert_eq!(text.lines().count(), 1000);
    assert_eq!(text.lines().last(), Some("999"));

    // Errors: ClickHouse's text, code header and status.
    let wrong = post(&url, "", "acme", "cpk_000000000000_00", "SELECT 1");
    assert_eq!(
        (wrong.status, wrong.header("x-clickhouse-exception-code")),
        (403, "516")
    );
    assert!(
        wrong.text().starts_with("Code: 516. DB::Exception: "),
        "{}",
        wrong.text()
    );
    let other_name = post(&url, "", "someone", &key, "SELECT 1");
    assert_eq!(other_name.header("x-clickhouse-exception-code"), "516");
    // A statement that does not parse is the caller's mistake (400, as
    // ClickHouse answers it), with the engine's words.
    let syntax = post(&url, "", "acme", &key, "SELEC 1");
    assert_eq!(syntax.status, 400, "{}", syntax.text());
    assert!(
        syntax.text().contains("(SYNTAX_ERROR)"),
        "{}",
        syntax.text()
    );
    let unknown = post(&url, "", "acme", &key, "SELECT nope FROM fp_keys");
    assert_eq!(
        (
            unknown.status,
            unknown.header("x-clickhouse-exception-code")
        ),
        (404, "47"),
        "{}",
        unknown.text()
    );
    let setting = post(&url, "max_result_rows=100000000", "acme", &key, "SELECT 1");
    assert_eq!(
        (
            setting.status,
            setting.header("x-clickhouse-exception-code")
        ),
        (403, "164")
    );
    let format = post(&url, "", "acme", &key, "SELECT 1 FORMAT Template");
    assert_eq!(format.status, 400, "{}", format.text());
    // The operator reaches no media-reading function here either.
    let token = admin_token(dir.path());
    let media = post(
        &url,
        "",
        "admin",
        &token,
        "SELECT clickprint_query('/etc/passwd')",
    );
    assert_eq!(
        (media.status, media.header("x-clickhouse-exception-code")),
        (403, "497")
    );
    let operator = post(&url, "", "admin", &token, "SELECT count() FROM fp_keys");
    assert_eq!((operator.status, operator.text().as_str()), (200, "0\n"));
}

#[test]
fn clickhouse_connect_reads_its_tenants_rows_as_an_analyst() {
    let deps = repository().join(".deps");
    let connect = deps.join("clickhouse-connect");
    assert!(
        connect.is_dir(),
        "{} is missing: scripts/setup.sh installs clickhouse-connect",
        connect.display()
    );
    let dir = data_dir("clickhouse-http-connect");
    let (_service, admin, url) = service(dir.path());
    let (a, _) = admin.create_tenant(&json!({"name": "acme"}));
    let (b, _) = admin.create_tenant(&json!({"name": "globex"}));
    let key = key_of(&admin, a);
    seed(&url, &admin_token(dir.path()), [(a, 3), (b, 5)]);
    let port = url.rsplit(':').next().unwrap();
    let output = std::process::Command::new("python3")
        .arg(repository().join("tests/clients/clickhouse_connect_check.py"))
        .args(["127.0.0.1", port, "acme", &key, "3"])
        .env(
            "PYTHONPATH",
            format!("{}:{}", connect.display(), deps.join("pyarrow").display()),
        )
        .output()
        .expect("python3");
    assert_all_checks_passed(&output);
}

#[test]
fn the_npm_clickhouse_client_reads_its_tenants_rows_as_an_analyst() {
    let clients = repository().join("tests/clients");
    assert!(
        clients.join("node_modules/@clickhouse/client").is_dir(),
        "{}/node_modules is missing: scripts/setup.sh installs @clickhouse/client",
        clients.display()
    );
    let dir = data_dir("clickhouse-http-npm");
    let (_service, admin, url) = service(dir.path());
    let (a, _) = admin.create_tenant(&json!({"name": "acme"}));
    let (b, _) = admin.create_tenant(&json!({"name": "globex"}));
    let key = key_of(&admin, a);
    seed(&url, &admin_token(dir.path()), [(a, 4), (b, 6)]);
    let output = std::process::Command::new("node")
        .current_dir(&clients)
        .arg("clickhouse_client_check.mjs")
        .args([url.as_str(), "acme", &key, "4"])
        .output()
        .expect("node");
    assert_all_checks_passed(&output);
}

#[test]
fn the_clickhouse_crate_fetches_typed_rows() {
    #[derive(Debug, PartialEq, clickhouse::Row, serde::Deserialize)]
    struct Key {
        tenant_id: u32,
        key: u32,
        media_id: u64,
    }
    let dir = data_dir("clickhouse-http-crate");
    let (_service, admin, url) = service(dir.path());
    let (a, _) = admin.create_tenant(&json!({"name": "acme"}));
    let (b, _) = admin.create_tenant(&json!({"name": "globex"}));
    let key = key_of(&admin, b);
    seed(&url, &admin_token(dir.path()), [(a, 2), (b, 3)]);
    // The crate's defaults: LZ4 asked for (answered uncompressed), the
    // parameters sent as a multipart form.
    let client = clickhouse::Client::default()
        .with_url(&url)
        .with_user("globex")
        .with_password(&key);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let rows: Vec<Key> = runtime
        .block_on(
            client
                .query("SELECT tenant_id, key, media_id FROM fp_keys WHERE key >= {low:UInt32} ORDER BY key")
                .param("low", 1u32)
                .fetch_all(),
        )
        .expect("fetch_all");
    let b = b as u32;
    assert_eq!(
        rows,
        vec![
            Key {
                tenant_id: b,
                key: 1,
                media_id: b.into()
            },
            Key {
                tenant_id: b,
                key: 2,
                media_id: b.into()
            },
        ]
    );
    let refused = runtime.block_on(
        client
            .query("SELECT count() FROM clickprint.fp_keys")
            .fetch_all::<u64>(),
    );
    let error = refused.expect_err("refused").to_string();
    assert!(error.contains("497"), "{error}");
}

/// Statements an analyst must not run; each is refused on both doors, with
/// the same words.
const HOSTILE: [&str; 11] = [
    "SELECT count() AS n FROM clickprint.fp_keys",
    "SELECT count() AS n FROM fp_keys /* */ UNION ALL SELECT count() FROM clickprint.fp_keys",
    "DROP TABLE fp_keys",
    "SELECT * FROM system.tables",
    "SELECT * FROM file('/etc/passwd', 'RawBLOB')",
    "SELECT * FROM url('file:///etc/passwd', 'RawBLOB')",
    "SELECT clickprint_query('/etc/passwd')",
    "SELECT CLICKPRINT_QUERY('/etc/passwd')",
    "SELECT 1 IN clickprint.fp_keys",
    "SELECT 1 SETTINGS readonly = 0",
    "CREATE VIEW v AS SELECT 1",
];

#[test]
fn a_hostile_statement_is_refused_as_on_v1_sql() {
    let dir = data_dir("clickhouse-http-hostile");
    let (_service, admin, url) = service(dir.path());
    let (tenant, analyst) = admin.create_tenant(&json!({"name": "acme"}));
    let key = key_of(&admin, tenant);
    for attempt in HOSTILE {
        let (status, body) = analyst.post_json("/v1/sql", &json!({ "query": attempt }));
        let words = body["error"].as_str().unwrap_or_default().to_owned();
        assert_eq!(status, 403, "{attempt}: {body}");
        assert!(words.starts_with("statement refused"), "{attempt}: {words}");
        let answer = post(&url, "", "acme", &key, attempt);
        assert_eq!(
            (answer.status, answer.header("x-clickhouse-exception-code")),
            (403, "497"),
            "{attempt}: {}",
            answer.text()
        );
        let text = answer.text();
        assert!(
            text.starts_with(&format!(
                "Code: 497. DB::Exception: {}",
                words.trim_end_matches('.')
            )),
            "{attempt}:\n/v1/sql: {words}\nClickHouse door: {text}"
        );
    }
}

#[test]
fn an_oversized_result_is_cut_at_the_limit_on_both_doors() {
    let dir = data_dir("clickhouse-http-oversized");
    let (_service, admin, url) = service(dir.path());
    let (tenant, analyst) = admin.create_tenant(&json!({"name": "acme"}));
    let key = key_of(&admin, tenant);
    let query = "SELECT arrayJoin(range(400000)) AS n";
    let (status, body) = analyst.post_json("/v1/sql", &json!({ "query": query }));
    assert_eq!(status, 422, "{body}");
    let words = body["error"].as_str().unwrap().to_owned();
    assert!(words.contains("analyst_max_result_rows"), "{words}");
    for format in ["Native", "ArrowStream", "JSONEachRow"] {
        let answer = post(&url, "", "acme", &key, &format!("{query} FORMAT {format}"));
        let text = answer.text();
        assert_eq!(
            answer.status,
            500,
            "{format}: {}",
            &text[..text.len().min(300)]
        );
        assert_eq!(
            answer.header("x-clickhouse-exception-code"),
            "396",
            "{text}"
        );
        assert!(text.contains("analyst_max_result_rows"), "{text}");
        assert!(
            answer.body.len() < 4096,
            "an error, not rows: {} bytes",
            answer.body.len()
        );
    }
    // The service is still up and answers within the limit.
    let small = post(
        &url,
        "",
        "acme",
        &key,
        "SELECT arrayJoin(range(100000)) AS n FORMAT RowBinary",
    );
    // 100,000 UInt32 values of 4 bytes.
    assert_eq!((small.status, small.body.len()), (200, 400_000));
}

/// A client check script ended well and said so.
fn assert_all_checks_passed(output: &std::process::Output) {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    assert!(text.contains("all checks passed"), "{text}");
}
