//! Errors map to status codes, and the thread's last error says why.

use std::ffi::{CStr, CString};

use clickprint_c::*;

fn last_error() -> String {
    // SAFETY: the library returns a valid NUL-terminated string.
    unsafe { CStr::from_ptr(clickprint_last_error()) }
        .to_string_lossy()
        .into_owned()
}

#[test]
fn broken_input_maps_to_its_status() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], ClickprintStatus); 3] = [
        ("empty.png", b"", ClickprintStatus::ErrRead),
        (
            "text.jpg",
            b"not a picture at all, just words words words",
            ClickprintStatus::ErrCorrupt,
        ),
        ("missing.mp4", b"", ClickprintStatus::ErrRead),
    ];
    for (name, bytes, expected) in cases {
        let path = dir.path().join(name);
        if name != "missing.mp4" {
            std::fs::write(&path, bytes).unwrap();
        }
        let c_path = CString::new(path.to_str().unwrap()).unwrap();
        let mut out = std::ptr::null_mut();
        // SAFETY: valid path and out pointer.
        let status = unsafe { clickprint_fingerprint_file(c_path.as_ptr(), &mut out) };
        assert_eq!(status, expected, "{name}: {}", last_error());
        assert!(out.is_null());
        assert!(last_error().contains(name), "{name}: {}", last_error());
    }
}

#[test]
fn null_arguments_are_refused_not_dereferenced() {
    let mut out = std::ptr::null_mut();
    // SAFETY: NULL path is what is being tested; out is valid.
    let status = unsafe { clickprint_fingerprint_file(std::ptr::null(), &mut out) };
    assert_eq!(status, ClickprintStatus::ErrArgument);
    // SAFETY: NULL handles are documented as accepted.
    unsafe {
        assert_eq!(clickprint_fingerprint_frame_count(std::ptr::null()), 0);
        assert_eq!(clickprint_fingerprint_kind(std::ptr::null()), 0);
        clickprint_fingerprint_free(std::ptr::null_mut());
        assert_eq!(
            clickprint_hash_distance(std::ptr::null(), std::ptr::null()),
            u32::MAX
        );
    }
}

#[test]
fn the_pcm_api_refuses_bad_arguments() {
    for (rate, channels, expected) in [
        (0, 2, "sample rate 0 Hz"),
        (768_001, 2, "sample rate 768001 Hz"),
        (44_100, 0, "0 channels"),
        (44_100, 65, "65 channels"),
    ] {
        let mut audio = std::ptr::NonNull::<ClickprintAudio>::dangling().as_ptr();
        // SAFETY: a writable out pointer.
        let status = unsafe { clickprint_audio_start(rate, channels, &mut audio) };
        assert_eq!(
            status,
            ClickprintStatus::ErrArgument,
            "{rate} Hz {channels}"
        );
        assert!(audio.is_null(), "out is set to NULL on failure");
        assert!(last_error().contains(expected), "{}", last_error());
    }
    // SAFETY: NULL out is what is being tested.
    let status = unsafe { clickprint_audio_start(44_100, 2, std::ptr::null_mut()) };
    assert_eq!(status, ClickprintStatus::ErrArgument);

    let samples = [0i16; 4];
    // SAFETY: a NULL handle is what is being tested.
    let status = unsafe { clickprint_audio_feed(std::ptr::null_mut(), samples.as_ptr(), 2) };
    assert_eq!(status, ClickprintStatus::ErrArgument);
    let mut audio = std::ptr::null_mut();
    // SAFETY: a writable out pointer; then the live handle, with NULL
    // samples only where no frame is to be read.
    unsafe {
        assert_eq!(
            clickprint_audio_start(44_100, 2, &mut audio),
            ClickprintStatus::Ok
        );
        assert_eq!(
            clickprint_audio_feed(audio, std::ptr::null(), 0),
            ClickprintStatus::Ok
        );
        assert_eq!(
            clickprint_audio_feed(audio, std::ptr::null(), 2),
            ClickprintStatus::ErrArgument
        );
        assert_eq!(
            clickprint_audio_feed(audio, samples.as_ptr(), usize::MAX),
            ClickprintStatus::ErrArgument
        );
        assert!(last_error().contains("too many"), "{}", last_error());
        assert_eq!(
            clickprint_audio_feed(audio, samples.as_ptr(), 2),
            ClickprintStatus::Ok
        );
    }
    // A NULL out still consumes the handle (it is not leaked or reusable).
    // SAFETY: the live handle, handed back once.
    let status = unsafe { clickprint_audio_finish(audio, std::ptr::null_mut()) };
    assert_eq!(status, ClickprintStatus::ErrArgument);
    let mut fingerprint = std::ptr::NonNull::<ClickprintFingerprint>::dangling().as_ptr();
    // SAFETY: a NULL handle is what is being tested; a writable out pointer.
    let status = unsafe { clickprint_audio_finish(std::ptr::null_mut(), &mut fingerprint) };
    assert_eq!(status, ClickprintStatus::ErrArgument);
    assert!(fingerprint.is_null());
}
