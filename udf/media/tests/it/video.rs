//! Video copies: re-encoded, resized, frame-rate-changed, trimmed and
//! embedded copies align with their original; unrelated video does not.
//!
//! Tolerance: the offset within 1 s (two sampling intervals), the matched
//! query range within 1 s of the true one.

use std::path::PathBuf;

use crate::media::{
    Workdir, align_audio, align_video, align_video_local, fingerprint, melody_source,
};

const TOLERANCE_MS: i64 = 1_000;

/// A video of `shots` (lavfi source, seconds) cut together, with a melody
/// of seed `melody_seed` as its sound, encoded H.264 CRF 18 + AAC.
fn shots(work: &Workdir, name: &str, shots: &[(&str, u32)], melody_seed: f64) -> PathBuf {
    let seconds: u32 = shots.iter().map(|(_, s)| s).sum();
    let mut args: Vec<String> = Vec::new();
    let mut filter = String::new();
    for (i, (source, length)) in shots.iter().enumerate() {
        args.extend(["-f", "lavfi", "-i", source].map(String::from));
        filter += &format!("[{i}]trim=0:{length},setpts=PTS-STARTPTS[s{i}];");
    }
    args.extend([
        "-f".into(),
        "lavfi".into(),
        "-i".into(),
        melody_source(melody_seed, seconds),
    ]);
    filter += &(0..shots.len())
        .map(|i| format!("[s{i}]"))
        .collect::<String>();
    filter += &format!("concat=n={}:v=1:a=0,format=yuv420p[v]", shots.len());
    args.extend([
        "-filter_complex".into(),
        filter,
        "-map".into(),
        "[v]".into(),
    ]);
    args.extend(["-map".into(), format!("{}:a", shots.len())]);
    args.extend(
        [
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-c:a", "aac", "-b:a", "128k",
        ]
        .map(String::from),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    work.ffmpeg(&args, name)
}

/// 24 s: four 6 s shots of different generated content, with a melody.
fn original(work: &Workdir) -> PathBuf {
    shots(
        work,
        "original.mp4",
        &[
            ("mandelbrot=s=320x240:r=25:start_scale=1.5", 6),
            ("life=s=320x240:r=25:seed=9:mold=10:ratio=0.2", 6),
            ("testsrc2=s=320x240:r=25", 6),
            (
                "mandelbrot=s=320x240:r=25:start_x=-0.74:start_y=0.15:start_scale=0.05",
                6,
            ),
        ],
        3.1,
    )
}

/// 9 s of unrelated content, for padding and for the no-match test.
fn unrelated(work: &Workdir, name: &str) -> PathBuf {
    shots(
        work,
        name,
        &[
            (
                "mandelbrot=s=320x240:r=25:start_x=0.3:start_y=0.5:start_scale=0.3",
                5,
            ),
            ("life=s=320x240:r=25:seed=77:mold=5:ratio=0.4", 4),
        ],
        9.3,
    )
}

/// (name, ffmpeg output arguments, output file, true offset, true query start).
const COPIES: &[(&str, &[&str], &str, i64, u32)] = &[
    (
        "h264-crf40",
        &[
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "40", "-c:a", "aac", "-b:a", "48k",
        ],
        "mp4",
        0,
        0,
    ),
    (
        "vp9-100k",
        &[
            "-c:v",
            "libvpx-vp9",
            "-b:v",
            "100k",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-c:a",
            "libopus",
        ],
        "webm",
        0,
        0,
    ),
    (
        "resize-0.5x",
        &["-vf", "scale=iw/2:ih/2", "-c:a", "copy"],
        "mp4",
        0,
        0,
    ),
    ("fps-12", &["-vf", "fps=12", "-c:a", "copy"], "mp4", 0, 0),
    ("trim-8s-16s", &["-ss", "8", "-t", "8"], "mp4", 8_000, 0),
];

#[test]
fn transformed_copies_align_with_their_original() {
    let work = Workdir::new("video");
    let original = original(&work);
    let reference = fingerprint(&original);
    assert!(
        reference.info.duration_ms.abs_diff(24_000) <= 100,
        "{:?}",
        reference.info
    );
    assert!(
        reference.frames.iter().filter(|f| f.scene_cut).count() >= 4,
        "the three cuts and the start"
    );
    let mut failures = Vec::new();
    for (name, args, ext, truth, query_start) in COPIES {
        let query = fingerprint(&work.transform(&original, args, &format!("{name}.{ext}")));
        match align_video(&query, &reference) {
            Some(a)
                if (a.offset_ms - truth).abs() <= TOLERANCE_MS
                    && i64::from(a.query_range.0.abs_diff(*query_start)) <= TOLERANCE_MS =>
            {
                eprintln!(
                    "{name:>12}: offset {} ms, {} frame hits, query {:?}",
                    a.offset_ms, a.hits, a.query_range
                );
            }
            other => failures.push(format!("{name}: expected offset {truth}, got {other:?}")),
        }
        // The sound track aligns too.
        match align_audio(&query, &reference) {
            Some(a) if (a.offset_ms - truth).abs() <= 100 => {}
            other => failures.push(format!(
                "{name} audio: expected offset {truth}, got {other:?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_clip_embedded_in_a_longer_video_is_found_with_its_range() {
    let work = Workdir::new("video-embedded");
    let original = original(&work);
    let padding = unrelated(&work, "padding.mp4");
    // 5 s of padding, then the original's 8 s..16 s, then 4 s of padding.
    let embedded = work.ffmpeg(
        &[
            "-i", padding.to_str().unwrap(),
            "-i", original.to_str().unwrap(),
            "-filter_complex",
            "[0:v]trim=0:5,setpts=PTS-STARTPTS[p1];[1:v]trim=8:16,setpts=PTS-STARTPTS[clip];\
             [0:v]trim=5:9,setpts=PTS-STARTPTS[p2];[p1][clip][p2]concat=n=3:v=1:a=0,format=yuv420p[v]",
            "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast", "-crf", "30",
        ],
        "embedded.mp4",
    );
    let a = align_video(&fingerprint(&embedded), &fingerprint(&original)).expect("aligns");
    // Query 5..13 s shows reference 8..16 s: offset +3 s.
    assert!(
        (a.offset_ms - 3_000).abs() <= TOLERANCE_MS,
        "offset {}",
        a.offset_ms
    );
    assert!(
        a.query_range.0.abs_diff(5_000) <= 1_000,
        "query range {:?}",
        a.query_range
    );
    assert!(
        a.query_range.1.abs_diff(12_500) <= 1_000,
        "query range {:?}",
        a.query_range
    );
    assert!(
        a.reference_range.0.abs_diff(8_000) <= 1_000,
        "reference range {:?}",
        a.reference_range
    );
}

#[test]
fn cropped_and_picture_in_picture_copies_align_by_local_features() {
    let work = Workdir::new("video-local");
    let original = original(&work);
    let reference = fingerprint(&original);
    let padding = unrelated(&work, "padding.mp4");
    let cropped = work.transform(
        &original,
        &["-vf", "crop=iw*0.85:ih*0.85:0:ih*0.1", "-crf", "28"],
        "cropped.mp4",
    );
    // The original at 60% size over the unrelated video, from its 2 s on.
    let pip = work.ffmpeg(
        &[
            "-stream_loop",
            "2",
            "-i",
            padding.to_str().unwrap(),
            "-i",
            original.to_str().unwrap(),
            "-filter_complex",
            "[1:v]trim=2:20,setpts=PTS-STARTPTS,scale=iw*0.6:-2[small];\
             [0:v][small]overlay=x=20:y=30:shortest=1,format=yuv420p[v]",
            "-map",
            "[v]",
            "-t",
            "18",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "28",
        ],
        "pip.mp4",
    );
    let mut failures = Vec::new();
    for (name, path, truth) in [("crop-15%", cropped, 0), ("picture-in-picture", pip, 2_000)] {
        let query = fingerprint(&path);
        let global = align_video(&query, &reference);
        match align_video_local(&query, &reference) {
            Some(a) if (a.offset_ms - truth).abs() <= 2 * TOLERANCE_MS => eprintln!(
                "{name}: offset {} ms, {} local hits, query {:?} (global hash: {:?})",
                a.offset_ms,
                a.hits,
                a.query_range,
                global.map(|g| g.hits)
            ),
            other => failures.push(format!("{name}: expected offset {truth}, got {other:?}")),
        }
    }
    let other = fingerprint(&unrelated(&work, "other.mp4"));
    if let Some(a) = align_video_local(&other, &reference) {
        failures.push(format!("unrelated video aligned by local features: {a:?}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_image_finds_the_video_frame_that_shows_it() {
    let work = Workdir::new("video-shot");
    let original = original(&work);
    // A still taken 20.3 s in (the slow zoom of the last shot: between two
    // 500 ms samples), saved as JPEG. Content that changes completely
    // within half a second (testsrc2's sweep) is not found between samples;
    // udf/core/README.md says so.
    let still = work.ffmpeg(
        &[
            "-ss",
            "20.3",
            "-i",
            original.to_str().unwrap(),
            "-frames:v",
            "1",
            "-q:v",
            "5",
        ],
        "still.jpg",
    );
    let query = fingerprint(&still);
    let reference = fingerprint(&original);
    let best = reference
        .frames
        .iter()
        .map(|f| {
            (
                crate::media::picture_distance(&query.frames[0].visual, &f.visual),
                f.time_ms,
            )
        })
        .min()
        .unwrap();
    assert!(
        best.0 <= crate::media::FRAME_MATCH_DISTANCE,
        "nearest frame at distance {}",
        best.0
    );
    assert!(best.1.abs_diff(20_300) <= 1_000, "found at {} ms", best.1);
}

#[test]
fn unrelated_video_does_not_align() {
    let work = Workdir::new("video-unrelated");
    let reference = fingerprint(&original(&work));
    let other = fingerprint(&unrelated(&work, "other.mp4"));
    assert_eq!(align_video(&other, &reference), None);
    assert_eq!(align_audio(&other, &reference), None);
}

/// A search's query is decoded the fast way ([`VideoDecoding::QUERY`]:
/// threads, no deblocking, no unreferenced frames) while the library was
/// decoded frame by frame: the copies still align with their original,
/// and the fast way does skip frames (the setting reaches the decoder).
#[test]
fn copies_decoded_the_query_way_align_with_an_original_decoded_the_library_way() {
    use clickprint_core::records::Use;
    use clickprint_media::decode::{Limits, VideoDecoding};
    use clickprint_media::file::fingerprint_file;

    let work = Workdir::new("video-query-decoding");
    let original = original(&work);
    let reference = fingerprint(&original);
    let query_way = Limits::default().for_use(Use::Query);
    assert_eq!(query_way.video, VideoDecoding::QUERY);
    let mut failures = Vec::new();
    // A copy with B-frames (x264's default), one with none, and a trim.
    let copies: &[(&str, &[&str], i64)] = &[
        (
            "bframes",
            &["-c:v", "libx264", "-preset", "veryfast", "-crf", "30"],
            0,
        ),
        (
            "no-bframes",
            &[
                "-c:v", "libx264", "-preset", "veryfast", "-crf", "30", "-bf", "0",
            ],
            0,
        ),
        (
            "trim",
            &[
                "-ss", "8", "-t", "8", "-c:v", "libx264", "-preset", "veryfast",
            ],
            8_000,
        ),
    ];
    for (name, args, truth) in copies {
        let copy = work.transform(&original, args, &format!("{name}.mp4"));
        let fast = fingerprint_file(&copy, &query_way).expect("decodes");
        let whole = fingerprint(&copy);
        if *name == "bframes" {
            assert!(
                fast.info.frames_decoded * 10 < whole.info.frames_decoded * 8,
                "unreferenced frames skipped: {} of {}",
                fast.info.frames_decoded,
                whole.info.frames_decoded
            );
        }
        match align_video(&fast, &reference) {
            Some(a) if (a.offset_ms - truth).abs() <= TOLERANCE_MS => {}
            other => failures.push(format!("{name}: expected offset {truth}, got {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
