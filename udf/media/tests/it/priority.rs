//! A long query yields the processor (issue 18): the thread decoding it
//! lowers its priority to `BACKGROUND_NICE` once the media proves longer
//! than the limits say; a short one keeps its priority, and so does the
//! caller of a query's extraction (the priority leaves with the thread
//! `source::fingerprint_of` decodes in).

use std::path::{Path, PathBuf};

use clickprint_core::fingerprint::visual::Luma;
use clickprint_core::media::{BACKGROUND_NICE, Kind};
use clickprint_core::records::Use;
use clickprint_media::decode::{Limits, Sink, decode};
use clickprint_media::source::fingerprint_of;

use crate::media::Workdir;

/// The calling thread's nice value (Linux keeps one per thread).
fn nice() -> i32 {
    // SAFETY: getpriority only reads this thread's scheduling priority.
    unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) }
}

/// Records the decoding thread's nice value at every block of sound.
#[derive(Default)]
struct Priorities(Vec<i32>);

impl Sink for Priorities {
    fn begin(&mut self, _: Kind) {}
    fn picture(&mut self, _: u32, _: &Luma) {}
    fn audio(&mut self, _: &[f32]) {
        self.0.push(nice());
    }
}

/// Decodes `path` in a new thread under `yield_after_ms`: the thread's nice
/// value before, and at each block of sound.
fn decode_in_thread(path: &Path, yield_after_ms: Option<u64>) -> (i32, Vec<i32>) {
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        let before = nice();
        let limits = Limits {
            yield_after_ms,
            ..Limits::default()
        };
        let mut seen = Priorities::default();
        decode(&path, &limits, &mut seen).expect("the sound decodes");
        (before, seen.0)
    })
    .join()
    .expect("the decoding thread ends")
}

fn sine(work: &Workdir, secs: u32) -> PathBuf {
    work.ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            &format!("sine=f=440:d={secs}:sample_rate=8000"),
        ],
        &format!("sine-{secs}.wav"),
    )
}

#[test]
fn a_long_decode_lowers_its_threads_priority_and_a_short_one_does_not() {
    let work = Workdir::new("priority");
    let ten = sine(&work, 10);

    let (before, long) = decode_in_thread(&ten, Some(5_000));
    assert!(
        before < BACKGROUND_NICE,
        "the test runs at nice {before}: it cannot see a lowered priority"
    );
    // 10 s declared, over 5 s: lowered before the first block decodes.
    assert!(!long.is_empty());
    assert!(long.iter().all(|&n| n == BACKGROUND_NICE), "{long:?}");

    let (before, short) = decode_in_thread(&ten, Some(20_000));
    assert!(short.iter().all(|&n| n == before), "{short:?}");
    let (before, unasked) = decode_in_thread(&ten, None);
    assert!(unasked.iter().all(|&n| n == before), "{unasked:?}");
}

#[test]
fn a_long_querys_lowered_priority_leaves_with_its_thread() {
    let work = Workdir::new("priority-query");
    // Longer than LONG_QUERY_MS, shorter than the query limit.
    let long = sine(&work, 65);
    let before = nice();
    let fp = fingerprint_of(long.to_str().unwrap(), Use::Query, &Limits::default())
        .expect("a 65 s query is within the limit");
    assert!(fp.info.duration_ms >= 64_000, "{:?}", fp.info);
    assert_eq!(nice(), before, "the caller's thread keeps its priority");
}
