//! Subtitle streams (issue 21): the dialogue extractor's cues
//! (`decode::stream_cues`, apart from the fingerprinting) come with exact
//! time ranges from every text format ffmpeg muxes (SubRip and ASS in
//! Matroska, mov_text in MP4, WebVTT in WebM), and our own extraction's
//! rows are the same with or without them: they hold no cue.

use std::fmt::Write;

use std::path::Path;

use clickprint_core::cues::{Cue, Cues, MAX_CUES};
use clickprint_core::records::Use;
use clickprint_core::rows::{cue_rows, extracted};
use clickprint_media::decode::{Limits, stream_cues};

use crate::media::{Workdir, fingerprint};

/// What the dialogue extractor reads of `path`.
fn cues(path: &Path) -> Cues {
    stream_cues(path, &Limits::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Three cues, with markup each format must lose.
const SRT: &str = "1
00:00:01,000 --> 00:00:02,500
The quick brown fox
jumps over the lazy dog.

2
00:00:03,000 --> 00:00:04,250
<i>Zebras</i> whisper at midnight, señor.

3
00:00:04,500 --> 00:00:05,750
<b>Forty-two</b> is the answer.
";

fn expected(language: &str) -> Vec<Cue> {
    [
        (1000, 2500, "The quick brown fox\njumps over the lazy dog."),
        (3000, 4250, "Zebras whisper at midnight, señor."),
        (4500, 5750, "Forty-two is the answer."),
    ]
    .into_iter()
    .map(|(start_ms, end_ms, text)| Cue {
        start_ms,
        end_ms,
        language: language.to_owned(),
        text: text.to_owned(),
    })
    .collect()
}

#[test]
fn every_text_subtitle_format_gives_the_same_cues_and_the_same_fingerprint() {
    let work = Workdir::new("subtitles");
    let srt = work.path("lines.srt");
    std::fs::write(&srt, SRT).unwrap();
    let srt = srt.to_str().unwrap();
    let plain = work.ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=160x120:d=6",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
        ],
        "plain.mkv",
    );
    let plain_fp = fingerprint(&plain);
    assert!(cues(&plain).kept.is_empty(), "no subtitle stream, no cue");
    let with = |codec: &str, output: &str| {
        let path = work.transform(
            &plain,
            &[
                "-i",
                srt,
                "-map",
                "0",
                "-map",
                "1",
                "-c:v",
                "copy",
                "-c:s",
                codec,
                "-metadata:s:s:0",
                "language=eng",
            ],
            output,
        );
        (cues(&path).kept, fingerprint(&path))
    };
    for (codec, output) in [
        ("srt", "srt.mkv"),
        ("ass", "ass.mkv"),
        ("webvtt", "vtt.mkv"),
    ] {
        let (cues, fp) = with(codec, output);
        assert_eq!(cues, expected("eng"), "{codec}");
        // The same picture stream, the same rows, byte for byte: our
        // extraction emits no cue rows (the dialogue extractor does).
        for usage in [Use::Library, Use::Query] {
            assert_eq!(
                extracted(&fp, usage),
                extracted(&plain_fp, usage),
                "{codec}, {usage:?}"
            );
        }
        let cue_rows = cue_rows(&cues);
        assert_eq!(cue_rows.len(), 3, "{codec}");
        assert_eq!(
            (
                cue_rows[1].kind.as_str(),
                cue_rows[1].time_ms,
                cue_rows[1].item,
                cue_rows[1].record.as_slice()
            ),
            (
                "cue",
                3000,
                2,
                "4250\teng\tZebras whisper at midnight, señor.".as_bytes()
            ),
            "{codec}"
        );
        assert!(cue_rows.iter().all(|r| r.keys.is_empty()), "no keys");
    }
    // mov_text in MP4: the muxer's empty packets between cues are no cues.
    let mp4 = work.ffmpeg(
        &[
            "-i",
            plain.to_str().unwrap(),
            "-i",
            srt,
            "-map",
            "0",
            "-map",
            "1",
            "-c:v",
            "copy",
            "-c:s",
            "mov_text",
        ],
        "movie.mp4",
    );
    assert_eq!(cues(&mp4).kept, expected(""));
}

/// A subtitle file of more cues than an item keeps: the first
/// [`MAX_CUES`] are kept in order, the rest counted, and the picture still
/// fingerprinted. Cues a few ms apart, of Unicode text.
#[test]
fn a_file_of_many_cues_is_bounded() {
    let work = Workdir::new("subtitles-many");
    let count = MAX_CUES + 500;
    let mut srt = String::new();
    for i in 0..count {
        let start = i as u64 * 2;
        let _ = write!(
            srt,
            "{}\n00:00:{:02},{:03} --> 00:00:{:02},{:03}\nligne {i} — ça va\n\n",
            i + 1,
            start / 1000,
            start % 1000,
            (start + 1) / 1000,
            (start + 1) % 1000
        );
    }
    let path = work.path("many.srt");
    std::fs::write(&path, srt).unwrap();
    let video = work.ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=160x120:d=45",
            "-i",
            path.to_str().unwrap(),
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:s",
            "srt",
        ],
        "many.mkv",
    );
    let read = cues(&video);
    assert_eq!(read.kept.len(), MAX_CUES);
    assert_eq!(read.dropped, 500);
    assert_eq!(read.kept[7].text, "ligne 7 — ça va");
    assert_eq!((read.kept[7].start_ms, read.kept[7].end_ms), (14, 15));
    assert!(!fingerprint(&video).frames.is_empty());
}
