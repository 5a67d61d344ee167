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
