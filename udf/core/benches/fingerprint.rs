//! Criterion benchmarks of the DSP core (no decoding): the visual hash of a
//! 1080p picture and of a picture at the decoder's working size, alone and
//! with the local features, and audio
//! landmarks over a minute of sound. `benchmarks/README.md` says how these
//! relate to the targets and to the whole-file benchmark.
//!
//! Run: `cargo bench -p clickprint-core --bench fingerprint`

use std::hint::black_box;

use clickprint_core::fingerprint::audio::{self, SAMPLE_RATE};
use clickprint_core::fingerprint::local;
use clickprint_core::fingerprint::visual::{self, Luma};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

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

criterion_group!(benches, visual_hash, audio_landmarks);
criterion_main!(benches);
