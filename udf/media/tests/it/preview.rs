//! Previews (`clickprint_media::preview` and `clickprint-udf preview`):
//! colour thumbnails, a strip of frames over a video, a waveform for sound,
//! and nothing half-written for media that does not decode.

use std::process::Command;

use clickprint_core::answers::Previews;
use clickprint_core::media::Kind;
use clickprint_media::decode::Limits;
use clickprint_media::preview::{self, MAX_FRAMES, THUMBNAIL_SIZE};
use clickprint_tests::{binary, ffmpeg, melody_source};

/// The JPEG's size and its mean colour (R, G, B).
fn look(path: &std::path::Path) -> ((u32, u32), [f64; 3]) {
    let picture = image::ImageReader::open(path)
        .expect("opens")
        .decode()
        .expect("decodes")
        .to_rgb8();
    let n = f64::from(picture.width() * picture.height());
    let mut mean = [0.0; 3];
    for p in picture.pixels() {
        for c in 0..3 {
            mean[c] += f64::from(p[c]) / n;
        }
    }
    (picture.dimensions(), mean)
}

#[test]
fn a_picture_gets_a_colour_thumbnail_and_no_waveform() {
    let dir = tempfile::tempdir().unwrap();
    // Pure red, 1280x720: the thumbnail keeps the colour and the shape.
    let red = ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "color=c=red:s=1280x720",
            "-frames:v",
            "1",
        ],
        &dir.path().join("red.png"),
    );
    let out = dir.path().join("red.previews");
    let manifest = preview::make(&red, &out, &Limits::default()).unwrap();
    assert_eq!(manifest.kind, Kind::Image);
    assert_eq!((manifest.width, manifest.height), (1280, 720));
    assert_eq!(manifest.thumbnail.as_deref(), Some("thumb.jpg"));
    assert_eq!(manifest.frames.len(), 1);
    assert_eq!(manifest.waveform, None);
    let (size, [r, g, b]) = look(&out.join("thumb.jpg"));
    assert_eq!(size, (THUMBNAIL_SIZE, 180));
    assert!(r > 230.0 && g < 30.0 && b < 30.0, "{r} {g} {b}");
    let written: Previews =
        serde_json::from_slice(&std::fs::read(out.join("previews.json")).unwrap()).unwrap();
    assert_eq!(written, manifest);
}

#[test]
fn a_video_gets_frames_over_time_and_a_waveform() {
    let dir = tempfile::tempdir().unwrap();
    // 20 s: blue for the first 10 s, then green; a melody throughout.
    let video = ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "color=c=blue:s=640x360:d=10,format=yuv420p[a];color=c=green:s=640x360:d=10,format=yuv420p[b];[a][b]concat=n=2:v=1:a=0",
            "-f",
            "lavfi",
            "-i",
            &melody_source(3, 20),
            "-shortest",
            "-c:v",
            "libx264",
            "-c:a",
            "aac",
        ],
        &dir.path().join("clip.mp4"),
    );
    let out = dir.path().join("clip.previews");
    let output = Command::new(binary("clickprint-udf"))
        .arg("preview")
        .arg(&video)
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let manifest: Previews = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(manifest.kind, Kind::Video);
    assert_eq!(manifest.waveform.as_deref(), Some("waveform.svg"));
    let svg = std::fs::read_to_string(out.join("waveform.svg")).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("aria-label"),
        "{svg}"
    );
    // About one frame a second (20 s is under MAX_FRAMES seconds), in order,
    // blue before 10 s and green after.
    let frames = &manifest.frames;
    assert!((18..=MAX_FRAMES).contains(&frames.len()), "{frames:?}");
    assert!(frames.windows(2).all(|w| w[0].ms < w[1].ms), "{frames:?}");
    for frame in frames {
        let (_, [_, g, b]) = look(&out.join(&frame.file));
        if frame.ms < 9_500 {
            assert!(b > 200.0 && g < 60.0, "{frame:?}: {g} {b}");
        } else if frame.ms > 10_500 {
            assert!(g > 90.0 && b < 60.0, "{frame:?}: {g} {b}");
        }
    }
}

#[test]
fn a_sound_gets_only_a_waveform_and_bad_media_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let track = ffmpeg(
        &["-f", "lavfi", "-i", &melody_source(5, 6), "-b:a", "96k"],
        &dir.path().join("t.mp3"),
    );
    let out = dir.path().join("t.previews");
    let manifest = preview::make(&track, &out, &Limits::default()).unwrap();
    assert_eq!(
        (
            manifest.kind.as_str(),
            manifest.thumbnail,
            manifest.frames.len()
        ),
        ("audio", None, 0)
    );
    assert!(out.join("waveform.svg").is_file());

    let junk = dir.path().join("junk.png");
    std::fs::write(&junk, b"not a picture at all").unwrap();
    let out = dir.path().join("junk.previews");
    assert!(preview::make(&junk, &out, &Limits::default()).is_err());
    assert!(!out.exists() && !dir.path().join("junk.partial").exists());
}
