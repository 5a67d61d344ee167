//! Real C programs, compiled against the committed header and linked
//! against the built `libclickprint_c.so`: one fingerprints a file, one
//! feeds sound it generated itself through the PCM API.

use std::path::{Path, PathBuf};
use std::process::Command;

use clickprint_c::ClickprintStatus;
use clickprint_core::fingerprint::pcm::PcmFingerprinter;

fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_path_buf()
}

/// `tests/c/NAME.c` compiled strictly into `dir`.
fn compile(name: &str, dir: &Path) -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib_dir = target_dir();
    assert!(
        lib_dir.join("libclickprint_c.so").is_file(),
        "{} has no libclickprint_c.so: run `cargo build --workspace` (scripts/test.sh does)",
        lib_dir.display()
    );
    let program = dir.join(name);
    let compiled = Command::new("cc")
        .arg(crate_dir.join("tests/c").join(format!("{name}.c")))
        .arg("-std=c99")
        .arg("-Wall")
        .arg("-Werror")
        .arg("-I")
        .arg(crate_dir.join("include"))
        .arg("-L")
        .arg(&lib_dir)
        .arg("-lclickprint_c")
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .arg("-lm")
        .arg("-o")
        .arg(&program)
        .output()
        .expect("cc runs");
    assert!(
        compiled.status.success(),
        "cc failed: {}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    program
}

/// The value after `key ` on the first output line that starts so.
fn value_of(stdout: &str, key: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(key).and_then(|rest| rest.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no `{key}` in:\n{stdout}"))
        .to_owned()
}

#[test]
fn a_c_program_fingerprints_through_the_header() {
    let work = tempfile::tempdir().expect("tempdir");
    let program = compile("smoke", work.path());

    let picture = work.path().join("picture.png");
    let made = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x240",
            "-frames:v",
            "1",
        ])
        .arg(&picture)
        .output()
        .expect("ffmpeg runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    let run = Command::new(&program)
        .arg(&picture)
        .output()
        .expect("the C program runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "exit {:?}\n{stdout}", run.status);
    let value = |key: &str| value_of(&stdout, key);
    assert_eq!(value("version"), clickprint_core::VERSION);
    assert_eq!(value("kind"), "1", "an image");
    assert_eq!(value("frames"), "1");
    // The C program's file hash is the library's.
    let expected = clickprint_media::file::fingerprint_file(&picture, &Default::default()).unwrap();
    assert_eq!(value("file_hash"), expected.frames[0].visual.hash.to_hex());
    assert_eq!(value("self_distance"), "0");
    assert_eq!(
        value("missing_status"),
        "2 null 1",
        "CLICKPRINT_STATUS_READ, out set to NULL"
    );
    assert!(
        value("missing_error").contains("/nonexistent/file.png"),
        "{stdout}"
    );
}

#[test]
fn a_c_program_feeds_its_own_pcm_in_odd_pieces() {
    let work = tempfile::tempdir().expect("tempdir");
    let program = compile("pcm", work.path());
    let raw = work.path().join("sound.raw");
    let run = Command::new(&program)
        .arg(&raw)
        .output()
        .expect("the C program runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "exit {:?}\n{stdout}", run.status);
    let value = |key: &str| value_of(&stdout, key);
    assert_eq!(value("kind"), "2", "audio");
    assert_eq!(value("frames"), "0", "no pictures");
    assert_eq!(value("duration_ms"), "6000");
    assert_eq!(
        value("pieces_equal_whole"),
        "1",
        "fed in odd pieces, the landmarks are those of one feed"
    );
    let got: Vec<(u32, u32)> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("landmark "))
        .map(|l| {
            let (hash, time) = l.split_once(' ').expect("hash and time");
            (hash.parse().expect("hash"), time.parse().expect("time"))
        })
        .collect();
    assert_eq!(value("landmarks"), got.len().to_string());
    assert!(got.len() > 100, "{} landmarks in 6 s", got.len());

    // What the C program fed, through the Rust API in one piece.
    let bytes = std::fs::read(&raw).expect("the samples the C program wrote");
    let samples: Vec<i16> = bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    assert_eq!(samples.len(), 2 * 44_100 * 6, "6 s of stereo");
    let mut stream = PcmFingerprinter::new(44_100, 2).expect("a stream");
    stream.feed(&samples).expect("whole frames");
    let expected: Vec<(u32, u32)> = stream
        .finish()
        .landmarks
        .iter()
        .map(|l| (l.hash, l.time_ms()))
        .collect();
    assert_eq!(got, expected);

    let argument = (ClickprintStatus::ErrArgument as i32).to_string();
    assert_eq!(value("bad_rate_status"), format!("{argument} null 1"));
    assert!(
        value("bad_rate_error").contains("sample rate 0 Hz"),
        "{stdout}"
    );
    assert_eq!(value("bad_channels_status"), argument);
    assert_eq!(value("null_feed_status"), argument);
    assert_eq!(value("null_finish_status"), argument);
}
