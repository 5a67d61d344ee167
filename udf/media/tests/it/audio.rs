//! Audio copies: re-encoded, louder or quieter, noisier and excerpted
//! copies align with their original at the right offset; an unrelated
//! recording does not align.
//!
//! Tolerance: the offset within 100 ms (six landmark columns). Copies
//! played at another speed (resampled, tempo changed, pitch shifted)
//! align by the triplet keys with their speed within 1% and their
//! reference range from within 500 ms of the start to within 3 s of the
//! end (a range runs from the first agreeing anchor to the last; an anchor
//! needs partners up to 1.5 s after it, and the melody's last notes fade).

use crate::media::{Workdir, align_audio, align_triplets, fingerprint, melody_source};

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

/// (name, ffmpeg audio filter, true speed: reference seconds per query second).
const SPEEDS: &[(&str, &str, f64)] = &[
    ("resample-0.95", "asetrate=44100*0.95,aresample=44100", 0.95),
    ("resample-1.10", "asetrate=44100*1.10,aresample=44100", 1.10),
    ("tempo-0.92", "atempo=0.92", 0.92),
    ("tempo-1.08", "atempo=1.08", 1.08),
    ("pitch+2st", "rubberband=pitch=1.122462", 1.0),
];

#[test]
fn copies_at_another_speed_align_with_their_speed() {
    let work = Workdir::new("audio-speed");
    let original = work.ffmpeg(
        &["-f", "lavfi", "-i", &melody_source(12.9898, 30)],
        "original.wav",
    );
    let reference = fingerprint(&original);
    let mut failures = Vec::new();
    for (name, filter, speed) in SPEEDS {
        let copy = work.transform(&original, &["-af", filter], &format!("{name}.wav"));
        let query = fingerprint(&copy);
        match align_triplets(&query, &reference) {
            Some(a)
                if (a.speed / speed - 1.0).abs() <= 0.01
                    && a.reference_range.0 <= 500
                    && a.reference_range.1 >= 27_000 =>
            {
                eprintln!(
                    "{name:>14}: speed {:.4}, reference {:?}, {} hits",
                    a.speed, a.reference_range, a.hits
                );
            }
            other => failures.push(format!("{name}: expected speed {speed}, got {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_unrelated_recording_does_not_align() {
    let work = Workdir::new("audio-unrelated");
    let a = fingerprint(&work.ffmpeg(&["-f", "lavfi", "-i", &melody_source(12.9898, 30)], "a.wav"));
    let b = fingerprint(&work.ffmpeg(&["-f", "lavfi", "-i", &melody_source(7.77, 10)], "b.mp3"));
    assert_eq!(align_audio(&b, &a), None);
    assert_eq!(align_triplets(&b, &a), None);
}
