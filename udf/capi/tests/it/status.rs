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
