//! Session 40 (a measurement, not built; copy into udf/media/examples/ to run): a gradient hash (dHash-like, 9x8
//! cells of the layout, a bit where the right cell is brighter) of every
//! reference's and query's layout.
use clickprint_core::fingerprint::layout::Layout;
use clickprint_core::records::Use;
use clickprint_media::decode::Limits;

mod pairs;
use pairs::layout_of;

/// Mean grey of cells (cols x rows) by area (fractional pixel overlap).
fn cells(l: &Layout, cols: usize, rows: usize) -> Vec<f32> {
    let (w, h) = (l.width as usize, l.height as usize);
    let weights = |n: usize, cells: usize| -> Vec<Vec<(usize, f32)>> {
        (0..cells)
            .map(|c| {
                let (a, b) = (c as f32 * n as f32 / cells as f32, (c + 1) as f32 * n as f32 / cells as f32);
                (a.floor() as usize..(b.ceil() as usize).min(n))
                    .map(|p| (p, (b.min(p as f32 + 1.0) - a.max(p as f32)).max(0.0)))
                    .filter(|x| x.1 > 0.0)
                    .collect()
            })
            .collect()
    };
    let (wx, wy) = (weights(w, cols), weights(h, rows));
    let mut out = vec![0.0; cols * rows];
    for (r, ys) in wy.iter().enumerate() {
        for (c, xs) in wx.iter().enumerate() {
            let (mut s, mut t) = (0.0, 0.0);
            for &(y, a) in ys {
                for &(x, b) in xs {
                    s += a * b * f32::from(l.pixels[y * w + x]);
                    t += a * b;
                }
            }
            out[r * cols + c] = s / t;
        }
    }
    out
}

fn hashes(l: &Layout) -> (u64, u64) {
    let g = cells(l, 9, 8);
    let (mut h, mut m) = (0u64, 0u64);
    for r in 0..8 {
        for c in 0..8 {
            if g[r * 9 + c + 1] > g[r * 9 + c] {
                h |= 1 << (r * 8 + c);
            }
            // mirrored picture: column c of the mirror is column 8-c
            if g[r * 9 + 7 - c] > g[r * 9 + 8 - c] {
                m |= 1 << (r * 8 + c);
            }
        }
    }
    (h, m)
}

fn main() {
    let (references, queries) = pairs::lists("layout_ghash");
    let limits = Limits::default();
    let out = |kind: &str, n: usize, path: &str, usage: Use| match layout_of(path, usage, &limits) {
        Some(l) => {
            let (h, m) = hashes(&l);
            println!("{kind}\t{n}\t{h:016x}\t{m:016x}");
        }
        None => println!("{kind}\t{n}\t-\t-"),
    };
    for (n, r) in references.iter().enumerate() {
        out("ref", n, r, Use::Library);
    }
    for (n, q) in queries.iter().enumerate() {
        out("q", n, &q.0, Use::Query);
    }
}
