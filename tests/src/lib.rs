//! Helpers for the end-to-end tests: run clickprint's binaries as separate
//! processes, each in its own data directory, with hard timeouts.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// How long a service may take to start (first start creates a cluster).
pub const START_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a service may take to stop after SIGINT.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(60);

/// The path of a workspace binary (`target/<profile>/<name>`), built by
/// `cargo build --workspace` (which `scripts/test.sh` runs).
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build --workspace` (scripts/test.sh does)",
        path.display()
    );
    path
}

/// A fresh data directory under the system temp folder.
pub fn data_dir(test: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("clickprint-e2e-{test}-"))
        .tempdir()
        .expect("tempdir")
}

/// `clickprint --data-dir DIR`, with no configuration leaking in from the
/// environment of whoever runs the tests.
pub fn clickprint(data_dir: &Path) -> Command {
    let mut command = Command::new(binary("clickprint"));
    for (key, _) in std::env::vars() {
        if key.starts_with("CLICKPRINT_") || key == "DATABASE_URL" || key == "CLICKHOUSE_URL" {
            command.env_remove(key);
        }
    }
    command
        .env("CLICKPRINT_LOG", "info")
        .arg("--data-dir")
        .arg(data_dir);
    command
}

/// Runs a command to completion, killing it after `timeout`.
pub fn run_with_timeout(mut command: Command, timeout: Duration) -> Output {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = Pid::from_raw(child.id() as i32);
    let (done, finished) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let output = child.wait_with_output().expect("wait");
        let _ = done.send(());
        output
    });
    if finished.recv_timeout(timeout).is_err() {
        let _ = kill(pid, Signal::SIGKILL);
        let output = waiter.join().expect("waiter");
        panic!(
            "command did not finish within {timeout:?}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    waiter.join().expect("waiter")
}

/// A running `clickprint serve`, killed on drop if still running.
#[derive(Debug)]
pub struct Service {
    child: Option<Child>,
    /// Its base URL, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    log: PathBuf,
}

impl Service {
    /// Starts `clickprint serve` on a free port and waits until it listens.
    pub fn start(data_dir: &Path) -> Service {
        std::fs::create_dir_all(data_dir).expect("data dir");
        let log = data_dir.join("test-serve.log");
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("service log");
        let mut child = clickprint(data_dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .expect("spawn clickprint serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("clickprint listening on ") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let url = match rx.recv_timeout(START_TIMEOUT) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait().ok();
                panic!(
                    "clickprint serve did not start within {START_TIMEOUT:?} (exit: {status:?}); log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
        };
        Service {
            child: Some(child),
            url,
            log,
        }
    }

    /// The service's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// What the service logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends a signal and waits (up to [`STOP_TIMEOUT`]) for the exit.
    pub fn stop_with(mut self, signal: Signal) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        let _ = kill(Pid::from_raw(child.id() as i32), signal);
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "clickprint serve did not stop within {STOP_TIMEOUT:?}; log:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `GET path`, as (status, JSON body).
    pub fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = reqwest::blocking::Client::new()
            .get(format!("{}{path}", self.url))
            .timeout(Duration::from_secs(30))
            .send()
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().expect("JSON body"))
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The pid in the private cluster's `postmaster.pid`, if the file exists.
pub fn postmaster_pid(data_dir: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(data_dir.join("postgres").join("postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

/// True while a process with this pid exists and is not a zombie.
pub fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes.
pub fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    condition()
}

/// Text of a command's stdout and stderr.
pub fn texts(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
