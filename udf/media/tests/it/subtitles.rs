//! Subtitle streams (issue 21): their cues are decoded beside the picture
//! and sound, with exact time ranges, from every text format ffmpeg muxes
//! (SubRip and ASS in Matroska, mov_text in MP4, WebVTT in WebM), and the
//! fingerprint of the picture stream is the same with or without them.

use std::fmt::Write;

use clickprint_core::cues::{Cue, MAX_CUES};
use clickprint_core::records::{Use, records};
use clickprint_core::rows::extracted;

use crate::media::{Workdir, fingerprint};

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
    assert!(plain_fp.cues.kept.is_empty());
    let with = |codec: &str, output: &str| {
        let fp = fingerprint(&work.transform(
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
        ));
        (fp.cues.kept.clone(), fp)
    };
    for (codec, output) in [
        ("srt", "srt.mkv"),
        ("ass", "ass.mkv"),
        ("webvtt", "vtt.mkv"),
    ] {
        let (cues, fp) = with(codec, output);
        assert_eq!(cues, expected("eng"), "{codec}");
        // The same picture stream, the same records: subtitles add rows
        // of their own only.
        assert_eq!(
            records(&fp, Use::Library),
            records(&plain_fp, Use::Library),
            "{codec}"
        );
        let rows = extracted(&fp, Use::Library);
        let cue_rows: Vec<_> = rows.iter().filter(|r| r.kind == "cue").collect();
        assert_eq!(cue_rows.len(), 3, "{codec}");
        assert_eq!(
            (
                cue_rows[1].time_ms,
                cue_rows[1].item,
                cue_rows[1].record.as_slice()
            ),
            (
                3000,
                2,
                "4250\teng\tZebras whisper at midnight, señor.".as_bytes()
            ),
            "{codec}"
        );
        assert!(
            extracted(&fp, Use::Query).iter().all(|r| r.kind != "cue"),
            "a query has no cue rows"
        );
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
    assert_eq!(fingerprint(&mp4).cues.kept, expected(""));
}

/// A subtitle file of more cues than an item keeps: the first
/// [`MAX_CUES`] are kept in order, the rest counted, and the picture still
/// fingerprinted. Cues a few ms apart, of Unicode text.
#[test]
fn a_file_of_many_cues_is_bounded() {
    let work = Workdir::new("subtitles-many");
    let cues = MAX_CUES + 500;
    let mut srt = String::new();
    for i in 0..cues {
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
    let fp = fingerprint(&video);
    assert_eq!(fp.cues.kept.len(), MAX_CUES);
    assert_eq!(fp.cues.dropped, 500);
    assert_eq!(fp.cues.kept[7].text, "ligne 7 — ça va");
    assert_eq!((fp.cues.kept[7].start_ms, fp.cues.kept[7].end_ms), (14, 15));
    assert!(!fp.frames.is_empty());
}
