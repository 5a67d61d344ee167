//! The embedded engine's search with the UDF executables delegating to a
//! `clickprint-sidecar`: the same answers as without it. Each `clickprint`
//! command is its own process, so its UDF processes see the environment it
//! was started with (chDB does not reload functions within a process).

use std::path::Path;

use clickprint_tests::{
    Sidecar, data_dir, ffmpeg, image_source, melody_source, run_clickprint, search_json,
};
use serde_json::Value;

const USER: &str = "clickhouse";
const PASSWORD: &str = "s3cret";

/// The matches of `search --json`, without the timings.
fn matches(dir: &Path, file: &Path, env: &[(&str, &str)]) -> Value {
    search_json(dir, "acme", file, env)["matches"].clone()
}

#[test]
fn searches_through_the_sidecar_give_the_same_answers() {
    let dir = data_dir("sidecar");
    let data = dir.path().join("data");
    let library = dir.path().join("library");
    let queries = dir.path().join("queries");
    std::fs::create_dir_all(&library).unwrap();
    std::fs::create_dir_all(&queries).unwrap();
    let picture = ffmpeg(
        &["-f", "lavfi", "-i", &image_source(11), "-frames:v", "1"],
        &library.join("picture.png"),
    );
    ffmpeg(
        &["-f", "lavfi", "-i", &image_source(12), "-frames:v", "1"],
        &library.join("other.png"),
    );
    let track = ffmpeg(
        &["-f", "lavfi", "-i", &melody_source(4, 20), "-b:a", "96k"],
        &library.join("track.mp3"),
    );
    let video = ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "mandelbrot=s=320x240:r=25:start_scale=0.3",
            "-t",
            "12",
            "-pix_fmt",
            "yuv420p",
        ],
        &library.join("video.mp4"),
    );
    let sidecar = Sidecar::start(
        &["--user", USER],
        &[("CLICKPRINT_SIDECAR_PASSWORD", PASSWORD)],
    );
    let through = [
        ("CLICKPRINT_SIDECAR", sidecar.endpoint.as_str()),
        ("CLICKPRINT_SIDECAR_USER", USER),
        ("CLICKPRINT_SIDECAR_PASSWORD", PASSWORD),
    ];

    let (ok, _, stderr) = run_clickprint(&data, &["tenant", "create", "acme"], &[]);
    assert!(ok, "{stderr}");
    // The library's fingerprints are extracted through the sidecar too.
    let (ok, stdout, stderr) = run_clickprint(
        &data,
        &["ingest", "--tenant", "acme", library.to_str().unwrap()],
        &through,
    );
    assert!(ok, "{stderr}");
    assert_eq!(stdout.trim(), "4 ready, 0 failed");

    let crop = ffmpeg(
        &[
            "-i",
            picture.to_str().unwrap(),
            "-vf",
            "crop=iw*0.85:ih*0.85",
        ],
        &queries.join("crop.jpg"),
    );
    let excerpt = ffmpeg(
        &["-ss", "6", "-t", "6", "-i", track.to_str().unwrap()],
        &queries.join("excerpt.wav"),
    );
    let trimmed = ffmpeg(
        &["-ss", "3", "-i", video.to_str().unwrap(), "-b:v", "150k"],
        &queries.join("trimmed.mp4"),
    );
    for (query, expected) in [
        (&crop, "picture.png"),
        (&excerpt, "track.mp3"),
        (&trimmed, "video.mp4"),
    ] {
        let alone = matches(&data, query, &[]);
        let delegated = matches(&data, query, &through);
        assert_eq!(alone[0]["external_id"], expected, "{alone}");
        assert_eq!(delegated, alone, "{}", query.display());
    }

    // It did go through the sidecar: pointed at one that is not there,
    // the search fails saying so.
    let (ok, _, stderr) = run_clickprint(
        &data,
        &["search", "--tenant", "acme", crop.to_str().unwrap()],
        &[("CLICKPRINT_SIDECAR", "grpc://127.0.0.1:9")],
    );
    assert!(!ok);
    assert!(stderr.contains("sidecar grpc://127.0.0.1:9"), "{stderr}");
}
