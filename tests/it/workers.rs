//! Ingest workers as separate processes: `clickprint worker` beside a
//! service, killed with SIGKILL in the middle of a task; and a service
//! killed in the middle of its own workers' task.

use std::process::{Command, Stdio};
use std::time::Duration;

use clickprint_tests::{
    Api, Service, admin_token, clickprint, data_dir, ffmpeg, image_source, melody_source,
    run_with_timeout, texts, wait_until,
};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::json;

const ENV: [(&str, &str); 2] = [
    ("CLICKPRINT_WORKERS", "0"),
    ("CLICKPRINT_TASK_LEASE_SECS", "3"),
];

fn worker(dir: &std::path::Path) -> std::process::Child {
    let mut command = clickprint(dir);
    for (k, v) in ENV {
        command.env(k, v);
    }
    command
        .arg("worker")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("clickprint worker")
}

/// One statement through the running service (`clickprint sql --json`).
fn sql(dir: &std::path::Path, query: &str) -> serde_json::Value {
    let mut command = clickprint(dir);
    command.args(["sql", "--json", query]);
    let output = run_with_timeout(command, Duration::from_secs(120));
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{query}: {stderr}");
    serde_json::from_str(&stdout).expect("JSON rows")
}

/// The task table, read with psql at the private cluster's socket.
fn task_row(dir: &std::path::Path, media: i64) -> String {
    let output = Command::new("psql")
        .args(["-h"])
        .arg(dir.join("run"))
        .args(["-U", "clickprint", "-d", "clickprint", "-Atc"])
        .arg(format!(
            "SELECT state, attempts FROM tasks WHERE media_id = {media}"
        ))
        .output()
        .expect("psql (Debian postgresql-client)");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A 40-second video, long enough that a kill lands inside its task.
fn long_clip(files: &std::path::Path) -> std::path::PathBuf {
    ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            &image_source(3).replace("life=", "life=rate=25:"),
            "-f",
            "lavfi",
            "-i",
            &melody_source(5, 40),
            "-t",
            "40",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
        ],
        &files.join("clip.mp4"),
    )
}

#[test]
fn a_killed_worker_loses_its_task_and_the_rows_land_once() {
    let dir = data_dir("workers-kill");
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let service = Service::start_with(dir.path(), &ENV);
    let admin = Api::new(&service.url, Some(&admin_token(dir.path())));
    let tenant = |name: &str| admin.create_tenant(&json!({ "name": name }));
    let (tenant_id, api) = tenant("acme");
    let clip = long_clip(&files);
    let mut first = worker(dir.path());
    let media = taken(&api, &clip, "the first worker never took the task");
    kill(Pid::from_raw(first.id() as i32), Signal::SIGKILL).unwrap();
    first.wait().unwrap();
    assert_eq!(task_row(dir.path(), media), "running|1");

    // Another worker takes it once the lease (3 s) runs out.
    let mut second = worker(dir.path());
    let mut last = serde_json::Value::Null;
    assert!(
        wait_until(Duration::from_secs(240), || {
            last = api.get(&format!("/v1/media/{media}")).1;
            last["status"] == "ready"
        }),
        "{last}"
    );
    assert_eq!(task_row(dir.path(), media), "done|2");
    let _ = kill(Pid::from_raw(second.id() as i32), Signal::SIGTERM);
    second.wait().unwrap();

    // Exactly one copy: one end marker, and (parts merged, as ClickHouse
    // does in the background) as many rows as a single clean ingest of
    // the same file into another tenant gives.
    let (_, control) = tenant("control");
    let mut third = worker(dir.path());
    let (_, item) = control.post_file("/v1/media", &clip, &[]);
    let control_media = item["id"].as_i64().unwrap();
    assert!(wait_until(Duration::from_secs(240), || {
        control.get(&format!("/v1/media/{control_media}")).1["status"] == "ready"
    }));
    let _ = kill(Pid::from_raw(third.id() as i32), Signal::SIGTERM);
    third.wait().unwrap();
    let markers = sql(
        dir.path(),
        &format!(
            "SELECT count() AS n FROM clickprint.media_ingested FINAL \
             WHERE tenant_id = {tenant_id} AND media_id = {media}"
        ),
    );
    assert_eq!(markers[0]["n"], 1, "{markers}");
    sql(dir.path(), "OPTIMIZE TABLE clickprint.fp_keys FINAL");
    sql(dir.path(), "OPTIMIZE TABLE clickprint.fp_media FINAL");
    for table in ["fp_keys", "fp_media"] {
        let counts = sql(
            dir.path(),
            &format!(
                "SELECT countIf(media_id = {media}) AS killed, \
                 countIf(media_id = {control_media}) AS clean FROM clickprint.{table}"
            ),
        );
        assert!(counts[0]["clean"].as_u64().unwrap() > 0, "{counts}");
        assert_eq!(counts[0]["killed"], counts[0]["clean"], "{table}: {counts}");
    }
    drop(service);
}

/// Issue 18, item 10: after a crash, in-flight items showed `processing`
/// for the whole 300 s lease. A restarted service now ends the leases of
/// workers whose process is gone (worker names carry the process id) and
/// takes their tasks at once.
#[test]
fn after_a_crash_in_flight_items_do_not_wait_out_the_lease() {
    let dir = data_dir("workers-crash-lease");
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    // The default lease: 300 s.
    let env = [("CLICKPRINT_WORKERS", "1")];
    let service = Service::start_with(dir.path(), &env);
    let admin = Api::new(&service.url, Some(&admin_token(dir.path())));
    let (_, api) = admin.create_tenant(&json!({ "name": "acme" }));
    let clip = long_clip(&files);
    let media = taken(&api, &clip, "the worker never took the task");
    // The private Postgres goes down with the service; its rows stay.
    service.stop_with(Signal::SIGKILL);

    let service = Service::start_with(dir.path(), &env);
    let api = api_at(&service.url, &api);
    // Taken again long before the lease would have run out.
    let mut row = String::new();
    assert!(
        wait_until(Duration::from_secs(60), || {
            row = task_row(dir.path(), media);
            row.ends_with("|2")
        }),
        "the task is still held by the dead service's worker: {row}"
    );
    let mut last = serde_json::Value::Null;
    assert!(
        wait_until(Duration::from_secs(240), || {
            last = api.get(&format!("/v1/media/{media}")).1;
            last["status"] == "ready"
        }),
        "{last}"
    );
    drop(service);
}

/// `api`'s key against a service restarted on another port.
fn api_at(url: &str, api: &Api) -> Api {
    let mut moved = api.clone();
    moved.url = url.to_owned();
    moved
}

/// Adds `clip` as an item and waits until a worker has taken its task
/// (status `processing`); gives the item's id. Panics with `never` if no
/// worker takes it within a minute.
fn taken(api: &Api, clip: &std::path::Path, never: &str) -> i64 {
    let (status, item) = api.post_file("/v1/media", clip, &[]);
    assert_eq!(status, 202, "{item}");
    let media = item["id"].as_i64().expect("the item's id");
    assert!(
        wait_until(Duration::from_secs(60), || {
            api.get(&format!("/v1/media/{media}")).1["status"] == "processing"
        }),
        "{never}"
    );
    media
}
