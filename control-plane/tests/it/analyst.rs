//! Analysts' SQL scoped to a tenant on the embedded engine
//! (`clickprint::clickhouse::analyst`): every way of reaching another tenant's rows is
//! refused or sees only the tenant's own; writes are refused; a runaway
//! statement is stopped by its limits and the engine goes on answering.

use std::time::{Duration, Instant};

use clickprint::clickhouse::Engine;
use clickprint::clickhouse::analyst;
use clickprint::config::AnalystLimits;

use crate::search::open;
use clickprint_tests::data_dir;

/// Tenants 1 and 2 with keys and records; tenant 2's are many more.
async fn two_tenants(engine: &Engine) {
    engine
        .query(
            "INSERT INTO clickprint.fp_keys (tenant_id, band, key, media_id, time_ms, item) \
             SELECT 1 + (number % 5 = 0), number % 24, number, number % 7, number, 0 \
             FROM numbers(3000)",
        )
        .await
        .expect("test setup");
    engine
        .query(
            "INSERT INTO clickprint.fp_media (tenant_id, media_id, time_ms, item, kind, record) \
             SELECT 1 + (number % 2), number, 0, 0, 'visual', 'secret-' || toString(number) \
             FROM numbers(10)",
        )
        .await
        .expect("test setup");
}

fn json(output: &clickprint::clickhouse::QueryOutput) -> serde_json::Value {
    output.to_json_rows().expect("test setup")
}

#[tokio::test]
async fn a_tenant_reads_its_rows_and_nothing_else() {
    let dir = data_dir("analyst");
    let engine = open(dir.path()).await;
    two_tenants(&engine).await;
    let limits = AnalystLimits::default();
    // Tenant 2 owns the rows with number % 5 = 0 of fp_keys: 600 of 3000.
    let run = |sql: &'static str| {
        let engine = engine.clone();
        async move { analyst::run(&engine, 2, sql, &limits).await }
    };

    // Its own rows, through plain SQL, joins, subqueries, FINAL, CTEs.
    for (sql, expected) in [
        ("SELECT count() AS n FROM fp_keys", 600),
        ("SELECT count() AS n FROM clickprint_t2.fp_keys", 600),
        ("SELECT count() AS n FROM fp_keys FINAL", 600),
        (
            "SELECT count() AS n FROM fp_keys AS k JOIN fp_media AS m ON k.media_id = m.media_id",
            // Tenant 2's records are media 1, 3, 5, 7, 9; its keys' media are n % 7.
            (0..3000).filter(|n| n % 5 == 0 && (n % 7) % 2 == 1).count(),
        ),
        (
            "WITH mine AS (SELECT media_id FROM fp_media) \
             SELECT count() AS n FROM fp_keys WHERE media_id IN (SELECT media_id FROM mine)",
            (0..3000).filter(|n| n % 5 == 0 && (n % 7) % 2 == 1).count(),
        ),
    ] {
        let out = run(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(json(&out)[0]["n"], expected, "{sql}");
    }
    let tenants = run("SELECT DISTINCT tenant_id FROM fp_keys UNION DISTINCT SELECT DISTINCT tenant_id FROM fp_media")
        .await
        .unwrap();
    assert_eq!(json(&tenants), serde_json::json!([{"tenant_id": 2}]));
    // SAMPLE: refused by the engine (no sampling key) or only its rows.
    if let Ok(out) = run("SELECT DISTINCT tenant_id FROM fp_keys SAMPLE 0.5").await {
        assert_eq!(json(&out), serde_json::json!([{"tenant_id": 2}]));
    }

    // Every way out: refused, saying why.
    for (sql, says) in [
        ("SELECT count() FROM clickprint.fp_keys", "not yours"),
        ("SELECT count() FROM clickprint_t1.fp_keys", "not yours"),
        (
            "SELECT count() FROM fp_keys AS a JOIN clickprint.fp_media AS b ON a.media_id = b.media_id",
            "not yours",
        ),
        (
            "SELECT count() FROM fp_keys WHERE media_id IN (SELECT media_id FROM clickprint.fp_media)",
            "not yours",
        ),
        (
            "SELECT (SELECT count() FROM clickprint.fp_keys WHERE tenant_id = 1)",
            "not yours",
        ),
        (
            "SELECT count() FROM fp_keys WHERE (1, 0, 0, 0, 0, 0) IN clickprint.fp_keys",
            "another database",
        ),
        ("SELECT * FROM merge('clickprint', '.*')", "table functions"),
        (
            "SELECT * FROM remote('127.0.0.1', clickprint.fp_keys)",
            "table functions",
        ),
        (
            "SELECT * FROM file('/etc/passwd', 'LineAsString')",
            "table functions",
        ),
        (
            "SELECT * FROM url('http://127.0.0.1:9/', 'LineAsString')",
            "table functions",
        ),
        (
            "SELECT * FROM executable('clickprint-udf version', 'TabSeparated', 'x String', (SELECT ''))",
            "table functions",
        ),
        (
            "SELECT * FROM mergeTreeIndex('clickprint', 'fp_keys')",
            "table functions",
        ),
        ("SELECT file('/etc/hostname')", "`file`"),
        ("SELECT joinGet('clickprint.x', 'y', 1)", "joinGet"),
        ("SELECT * FROM system.parts", "not yours"),
        ("SELECT query FROM system.query_log", "not yours"),
        ("SELECT * FROM INFORMATION_SCHEMA.TABLES", "not yours"),
        ("SET SQL_tenant = 1", "only one SELECT"),
        (
            "SELECT count() FROM fp_keys SETTINGS readonly = 0",
            "readonly",
        ),
        (
            "SELECT count() FROM fp_keys SETTINGS max_threads = 1",
            "readonly mode",
        ),
        ("SELECT count() FROM fp_keys FORMAT JSON", "FORMAT"),
        (
            "SELECT count() FROM fp_keys INTO OUTFILE '/tmp/out.csv'",
            "INTO OUTFILE",
        ),
        (
            "SELECT count() FROM fp_keys -- x\n UNION ALL SELECT count() FROM clickprint.fp_keys",
            "not yours",
        ),
        (
            "SELECT count() FROM fp_keys /* */ UNION ALL SELECT count() FROM clickprint.fp_keys",
            "not yours",
        ),
        ("SELECT count() FROM `clickprint`.`fp_keys`", "not yours"),
        (
            "INSERT INTO fp_keys VALUES (2, 0, 0, 0, 0, 0)",
            "only one SELECT",
        ),
        (
            "ALTER TABLE clickprint.fp_keys DELETE WHERE 1",
            "only one SELECT",
        ),
        ("DROP TABLE fp_keys", "only one SELECT"),
        (
            "CREATE TABLE x (a UInt8) ENGINE = Memory",
            "only one SELECT",
        ),
        ("", "empty"),
    ] {
        let e = run(sql).await.map(|o| json(&o)).unwrap_err().to_string();
        assert!(
            e.starts_with("statement refused") && e.contains(says),
            "{sql}\n=> {e}"
        );
    }
    // A quote does not end the statement: the text stays a literal.
    let out = run("SELECT 'x'' FROM clickprint.fp_keys --' AS s")
        .await
        .unwrap();
    assert_eq!(json(&out)[0]["s"], "x' FROM clickprint.fp_keys --");
    // Nothing was written by any of it.
    let total = engine
        .query("SELECT count() AS n FROM clickprint.fp_keys")
        .await
        .unwrap();
    assert_eq!(json(&total)[0]["n"], 3000);
}

#[tokio::test]
async fn a_runaway_statement_is_stopped_by_its_limits() {
    let dir = data_dir("analyst-limits");
    let engine = open(dir.path()).await;
    two_tenants(&engine).await;
    let limits = AnalystLimits {
        max_execution_time: Duration::from_secs(2),
        ..AnalystLimits::default()
    };
    let started = Instant::now();
    let e = analyst::run(
        &engine,
        1,
        "SELECT count() FROM fp_keys AS a, fp_keys AS b, fp_keys AS c, fp_keys AS d",
        &limits,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(e.to_lowercase().contains("timeout"), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let e = analyst::run(
        &engine,
        1,
        "SELECT * FROM fp_keys",
        &AnalystLimits {
            max_result_rows: 100,
            ..AnalystLimits::default()
        },
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(e.contains("100"), "{e}");
    // The engine answers at once afterwards.
    let started = Instant::now();
    let out = analyst::run(&engine, 1, "SELECT count() AS n FROM fp_keys", &limits)
        .await
        .unwrap();
    assert_eq!(json(&out)[0]["n"], 2400);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn an_analysts_syntax_error_is_a_403_refusal_past_the_end_of_the_statement() {
    let dir = data_dir("analyst-syntax");
    let engine = open(dir.path()).await;
    two_tenants(&engine).await;
    let e = analyst::run(&engine, 1, "SELEC 1", &AnalystLimits::default())
        .await
        .unwrap_err();
    assert!(matches!(e, clickprint::Error::BadRequest(_)), "{e:?}");
    let words = e.to_string();
    // Position 7 is the `1`, inside the 7-byte statement.
    assert!(
        words.contains("does not parse") && words.contains("failed at position 7 (1)"),
        "{words}"
    );
    // Two statements do not parse as one: nothing runs.
    let e = analyst::run(
        &engine,
        1,
        "SELECT 1; SELECT count() FROM clickprint.fp_keys",
        &AnalystLimits::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, clickprint::Error::BadRequest(_)), "{e:?}");
    assert!(
        e.to_string().contains("Multi-statements are not allowed"),
        "{e}"
    );
}

/// The server-side access statements (`clickprint::clickhouse::access`) cannot run on
/// chDB, which has no access management; the real parser still reads each
/// one, every setting the profile names is a real setting, and every table
/// that holds tenants' rows has its grant and row policy.
#[tokio::test]
async fn server_access_statements_parse_and_cover_every_tenant_table() {
    use clickprint::clickhouse::access;
    let dir = data_dir("access");
    let engine = open(dir.path()).await;
    let all: Vec<String> = access::shared_statements("clickprint")
        .unwrap()
        .into_iter()
        .chain(access::tenant_statements(7))
        .chain(access::user_statements(
            7,
            "analyst_t7_0123abcd",
            &access::password_hash("pw", "salt"),
            "salt",
        ))
        .collect();
    for statement in &all {
        let out = engine
            .query_with_params(
                "SELECT formatQuery({s:String}) AS f",
                &[("s", statement.clone())],
            )
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
        assert!(json(&out)[0]["f"].as_str().is_some(), "{statement}");
    }

    let profile = all
        .iter()
        .find(|s| s.contains("CREATE SETTINGS PROFILE"))
        .unwrap();
    let body = profile.split_once("clickprint_analyst SETTINGS").unwrap().1;
    let names: Vec<&str> = body
        .split(',')
        .map(|part| part.split('=').next().unwrap().trim())
        .collect();
    assert!(names.len() >= 10, "{names:?}");
    for name in names {
        let out = engine
            .query_with_params(
                "SELECT count() AS n FROM system.settings WHERE name = {n:String}",
                &[("n", name.to_owned())],
            )
            .await
            .unwrap();
        assert_eq!(json(&out)[0]["n"], 1, "{name} is not a setting");
    }

    // Tables with a tenant column that store rows (not the Null ingest
    // table, not materialized views) are exactly the analysts' tables.
    let out = engine
        .query(
            "SELECT groupArray(name) AS tables FROM (SELECT t.name AS name FROM system.tables AS t \
             JOIN system.columns AS c ON c.database = t.database AND c.table = t.name \
             WHERE t.database = 'clickprint' AND c.name = 'tenant_id' \
             AND t.engine NOT IN ('Null', 'MaterializedView') ORDER BY name)",
        )
        .await
        .unwrap();
    let mut expected: Vec<&str> = analyst::TABLES.to_vec();
    expected.sort_unstable();
    assert_eq!(json(&out)[0]["tables"], serde_json::json!(expected));
    for table in analyst::TABLES {
        let policy = format!("ON clickprint.{table} FOR SELECT USING tenant_id = 7");
        assert!(all.iter().any(|s| s.contains(&policy)), "{table}");
    }
}
