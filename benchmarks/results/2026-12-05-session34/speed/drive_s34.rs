//! Session 34: a driver for callgrind and farm-bench (copy into udf/core/examples/ to build): `drive_s34 WIDTH HEIGHT q|l N` runs `still::fingerprint` N times on a generated picture.
use clickprint_core::fingerprint::still;
use clickprint_core::fingerprint::visual::Luma;
use clickprint_core::records::Use;

fn textured(width: u32, height: u32, seed: u64) -> Luma {
    let (w, h) = (width as usize, height as usize);
    let mut state = seed;
    let mut next = move |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % n.max(1)
    };
    let mut pixels: Vec<u8> = (0..h)
        .flat_map(|y| {
            (0..w).map(move |x| {
                let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
                (128.0 + 60.0 * (fx * 11.0 + fy * 7.0).sin() + 50.0 * (fy * 13.0 - fx * 3.0).cos())
                    as u8
            })
        })
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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (w, h) = (args[1].parse().unwrap(), args[2].parse().unwrap());
    let usage = if args[3] == "q" {
        Use::Query
    } else {
        Use::Library
    };
    let n: usize = args[4].parse().unwrap();
    let luma = textured(w, h, 0x2545_f491_4f6c_dd1d);
    for _ in 0..n {
        std::hint::black_box(still::fingerprint(std::hint::black_box(&luma), usage));
    }
}
