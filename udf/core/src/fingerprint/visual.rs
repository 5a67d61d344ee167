//! The global visual hash: a PDQ-class 256-bit DCT hash of a grayscale
//! picture, the same for still images and video frames (one space, so an
//! image query finds the video frames that show it).
//!
//! Algorithm (after Facebook's PDQ):
//! 1. Area-resample the luma plane to 64x64 (every source pixel weighs by
//!    the share of it each output pixel covers), which also low-passes it.
//! 2. Take the 2-D DCT-II of the 64x64 block and keep frequencies 1..=16 in
//!    each direction (the DC term says only how bright the picture is).
//! 3. Each of the 256 coefficients becomes one bit: 1 when above their median.
//!
//! A horizontally flipped picture has the same coefficients with the sign of
//! every even-indexed column (odd horizontal frequency) changed, so the hash
//! of the mirror image is computed from the same DCT at no extra cost.
//!
//! Quality is the mean absolute gradient of the 64x64 block, scaled to
//! 0..=100: a flat or black frame scores near 0; its hash is noise and
//! carries no lookup key (see [`MIN_KEY_QUALITY`]).

use std::sync::OnceLock;

/// A grayscale picture: `width * height` bytes, row by row, no padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Luma {
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// The pixels, row-major.
    pub pixels: Vec<u8>,
}

impl Luma {
    /// A picture from its pixels.
    ///
    /// # Panics
    /// When `pixels.len() != width * height` or a side is zero: a bug in the
    /// caller, never a property of input media.
    pub fn new(width: u32, height: u32, pixels: Vec<u8>) -> Self {
        assert!(width > 0 && height > 0, "empty picture {width}x{height}");
        assert_eq!(
            pixels.len(),
            width as usize * height as usize,
            "pixel count"
        );
        Luma {
            width,
            height,
            pixels,
        }
    }

    /// The mirror image (left and right swapped).
    pub fn flipped_horizontally(&self) -> Luma {
        let w = self.width as usize;
        let pixels = self
            .pixels
            .chunks_exact(w)
            .flat_map(|row| row.iter().rev().copied())
            .collect();
        Luma {
            width: self.width,
            height: self.height,
            pixels,
        }
    }
}

/// A 256-bit visual hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VisualHash(pub [u8; 32]);

impl VisualHash {
    /// The number of differing bits, 0..=256.
    pub fn distance(&self, other: &VisualHash) -> u32 {
        crate::bits::hamming(&self.0, &other.0)
    }

    /// Lower-case hex, 64 characters.
    pub fn to_hex(&self) -> String {
        crate::bits::hex(&self.0)
    }

    /// The 16-bit band `index` (0..16): bits `16*index .. 16*index+16`.
    pub fn band(&self, index: usize) -> u16 {
        u16::from_be_bytes([self.0[2 * index], self.0[2 * index + 1]])
    }
}

/// The visual fingerprint of one picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisualFingerprint {
    /// The hash of the picture.
    pub hash: VisualHash,
    /// The hash of its mirror image.
    pub flipped: VisualHash,
    /// How much structure the picture has, 0..=100.
    pub quality: u8,
}

/// Pictures below this quality carry no lookup key (their hash is noise).
pub const MIN_KEY_QUALITY: u8 = 10;

/// The side of the block the DCT is taken of.
const BLOCK: usize = 64;
/// Frequencies kept per direction.
const KEPT: usize = 16;

/// Fingerprints one picture.
pub fn fingerprint(luma: &Luma) -> VisualFingerprint {
    let block = area_resample(luma, BLOCK, BLOCK);
    let coefficients = dct_16x16(&block);
    let hash = threshold_at_median(&coefficients);
    let mut mirrored = coefficients;
    for row in mirrored.chunks_exact_mut(KEPT) {
        // Column c holds horizontal frequency c+1; odd frequencies flip sign.
        for value in row.iter_mut().step_by(2) {
            *value = -*value;
        }
    }
    let flipped = threshold_at_median(&mirrored);
    VisualFingerprint {
        hash,
        flipped,
        quality: quality(&block),
    }
}

/// Area resampling to `out_w x out_h`; every output pixel is the mean of the
/// source area it covers (fractional pixels weighted by coverage).
pub fn area_resample(luma: &Luma, out_w: usize, out_h: usize) -> Vec<f32> {
    let (w, h) = (luma.width as usize, luma.height as usize);
    let columns = coverage(w, out_w);
    let rows = coverage(h, out_h);
    // Horizontal pass: h rows of out_w values. An output's taps are
    // consecutive source pixels: its first one and their weights; each
    // output is its taps' products summed in order.
    let first: Vec<usize> = columns
        .iter()
        .map(|taps| taps.first().map_or(0, |&(i, _)| i))
        .collect();
    let weights: Vec<Vec<f32>> = columns
        .iter()
        .map(|taps| taps.iter().map(|&(_, weight)| weight).collect())
        .collect();
    // ROWS rows at a time, their pixels interleaved (column by column, a
    // row's pixel each), so that one output's sums for all of them run
    // side by side, one lane a row: the same additions in the same order
    // as a row alone, but not each waiting on the one before (a 1920 px
    // row's 64 sums of 30 taps were most of the global hash's time).
    const ROWS: usize = 8;
    let mut interleaved = vec![[0f32; ROWS]; w];
    let mut horizontal = vec![0f32; h * out_w];
    for (band, out_band) in luma
        .pixels
        .chunks(ROWS * w)
        .zip(horizontal.chunks_mut(ROWS * out_w))
    {
        // The last band's missing rows read its last row (their sums are
        // not kept).
        let last = band.len() / w - 1;
        let lanes: [&[u8]; ROWS] = std::array::from_fn(|lane| {
            let row = lane.min(last);
            &band[row * w..(row + 1) * w]
        });
        for (x, column) in interleaved.iter_mut().enumerate() {
            *column = std::array::from_fn(|lane| f32::from(lanes[lane][x]));
        }
        for (o, (&from, weights)) in first.iter().zip(&weights).enumerate() {
            // A product is +0 or more, and either zero plus it is it, so
            // starting from +0 gives the sum `Iterator::sum` gave.
            let mut sums = [0f32; ROWS];
            for (pixels, &weight) in interleaved[from..].iter().zip(weights) {
                for (sum, &p) in sums.iter_mut().zip(pixels) {
                    *sum += p * weight;
                }
            }
            for (out_row, sum) in out_band.chunks_exact_mut(out_w).zip(sums) {
                out_row[o] = sum;
            }
        }
    }
    let mut out = vec![0f32; out_w * out_h];
    for (y, taps) in rows.iter().enumerate() {
        for &(i, weight) in taps {
            let src = &horizontal[i * out_w..(i + 1) * out_w];
            for (o, s) in out[y * out_w..(y + 1) * out_w].iter_mut().zip(src) {
                *o += s * weight;
            }
        }
    }
    out
}

/// For each of `n_out` output cells, the source indices it covers and their
/// weights (summing to 1): consecutive indices, from the first it touches.
fn coverage(n_in: usize, n_out: usize) -> Vec<Vec<(usize, f32)>> {
    let scale = n_in as f64 / n_out as f64;
    (0..n_out)
        .map(|o| {
            let start = o as f64 * scale;
            let end = (o + 1) as f64 * scale;
            let mut taps = Vec::new();
            let mut i = start.floor() as usize;
            while (i as f64) < end && i < n_in {
                let covered = (end.min(i as f64 + 1.0) - start.max(i as f64)).max(0.0);
                if covered > 0.0 {
                    taps.push((i, (covered / scale) as f32));
                }
                i += 1;
            }
            taps
        })
        .collect()
}

/// The DCT-II basis for frequencies 1..=16 over 64 samples.
fn dct_matrix() -> &'static [[f32; BLOCK]; KEPT] {
    static MATRIX: OnceLock<[[f32; BLOCK]; KEPT]> = OnceLock::new();
    MATRIX.get_or_init(|| {
        let mut m = [[0f32; BLOCK]; KEPT];
        let scale = (2.0 / BLOCK as f64).sqrt();
        for (i, row) in m.iter_mut().enumerate() {
            for (j, value) in row.iter_mut().enumerate() {
                let angle =
                    std::f64::consts::PI / (2 * BLOCK) as f64 * (i + 1) as f64 * (2 * j + 1) as f64;
                *value = (scale * angle.cos()) as f32;
            }
        }
        m
    })
}

/// `D * A * D^T`: the 16x16 low-frequency DCT coefficients, row-major
/// (row = vertical frequency, column = horizontal frequency).
fn dct_16x16(block: &[f32]) -> [f32; KEPT * KEPT] {
    let d = dct_matrix();
    // T = D * A  (16 x 64)
    let mut t = [[0f32; BLOCK]; KEPT];
    for (i, d_row) in d.iter().enumerate() {
        for (k, &dk) in d_row.iter().enumerate() {
            let a_row = &block[k * BLOCK..(k + 1) * BLOCK];
            for (tj, &a) in t[i].iter_mut().zip(a_row) {
                *tj += dk * a;
            }
        }
    }
    // B = T * D^T  (16 x 16)
    let mut b = [0f32; KEPT * KEPT];
    for i in 0..KEPT {
        for j in 0..KEPT {
            b[i * KEPT + j] = t[i].iter().zip(&d[j]).map(|(x, y)| x * y).sum();
        }
    }
    b
}

fn threshold_at_median(values: &[f32; KEPT * KEPT]) -> VisualHash {
    let mut sorted = *values;
    sorted.sort_by(f32::total_cmp);
    let median = (sorted[127] + sorted[128]) / 2.0;
    let mut bytes = [0u8; 32];
    for (i, &v) in values.iter().enumerate() {
        if v > median {
            bytes[i / 8] |= 0x80 >> (i % 8);
        }
    }
    VisualHash(bytes)
}

fn quality(block: &[f32]) -> u8 {
    let mut sum = 0f32;
    for y in 0..BLOCK - 1 {
        for x in 0..BLOCK - 1 {
            let v = block[y * BLOCK + x];
            sum += (v - block[y * BLOCK + x + 1]).abs() + (v - block[(y + 1) * BLOCK + x]).abs();
        }
    }
    let mean = sum / (2 * (BLOCK - 1) * (BLOCK - 1)) as f32;
    // A mean step of 1 grey level is barely-there structure; 10 is a busy photo.
    (mean * 10.0).round().clamp(0.0, 100.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic test picture: smooth shapes plus a little texture.
    pub(crate) fn scene(width: u32, height: u32, seed: u32) -> Luma {
        let mut pixels = Vec::with_capacity((width * height) as usize);
        for y in 0..height {
            for x in 0..width {
                let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
                let s = seed as f32;
                let v = 128.0
                    + 60.0 * ((fx * (3.0 + s) + fy * 2.0) * 3.1).sin()
                    + 40.0 * ((fy * (4.0 + s * 0.5) - fx) * 2.3 + s).cos()
                    + if (fx - 0.3 - 0.05 * s).powi(2) + (fy - 0.6).powi(2) < 0.02 {
                        50.0
                    } else {
                        0.0
                    };
                pixels.push(v.clamp(0.0, 255.0) as u8);
            }
        }
        Luma::new(width, height, pixels)
    }

    #[test]
    fn golden_hash_of_a_generated_scene() {
        // Pins the algorithm: any change to resampling, DCT or thresholding
        // changes this value and must be a deliberate, re-measured change.
        let fp = fingerprint(&scene(320, 240, 1));
        assert_eq!(fp.hash.to_hex(), GOLDEN_SCENE_1);
        assert_eq!(fp.quality, GOLDEN_SCENE_1_QUALITY);
    }

    const GOLDEN_SCENE_1: &str = "317160510e8eaf8e623089c7c18d8e3ece73f1c18e1e8e6e61f1f3b98b8e9c71";
    const GOLDEN_SCENE_1_QUALITY: u8 = 65;

    #[test]
    fn the_flipped_hash_is_the_hash_of_the_mirror_image() {
        let picture = scene(300, 200, 2);
        let direct = fingerprint(&picture);
        let mirror = fingerprint(&picture.flipped_horizontally());
        assert!(
            direct.flipped.distance(&mirror.hash) <= 4,
            "{}",
            direct.flipped.distance(&mirror.hash)
        );
        assert!(mirror.flipped.distance(&direct.hash) <= 4);
        // And the mirror image is far from the original.
        assert!(direct.hash.distance(&mirror.hash) > 64);
    }

    #[test]
    fn resizing_keeps_the_hash_close_and_other_scenes_far() {
        let a = fingerprint(&scene(640, 480, 3));
        let small = fingerprint(&scene(160, 120, 3));
        let other = fingerprint(&scene(640, 480, 4));
        assert!(
            a.hash.distance(&small.hash) <= 16,
            "resize: {}",
            a.hash.distance(&small.hash)
        );
        assert!(
            a.hash.distance(&other.hash) >= 80,
            "other: {}",
            a.hash.distance(&other.hash)
        );
    }

    #[test]
    fn a_flat_picture_has_no_quality() {
        let flat = Luma::new(100, 100, vec![17; 10_000]);
        assert_eq!(fingerprint(&flat).quality, 0);
        assert!(fingerprint(&scene(100, 100, 1)).quality >= MIN_KEY_QUALITY);
    }

    #[test]
    fn area_resample_keeps_the_mean_and_handles_upsampling() {
        let picture = scene(97, 53, 5);
        let mean_in =
            picture.pixels.iter().map(|&p| f64::from(p)).sum::<f64>() / picture.pixels.len() as f64;
        for (w, h) in [(64, 64), (200, 10)] {
            let out = area_resample(&picture, w, h);
            let mean_out = out.iter().map(|&p| f64::from(p)).sum::<f64>() / out.len() as f64;
            assert!(
                (mean_in - mean_out).abs() < 0.01,
                "{mean_in} vs {mean_out} at {w}x{h}"
            );
        }
    }

    #[test]
    fn hex_round_trip_and_bands() {
        let hash = fingerprint(&scene(64, 64, 6)).hash;
        let hex = hash.to_hex();
        assert_eq!(hex.len(), 64, "{hex}");
        assert_eq!(crate::bits::unhex(&hex, "hash").unwrap(), hash.0.to_vec());
        assert_eq!(hash.band(0), u16::from_be_bytes([hash.0[0], hash.0[1]]));
    }
}
