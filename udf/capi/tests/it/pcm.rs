//! The PCM API against the library's own decoder: sound a caller decodes
//! and feeds as PCM gives the landmarks the same sound gives as a file.

use std::path::Path;

use clickprint_c::*;

/// Most of the file's landmarks are found by the PCM path: the same hash
/// with an anchor within one 32 ms column. The two paths resample
/// differently (ffmpeg's 16-tap filter for the file, the core's windowed
/// sinc for PCM), which moves peaks near the edge of the band.
const SHARED_AT_LEAST_PERCENT: usize = 80;

/// Writes 6 s of 44.1 kHz stereo struck notes as `format` (`s16le` or `wav`).
fn generate(out: &Path, format: &str) {
    let notes = "aevalsrc=exp(-8*mod(t\\,0.25))*(0.5*sin(2*PI*t*(200+1500*abs(sin(floor(t*4)*12.9898))))\
                 +0.2*sin(2*PI*t*(300+2000*abs(sin(floor(t*4)*78.233))))):s=44100:d=6";
    clickprint_tests::ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            notes,
            "-ac",
            "2",
            "-ar",
            "44100",
            "-c:a",
            "pcm_s16le",
            "-f",
            format,
        ],
        out,
    );
}

/// Every landmark of a fingerprint handle, as (hash, time in ms).
fn landmarks(fingerprint: *const ClickprintFingerprint) -> Vec<(u32, u32)> {
    // SAFETY: a live handle.
    let count = unsafe { clickprint_fingerprint_landmark_count(fingerprint) };
    (0..count)
        .map(|i| {
            let (mut hash, mut time_ms) = (0, 0);
            // SAFETY: a live handle, an index in range, writable outputs.
            let status =
                unsafe { clickprint_fingerprint_landmark(fingerprint, i, &mut hash, &mut time_ms) };
            assert_eq!(status, ClickprintStatus::Ok);
            (hash, time_ms)
        })
        .collect()
}

#[test]
fn pcm_fed_in_odd_pieces_gives_the_landmarks_of_the_decoded_file() {
    let work = tempfile::tempdir().expect("tempdir");
    let (raw, wav) = (work.path().join("sound.raw"), work.path().join("sound.wav"));
    generate(&raw, "s16le");
    generate(&wav, "wav");

    // The caller's decoder gave these samples; fed in pieces of 1001 frames.
    let samples: Vec<i16> = std::fs::read(&raw)
        .expect("raw samples")
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    let mut audio = std::ptr::null_mut();
    // SAFETY: a writable out pointer.
    let status = unsafe { clickprint_audio_start(44_100, 2, &mut audio) };
    assert_eq!(status, ClickprintStatus::Ok);
    for piece in samples.chunks(2 * 1001) {
        // SAFETY: a live handle; `piece` holds `piece.len() / 2` stereo frames.
        let status = unsafe { clickprint_audio_feed(audio, piece.as_ptr(), piece.len() / 2) };
        assert_eq!(status, ClickprintStatus::Ok);
    }
    let mut sound = std::ptr::null_mut();
    // SAFETY: a live handle, consumed here; a writable out pointer.
    let status = unsafe { clickprint_audio_finish(audio, &mut sound) };
    assert_eq!(status, ClickprintStatus::Ok);
    let from_pcm = landmarks(sound);
    // SAFETY: a live handle.
    let (kind, duration_ms) = unsafe {
        (
            clickprint_fingerprint_kind(sound),
            clickprint_fingerprint_duration_ms(sound),
        )
    };
    // SAFETY: freed once.
    unsafe { clickprint_fingerprint_free(sound) };
    assert_eq!(kind, ClickprintKind::Audio as i32);
    assert_eq!(duration_ms, 6000);

    let decoded = clickprint_media::file::fingerprint_file(&wav, &Default::default())
        .expect("the WAV decodes");
    let from_file: Vec<(u32, u32)> = decoded
        .audio
        .expect("sound")
        .landmarks
        .iter()
        .map(|l| (l.hash, l.time_ms()))
        .collect();
    assert!(from_file.len() > 100, "{} landmarks", from_file.len());
    let column_ms = clickprint_core::fingerprint::audio::MS_PER_COLUMN;
    let shared = from_file
        .iter()
        .filter(|(hash, time)| {
            from_pcm
                .iter()
                .any(|(h, t)| h == hash && t.abs_diff(*time) <= column_ms)
        })
        .count();
    eprintln!(
        "{shared} of the file's {} landmarks are among the PCM path's {}",
        from_file.len(),
        from_pcm.len()
    );
    assert!(
        shared * 100 >= from_file.len() * SHARED_AT_LEAST_PERCENT,
        "{shared} of the file's {} landmarks are among the PCM path's {} \
         (tolerance: {SHARED_AT_LEAST_PERCENT}%)",
        from_file.len(),
        from_pcm.len()
    );
}
