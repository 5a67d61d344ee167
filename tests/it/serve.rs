//! `clickprint serve`: both stores up, clean stop, restart, crash recovery.

use std::time::Duration;

use clickprint_tests::{
    Service, clickprint, data_dir, postmaster_pid, process_alive, run_with_timeout, texts,
    wait_until,
};
use nix::sys::signal::Signal;

fn sql(dir: &std::path::Path, query: &str) -> String {
    let mut command = clickprint(dir);
    command.args(["sql", query]);
    let output = run_with_timeout(command, Duration::from_secs(120));
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "sql {query:?} failed: {stderr}");
    stdout
}

#[test]
fn healthz_reports_both_stores_and_a_restart_keeps_the_tables() {
    let dir = data_dir("healthz");
    let service = Service::start(dir.path());
    let (status, health) = service.get_json("/healthz");
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["clickhouse"]["engine"], "embedded", "{health}");
    assert!(
        health["clickhouse"]["version"]
            .as_str()
            .unwrap()
            .starts_with("26.9."),
        "{health}"
    );
    assert_eq!(
        health["clickhouse"]["udf_version"],
        env!("CARGO_PKG_VERSION"),
        "{health}"
    );
    assert_eq!(health["postgres"]["mode"], "embedded", "{health}");
    assert!(
        health["postgres"]["version"]
            .as_str()
            .unwrap()
            .starts_with("15."),
        "{health}"
    );

    // The fingerprint schema is in place from the start.
    let tables = sql(
        dir.path(),
        "SELECT count() AS n FROM system.tables WHERE database = 'clickprint' \
         AND name IN ('fp_keys', 'fp_media', 'fp_ingest', 'media_deleted', 'stop_keys')",
    );
    assert!(tables.contains("| 5 "), "{tables}");

    // A table created through the running service...
    sql(
        dir.path(),
        "CREATE TABLE kept (k UInt64) ENGINE = MergeTree ORDER BY k",
    );
    sql(
        dir.path(),
        "INSERT INTO kept SELECT number FROM numbers(10)",
    );
    let postgres = postmaster_pid(dir.path()).expect("postmaster.pid while serving");

    // ...Ctrl-C stops the service and its Postgres cleanly...
    let status = service.stop_with(Signal::SIGINT);
    assert!(status.success(), "exit status {status}");
    assert!(
        !process_alive(postgres),
        "postgres {postgres} outlived the service"
    );
    assert_eq!(
        postmaster_pid(dir.path()),
        None,
        "postmaster.pid left behind"
    );

    // ...and a second start sees it.
    let service = Service::start(dir.path());
    let (status, health) = service.get_json("/healthz");
    assert_eq!(status, 200, "{health}");
    let out = sql(dir.path(), "SELECT count() AS n, sum(k) AS s FROM kept");
    assert!(out.contains("| 10 ") && out.contains("| 45 "), "{out}");
    assert!(service.stop_with(Signal::SIGTERM).success());
}

#[test]
fn a_killed_service_leaves_no_orphaned_postgres_and_the_next_start_works() {
    let dir = data_dir("killed");
    let service = Service::start(dir.path());
    let postgres = postmaster_pid(dir.path()).expect("postmaster.pid while serving");
    assert!(process_alive(postgres));

    service.stop_with(Signal::SIGKILL);
    assert!(
        wait_until(Duration::from_secs(30), || !process_alive(postgres)),
        "postgres {postgres} is still running after the service was killed"
    );

    let service = Service::start(dir.path());
    let (status, health) = service.get_json("/healthz");
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["postgres"]["mode"], "embedded");
    assert!(service.stop_with(Signal::SIGINT).success());
}

#[test]
fn a_second_service_on_the_same_data_dir_is_refused() {
    let dir = data_dir("second");
    let service = Service::start(dir.path());
    let mut command = clickprint(dir.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let output = run_with_timeout(command, Duration::from_secs(60));
    let (_, stderr) = texts(&output);
    assert!(!output.status.success());
    assert!(
        stderr.contains("in use by another clickprint process")
            && stderr.contains(&service.pid().to_string()),
        "{stderr}"
    );
    // The first one is unharmed.
    assert_eq!(service.get_json("/healthz").0, 200);
    assert!(service.stop_with(Signal::SIGINT).success());
}

#[test]
fn serve_on_a_busy_port_initialises_everything_first_and_prints_the_error_twice() {
    let dir = data_dir("busy-port");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let at = busy.local_addr().unwrap().to_string();
    let mut command = clickprint(dir.path());
    command.args(["serve", "--listen", &at]);
    let output = run_with_timeout(command, Duration::from_secs(60));
    let (_, stderr) = texts(&output);
    assert!(!output.status.success());
    assert_eq!(
        stderr.matches(&format!("listening on {at}")).count(),
        1,
        "{stderr}"
    );
    // Nothing was started: no Postgres cluster, no ClickHouse tables.
    let made: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !made
            .iter()
            .any(|name| name == "postgres" || name == "clickhouse"),
        "{made:?}"
    );
}

#[test]
fn unknown_routes_are_404_with_a_json_error() {
    let dir = data_dir("404");
    let service = Service::start(dir.path());
    let (status, body) = service.get_json("/no/such/route");
    assert_eq!(status, 404);
    assert_eq!(body["error"], "no such endpoint", "{body}");
    assert!(service.stop_with(Signal::SIGINT).success());
}
