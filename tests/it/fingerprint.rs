//! `clickprint fingerprint FILE [--json]`.

use std::time::Duration;

use clickprint_tests::{clickprint, data_dir, ffmpeg, run_with_timeout, texts};

#[test]
fn json_shows_frames_landmarks_and_timing() {
    let dir = data_dir("fingerprint-json");
    let video = dir.path().join("clip.mp4");
    ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x240:d=4",
            "-f",
            "lavfi",
            "-i",
            "sine=f=300:d=4",
            "-shortest",
            "-pix_fmt",
            "yuv420p",
        ],
        &video,
    );
    let mut command = clickprint(dir.path());
    command.arg("fingerprint").arg("--json").arg(&video);
    let output = run_with_timeout(command, Duration::from_secs(120));
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["kind"], "video");
    assert!(
        json["duration_ms"].as_u64().unwrap().abs_diff(4000) <= 100,
        "{}",
        json["duration_ms"]
    );
    let frames = json["frames"].as_array().unwrap();
    assert!(frames.len() >= 4, "{} frames", frames.len());
    assert_eq!(frames[0]["hash"].as_str().unwrap().len(), 64);
    assert!(json["audio"]["landmarks"].is_array());
    let local = json["local"].as_array().expect("local features");
    assert!(!local.is_empty(), "the first shot has local features");
    assert_eq!(
        local[0]["keypoints"][0]["descriptor"]
            .as_str()
            .map(str::len),
        Some(64),
        "{}",
        local[0]
    );
    assert!(json["elapsed_ms"].as_f64().unwrap() > 0.0);
}

/// Regression: ffmpeg logged decoder complaints to stderr, which fails a
/// ClickHouse query when a UDF does it (stderr_reaction throw).
#[test]
fn broken_media_gives_one_error_line_and_nothing_from_ffmpeg() {
    let dir = data_dir("fingerprint-broken");
    let fake = dir.path().join("words.jpg");
    std::fs::write(&fake, "not a picture").unwrap();
    let mut command = clickprint(dir.path());
    command.arg("fingerprint").arg(&fake);
    let output = run_with_timeout(command, Duration::from_secs(60));
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1));
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "stderr: {stderr}");
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains("words.jpg"),
        "{stderr}"
    );
}
