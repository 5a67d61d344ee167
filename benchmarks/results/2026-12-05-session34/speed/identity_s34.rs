//! Session 34 (copy into udf/media/examples/ to build): a hash of every record of every picture,
//! both uses, plus still::fingerprint on each decoded picture upscaled 2x
//! and on generated pictures, one line each.
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

use clickprint_core::fingerprint::local;
use clickprint_core::fingerprint::still;
use clickprint_core::fingerprint::visual::Luma;
use clickprint_core::records::{Use, records};
use clickprint_media::decode::{self, Limits, Sink};
use clickprint_media::file::fingerprint_file;
use clickprint_core::media::Kind;

fn h(text: &str) -> u64 {
    let mut s = DefaultHasher::new();
    text.hash(&mut s);
    s.finish()
}

struct Grab(Option<Luma>);
impl Sink for Grab {
    fn begin(&mut self, _: Kind) {}
    fn picture(&mut self, _: u32, luma: &Luma) {
        if self.0.is_none() {
            self.0 = Some(luma.clone());
        }
    }
    fn audio(&mut self, _: &[f32]) {}
}

fn upscaled(l: &Luma, num: u32, den: u32) -> Luma {
    let (w, h) = (l.width * num / den, l.height * num / den);
    let mut px = Vec::with_capacity((w * h) as usize);
    for y in 0..h {
        for x in 0..w {
            let (sx, sy) = ((x * den / num).min(l.width - 1), (y * den / num).min(l.height - 1));
            px.push(l.pixels[(sy * l.width + sx) as usize]);
        }
    }
    Luma::new(w, h, px)
}

fn textured(width: u32, height: u32, seed: u64) -> Luma {
    let (w, h) = (width as usize, height as usize);
    let mut state = seed;
    let mut next = move |n: usize| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % n.max(1)
    };
    let mut pixels: Vec<u8> = (0..h)
        .flat_map(|y| (0..w).map(move |x| {
            let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
            (128.0 + 60.0 * (fx * 11.0 + fy * 7.0).sin() + 50.0 * (fy * 13.0 - fx * 3.0).cos()) as u8
        }))
        .collect();
    let mut rect = |pixels: &mut [u8], x0: usize, y0: usize, rw: usize, rh: usize, count: usize| {
        for _ in 0..count {
            let (bw, bh) = (4 + next(rw / 12), 4 + next(rh / 12));
            let (x, y) = (x0 + next(rw - bw), y0 + next(rh - bh));
            let grey = next(256) as u8;
            for row in y..y + bh {
                pixels[row * w + x..row * w + x + bw].fill(grey);
            }
        }
    };
    rect(&mut pixels, 0, 0, w, h, 600);
    let (iw, ih) = (w * 2 / 5, h * 2 / 5);
    let (ix, iy) = (w / 2, h / 3);
    for row in iy..iy + ih {
        pixels[row * w + ix..row * w + ix + iw].fill(40);
    }
    rect(&mut pixels, ix, iy, iw, ih, 300);
    Luma::new(width, height, pixels)
}

fn still_line(name: &str, luma: &Luma) {
    for usage in [Use::Query, Use::Library] {
        let fp = still::fingerprint(luma, usage);
        println!("{name} {}x{} {usage:?} {:016x}", luma.width, luma.height, h(&format!("{fp:?}")));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let limits = Limits::default();
    for (w, hh) in [(1920, 1080), (1921, 1081), (2600, 1400), (1024, 576), (640, 480), (300, 200), (4500, 700), (3100, 900)] {
        for seed in [0x2545_f491_4f6c_dd1du64, 7, 12345] {
            still_line(&format!("textured{seed}"), &textured(w, hh, seed));
        }
        still_line("soft", &local::soft_scene(w, hh));
    }
    for list in &args {
        let text = std::fs::read_to_string(list).unwrap_or_else(|_| list.clone());
        for path in text.lines().filter(|l| !l.is_empty()) {
            for usage in [Use::Query, Use::Library] {
                match fingerprint_file(Path::new(path), &limits.for_use(usage)) {
                    Ok(fp) => println!("{path} {usage:?} {:016x}", h(&format!("{:?}", records(&fp, usage)))),
                    Err(e) => println!("{path} {usage:?} error {e}"),
                }
            }
            let mut grab = Grab(None);
            if decode::decode(Path::new(path), &limits.for_use(Use::Query), &mut grab).is_ok()
                && let Some(l) = grab.0
            {
                still_line(&format!("{path} x1"), &l);
                still_line(&format!("{path} x2"), &upscaled(&l, 2, 1));
                still_line(&format!("{path} x1.7"), &upscaled(&l, 17, 10));
            }
        }
    }
}
