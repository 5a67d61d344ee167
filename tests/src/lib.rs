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

/// The folder cargo builds binaries into (`target/<profile>`), where the
/// `clickprint-udf` executable sits. Test binaries live in its `deps/`.
pub fn binaries_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_path_buf()
}

/// The path of a workspace binary (`target/<profile>/<name>`), built by
/// `cargo build --workspace` (which `scripts/test.sh` runs).
pub fn binary(name: &str) -> PathBuf {
    let path = binaries_dir().join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build --workspace` (scripts/test.sh does)",
        path.display()
    );
    path
}

/// A fresh data directory under the system temp folder (which the
/// `postgres` user can reach when tests run as root).
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

/// A running `clickprint-sidecar` on a free loopback port, killed when
/// dropped.
#[derive(Debug)]
pub struct Sidecar {
    child: Child,
    /// `grpc://127.0.0.1:PORT`.
    pub endpoint: String,
}

impl Sidecar {
    /// Starts it with extra arguments and environment, and waits until it
    /// says where it listens.
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Sidecar {
        let mut command = Command::new(binary("clickprint-sidecar"));
        for (key, _) in std::env::vars() {
            if key.starts_with("CLICKPRINT_") {
                command.env_remove(key);
            }
        }
        let mut child = command
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .spawn()
            .expect("clickprint-sidecar starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("the sidecar says where it listens");
        let endpoint = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Sidecar { child, endpoint }
    }

    /// Sends it SIGTERM (it stops after the requests in flight).
    pub fn terminate(&self) {
        let pid = Pid::from_raw(i32::try_from(self.child.id()).expect("a pid"));
        kill(pid, Signal::SIGTERM).expect("SIGTERM to the sidecar");
    }

    /// Waits for it to exit by itself.
    pub fn wait(&mut self) -> ExitStatus {
        self.child.wait().expect("wait for the sidecar")
    }

    /// Kills it and waits for it.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `clickprint --data-dir DIR ARGS...` with `env` added, run to completion
/// (5 minutes at most): (success, stdout, stderr).
pub fn run_clickprint(
    data_dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (bool, String, String) {
    let mut command = clickprint(data_dir);
    command.args(args).envs(env.iter().copied());
    let output = run_with_timeout(command, Duration::from_secs(300));
    let (stdout, stderr) = texts(&output);
    (output.status.success(), stdout, stderr)
}

/// The answer of `clickprint search --tenant TENANT FILE --json`, with
/// `env` added; panics when the command fails.
pub fn search_json(
    data_dir: &Path,
    tenant: &str,
    file: &Path,
    env: &[(&str, &str)],
) -> serde_json::Value {
    let file = file.to_str().expect("a UTF-8 path");
    let (ok, stdout, stderr) = run_clickprint(
        data_dir,
        &["search", "--tenant", tenant, file, "--json"],
        env,
    );
    assert!(ok, "{stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
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
    /// The base URL of its ClickHouse HTTP interface, when it serves one
    /// (`CLICKPRINT_CLICKHOUSE_HTTP_LISTEN`).
    pub clickhouse_http: Option<String>,
    log: PathBuf,
}

impl Service {
    /// Starts `clickprint serve` on a free port and waits until it listens.
    pub fn start(data_dir: &Path) -> Service {
        Service::start_with(data_dir, &[])
    }

    /// [`Service::start`] with settings as `CLICKPRINT_*` variables, e.g.
    /// `("CLICKPRINT_WORKERS", "0")`.
    pub fn start_with(data_dir: &Path, env: &[(&str, &str)]) -> Service {
        std::fs::create_dir_all(data_dir).expect("data dir");
        let log = data_dir.join("test-serve.log");
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("service log");
        let mut command = clickprint(data_dir);
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .expect("spawn clickprint serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        let (clickhouse_tx, clickhouse_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // Printed before the API's line, when served.
                if let Some(url) = line.strip_prefix("clickhouse http interface listening on ") {
                    let _ = clickhouse_tx.send(url.trim().to_owned());
                }
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
            clickhouse_http: clickhouse_rx.try_recv().ok(),
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

/// The admin token of the service owning `data_dir`.
pub fn admin_token(data_dir: &Path) -> String {
    std::fs::read_to_string(data_dir.join("admin.token"))
        .expect("the service's admin.token")
        .trim()
        .to_owned()
}

/// A blocking HTTP client for the API, with a bearer token.
#[derive(Debug, Clone)]
pub struct Api {
    /// The service's base URL.
    pub url: String,
    token: Option<String>,
    client: reqwest::blocking::Client,
}

impl Api {
    /// A client for `url`, authenticating with `token` when given.
    pub fn new(url: &str, token: Option<&str>) -> Self {
        Api {
            url: url.to_owned(),
            token: token.map(str::to_owned),
            client: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(300))
                .build()
                .expect("client"),
        }
    }

    /// As an operator: creates a tenant from `body` (JSON) and a key for
    /// it; the tenant's id and a client with its key.
    pub fn create_tenant(&self, body: &serde_json::Value) -> (i64, Api) {
        let (status, tenant) = self.post_json("/v1/admin/tenants", body);
        assert_eq!(status, 201, "{tenant}");
        let id = tenant["id"].as_i64().expect("a tenant id");
        let (status, key) = self.post_json(
            &format!("/v1/admin/tenants/{id}/keys"),
            &serde_json::json!({}),
        );
        assert_eq!(status, 201, "{key}");
        (id, self.with_token(key["key"].as_str().expect("a key")))
    }

    /// Its token, if it has one.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The same service with another token.
    pub fn with_token(&self, token: &str) -> Self {
        Api::new(&self.url, Some(token))
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::blocking::RequestBuilder {
        let r = self.client.request(method, format!("{}{path}", self.url));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    fn answer(response: reqwest::blocking::Response) -> (u16, serde_json::Value) {
        let status = response.status().as_u16();
        let text = response.text().expect("body");
        let value = if text.trim().is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
        };
        (status, value)
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> (u16, serde_json::Value) {
        Api::answer(
            self.request(reqwest::Method::GET, path)
                .send()
                .expect("GET"),
        )
    }

    /// `GET path`, the whole response (for its headers).
    pub fn get_response(&self, path: &str) -> reqwest::blocking::Response {
        self.request(reqwest::Method::GET, path)
            .send()
            .expect("GET")
    }

    /// `DELETE path`.
    pub fn delete(&self, path: &str) -> (u16, serde_json::Value) {
        Api::answer(
            self.request(reqwest::Method::DELETE, path)
                .send()
                .expect("DELETE"),
        )
    }

    /// `POST path` with a JSON body.
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        Api::answer(
            self.request(reqwest::Method::POST, path)
                .json(body)
                .send()
                .expect("POST"),
        )
    }

    /// `PATCH path` with a JSON body.
    pub fn patch_json(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        Api::answer(
            self.request(reqwest::Method::PATCH, path)
                .json(body)
                .send()
                .expect("PATCH"),
        )
    }

    /// `POST path` with a raw body of a content type.
    pub fn post_body(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (u16, serde_json::Value) {
        Api::answer(
            self.request(reqwest::Method::POST, path)
                .header("content-type", content_type)
                .body(body)
                .send()
                .expect("POST"),
        )
    }

    /// `POST path` with a raw body of a content type and extra headers.
    pub fn post_body_with(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        let mut request = self
            .request(reqwest::Method::POST, path)
            .header("content-type", content_type);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Api::answer(request.body(body).send().expect("POST"))
    }

    /// `POST path` with a multipart form: `file` from disk plus text fields.
    pub fn post_file(
        &self,
        path: &str,
        file: &Path,
        fields: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        self.post_files(path, &[("file", file)], fields)
    }

    /// `POST path` with a multipart form: file parts from disk, by part
    /// name, plus text fields.
    pub fn post_files(
        &self,
        path: &str,
        files: &[(&str, &Path)],
        fields: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        let mut form = reqwest::blocking::multipart::Form::new();
        for (name, file) in files {
            form = form
                .file((*name).to_owned(), file)
                .expect("the file to upload");
        }
        for (k, v) in fields {
            form = form.text((*k).to_owned(), (*v).to_owned());
        }
        Api::answer(
            self.request(reqwest::Method::POST, path)
                .multipart(form)
                .send()
                .expect("POST"),
        )
    }
}

/// A ZIP archive of `entries` (name, bytes), deflated, written to `path`;
/// its bytes.
pub fn zip_of(path: &Path, entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let file = std::fs::File::create(path).expect("the zip file");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        zip.start_file(*name, options).expect("writing the zip");
        zip.write_all(data).expect("writing the zip");
    }
    zip.finish().expect("writing the zip");
    std::fs::read(path).expect("writing the zip")
}

/// Serves the files of a folder over HTTP on loopback, one thread per
/// connection, until the process ends. Returns the base URL.
pub fn file_server(dir: &Path) -> String {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let dir = dir.clone();
            std::thread::spawn(move || {
                let Some(text) = read_request(&mut stream) else {
                    return;
                };
                let path = text.split_whitespace().nth(1).unwrap_or("/");
                let name = path.trim_start_matches('/');
                let file = (!name.contains("..")).then(|| dir.join(name));
                match file.and_then(|f| std::fs::read(f).ok()) {
                    Some(body) => {
                        let _ = write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        );
                        let _ = stream.write_all(&body);
                    }
                    None => {
                        let _ = stream.write_all(
                            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        );
                    }
                }
            });
        }
    });
    url
}

/// The head of an HTTP request read from `stream`, `None` if the client
/// went away first.
fn read_request(stream: &mut std::net::TcpStream) -> Option<String> {
    use std::io::Read;
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    Some(String::from_utf8_lossy(&request).into_owned())
}

/// An HTTP server on loopback that drips its answer: `body` in twenty
/// pieces 100 ms apart (two seconds whole), or with `None` a large declared
/// body a byte every 50 ms for as long as the client stays. Returns its URL
/// and a channel that gets the time each answer ended, sent whole or the
/// client gone.
pub fn drip_server(
    body: Option<Vec<u8>>,
) -> (String, std::sync::mpsc::Receiver<std::time::Instant>) {
    use std::io::Write;
    use std::time::Duration;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/media", listener.local_addr().expect("addr"));
    let (ended, ends) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (ended, body) = (ended.clone(), body.clone());
            std::thread::spawn(move || {
                if read_request(&mut stream).is_none() {
                    return;
                }
                let length = body.as_ref().map_or(100_000_000, Vec::len);
                let mut sent = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
                );
                match &body {
                    Some(body) => {
                        for piece in body.chunks(body.len().div_ceil(20).max(1)) {
                            std::thread::sleep(Duration::from_millis(100));
                            sent = sent.and_then(|()| stream.write_all(piece));
                        }
                    }
                    None => {
                        while sent.is_ok() {
                            std::thread::sleep(Duration::from_millis(50));
                            sent = stream.write_all(b"\0").and_then(|()| stream.flush());
                        }
                    }
                }
                let _ = ended.send(std::time::Instant::now());
            });
        }
    });
    (url, ends)
}

/// Runs ffmpeg (quiet, overwriting) to make a test medium at `out`.
pub fn ffmpeg(args: &[&str], out: &Path) -> PathBuf {
    let output = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-nostdin"])
        .args(args)
        .arg(out)
        .output()
        .expect("ffmpeg runs (scripts/setup.sh installs it)");
    assert!(
        output.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    out.to_path_buf()
}

/// `video` with `subtitles` (an SRT or WebVTT file) muxed in as an MP4
/// text stream (mov_text), tagged with `language` when one is given; the
/// picture stream is copied, not encoded again.
pub fn mux_subtitles(
    video: &Path,
    subtitles: &Path,
    language: Option<&str>,
    out: &Path,
) -> PathBuf {
    let tag = language.map(|l| format!("language={l}"));
    let mut args = vec![
        "-i",
        video.to_str().expect("a UTF-8 path"),
        "-i",
        subtitles.to_str().expect("a UTF-8 path"),
        "-map",
        "0",
        "-map",
        "1",
        "-c:v",
        "copy",
        "-c:s",
        "mov_text",
    ];
    if let Some(tag) = &tag {
        args.extend(["-metadata:s:s:0", tag.as_str()]);
    }
    ffmpeg(&args, out)
}

/// A picture (`original.png`, 640x480 of the Mandelbrot set) and a JPEG
/// copy of its central 85% (`CROP`, in `dir`): the copy a search of the
/// library must find.
pub fn picture_and_crop(dir: &Path, crop: &str) -> (PathBuf, PathBuf) {
    let original = ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "mandelbrot=s=640x480:start_scale=1.5",
            "-frames:v",
            "1",
        ],
        &dir.join("original.png"),
    );
    let copy = ffmpeg(
        &[
            "-i",
            original.to_str().expect("a UTF-8 path"),
            "-vf",
            "crop=iw*0.85:ih*0.85",
        ],
        &dir.join(crop),
    );
    (original, copy)
}

/// A melody of `seconds` as an ffmpeg source: 250 ms notes whose pitches
/// depend on `seed`, so two seeds never align.
pub fn melody_source(seed: u64, seconds: u32) -> String {
    let (a, b) = (seed as f64 * 1.37 + 0.11, seed as f64 * 2.71 + 0.53);
    format!(
        "aevalsrc=exp(-8*mod(t\\,0.25))*(0.5*sin(2*PI*t*(200+1500*abs(sin(floor(t*4)*{a}))))\\
         +0.3*sin(2*PI*t*(300+2000*abs(sin(floor(t*4)*{b}))))):s=22050:d={seconds}"
    )
}

/// The lavfi picture number `i`: random Game of Life boards, blocky
/// (cells scaled up) or blurred into blobs, all different.
pub fn image_source(i: u64) -> String {
    match i % 2 {
        0 => format!("life=s=120x90:seed={i}:ratio=0.35,scale=480:360:flags=neighbor"),
        _ => format!("life=s=240x180:seed={i}:ratio=0.3,scale=480:360,boxblur=3"),
    }
}

/// Generated soft pictures (640x480, grey): few corners, and a crop moves
/// their global hash, so their layout finds their crops
/// (`clickprint_core::fingerprint::layout`). Blobs of a Game of Life
/// board blurred, and soft shapes on a gradient.
pub const SOFT_SOURCES: [(&str, &str); 2] = [
    (
        "life-soft",
        "life=s=160x120:seed=5:ratio=0.3,scale=640:480,gblur=sigma=12",
    ),
    (
        "soft-shapes",
        "nullsrc=s=640x480,format=gray,geq=lum='70+60*X/W+30*Y/H\
         +60/(1+exp(128*(hypot(X/W-0.3\\,Y/H-0.4)-0.25)))\
         -45/(1+exp(128*(hypot(X/W-0.6\\,Y/H-0.55)-0.3)))\
         +35/(1+exp(128*(hypot(X/W-0.75\\,Y/H-0.25)-0.18)))\
         -30/(1+exp(128*(hypot(X/W-0.2\\,Y/H-0.8)-0.2)))'",
    ),
];

/// An ffmpeg filter drawing a caption as the evaluation's `text_overlay`
/// does (a box darkened by 60% over the bottom of the picture, white
/// strokes in it), without a font: on a soft picture it is most of the
/// copy's detail, which the layout leaves out
/// (`clickprint_core::fingerprint::layout`, step 6).
pub const CAPTION_FILTER: &str = "drawbox=x=iw/20:y=ih*0.8:w=iw*0.6:h=ih*0.12:color=black@0.6:t=fill,\
     drawbox=x=iw*0.08:y=ih*0.83:w=iw*0.015:h=ih*0.06:color=white:t=fill,\
     drawbox=x=iw*0.14:y=ih*0.83:w=iw*0.015:h=ih*0.06:color=white:t=fill,\
     drawbox=x=iw*0.2:y=ih*0.83:w=iw*0.04:h=ih*0.015:color=white:t=fill,\
     drawbox=x=iw*0.27:y=ih*0.83:w=iw*0.015:h=ih*0.06:color=white:t=fill,\
     drawbox=x=iw*0.33:y=ih*0.845:w=iw*0.05:h=ih*0.015:color=white:t=fill,\
     drawbox=x=iw*0.41:y=ih*0.83:w=iw*0.015:h=ih*0.06:color=white:t=fill,\
     drawbox=x=iw*0.47:y=ih*0.83:w=iw*0.015:h=ih*0.06:color=white:t=fill,\
     drawbox=x=iw*0.53:y=ih*0.875:w=iw*0.04:h=ih*0.015:color=white:t=fill";

/// Generated pictures that vary one way (stripes of uneven rhythm under a
/// vignette, 640x360, grey): almost no corners, and a crop moves their
/// global hash, so only their 1-D profile finds their copies
/// (`clickprint_core::fingerprint::profile`). Two rhythms: bars of sharp
/// edges, and fine ribs of a sine under a slower gate.
pub const STRIPED_SOURCES: [(&str, &str); 2] = [
    (
        "bars",
        "nullsrc=s=640x360,format=gray,geq=lum='68+120*gt(sin(2*PI*X/22+6*sin(2*PI*X/170)+3*sin(2*PI*X/97))\\,0)-40*abs(Y/H-0.5)'",
    ),
    (
        "ribs",
        "nullsrc=s=640x360,format=gray,geq=lum='128+55*sin(2*PI*X/15+9*sin(2*PI*X/260)+4*sin(2*PI*X/83))*gt(sin(2*PI*X/61)\\,-0.6)-40*abs(Y/H-0.5)'",
    ),
];
