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
