//! A real C program, compiled against the committed header and linked
//! against the built `libclickprint_c.so`, fingerprints a file.

use std::path::{Path, PathBuf};
use std::process::Command;

fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_path_buf()
}

#[test]
fn a_c_program_fingerprints_through_the_header() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib_dir = target_dir();
    assert!(
        lib_dir.join("libclickprint_c.so").is_file(),
        "{} has no libclickprint_c.so: run `cargo build --workspace` (scripts/test.sh does)",
        lib_dir.display()
    );
    let work = tempfile::tempdir().expect("tempdir");
    let program = work.path().join("smoke");
    let compiled = Command::new("cc")
        .arg(crate_dir.join("tests/c/smoke.c"))
        .arg("-std=c99")
        .arg("-Wall")
        .arg("-Werror")
        .arg("-I")
        .arg(crate_dir.join("include"))
        .arg("-L")
        .arg(&lib_dir)
        .arg("-lclickprint_c")
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .arg("-o")
        .arg(&program)
        .output()
        .expect("cc runs");
    assert!(
        compiled.status.success(),
        "cc failed: {}",
        String::from_utf8_lossy(&compiled.stderr)
    );

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
    let value = |key: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(key).and_then(|rest| rest.strip_prefix(' ')))
            .unwrap_or_else(|| panic!("no `{key}` in:\n{stdout}"))
            .to_owned()
    };
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
