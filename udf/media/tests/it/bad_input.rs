//! Hostile and broken input: a typed error, never a panic, never a hang.

use std::time::Duration;

use clickprint_core::Error;
use clickprint_media::decode::Limits;
use clickprint_media::file::fingerprint_file;

use crate::media::Workdir;

fn fingerprint_err(path: &std::path::Path, limits: &Limits) -> Error {
    match fingerprint_file(path, limits) {
        Ok(fp) => panic!("{} fingerprinted as {:?}", path.display(), fp.info),
        Err(e) => e,
    }
}

#[test]
fn zero_bytes_is_empty() {
    let work = Workdir::new("bad-empty");
    let path = work.path("empty.mp4");
    std::fs::write(&path, b"").unwrap();
    assert!(matches!(
        fingerprint_err(&path, &Limits::default()),
        Error::Empty(_)
    ));
}

#[test]
fn a_missing_file_is_a_read_error() {
    let work = Workdir::new("bad-missing");
    let err = fingerprint_err(&work.path("nothing-here.jpg"), &Limits::default());
    assert!(matches!(err, Error::Read { .. }), "{err}");
    assert_eq!(err.to_string().matches("No such file").count(), 1, "{err}");
}

#[test]
fn random_bytes_with_a_media_extension_are_unrecognized() {
    let work = Workdir::new("bad-random");
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let bytes: Vec<u8> = (0..64 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    for name in ["random.mp4", "random.jpg", "random.mp3"] {
        let path = work.path(name);
        std::fs::write(&path, &bytes).unwrap();
        let err = fingerprint_err(&path, &Limits::default());
        assert!(
            matches!(
                err,
                Error::Unrecognized { .. } | Error::Corrupt { .. } | Error::NoStream(_)
            ),
            "{name}: {err}"
        );
        assert!(err.is_input_fault(), "{name}: {err}");
    }
}

#[test]
fn truncated_files_are_typed_errors() {
    let work = Workdir::new("bad-truncated");
    let video = work.ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x240:d=3",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
        ],
        "v.mp4",
    );
    let image = work.ffmpeg(
        &["-f", "lavfi", "-i", "testsrc2=s=320x240", "-frames:v", "1"],
        "i.png",
    );
    for (source, keep) in [(&video, 2_000usize), (&image, 120)] {
        let bytes = std::fs::read(source).unwrap();
        let cut = work.path(&format!(
            "cut-{}",
            source.file_name().unwrap().to_string_lossy()
        ));
        std::fs::write(&cut, &bytes[..keep]).unwrap();
        let err = fingerprint_err(&cut, &Limits::default());
        assert!(err.is_input_fault(), "{}: {err}", cut.display());
    }
}

#[test]
fn a_text_file_named_like_an_image_is_unrecognized() {
    let work = Workdir::new("bad-text");
    let path = work.path("notes.jpg");
    std::fs::write(&path, "this is not a picture\n".repeat(100)).unwrap();
    let err = fingerprint_err(&path, &Limits::default());
    assert!(err.is_input_fault(), "{err}");
}

/// A PNG whose header declares 100,000 x 100,000 pixels (and holds none).
fn png_with_declared_size(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut chunk = b"IHDR".to_vec();
    chunk.extend_from_slice(&width.to_be_bytes());
    chunk.extend_from_slice(&height.to_be_bytes());
    chunk.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&chunk);
    png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    png.extend_from_slice(&[0, 0, 0, 0]);
    png.extend_from_slice(b"IEND");
    png.extend_from_slice(&crc32(b"IEND").to_be_bytes());
    png
}

#[test]
fn a_huge_declared_picture_is_refused() {
    let work = Workdir::new("bad-huge");
    let path = work.path("huge.png");
    std::fs::write(&path, png_with_declared_size(100_000, 100_000)).unwrap();
    let err = fingerprint_err(&path, &Limits::default());
    assert!(err.is_input_fault(), "{err}");
    assert!(
        matches!(
            err,
            Error::TooLarge { .. } | Error::Corrupt { .. } | Error::Unrecognized { .. }
        ),
        "{err}"
    );
}

#[test]
fn a_picture_over_the_pixel_limit_is_too_large() {
    let work = Workdir::new("bad-pixels");
    let image = work.ffmpeg(
        &["-f", "lavfi", "-i", "testsrc2=s=640x480", "-frames:v", "1"],
        "i.png",
    );
    let limits = Limits {
        max_pixels: 100 * 100,
        ..Limits::default()
    };
    let err = fingerprint_err(&image, &limits);
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
}

#[test]
fn files_over_the_size_or_duration_limit_are_too_large() {
    let work = Workdir::new("bad-limits");
    let audio = work.ffmpeg(&["-f", "lavfi", "-i", "sine=f=440:d=10"], "a.wav");
    let by_size = fingerprint_err(
        &audio,
        &Limits {
            max_file_bytes: 1000,
            ..Limits::default()
        },
    );
    assert!(matches!(by_size, Error::TooLarge { .. }), "{by_size}");
    let by_duration = fingerprint_err(
        &audio,
        &Limits {
            max_duration_ms: 5_000,
            ..Limits::default()
        },
    );
    assert!(
        matches!(by_duration, Error::TooLarge { .. }),
        "{by_duration}"
    );
}

#[test]
fn decoding_stops_at_the_time_limit() {
    let work = Workdir::new("bad-slow");
    let video = work.ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=640x480:d=20",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ],
        "v.mp4",
    );
    let err = fingerprint_err(
        &video,
        &Limits {
            timeout: Duration::from_millis(1),
            ..Limits::default()
        },
    );
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
}

#[test]
fn a_probe_reads_only_the_start_and_names_the_modality() {
    use clickprint_core::media::Kind;
    use clickprint_media::decode::probe;
    let work = Workdir::new("probe");
    let video = work.ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x240:d=30",
            "-f",
            "lavfi",
            "-i",
            "sine=d=30",
            "-shortest",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
        ],
        "v.mp4",
    );
    let info = probe(&video, &Limits::default()).unwrap();
    assert_eq!(info.kind, Kind::Video);
    assert_eq!((info.width, info.height), (320, 240));
    assert!((29_000..=31_000).contains(&info.declared_ms), "{info:?}");
    // Only the start was decoded, not 30 s of pictures.
    assert!(info.frames_decoded < 30, "{info:?}");
    let audio = work.ffmpeg(&["-f", "lavfi", "-i", "sine=d=20"], "a.mp3");
    let info = probe(&audio, &Limits::default()).unwrap();
    assert_eq!(info.kind, Kind::Audio);
    assert!(info.duration_ms < 5_000, "decoded {} ms", info.duration_ms);
    let image = work.ffmpeg(
        &["-f", "lavfi", "-i", "testsrc2", "-frames:v", "1"],
        "i.png",
    );
    assert_eq!(probe(&image, &Limits::default()).unwrap().kind, Kind::Image);
    let junk = work.path("junk.mp4");
    std::fs::write(&junk, b"no media here at all, just words").unwrap();
    assert!(matches!(
        probe(&junk, &Limits::default()).unwrap_err(),
        Error::Unrecognized { .. }
    ));
}

/// Issue 18, item 4, in the extraction itself: a query is held to the
/// query length whoever calls `clickprint_query` (the service refuses a long
/// query by its declared length first; a caller through ClickHouse or the
/// sidecar never passed that check), while the same file is a library item.
#[test]
fn a_query_longer_than_the_query_limit_is_refused_by_the_extraction() {
    use clickprint_core::records::Use;
    use clickprint_media::source::records_of;
    let work = Workdir::new("bad-query-length");
    let audio = work.ffmpeg(&["-f", "lavfi", "-i", "sine=f=440:d=10"], "a.wav");
    let limits = Limits {
        max_query_duration_ms: 5_000,
        ..Limits::default()
    };
    let source = audio.to_str().unwrap();
    let err = records_of(source, Use::Query, &limits).unwrap_err();
    assert!(
        matches!(err, Error::TooLarge { .. }) && err.to_string().contains("the limit is 5 s"),
        "{err}"
    );
    assert!(err.is_input_fault(), "{err}");
    assert!(
        !records_of(source, Use::Library, &limits)
            .unwrap()
            .is_empty()
    );
}
