//! Whether two pictures are one drawing: the evaluation's own test, made
//! of nothing any compared method uses, that keeps copies out of the
//! unrelated clip-art queries.
//!
//! Debian's openclipart-png holds one drawing under several names, which
//! the series rule ([`crate::corpus`], names alone) cannot join:
//! `knotify` and `playsound` (one note), the green and the brown leaves
//! (`foglie_verdi`, `foglie_marroni`), one LED in several colours, the
//! same telephone sign on green and on red, and its 100-pixel "stars"
//! with 26 to 98 points that are all a thin circle to the eye
//! (`star_98pt03step`, `star_95pt03step`). A query that is the same
//! drawing as a library picture is a copy by the evaluation's own rows
//! (recoloured, mirrored, re-encoded), so every method should answer it;
//! counting the answer as a false match (or the silence as a success)
//! measures the package, not the method. Such a query is set aside and
//! listed, and the next picture of the draw takes its place.
//!
//! The test, for each picture:
//! 1. Decode it and lay it over white (transparent parts are the page).
//! 2. Fit it into [`SIDE`] x [`SIDE`] pixels (a triangle filter as wide as
//!    the reduction, symmetric, so a mirror image stays one), keeping
//!    its aspect, each side rounded to an even number of pixels so that
//!    it stands centred with equal margins (mirrored or turned, it lands
//!    on the mirrored or turned pixels).
//! 3. Colour edges within the picture: at each pixel the length of the
//!    RGB gradient (central differences, the border's neighbours clamped,
//!    each channel's squared, summed), so a recoloured drawing keeps its
//!    edges where they were and the margin adds none.
//! 4. A 3x3 box blur (a shift of a pixel in the resizing costs little),
//!    the mean over the picture's pixels removed, scaled to unit length;
//!    the margin counts 0.
//!
//! A picture is decoded whole (up to the corpus's limit of 179 million
//! pixels: 716 MB as RGBA, one picture at a time).
//!
//! Two pictures' similarity is the dot product of those vectors, the
//! query's edges turned by quarter turns and mirrored or not, the best of
//! the 8 (a mirrored or turned drawing is the same drawing: a corner
//! flourish drawn once for each corner); [`SAME_DRAWING`] and above is
//! one drawing.
//!
//! The threshold was set by eye on the full mode's draws (1,000 library
//! pictures; session 38, `benchmarks/results/2026-12-06-session38/`,
//! each pair set aside is listed and drawn there): on the standard draw
//! 67 candidates are set aside, 8 drawings renamed, recoloured or turned
//! (0.996-1.000) and 59 thin-circle stars (0.990-1.000); on
//! session 35's held-out draw 64, 5 drawings and 59 stars. Below 0.99
//! the highest pairs are the Ukrainian flag drawn twice (0.985) and a
//! recoloured balloon whose shading differs (0.983; they stay queries:
//! the test errs towards keeping one), two road signs on one triangle
//! with other symbols (0.975), a traffic light with another lamp lit
//! (0.971). Drawings with a part changed stay unrelated queries.

use std::path::Path;

use anyhow::{Context, Result};
use image::{ImageReader, Rgba, imageops};

/// The side of the square a picture is fitted into, pixels.
pub const SIDE: usize = 64;

/// The similarity from which two pictures are one drawing.
pub const SAME_DRAWING: f32 = 0.99;

/// A picture's blurred colour edges (steps 1-4), unit length.
#[derive(Debug, Clone)]
pub struct Drawing {
    edges: Vec<f64>,
}

impl Drawing {
    /// The drawing of the picture file at `path`.
    pub fn of(path: &Path) -> Result<Self> {
        let mut reader = ImageReader::open(path)
            .and_then(ImageReader::with_guessed_format)
            .with_context(|| format!("opening {}", path.display()))?;
        // The corpus bounds a picture's pixels itself (Pillow's limit).
        reader.no_limits();
        let picture = reader
            .decode()
            .with_context(|| format!("decoding {}", path.display()))?;
        Ok(Self::from_rgba(picture.into_rgba8()))
    }

    /// Steps 1-4 on decoded pixels.
    pub fn from_rgba(mut picture: image::RgbaImage) -> Self {
        // 1. Over white.
        for Rgba([r, g, b, a]) in picture.pixels_mut() {
            let alpha = u32::from(*a);
            for c in [r, g, b] {
                *c = ((u32::from(*c) * alpha + 255 * (255 - alpha) + 127) / 255) as u8;
            }
            *a = 255;
        }
        // 2. Fitted into the square, each side an even number of pixels,
        // so the margins are equal and a mirrored or turned picture lands
        // on the mirrored or turned pixels.
        let (w, h) = picture.dimensions();
        let longer = u64::from(w.max(h).max(1));
        let fit = |n: u32| {
            let fitted = (u64::from(n) * SIDE as u64 + longer / 2) / longer;
            (fitted.div_ceil(2) * 2).clamp(2, SIDE as u64) as usize
        };
        let (fw, fh) = (fit(w), fit(h));
        let small = imageops::resize(
            &picture,
            fw as u32,
            fh as u32,
            imageops::FilterType::Triangle,
        );
        let rgb: Vec<[f32; 3]> = small
            .pixels()
            .map(|p| [0, 1, 2].map(|c| f32::from(p[c]) / 255.0))
            .collect();
        // 3. Colour edges within the picture, its border's neighbours
        // clamped (the margin adds no edge of its own).
        let at = |x: isize, y: isize| {
            y.clamp(0, fh as isize - 1) as usize * fw + x.clamp(0, fw as isize - 1) as usize
        };
        let edges: Vec<f32> = (0..fw * fh)
            .map(|i| {
                let (x, y) = ((i % fw) as isize, (i / fw) as isize);
                let (l, r, u, d) = (
                    rgb[at(x - 1, y)],
                    rgb[at(x + 1, y)],
                    rgb[at(x, y - 1)],
                    rgb[at(x, y + 1)],
                );
                (0..3)
                    .map(|c| (r[c] - l[c]).powi(2) + (d[c] - u[c]).powi(2))
                    .sum::<f32>()
                    .sqrt()
            })
            .collect();
        // 4. Blurred, centred and scaled over the picture's pixels; the
        // margin is 0.
        let blurred: Vec<f64> = (0..fw * fh)
            .map(|i| {
                let (x, y) = ((i % fw) as isize, (i / fw) as isize);
                let mut sum = 0.0;
                for dy in -1..=1 {
                    for dx in -1..=1 {
                        sum += f64::from(edges[at(x + dx, y + dy)]);
                    }
                }
                sum / 9.0
            })
            .collect();
        let mean = blurred.iter().sum::<f64>() / blurred.len() as f64;
        let norm = blurred
            .iter()
            .map(|v| (v - mean).powi(2))
            .sum::<f64>()
            .sqrt();
        let mut square = vec![0.0; SIDE * SIDE];
        if norm > 0.0 {
            let (x0, y0) = ((SIDE - fw) / 2, (SIDE - fh) / 2);
            for (i, v) in blurred.iter().enumerate() {
                square[(y0 + i / fw) * SIDE + x0 + i % fw] = (v - mean) / norm;
            }
        }
        Self { edges: square }
    }

    /// How alike `self` and `other` are, `self` turned by any quarter
    /// turn and mirrored or not (the best of the 8): 1 for the same
    /// edges, about 0 for unrelated ones; a blank picture is 0 to
    /// everything.
    pub fn similarity(&self, other: &Self) -> f32 {
        let last = SIDE - 1;
        let mut best = f64::MIN;
        for turn in 0..8 {
            let (transpose, flip_x, flip_y) = (turn & 1 != 0, turn & 2 != 0, turn & 4 != 0);
            let mut dot = 0.0;
            for (at, b) in other.edges.iter().enumerate() {
                let (x, y) = (at % SIDE, at / SIDE);
                let (x, y) = if transpose { (y, x) } else { (x, y) };
                let x = if flip_x { last - x } else { x };
                let y = if flip_y { last - y } else { y };
                dot += self.edges[y * SIDE + x] * b;
            }
            best = best.max(dot);
        }
        best as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::RgbaImage;

    /// A 200x120 drawing: a filled disc of `disc` at the left, a bar of
    /// `bar` at the right (moved down by `bar_down`), on transparency.
    fn drawing(disc: [u8; 3], bar: [u8; 3], bar_down: u32) -> RgbaImage {
        RgbaImage::from_fn(200, 120, |x, y| {
            let (dx, dy) = (x as i32 - 60, y as i32 - 60);
            if dx * dx + dy * dy < 40 * 40 {
                Rgba([disc[0], disc[1], disc[2], 255])
            } else if (130..170).contains(&x) && (20 + bar_down..60 + bar_down).contains(&y) {
                Rgba([bar[0], bar[1], bar[2], 255])
            } else {
                Rgba([0, 0, 0, 0])
            }
        })
    }

    fn mirrored(picture: &RgbaImage) -> RgbaImage {
        imageops::flip_horizontal(picture)
    }

    #[test]
    fn a_drawing_recoloured_mirrored_turned_or_resized_is_the_same_drawing() {
        let original = Drawing::from_rgba(drawing([200, 30, 30], [20, 20, 160], 0));
        let recoloured = Drawing::from_rgba(drawing([30, 160, 40], [120, 60, 10], 0));
        let flipped = Drawing::from_rgba(mirrored(&drawing([200, 30, 30], [20, 20, 160], 0)));
        let half = Drawing::from_rgba(imageops::resize(
            &drawing([200, 30, 30], [20, 20, 160], 0),
            100,
            60,
            imageops::FilterType::Triangle,
        ));
        let quarter = Drawing::from_rgba(imageops::rotate90(&drawing(
            [200, 30, 30],
            [20, 20, 160],
            0,
        )));
        let half_turn = Drawing::from_rgba(imageops::rotate180(&drawing(
            [200, 30, 30],
            [20, 20, 160],
            0,
        )));
        let own = original.similarity(&original);
        assert!((own - 1.0).abs() < 1e-5, "itself: {own}");
        // Golden values (this code, 2026-12-06), then the verdict.
        for (name, other, golden) in [
            ("recoloured", &recoloured, 0.999938),
            ("mirrored", &flipped, 1.0),
            ("half size", &half, 0.999414),
            ("a quarter turn", &quarter, 1.0),
            ("a half turn", &half_turn, 1.0),
        ] {
            let s = other.similarity(&original);
            assert!((s - golden).abs() < 1e-4, "{name}: {s}");
            assert!(s >= SAME_DRAWING, "{name}: {s}");
        }
    }

    #[test]
    fn a_narrow_drawing_mirrored_or_turned_is_the_same_drawing() {
        // 117x200 fits into 38x64 (37 rounded up to even): equal margins,
        // so the mirror image and the turns land on their own pixels.
        let narrow = || {
            RgbaImage::from_fn(117, 200, |x, y| {
                let (dx, dy) = (x as i32 - 40, y as i32 - 60);
                if dx * dx + dy * dy < 30 * 30 {
                    Rgba([200, 30, 30, 255])
                } else if (80..90).contains(&x) && (20..180).contains(&y) {
                    Rgba([20, 20, 160, 255])
                } else {
                    Rgba([0, 0, 0, 0])
                }
            })
        };
        let original = Drawing::from_rgba(narrow());
        for (name, other) in [
            ("mirrored", imageops::flip_horizontal(&narrow())),
            ("upside down", imageops::flip_vertical(&narrow())),
            ("a quarter turn", imageops::rotate90(&narrow())),
        ] {
            let s = Drawing::from_rgba(other).similarity(&original);
            assert!((s - 1.0).abs() < 1e-4, "{name}: {s}");
        }
    }

    #[test]
    fn a_drawing_with_a_part_moved_or_another_drawing_is_not() {
        let original = Drawing::from_rgba(drawing([200, 30, 30], [20, 20, 160], 0));
        let bar_moved = Drawing::from_rgba(drawing([200, 30, 30], [20, 20, 160], 50));
        let s = bar_moved.similarity(&original);
        assert!((s - 0.764471).abs() < 1e-4, "one part moved: {s}");
        assert!(s < SAME_DRAWING, "one part moved: {s}");
        let stripes = Drawing::from_rgba(RgbaImage::from_fn(200, 120, |x, _| {
            if x / 20 % 2 == 0 {
                Rgba([0, 0, 0, 255])
            } else {
                Rgba([255, 255, 255, 255])
            }
        }));
        let s = stripes.similarity(&original);
        assert!(s < 0.5, "stripes: {s}");
        // Two pictures on one dark page, a small square at other places:
        // the page's border against the margin is no edge they share.
        let dark = |x0: u32, y0: u32| {
            Drawing::from_rgba(RgbaImage::from_fn(200, 120, |x, y| {
                if (x0..x0 + 20).contains(&x) && (y0..y0 + 20).contains(&y) {
                    Rgba([40, 40, 40, 255])
                } else {
                    Rgba([20, 20, 30, 255])
                }
            }))
        };
        let s = dark(50, 40).similarity(&dark(120, 70));
        assert!((s - 0.352442).abs() < 1e-4, "two dark pages: {s}");
        let blank = Drawing::from_rgba(RgbaImage::new(50, 50));
        assert_eq!(blank.similarity(&original), 0.0);
    }
}
