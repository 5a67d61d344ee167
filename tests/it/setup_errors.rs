//! What a machine that is not set up sees: a clear error naming the setup
//! command, never a crash.

use std::time::Duration;

use clickprint_tests::{clickprint, data_dir, run_with_timeout, texts};

fn sql_with_env(key: &str, value: &str) -> (Option<i32>, String) {
    let dir = data_dir("setup");
    let mut command = clickprint(dir.path());
    command.env(key, value).args(["sql", "SELECT 1"]);
    let output = run_with_timeout(command, Duration::from_secs(60));
    (output.status.code(), texts(&output).1)
}

#[test]
fn a_missing_chdb_wheel_names_the_setup_command() {
    let (code, stderr) = sql_with_env("CLICKPRINT_CHDB_LIBRARY", "/nonexistent/chdb/_chdb.abi3.so");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("chDB") && stderr.contains("scripts/setup.sh"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_missing_libpython_names_the_setup_command() {
    let (code, stderr) = sql_with_env("CLICKPRINT_LIBPYTHON", "/nonexistent/libpython3.11.so");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("libpython") && stderr.contains("scripts/setup.sh"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn missing_postgres_binaries_name_the_setup_command() {
    let dir = data_dir("setup-pg");
    let mut command = clickprint(dir.path());
    command
        .env("CLICKPRINT_POSTGRES_BIN_DIR", "/nonexistent")
        .args(["serve", "--listen", "127.0.0.1:0"]);
    let output = run_with_timeout(command, Duration::from_secs(60));
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Postgres") && stderr.contains("scripts/setup.sh"),
        "{stderr}"
    );
}

#[test]
fn a_bad_setting_names_the_setting() {
    let dir = data_dir("setup-config");
    let config = dir.path().join("clickprint.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\nno_such_setting = 1\n").unwrap();
    let mut command = clickprint(dir.path());
    command
        .arg("--config")
        .arg(&config)
        .args(["sql", "SELECT 1"]);
    let output = run_with_timeout(command, Duration::from_secs(60));
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no_such_setting"), "{stderr}");
}
