//! Criterion benchmarks of the DSP core (no decoding): the visual hash of a
//! 1080p picture and of a picture at the decoder's working size, alone and
//! with the local features; everything a still query picture gets
//! ([`still::fingerprint`]: hash, local features, their mirror, the
//! query-side regions), and a library picture's part of it, on a textured
//! picture holding an inset; and audio
//! landmarks over a minute of sound. `benchmarks/README.md` says how these
//! relate to the targets and to the whole-file benchmark.
//!
//! Run: `cargo bench -p clickprint-core --bench fingerprint`

use std::hint::black_box;
use std::time::Duration;

use clickprint_core::fingerprint::audio::{self, SAMPLE_RATE};
use clickprint_core::fingerprint::layout;
use clickprint_core::fingerprint::local;
use clickprint_core::fingerprint::profile;
use clickprint_core::fingerprint::regions;
use clickprint_core::fingerprint::still;
use clickprint_core::fingerprint::visual::{self, Luma};
use clickprint_core::keys;
use clickprint_core::records::Use;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Processor time of the benchmarking thread, instead of wall time: the
/// machines these run on are shared, and a budget "on one core" is a
/// processor-time budget. Another process taking the core makes a wall
/// time longer, not this.
struct ThreadCpuTime;

fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec to write; the clock id is a
    // constant every Linux has.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

static WALL_TIME: WallTime = WallTime;

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_cpu_time()
    }
    fn end(&self, started: Duration) -> Duration {
        thread_cpu_time() - started
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WALL_TIME.formatter()
    }
}

fn picture(width: u32, height: u32) -> Luma {
    let pixels = (0..height)
        .flat_map(|y| {
            (0..width).map(move |x| {
                let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
                (128.0 + 60.0 * (fx * 11.0 + fy * 7.0).sin() + 50.0 * (fy * 13.0 - fx * 3.0).cos())
                    as u8
            })
        })
        .collect();
    Luma::new(width, height, pixels)
}

/// A busy picture with an inset, the dear case for [`still::fingerprint`]:
/// 600 random grey rectangles over gentle waves (corners everywhere, so
/// the keypoint budgets fill) and, at 40% of the width, a second such
/// picture on a dark ground pasted in (so the inset is found and gets
/// local features of its own).
fn textured_with_inset(width: u32, height: u32) -> Luma {
    let (w, h) = (width as usize, height as usize);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % n.max(1)
    };
    let mut pixels = picture(width, height).pixels;
    let mut rectangles =
        |pixels: &mut [u8], x0: usize, y0: usize, rw: usize, rh: usize, count: usize| {
            for _ in 0..count {
                let (bw, bh) = (4 + next(rw / 12), 4 + next(rh / 12));
                let (x, y) = (x0 + next(rw - bw), y0 + next(rh - bh));
                let grey = next(256) as u8;
                for row in y..y + bh {
                    pixels[row * w + x..row * w + x + bw].fill(grey);
                }
            }
        };
    rectangles(&mut pixels, 0, 0, w, h, 600);
    let (iw, ih) = (w * 2 / 5, h * 2 / 5);
    let (ix, iy) = (w / 2, h / 3);
    for row in iy..iy + ih {
        pixels[row * w + ix..row * w + ix + iw].fill(40);
    }
    rectangles(&mut pixels, ix, iy, iw, ih, 300);
    Luma::new(width, height, pixels)
}

fn melody(seconds: usize) -> Vec<f32> {
    let n = seconds * SAMPLE_RATE as usize;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut freq = 440.0f32;
    (0..n)
        .map(|i| {
            if i % (SAMPLE_RATE as usize / 4) == 0 {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                freq = 200.0 + (state >> 52) as f32;
            }
            let t = i as f32 / SAMPLE_RATE as f32;
            let envelope = (-((i % 2000) as f32) / 1000.0).exp();
            envelope * (2.0 * std::f32::consts::PI * freq * t).sin()
        })
        .collect()
}

fn visual_hash(c: &mut Criterion) {
    let full_hd = picture(1920, 1080);
    let working = picture(256, 144);
    let mut group = c.benchmark_group("visual");
    group.bench_function("hash 1920x1080", |b| {
        b.iter(|| visual::fingerprint(black_box(&full_hd)))
    });
    group.bench_function("hash 256x144 (working size)", |b| {
        b.iter(|| visual::fingerprint(black_box(&working)))
    });
    group.bench_function("hash + local features 1920x1080", |b| {
        b.iter(|| {
            (
                visual::fingerprint(black_box(&full_hd)),
                local::extract(black_box(&full_hd)),
            )
        })
    });
    group.bench_function("hash + local features 256x144 (working size)", |b| {
        b.iter(|| {
            (
                visual::fingerprint(black_box(&working)),
                local::extract(black_box(&working)),
            )
        })
    });
    group.finish();
}

/// Issue 24's budget: at most 10 ms for a 1920x1080 picture after decode,
/// on one core: timed in processor time ([`ThreadCpuTime`]).
/// The decoder hands stills over at up to 1024 px on the longer side
/// (`clickprint_media::decode::IMAGE_WORKING_SIZE`), so 1024x576 is what
/// the product runs; 1920x1080 is the same call on the full picture.
fn still_picture(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("still");
    for (width, height) in [(1920, 1080), (1024, 576)] {
        let luma = textured_with_inset(width, height);
        let kinds: Vec<_> = still::fingerprint(&luma, Use::Query)
            .regions
            .iter()
            .map(|r| r.kind)
            .collect();
        assert_eq!(kinds.len(), 2, "the inset and the centre band: {kinds:?}");
        for (name, usage) in [("everything", Use::Query), ("library", Use::Library)] {
            group.bench_function(format!("{name} {width}x{height}, textured, inset"), |b| {
                b.iter(|| still::fingerprint(black_box(&luma), usage))
            });
        }
        // A smooth picture of the same size: its levels are also
        // contrast-normalised (`local::MIN_PLAIN_CORNERS`), the dear case
        // of a library picture.
        let soft = local::soft_scene(width, height);
        assert!(local::Pyramid::new(&local::working_picture(&soft)).normalised());
        group.bench_function(format!("library {width}x{height}, soft"), |b| {
            b.iter(|| still::fingerprint(black_box(&soft), Use::Library))
        });
        // Its parts, to see where the time goes.
        let working = local::working_picture(&luma);
        let pyramid = local::Pyramid::new(&working);
        let soft_working = local::working_picture(&soft);
        let soft_layout = layout::Layout::of(&soft_working);
        let parts: [(&str, &dyn Fn()); 9] = [
            ("hash", &|| {
                _ = black_box(visual::fingerprint(black_box(&luma)))
            }),
            ("working picture", &|| {
                _ = black_box(local::working_picture(black_box(&luma)))
            }),
            ("local of working", &|| {
                _ = black_box(local::extract(black_box(&working)))
            }),
            ("find inset", &|| {
                _ = black_box(regions::detected_inset(black_box(&luma)))
            }),
            ("regions", &|| {
                _ = black_box(regions::regions(black_box(&luma), black_box(&pyramid)))
            }),
            ("profiles", &|| {
                _ = black_box(profile::profiles(black_box(&working), true))
            }),
            ("profiles, soft library", &|| {
                _ = black_box(profile::profiles(black_box(&soft_working), false))
            }),
            ("layout", &|| {
                _ = black_box(layout::layout(black_box(&working), true, true))
            }),
            ("layout's blob keys, soft", &|| {
                _ = black_box(keys::layout_keys(black_box(&soft_layout)))
            }),
        ];
        for (name, part) in parts {
            group.bench_function(format!("part {width}x{height} {name}"), |b| b.iter(part));
        }
    }
    group.finish();
}

fn audio_landmarks(c: &mut Criterion) {
    let minute = melody(60);
    let mut group = c.benchmark_group("audio");
    group.throughput(Throughput::Elements(60));
    group.sample_size(20);
    group.bench_function("landmarks of 60 s (elements = seconds of audio)", |b| {
        b.iter(|| audio::fingerprint(black_box(&minute)))
    });
    group.finish();
}

/// The rerank's dearest comparison, one pair of layouts: a 30% crop of a
/// soft picture against its original (the coarse search, then the fine
/// one), and a textured picture against it (the coarse search alone:
/// under `COARSE_FLOOR`); once for a pair alone (the query resampled to
/// every size), once as the rerank compares the next candidate with a
/// prepared query (its sizes kept from the candidates before).
fn layout_comparison(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("layout");
    let soft = local::soft_scene(512, 384);
    let original = layout::Layout::of(&local::working_picture(&soft));
    let crop = regions::crop(
        &soft,
        regions::Rect {
            x: 77,
            y: 58,
            w: 358,
            h: 268,
        },
    );
    let copy = layout::Layout::of(&local::working_picture(&crop));
    let other = layout::Layout::of(&local::working_picture(&textured_with_inset(512, 384)));
    for (name, query) in [("a copy", &copy), ("an unrelated picture", &other)] {
        assert!(layout::correlation(query, &original).is_some());
        group.bench_function(format!("correlation, {name}"), |b| {
            b.iter(|| layout::correlation(black_box(query), black_box(&original)))
        });
        // A fresh reference each time, as each candidate is.
        let prepared = layout::Prepared::new(query.clone());
        group.bench_function(format!("correlation, {name}, query prepared"), |b| {
            b.iter(|| {
                black_box(&prepared)
                    .correlation(&layout::Prepared::new(black_box(original.clone())))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, visual_hash, audio_landmarks);
criterion_group! {
    name = processor_time;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = still_picture, layout_comparison
}
criterion_main!(benches, processor_time);
