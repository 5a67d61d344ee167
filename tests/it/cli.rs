//! The command-line contract scripts rely on: `tenant create`, `ingest`,
//! `search --json`, with no service running and through one.

use std::path::Path;

use clickprint_tests::{
    Service, data_dir, ffmpeg, image_source, melody_source, run_clickprint, search_json,
};
use serde_json::Value;

fn run(dir: &Path, args: &[&str]) -> (bool, String, String) {
    run_clickprint(dir, args, &[])
}

fn search(dir: &Path, file: &Path) -> Value {
    search_json(dir, "acme", file, &[])
}

#[test]
fn tenant_ingest_and_search_work_with_and_without_a_service() {
    let dir = data_dir("cli");
    let data = dir.path().join("data");
    let library = dir.path().join("library");
    std::fs::create_dir_all(library.join("sub")).unwrap();
    let picture = ffmpeg(
        &["-f", "lavfi", "-i", &image_source(5), "-frames:v", "1"],
        &library.join("board.png"),
    );
    let track = ffmpeg(
        &["-f", "lavfi", "-i", &melody_source(3, 20), "-b:a", "128k"],
        &library.join("sub").join("tune.mp3"),
    );

    // No service: the command opens the stores itself.
    let (ok, stdout, stderr) = run(&data, &["tenant", "create", "acme"]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout.trim(), "1");
    let (ok, stdout, stderr) = run(
        &data,
        &["ingest", "--tenant", "acme", library.to_str().unwrap()],
    );
    assert!(ok, "{stderr}");
    assert_eq!(stdout.trim(), "2 ready, 0 failed");

    let queries = dir.path().join("queries");
    std::fs::create_dir_all(&queries).unwrap();
    let copy = ffmpeg(
        &["-i", picture.to_str().unwrap(), "-q:v", "12"],
        &queries.join("copy.jpg"),
    );
    let answer = search(&data, &copy);
    let top = &answer["matches"][0];
    assert_eq!(top["external_id"], "board.png", "{answer}");
    assert_eq!(top["modality"], "image");
    assert!(top["score"].as_f64().unwrap() >= 0.3);
    assert_eq!(top["query_range"], Value::Null);
    assert_eq!(top["reference_range"], Value::Null);
    assert!(answer["timings_ms"]["total"].as_f64().is_some(), "{answer}");
    upkeep_recounts_the_tenants_stop_list(&data);

    // search_treats_a_url_as_a_path: `search URL` said the URL was no
    // file; it is downloaded under the fetch policy, as the API does.
    let url = format!("{}/copy.jpg", clickprint_tests::file_server(&queries));
    let (ok, stdout, stderr) = run_clickprint(
        &data,
        &["search", "--tenant", "acme", &url, "--json"],
        &[("CLICKPRINT_FETCH_ALLOW_PRIVATE", "true")],
    );
    assert!(ok, "{stderr}");
    let by_url: Value = serde_json::from_str(&stdout).expect("search prints JSON");
    assert_eq!(by_url["matches"][0]["external_id"], "board.png", "{by_url}");
    // The policy holds: a loopback address is refused by default, and
    // the downloaded query is not left behind.
    let (ok, _, stderr) = run(&data, &["search", "--tenant", "acme", &url]);
    assert!(!ok && stderr.contains("loopback address"), "{stderr}");
    let uploads: Vec<_> = std::fs::read_dir(data.join("uploads"))
        .expect("the uploads folder")
        .collect();
    assert!(uploads.is_empty(), "{uploads:?}");

    // Through a running service: the same contract.
    let service = Service::start(&data);
    upkeep_recounts_the_tenants_stop_list(&data);
    let excerpt = ffmpeg(
        &["-ss", "5", "-t", "6", "-i", track.to_str().unwrap()],
        &queries.join("excerpt.wav"),
    );
    let answer = search(&data, &excerpt);
    let top = &answer["matches"][0];
    assert_eq!(top["external_id"], "tune.mp3", "{answer}");
    assert_eq!(top["modality"], "audio");
    let (q, r) = (&top["query_range"], &top["reference_range"]);
    let offset = r[0].as_f64().unwrap() - q[0].as_f64().unwrap();
    assert!((offset - 5.0).abs() < 1.0, "{answer}");
    assert!(r[1].as_f64().unwrap() > r[0].as_f64().unwrap());
    // One excerpt: one segment, the top level's.
    let segments = top["segments"].as_array().expect("segments");
    assert_eq!(segments.len(), 1, "{answer}");
    assert_eq!(
        (&segments[0]["query_start"], &segments[0]["reference_end"]),
        (&q[0], &r[1]),
        "{answer}"
    );

    // A file that is not media: the item fails with the decoder's reason
    // and the command says so with a non-zero exit.
    let junk = dir.path().join("junk.png");
    std::fs::write(&junk, b"not a picture").unwrap();
    let (ok, stdout, stderr) = run(
        &data,
        &["ingest", "--tenant", "acme", junk.to_str().unwrap()],
    );
    assert!(!ok, "{stdout}");
    assert!(stderr.contains("failed: junk.png"), "{stderr}");
    assert!(
        stderr.contains("not an image, audio or video file"),
        "{stderr}"
    );
    let (ok, _, stderr) = run(
        &data,
        &["search", "--tenant", "nobody", junk.to_str().unwrap()],
    );
    assert!(!ok && stderr.contains("no tenant nobody"), "{stderr}");

    // Issue 20: many queries at once (a folder, a file that is not media,
    // a library item), one JSON line each; the undecodable one is reported
    // and the others answered.
    let (ok, stdout, stderr) = run(
        &data,
        &[
            "search",
            "--tenant",
            "acme",
            "--json",
            queries.to_str().unwrap(),
            junk.to_str().unwrap(),
            "--item",
            "1",
        ],
    );
    assert!(!ok, "a failed query makes the exit status 1: {stdout}");
    assert!(stderr.contains("1 of 4 queries failed"), "{stderr}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let labels: Vec<&str> = lines.iter().map(|l| l["query"].as_str().unwrap()).collect();
    let in_queries = |name: &str| queries.join(name).to_string_lossy().into_owned();
    assert_eq!(
        labels,
        [
            in_queries("copy.jpg").as_str(),
            in_queries("excerpt.wav").as_str(),
            junk.to_str().unwrap(),
            "media:1"
        ],
        "{stdout}"
    );
    assert_eq!(
        lines[0]["matches"][0]["external_id"], "board.png",
        "{stdout}"
    );
    assert_eq!(
        lines[1]["matches"][0]["external_id"], "tune.mp3",
        "{stdout}"
    );
    assert!(
        lines[2]["error"].as_str().is_some_and(|e| !e.is_empty()) && lines[2]["matches"].is_null(),
        "{stdout}"
    );
    // By item: the picture is no match of itself.
    assert!(
        lines[3]["matches"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["media_id"] != 1),
        "{stdout}"
    );
    // CSV: a header, then a row a match.
    let (ok, stdout, stderr) = run(
        &data,
        &[
            "search",
            "--tenant",
            "acme",
            "--csv",
            "--top-k",
            "1",
            queries.join("copy.jpg").to_str().unwrap(),
            "--item",
            "2",
        ],
    );
    assert!(ok, "{stderr}");
    let rows: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        rows[0],
        "query,rank,media_id,external_id,score,query_start,query_end,reference_start,reference_end,evidence"
    );
    assert!(
        rows[1].starts_with(&format!("{},1,1,board.png,", in_queries("copy.jpg"))),
        "{stdout}"
    );
    assert!(
        rows[2..].iter().all(|r| !r.starts_with("media:2,1,2,")),
        "{stdout}"
    );
    // An item of another tenant, or none, is a failed query, said so.
    let (ok, _, stderr) = run(&data, &["search", "--tenant", "acme", "--item", "999"]);
    assert!(
        !ok && stderr.contains("media:999") && stderr.contains("999"),
        "{stderr}"
    );
    drop(service);

    // search_min_score_2_and_top_k_0_are_refused_as_the_api_refuses_them:
    // with no service the command searched with them anyway.
    for bad in [["--min-score", "2"], ["--top-k", "0"]] {
        let args = [
            &["search", "--tenant", "acme"][..],
            &bad,
            &[copy.to_str().unwrap()],
        ]
        .concat();
        let (ok, stdout, stderr) = run(&data, &args);
        assert!(!ok, "{bad:?} accepted: {stdout}");
        assert!(
            stderr.contains("top_k is 1..1000 and min_score 0..1"),
            "{stderr}"
        );
    }
}

#[test]
fn a_command_run_from_the_wrong_folder_creates_a_data_dir() {
    let dir = data_dir("cli-wrong-folder");
    let missing = dir.path().join("data");
    for args in [
        &["tenant", "list"][..],
        &["sql", "SELECT 1"],
        &["search", "--tenant", "acme", "x.png"],
        &["upkeep"],
    ] {
        let (ok, _, stderr) = run(&missing, args);
        assert!(!ok, "{args:?}");
        assert!(
            stderr.contains("no data directory at") && stderr.contains("--data-dir"),
            "{args:?}: {stderr}"
        );
        assert!(!missing.exists(), "{args:?} created {}", missing.display());
    }
    // With no --data-dir, from a folder without `data`: the default.
    let mut list = std::process::Command::new(clickprint_tests::binary("clickprint"));
    list.current_dir(dir.path())
        .env_remove("CLICKPRINT_DATA_DIR")
        .env_remove("CLICKPRINT_CONFIG")
        .args(["tenant", "list"]);
    let output = clickprint_tests::run_with_timeout(list, std::time::Duration::from_secs(60));
    let (_, stderr) = clickprint_tests::texts(&output);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("no data directory at"), "{stderr}");
    assert!(
        !missing.exists(),
        "tenant list created {}",
        missing.display()
    );
    // `tenant create` makes a new one, and then `tenant list` reads it.
    let (ok, _, stderr) = run(&missing, &["tenant", "create", "acme"]);
    assert!(ok, "{stderr}");
    let (ok, stdout, stderr) = run(&missing, &["tenant", "list"]);
    assert!(ok && stdout.contains("acme"), "{stdout}{stderr}");
}

/// `clickprint upkeep` reports tenant 1's recounted stop list (two small
/// items hold no key 10,000 times) and a purge with nothing to purge.
fn upkeep_recounts_the_tenants_stop_list(data: &Path) {
    let (ok, stdout, stderr) = run(data, &["upkeep"]);
    assert!(ok, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("upkeep prints JSON");
    assert_eq!(
        report["stop_lists"],
        serde_json::json!([{"tenant": 1, "keys": 0}]),
        "{report}"
    );
    assert_eq!(report["purged"]["media"], 0, "{report}");
}

/// Runs `command` with its stdout closed before it writes (a reader that
/// went away, as `| head` does); gives its exit status and stderr.
fn with_closed_stdout(mut command: std::process::Command) -> (std::process::ExitStatus, String) {
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the command starts");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("the command ends");
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn sql_fingerprint_and_inspect_piped_into_head_panic_on_the_closed_pipe() {
    let dir = data_dir("cli-pipe");
    let data = dir.path().to_path_buf();
    let picture = ffmpeg(
        &["-f", "lavfi", "-i", &image_source(3), "-frames:v", "1"],
        &dir.path().join("board.png"),
    );
    let picture = picture.to_str().unwrap();
    let mut sql = clickprint_tests::clickprint(&data);
    sql.args(["sql", "SELECT number FROM system.numbers LIMIT 100000"]);
    let mut fingerprint = clickprint_tests::clickprint(&data);
    fingerprint.args(["fingerprint", "--json", picture]);
    let mut inspect =
        std::process::Command::new(clickprint_tests::binaries_dir().join("clickprint-udf"));
    inspect.args(["inspect", picture]);
    for (name, command) in [
        ("sql", sql),
        ("fingerprint", fingerprint),
        ("inspect", inspect),
    ] {
        let (status, stderr) = with_closed_stdout(command);
        assert!(
            status.success() && !stderr.contains("panicked"),
            "{name}: {status}: {stderr}"
        );
    }
}
