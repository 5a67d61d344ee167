//! `clickprint sql`: with and without a running service.

use std::time::Duration;

use clickprint_tests::{Service, clickprint, data_dir, run_with_timeout, texts};
use nix::sys::signal::Signal;

fn sql(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut command = clickprint(dir);
    command.arg("sql").args(args);
    run_with_timeout(command, Duration::from_secs(120))
}

#[test]
fn sql_works_without_a_running_service() {
    let dir = data_dir("sql-alone");
    let output = sql(dir.path(), &["SELECT version()"]);
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("| 26.9."), "{stdout}");
}

#[test]
fn sql_goes_through_the_running_service() {
    let dir = data_dir("sql-service");
    let service = Service::start(dir.path());
    let output = sql(
        dir.path(),
        &["SELECT version(), clickprint_version('') AS udf"],
    );
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains("| 26.9.") && stdout.contains(env!("CARGO_PKG_VERSION")),
        "{stdout}"
    );
    // It went through the service: the service holds the data directory's
    // lock for its whole life, so `sql` could not have opened it itself.
    let json = sql(dir.path(), &["--json", "SELECT 1 + 1 AS two"]);
    let (stdout, stderr) = texts(&json);
    assert!(json.status.success(), "{stderr}");
    let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(rows, serde_json::json!([{ "two": 2 }]));
    assert!(service.stop_with(Signal::SIGINT).success());
}

#[test]
fn a_bad_statement_fails_with_the_engines_message() {
    let dir = data_dir("sql-bad");
    for service in [None, Some(Service::start(dir.path()))] {
        let output = sql(dir.path(), &["SELECT * FROM no_such_table"]);
        let (_, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("UNKNOWN_TABLE") && stderr.contains("no_such_table"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        if let Some(service) = service {
            assert!(service.stop_with(Signal::SIGINT).success());
        }
    }
}

#[test]
fn sql_as_a_tenant_sees_its_rows_only_with_and_without_a_service() {
    let dir = data_dir("sql-tenant");
    let data = dir.path().join("data");
    let library = dir.path().join("library");
    std::fs::create_dir_all(&library).unwrap();
    clickprint_tests::ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            &clickprint_tests::image_source(3),
            "-frames:v",
            "1",
        ],
        &library.join("a.png"),
    );
    for name in ["acme", "other"] {
        let (ok, _, stderr) =
            clickprint_tests::run_clickprint(&data, &["tenant", "create", name], &[]);
        assert!(ok, "{stderr}");
    }
    let (ok, _, stderr) = clickprint_tests::run_clickprint(
        &data,
        &["ingest", "--tenant", "acme", library.to_str().unwrap()],
        &[],
    );
    assert!(ok, "{stderr}");
    let count = "SELECT count() > 0 AS some, uniqExact(tenant_id) AS tenants FROM fp_keys";
    let check = |service: bool| {
        let output = sql(&data, &["--tenant", "acme", "--json", count]);
        let (stdout, stderr) = texts(&output);
        assert!(output.status.success(), "service {service}: {stderr}");
        let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(
            rows,
            serde_json::json!([{"some": 1, "tenants": 1}]),
            "{stdout}"
        );
        let output = sql(&data, &["--tenant", "other", "--json", count]);
        let (stdout, _) = texts(&output);
        let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(
            rows,
            serde_json::json!([{"some": 0, "tenants": 0}]),
            "{stdout}"
        );
        let output = sql(
            &data,
            &[
                "--tenant",
                "other",
                "SELECT count() FROM clickprint.fp_keys",
            ],
        );
        let (_, stderr) = texts(&output);
        assert!(!output.status.success());
        assert!(
            stderr.contains("statement refused"),
            "service {service}: {stderr}"
        );
        let output = sql(&data, &["--tenant", "nobody", "SELECT 1"]);
        assert!(texts(&output).1.contains("no tenant nobody"));

        // clickprint_sql_had_no_way_to_pass_parameters (the cookbook's
        // `{tenant:UInt32}` could not be run): as an analyst and as the
        // operator.
        for tenant in [&["--tenant", "acme"][..], &[]] {
            let args = [
                tenant,
                &[
                    "--json",
                    "--param",
                    "n=41",
                    "SELECT {n:UInt8} + 1 AS answer",
                ],
            ]
            .concat();
            let output = sql(&data, &args);
            let (stdout, stderr) = texts(&output);
            assert!(
                output.status.success(),
                "service {service} {args:?}: {stderr}"
            );
            let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(rows, serde_json::json!([{"answer": 42}]), "{args:?}");
        }
        let output = sql(&data, &["--param", "n", "SELECT {n:UInt8}"]);
        assert!(texts(&output).1.contains("is not NAME=VALUE"));
    };
    check(false);
    let service = Service::start(&data);
    check(true);
    drop(service);
}

/// The ```sql blocks of sql/README.md, in order.
fn cookbook() -> Vec<&'static str> {
    include_str!("../../sql/README.md")
        .split("```sql\n")
        .skip(1)
        .map(|block| block.split("```").next().expect("a closed block"))
        .collect()
}

/// Issue 20: the cookbook could not be run as written (`{tenant:UInt32}`
/// had no way in, and an analyst could not name `clickprint.fp_keys`).
/// Every block, copied whole, through `clickprint sql --param` as the
/// operator and as the tenant's analyst, and through `POST /v1/sql` with
/// the tenant's key: the analyst's answers are the operator's for its own
/// tenant, and the example across tenants finds nothing for it.
#[test]
fn every_cookbook_example_runs_as_written_through_the_cli_and_the_api() {
    let dir = data_dir("sql-cookbook");
    let data = dir.path().join("data");
    let acme_files = dir.path().join("acme");
    let other_files = dir.path().join("other");
    for d in [&acme_files, &other_files] {
        std::fs::create_dir_all(d).unwrap();
    }
    let picture = clickprint_tests::ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "mandelbrot=s=640x480:start_scale=1.5",
            "-frames:v",
            "1",
        ],
        &acme_files.join("a.png"),
    );
    let picture = picture.to_str().unwrap();
    clickprint_tests::ffmpeg(
        &["-i", picture, "-q:v", "12"],
        &acme_files.join("a-copy.jpg"),
    );
    clickprint_tests::ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            &clickprint_tests::image_source(7),
            "-frames:v",
            "1",
        ],
        &acme_files.join("b.png"),
    );
    clickprint_tests::ffmpeg(
        &["-i", picture, "-vf", "scale=320:240"],
        &other_files.join("a-small.jpg"),
    );
    for (name, files) in [("acme", &acme_files), ("other", &other_files)] {
        let (ok, _, stderr) =
            clickprint_tests::run_clickprint(&data, &["tenant", "create", name], &[]);
        assert!(ok, "{stderr}");
        let (ok, _, stderr) = clickprint_tests::run_clickprint(
            &data,
            &["ingest", "--tenant", name, files.to_str().unwrap()],
            &[],
        );
        assert!(ok, "{stderr}");
    }
    let service = Service::start(&data);
    let admin =
        clickprint_tests::Api::new(&service.url, Some(&clickprint_tests::admin_token(&data)));
    let (status, key) = admin.post_json("/v1/admin/tenants/1/keys", &serde_json::json!({}));
    assert_eq!(status, 201, "{key}");
    let acme = admin.with_token(key["key"].as_str().expect("a key"));

    let params = [
        ("tenant", "1"),
        ("tenant_a", "1"),
        ("tenant_b", "2"),
        ("query", picture),
        ("text", "\"fox jumps\""),
        ("mode", "any"),
        ("language", ""),
        ("top_k", "10"),
    ];
    let flags: Vec<String> = params
        .iter()
        .flat_map(|(name, value)| ["--param".to_owned(), format!("{name}={value}")])
        .collect();
    let body_params: serde_json::Map<String, serde_json::Value> = params
        .iter()
        .map(|(name, value)| ((*name).to_owned(), serde_json::json!(value)))
        .collect();
    let examples = cookbook();
    assert!(examples.len() >= 9, "{} sql blocks", examples.len());
    let mut operator_answers = Vec::new();
    for (i, example) in examples.iter().enumerate() {
        let run = |tenant: &[&str]| {
            let args: Vec<&str> = ["--json"]
                .into_iter()
                .chain(tenant.iter().copied())
                .chain(flags.iter().map(String::as_str))
                .chain([*example])
                .collect();
            let output = sql(&data, &args);
            let (stdout, stderr) = texts(&output);
            (output.status.success(), stdout, stderr)
        };
        let (ok, stdout, stderr) = run(&[]);
        assert!(ok, "example {i} as the operator: {stderr}\n{example}");
        let operator: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let (status, api) = acme.post_json(
            "/v1/sql",
            &serde_json::json!({ "query": example, "params": body_params }),
        );
        let (ok, stdout, stderr) = run(&["--tenant", "acme"]);
        if example.contains("clickprint_query(") {
            // Fingerprinting a file by path is the operator's only.
            assert_eq!(status, 403, "example {i}: {api}");
            assert!(api.to_string().contains("reads media by path"), "{api}");
            assert!(!ok && stderr.contains("reads media by path"), "{stderr}");
        } else {
            assert_eq!(
                status, 200,
                "example {i} through POST /v1/sql: {api}\n{example}"
            );
            let api = api["rows"].clone();
            assert!(ok, "example {i} as acme's analyst: {stderr}\n{example}");
            let cli: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(api, cli, "example {i}: the API and the CLI differ");
            if example.contains("{tenant_b:UInt32}") {
                assert_eq!(api, serde_json::json!([]), "example {i}");
                assert_ne!(operator, serde_json::json!([]), "example {i}");
            } else {
                assert_eq!(
                    api, operator,
                    "example {i}: the analyst's answer is not the operator's"
                );
            }
        }
        operator_answers.push(operator);
    }
    // The answers are the library's: three pictures of acme, the copy pair
    // a duplicate, the unrelated picture alone.
    assert_eq!(
        operator_answers[1][0]["media"], 3,
        "{}",
        operator_answers[1]
    );
    assert!(
        operator_answers[0][0]["packed"]
            .as_str()
            .is_some_and(|h| h.len() > 100),
        "{}",
        operator_answers[0]
    );
    assert_eq!(
        operator_answers[4],
        serde_json::json!([{"media_a": 1, "media_b": 2, "shared_bands": operator_answers[4][0]["shared_bands"]}]),
        "{}",
        operator_answers[4]
    );
    assert_eq!(operator_answers[7], serde_json::json!([{"media_id": 3}]));
    drop(service);
}
