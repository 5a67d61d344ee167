//! The C ABI of clickprint's fingerprint library: an opaque fingerprint
//! handle, flat `clickprint_<noun>_<verb>` functions, integer status codes,
//! one free function and a version function. A fingerprint comes from a
//! file (decoded here, with ffmpeg), or from sound the caller decodes
//! itself and feeds as PCM (`clickprint_audio_start`, `_feed`, `_finish`,
//! as chromaprint's `chromaprint_start`, `_feed`, `_finish`).
//! `include/clickprint.h` is generated from this file by cbindgen and
//! committed; a test fails when it is stale.
//!
//! Errors cross the boundary in exactly one place, `status_of`; panics
//! never cross it (each entry point catches them and answers
//! [`ClickprintStatus::ErrInternal`]).
#![deny(missing_docs)]

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Instant;

use clickprint_core::Error;
use clickprint_core::fingerprint::pcm::PcmFingerprinter;
use clickprint_core::fingerprint::visual::{self, Luma};
use clickprint_core::media::{Kind, MediaFingerprint, MediaInfo};
use clickprint_media::decode::Limits;
use clickprint_media::file::fingerprint_file;

/// What every fallible function returns.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClickprintStatus {
    /// Success.
    Ok = 0,
    /// A null pointer, an index out of range, a non-UTF-8 path, a bad
    /// sample rate or channel count (the caller's fault).
    ErrArgument = 1,
    /// The file cannot be read or is empty (the caller's fault).
    ErrRead = 2,
    /// Not media ffmpeg can read, no stream, or an unsupported codec (the caller's fault).
    ErrUnrecognized = 3,
    /// The media is corrupt or truncated (the caller's fault).
    ErrCorrupt = 4,
    /// The media exceeds a size, pixel or duration limit (the caller's fault).
    ErrTooLarge = 5,
    /// Decoding exceeded its time limit.
    ErrTimeout = 6,
    /// A failure inside the library (ours).
    ErrInternal = 7,
}

/// What kind of media a fingerprint is of.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClickprintKind {
    /// A still picture.
    Image = 1,
    /// Sound only.
    Audio = 2,
    /// Moving pictures, maybe with sound.
    Video = 3,
}

/// An opaque fingerprint of one file, or of sound fed as PCM.
#[derive(Debug)]
pub struct ClickprintFingerprint {
    inner: MediaFingerprint,
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// The one place a library error becomes a status code.
fn status_of(error: &Error) -> ClickprintStatus {
    match error {
        Error::Read { .. } | Error::Empty(_) => ClickprintStatus::ErrRead,
        Error::Unrecognized { .. } | Error::NoStream(_) | Error::Unsupported { .. } => {
            ClickprintStatus::ErrUnrecognized
        }
        Error::Corrupt { .. } => ClickprintStatus::ErrCorrupt,
        Error::TooLarge { .. } => ClickprintStatus::ErrTooLarge,
        Error::Timeout { .. } => ClickprintStatus::ErrTimeout,
        Error::Input(_) => ClickprintStatus::ErrArgument,
        _ => ClickprintStatus::ErrInternal,
    }
}

fn fail(status: ClickprintStatus, message: impl Into<String>) -> ClickprintStatus {
    let text = message.into().replace('\0', " ");
    LAST_ERROR.with(|e| *e.borrow_mut() = CString::new(text).unwrap_or_default());
    status
}

/// Runs an entry point's body, turning a panic into `ErrInternal`.
fn guarded(body: impl FnOnce() -> ClickprintStatus) -> ClickprintStatus {
    catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|_| fail(ClickprintStatus::ErrInternal, "clickprint: internal panic"))
}

/// The library version, e.g. "0.1.0". Static storage; never free it.
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn clickprint_version() -> *const c_char {
    static VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"unknown",
        };
    VERSION.as_ptr()
}

/// The message of the calling thread's last failure ("" if none). Valid
/// until the next failing call on this thread; never free it.
///
/// Thread safety: any thread; each thread has its own last error.
#[unsafe(no_mangle)]
pub extern "C" fn clickprint_last_error() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// Decodes and fingerprints the file at `path` (UTF-8, NUL-terminated).
/// On success `*out` receives a handle to free with
/// `clickprint_fingerprint_free`; on failure `*out` is set to NULL.
///
/// Thread safety: any thread, several at once.
///
/// # Safety
/// `path` is a valid NUL-terminated string; `out` points to writable storage.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clickprint_fingerprint_file(
    path: *const c_char,
    out: *mut *mut ClickprintFingerprint,
) -> ClickprintStatus {
    guarded(|| {
        if out.is_null() || path.is_null() {
            return fail(
                ClickprintStatus::ErrArgument,
                "path and out must not be NULL",
            );
        }
        // SAFETY: checked non-null; the caller promises writable storage.
        unsafe { *out = std::ptr::null_mut() };
        // SAFETY: checked non-null; the caller promises a NUL-terminated string.
        let Ok(path) = unsafe { CStr::from_ptr(path) }.to_str() else {
            return fail(ClickprintStatus::ErrArgument, "path is not UTF-8");
        };
        match fingerprint_file(Path::new(path), &Limits::default()) {
            Ok(inner) => {
                let handle = Box::into_raw(Box::new(ClickprintFingerprint { inner }));
                // SAFETY: as above.
                unsafe { *out = handle };
                ClickprintStatus::Ok
            }
            Err(e) => fail(status_of(&e), e.to_string()),
        }
    })
}

/// Frees a fingerprint from `clickprint_fingerprint_file` or
/// `clickprint_audio_finish`. NULL is ignored.
///
/// Thread safety: once per handle, by one thread, when no other thread still reads it.
///
/// # Safety
/// `fingerprint` came from `clickprint_fingerprint_file` or
/// `clickprint_audio_finish` and is freed once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clickprint_fingerprint_free(fingerprint: *mut ClickprintFingerprint) {
    if !fingerprint.is_null() {
        // SAFETY: the caller hands back ownership of a handle we allocated.
        drop(unsafe { Box::from_raw(fingerprint) });
    }
}

/// The kind of media (`CLICKPRINT_KIND_*`), or 0 for NULL.
///
/// Thread safety: any thread; several threads may read one handle at once.
///
/// # Safety
/// `fingerprint` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clickprint_fingerprint_kind(
    fingerprint: *const ClickprintFingerprint,
) -> i32 {
    // SAFETY: NULL or live, as the caller promises.
    match unsafe { fingerprint.as_ref() } {
        None => 0,
        Some(fp) => match fp.inner.info.kind {
            Kind::Image => ClickprintKind::Image as i32,
            Kind::Audio => ClickprintKind::Audio as i32,
            Kind::Video => ClickprintKind::Video as i32,
        },
    }
}

/// Duration of the decoded media in ms (0 for an image or NULL).
///
/// Thread safety: any thread; several threads may read one handle at once.
///
/// # Safety
/// `fingerprint` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clickprint_fingerprint_duration_ms(
    fingerprint: *const ClickprintFingerprint,
) -> u64 {
    // SAFETY: NULL or live, as the caller promises.
    unsafe { fingerprint.as_ref() }.map_or(0, |fp| fp.inner.info.duration_ms)
}

/// How many visual frames the fingerprint holds (1 for an image).
///
/// Thread safety: any thread; several threads may read one handle at once.
///
/// # Safety
/// `fingerprint` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clickprint_fingerprint_frame_count(
    fingerprint: *const ClickprintFingerprint,
) -> usize {
    // SAFETY: NULL or live, as the caller promises.
    unsafe { fingerprint.as_ref() }.map_or(0, |fp| fp.inner.frames.len())
}

/// Frame `index`: its time in ms, its 32-byte hash and its quality (0-100).
///
/// Thread safety: any thread; several threads may read one handle at once.
///
/// # Safety
/// `fingerprint` is a live handle; `time_ms` and `quality` point to writable
/// storage; `hash` to 32 writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clickprint_fingerprint_frame(
    fingerprint: *const ClickprintFingerprint,
    index: usize,
    time_ms: *mut u32,
    hash: *mut u8,
    quality: *mut u8,
) -> ClickprintStatus {
    guarded(|| {
        // SAFETY: NULL or live, as the caller promises.
        let Some(fp) = (unsafe { fingerprint.as_ref() }) else {
            return fail(ClickprintStatus::ErrArgument, "fingerprint is NULL");
        };
        if time_ms.is_null() || hash.is_null() || quality.is_null() {
            return fail(
                ClickprintStatus::ErrArgument,
                "output pointers must not be NULL",
            );
        }
        let Some(frame) = fp.inner.frames.get(index) else {
            return fail(
                ClickprintStatus::ErrArgument,
                format!("frame {index} of {}", fp.inner.frames.len()),
            );
        };
        // SAFETY: checked non-null; the caller promises writable storage of these sizes.
        unsafe {
            *time_ms = frame.time_ms;
            *quality = frame.visual.quality;
            std::ptr::copy_nonoverlapping(frame.visual.hash.0.as_ptr(), hash, 32);
        }
        ClickprintStatus::Ok
    })
}

/// How many audio landmarks the fingerprint holds.
///
/// Thread safety: any thread; several threads may read one handle at once.
///
/// # Safety
/// `fingerprint` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clickprint_fingerprint_landmark_count(
    fingerprint: *const ClickprintFingerprint,
) -> usize {
    // SAFETY: NULL or live, as the caller promises.
    unsafe { fingerprint.as_ref() }
        .and_then(|fp| fp.inner.audio.as_ref())
        .map_or(0, |a| a.landmarks.len())
}

/// Landmark `index`: its 24-bit hash and its time in ms.
///
/// Thread safety: any thread; several threads may read one handle at once.
///
/// # Safety
/// `fingerprint` is a live handle; `hash` and `time_ms` point to writable storage.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clickprint_fingerprint_landmark(
    fingerprint: *const ClickprintFingerprint,
    index: usize,
    hash: *mut u32,
    time_ms: *mut u32,
) -> ClickprintStatus {
    guarded(|| {
        // SAFETY: NULL or live, as the caller promises.
        let Some(fp) = (unsafe { fingerprint.as_ref() }) else {
            return fail(ClickprintStatus::ErrArgument, "fingerprint is NULL");
        };
        if hash.is_null() || time_ms.is_null() {
            return fail(
                ClickprintStatus::ErrArgument,
                "output pointers must not be NULL",
            );
        }
        let landmarks = fp
            .inner
            .audio
            .as_ref()
            .map_or(&[][..], |a| &a.landmarks[..]);
        let Some(landmark) = landmarks.get(index) else {
            return fail(
                ClickprintStatus::ErrArgument,
                format!("landmark {index} of {}", landmarks.len()),
            );
        };
        // SAFETY: checked non-null; the caller promises writable storage.
        unsafe {
            *hash = landmark.hash;
            *time_ms = landmark.time_ms();
        }
        ClickprintStatus::Ok
    })
}

/// Hashes a grey picture already in memory: `width * height` bytes, row by
/// row. Writes the 32-byte hash, the 32-byte hash of its mirror image, and
/// the quality (0-100).
///
/// Thread safety: any thread, several at once.
///
/// # Safety
/// `pixels` points to `width * height` readable bytes; `hash` and `flipped`
/// to 32 writable bytes each; `quality` to one writable byte.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clickprint_luma_hash(
    pixels: *const u8,
    width: u32,
    height: u32,
    hash: *mut u8,
    flipped: *mut u8,
    quality: *mut u8,
) -> ClickprintStatus {
    guarded(|| {
        if pixels.is_null() || hash.is_null() || flipped.is_null() || quality.is_null() {
            return fail(ClickprintStatus::ErrArgument, "pointers must not be NULL");
        }
        if width == 0
            || height == 0
            || u64::from(width) * u64::from(height) > Limits::default().max_pixels
        {
            return fail(
                ClickprintStatus::ErrArgument,
                format!("bad picture size {width}x{height}"),
            );
        }
        let len = width as usize * height as usize;
        // SAFETY: the caller promises `width * height` readable bytes.
        let bytes = unsafe { std::slice::from_raw_parts(pixels, len) };
        let fp = visual::fingerprint(&Luma::new(width, height, bytes.to_vec()));
        // SAFETY: checked non-null; the caller promises 32 writable bytes each.
        unsafe {
            std::ptr::copy_nonoverlapping(fp.hash.0.as_ptr(), hash, 32);
            std::ptr::copy_nonoverlapping(fp.flipped.0.as_ptr(), flipped, 32);
            *quality = fp.quality;
        }
        ClickprintStatus::Ok
    })
}

/// The number of differing bits between two 32-byte hashes (0-256).
///
/// Thread safety: any thread, several at once.
///
/// # Safety
/// `a` and `b` point to 32 readable bytes each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clickprint_hash_distance(a: *const u8, b: *const u8) -> u32 {
    if a.is_null() || b.is_null() {
        return u32::MAX;
    }
    // SAFETY: the caller promises 32 readable bytes each.
    let (a, b) = unsafe {
        (
            std::slice::from_raw_parts(a, 32),
            std::slice::from_raw_parts(b, 32),
        )
    };
    clickprint_core::bits::hamming(a, b)
}

/// An opaque stream of sound being fingerprinted from PCM the caller
/// decoded (`clickprint_audio_start`, `_feed`, `_finish`).
#[derive(Debug)]
pub struct ClickprintAudio {
    inner: PcmFingerprinter,
    started: Instant,
}

/// Starts fingerprinting sound the caller decodes itself: interleaved
/// signed 16-bit samples, `channels` channels (1 to 64) at `sample_rate` Hz
/// (1 to 768000), mixed to mono and resampled inside. On success `*out`
/// receives a handle to feed with `clickprint_audio_feed` and end with
/// `clickprint_audio_finish`; on failure `*out` is set to NULL.
///
/// Thread safety: may be called from any thread; each call makes an
/// independent handle.
///
/// # Safety
/// `out` points to writable storage.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clickprint_audio_start(
    sample_rate: u32,
    channels: u32,
    out: *mut *mut ClickprintAudio,
) -> ClickprintStatus {
    guarded(|| {
        if out.is_null() {
            return fail(ClickprintStatus::ErrArgument, "out must not be NULL");
        }
        // SAFETY: checked non-null; the caller promises writable storage.
        unsafe { *out = std::ptr::null_mut() };
        match PcmFingerprinter::new(sample_rate, channels) {
            Ok(inner) => {
                let audio = Box::new(ClickprintAudio {
                    inner,
                    started: Instant::now(),
                });
                // SAFETY: as above.
                unsafe { *out = Box::into_raw(audio) };
                ClickprintStatus::Ok
            }
            Err(e) => fail(status_of(&e), e.to_string()),
        }
    })
}

/// Feeds `frames` frames of sound: `interleaved` holds `frames * channels`
/// samples, one per channel for each frame, channel after channel. Feeds
/// may be of any size; the fingerprint does not depend on how the sound is
/// split between them.
///
/// Thread safety: a handle is fed by one thread at a time (different
/// handles may be fed on different threads at once).
///
/// # Safety
/// `audio` is a live handle from `clickprint_audio_start`; `interleaved`
/// points to `frames * channels` readable samples (it may be NULL when
/// `frames` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clickprint_audio_feed(
    audio: *mut ClickprintAudio,
    interleaved: *const i16,
    frames: usize,
) -> ClickprintStatus {
    guarded(|| {
        // SAFETY: NULL or live, as the caller promises; used by one thread.
        let Some(audio) = (unsafe { audio.as_mut() }) else {
            return fail(ClickprintStatus::ErrArgument, "audio is NULL");
        };
        if frames == 0 {
            return ClickprintStatus::Ok;
        }
        if interleaved.is_null() {
            return fail(ClickprintStatus::ErrArgument, "interleaved is NULL");
        }
        let channels = audio.inner.channels();
        let Some(count) = frames
            .checked_mul(channels)
            .filter(|&n| n <= isize::MAX as usize / size_of::<i16>())
        else {
            return fail(
                ClickprintStatus::ErrArgument,
                format!("{frames} frames of {channels} channels is too many"),
            );
        };
        // SAFETY: checked non-null and within a slice's limit; the caller
        // promises `frames * channels` readable samples.
        let samples = unsafe { std::slice::from_raw_parts(interleaved, count) };
        match audio.inner.feed(samples) {
            Ok(()) => ClickprintStatus::Ok,
            Err(e) => fail(status_of(&e), e.to_string()),
        }
    })
}

/// Ends the stream: `*out` receives the fingerprint of everything fed, or
/// NULL on failure. It is of kind `CLICKPRINT_KIND_AUDIO`, with no frames;
/// read its landmarks with `clickprint_fingerprint_landmark` and free it
/// with `clickprint_fingerprint_free`. The audio handle is consumed
/// whatever the result: never use it again (to abandon a stream, finish
/// it and free the fingerprint).
///
/// Thread safety: once per handle, by one thread, when no other thread is
/// feeding it.
///
/// # Safety
/// `audio` is NULL or a live handle from `clickprint_audio_start`; `out`
/// points to writable storage.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clickprint_audio_finish(
    audio: *mut ClickprintAudio,
    out: *mut *mut ClickprintFingerprint,
) -> ClickprintStatus {
    // Taken back before anything can fail, so it is freed on every path.
    // SAFETY: NULL or a live handle from Box::into_raw, as the caller
    // promises, handed back exactly once.
    let audio = (!audio.is_null()).then(|| unsafe { Box::from_raw(audio) });
    guarded(move || {
        if out.is_null() {
            return fail(ClickprintStatus::ErrArgument, "out must not be NULL");
        }
        // SAFETY: checked non-null; the caller promises writable storage.
        unsafe { *out = std::ptr::null_mut() };
        let Some(audio) = audio else {
            return fail(ClickprintStatus::ErrArgument, "audio is NULL");
        };
        let ClickprintAudio { inner, started } = *audio;
        let sound = inner.finish();
        let info = MediaInfo {
            kind: Kind::Audio,
            container: "pcm".to_owned(),
            duration_ms: sound.duration_ms,
            declared_ms: 0,
            width: 0,
            height: 0,
            has_audio: true,
            frames_decoded: 0,
            decode_errors: 0,
        };
        let fingerprint = Box::new(ClickprintFingerprint {
            inner: MediaFingerprint {
                info,
                frames: Vec::new(),
                local: Vec::new(),
                mirrored_local: None,
                regions: Vec::new(),
                profiles: Vec::new(),
                layout: None,
                audio: Some(sound),
                elapsed: started.elapsed(),
            },
        });
        // SAFETY: as above.
        unsafe { *out = Box::into_raw(fingerprint) };
        ClickprintStatus::Ok
    })
}
