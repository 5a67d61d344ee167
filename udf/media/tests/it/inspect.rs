//! `clickprint-udf inspect`: one file for people, and `--time` over many
//! (the evaluation's in-process speed figure).

use std::io::Write;
use std::process::{Command, Stdio};

use clickprint_tests::{binary, ffmpeg};

#[test]
fn inspect_time_reports_each_file_and_stops_at_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let picture = ffmpeg(
        &["-f", "lavfi", "-i", "testsrc2=s=640x360", "-frames:v", "1"],
        &dir.path().join("picture.png"),
    );
    let sound = ffmpeg(
        &["-f", "lavfi", "-i", "sine=f=440:d=3", "-c:a", "libmp3lame"],
        &dir.path().join("sound.mp3"),
    );
    let broken = dir.path().join("broken.mp4");
    std::fs::write(&broken, b"not a video at all").unwrap();
    let run = |files: &[&std::path::Path]| {
        let mut child = Command::new(binary("clickprint-udf"))
            .args(["inspect", "--time"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        for file in files {
            writeln!(stdin, "{}", file.display()).unwrap();
        }
        drop(stdin);
        child.wait_with_output().unwrap()
    };

    let output = run(&[&picture, &sound]);
    assert!(output.status.success(), "{output:?}");
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    for (line, file) in lines.iter().zip([&picture, &sound]) {
        assert_eq!(line["path"], file.display().to_string());
        let seconds = line["seconds"]["clickprint"].as_f64().unwrap();
        assert!(seconds > 0.0 && seconds < 60.0, "{line}");
    }

    // The first file is reported, then the broken one stops the run with
    // its reason, and the file after it is not reached.
    let output = run(&[&picture, &broken, &sound]);
    assert!(!output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 1);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.mp4"), "{stderr}");
}
