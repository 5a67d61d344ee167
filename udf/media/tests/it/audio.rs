//! Audio copies: re-encoded, louder or quieter, noisier and excerpted
//! copies align with their original at the right offset; an unrelated
//! recording does not align.
//!
//! Tolerance: the offset within 100 ms (six landmark columns).

use crate::media::{Workdir, align_audio, fingerprint, melody_source};

const TOLERANCE_MS: i64 = 100;

/// (name, ffmpeg output arguments, output file, true offset in ms).
const COPIES: &[(&str, &[&str], &str, i64)] = &[
    ("mp3-64k", &["-c:a", "libmp3lame", "-b:a", "64k"], "mp3", 0),
    ("aac-48k", &["-c:a", "aac", "-b:a", "48k"], "m4a", 0),
    ("opus-24k", &["-c:a", "libopus", "-b:a", "24k"], "opus", 0),
    ("gain+6dB", &["-af", "volume=6dB"], "wav", 0),
    ("gain-6dB", &["-af", "volume=-6dB"], "wav", 0),
    ("excerpt-5s", &["-ss", "12", "-t", "5"], "wav", 12_000),
    (
        "excerpt-10s",
        &["-ss", "12", "-t", "10", "-c:a", "libmp3lame", "-b:a", "96k"],
        "mp3",
        12_000,
    ),
];

#[test]
fn transformed_copies_align_with_their_original() {
    let work = Workdir::new("audio");
    let original = work.ffmpeg(
        &["-f", "lavfi", "-i", &melody_source(12.9898, 30)],
        "original.wav",
    );
    let reference = fingerprint(&original);
    assert!(
        reference.info.duration_ms.abs_diff(30_000) <= 50,
        "{:?}",
        reference.info
    );
    let mut failures = Vec::new();
    for (name, args, ext, truth) in COPIES {
        let copy = work.transform(&original, args, &format!("{name}.{ext}"));
        let query = fingerprint(&copy);
        match align_audio(&query, &reference) {
            Some(a) if (a.offset_ms - truth).abs() <= TOLERANCE_MS => {
                eprintln!("{name:>12}: offset {} ms, {} hits", a.offset_ms, a.hits);
            }
            other => failures.push(format!("{name}: expected offset {truth} ms, got {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn white_noise_at_10_db_snr_still_aligns() {
    let work = Workdir::new("audio-noise");
    let original = work.ffmpeg(
        &["-f", "lavfi", "-i", &melody_source(4.2, 20)],
        "original.wav",
    );
    // The melody's RMS is about 0.204; uniform white noise of amplitude
    // 0.112 has RMS 0.112 / sqrt(3) = 0.065: a 10 dB signal-to-noise ratio.
    let noisy = work.ffmpeg(
        &[
            "-i",
            original.to_str().unwrap(),
            "-f",
            "lavfi",
            "-i",
            "anoisesrc=color=white:amplitude=0.112:seed=42:sample_rate=44100",
            "-filter_complex",
            "[0][1]amix=inputs=2:duration=first:normalize=0",
            "-ss",
            "4",
            "-t",
            "8",
        ],
        "noisy.wav",
    );
    let a = align_audio(&fingerprint(&noisy), &fingerprint(&original)).expect("aligns");
    assert!(
        (a.offset_ms - 4_000).abs() <= TOLERANCE_MS,
        "offset {}",
        a.offset_ms
    );
    assert!(
        a.query_range.1 - a.query_range.0 >= 5_000,
        "matched span {:?}",
        a.query_range
    );
}

#[test]
fn an_unrelated_recording_does_not_align() {
    let work = Workdir::new("audio-unrelated");
    let a = fingerprint(&work.ffmpeg(&["-f", "lavfi", "-i", &melody_source(12.9898, 30)], "a.wav"));
    let b = fingerprint(&work.ffmpeg(&["-f", "lavfi", "-i", &melody_source(7.77, 10)], "b.mp3"));
    assert_eq!(align_audio(&b, &a), None);
}
