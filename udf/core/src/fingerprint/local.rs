//! Local binary features: ORB-style keypoints with 256-bit steered BRIEF
//! descriptors, for the copies a global hash cannot see (crops, overlays
//! covering part of the picture, picture-in-picture, small rotations).
//!
//! Algorithm (after Rublee et al., "ORB", ICCV 2011):
//! 1. The picture is brought to [`WORKING_SIDE`] pixels on its longer side
//!    (area resampling) and a pyramid of [`LEVELS`] levels, each
//!    [`SCALE_STEP`] smaller, is built from it.
//! 2. On each level, FAST-9 corners (16-pixel Bresenham circle of radius 3;
//!    nine contiguous pixels all brighter or all darker than the centre by
//!    [`FAST_THRESHOLD`]; [`LOW_FAST_THRESHOLD`] on every level when the
//!    levels hold fewer corners than [`MAX_KEYPOINTS`] at that; and when
//!    they hold fewer than [`MIN_PLAIN_CORNERS`] even then, also at
//!    [`FAST_THRESHOLD`] on each level contrast-normalised, see
//!    `normalised`, these after the level's own and described from the
//!    normalised level) are found, ranked by the Harris response over a
//!    7x7 window, thinned by 3x3 non-maximum suppression and by a coarse
//!    grid (so one busy corner of the picture cannot take every slot), and
//!    the strongest are kept: [`MAX_KEYPOINTS`] in all, shared between the
//!    levels in proportion to their area.
//! 3. Each keypoint's orientation is its intensity centroid's angle over a
//!    disc of radius 15.
//! 4. Its descriptor compares 256 fixed pairs of points of the smoothed
//!    level (7-tap binomial blur), rotated by the keypoint's orientation
//!    (quantised to 12 degrees): bit i is 1 when the first point of pair i
//!    is darker than the second. The pairs are drawn once, from a fixed
//!    seed, with a bell-shaped spread around the keypoint.
//!
//! Positions are reported in level-0 pixels with the level's scale, so the
//! matcher (`matching::local`, above this module) can check that matched keypoints
//! agree on one similarity transform.
//!
//! A mirrored copy is found by also describing the query's mirror image
//! ([`extract_and_mirror`]). Steps 1 and 2 give the mirror the original's
//! keypoints, mirrored (FAST's circle, the Harris window and the blur are
//! symmetric left to right), so only steps 3 and 4 run again: the
//! orientation is the centroid's angle with its column moment negated, and
//! each test point's column offset is negated, which reads the pixels the
//! mirror image holds there. Up to the grid's alignment (its cells start at
//! the left edge) and the resampling's rounding, these are the features of
//! the flipped picture, at a twentieth of the cost.

use std::sync::OnceLock;

use super::visual::{Luma, area_resample};

/// The longer side of the picture features are computed on, pixels.
pub const WORKING_SIDE: usize = 256;
/// Pyramid levels.
pub const LEVELS: usize = 4;
/// Each level is this much smaller than the previous one.
pub const SCALE_STEP: f32 = 1.25;
/// FAST's brightness difference, grey levels.
pub const FAST_THRESHOLD: i16 = 16;
/// FAST's brightness difference on a picture whose levels hold fewer
/// corners than [`MAX_KEYPOINTS`] at [`FAST_THRESHOLD`], grey levels.
pub const LOW_FAST_THRESHOLD: i16 = 8;
/// Keypoints kept per picture, over all levels.
pub const MAX_KEYPOINTS: usize = 160;
/// Corners (over all levels, at [`LOW_FAST_THRESHOLD`]) under which a
/// picture also takes corners from its levels contrast-normalised (the
/// module doc, step 2).
pub const MIN_PLAIN_CORNERS: usize = 40;
/// The radius of the window local contrast is normalised over, level
/// pixels.
const NORMALISE_RADIUS: usize = 6;
/// The standard deviation added to a window's before it divides, grey
/// levels. It bounds the gain at [`NORMALISE_GAIN`] / 3 = 16 per grey
/// level, so a perfectly flat window stays flat, but a one-level step in
/// a nearly flat one reaches [`FAST_THRESHOLD`]: a smooth picture's JPEG
/// copy gets corners at its blocks' edges (the colour wheel's: 117
/// keypoints against its original's 5). A floor of 8 loses more of the
/// faint bends the normalisation is for than it spares: copies of smooth
/// pictures found 286 -> 269 of 364 (`udf/README.md`, "Smooth pictures").
const NORMALISE_FLOOR: f32 = 3.0;
/// The normalised plane's contrast: a pixel one standard deviation above
/// its window's mean is this many grey levels above 128.
const NORMALISE_GAIN: f32 = 48.0;

/// Distance from the border no keypoint comes closer than: the rotated
/// pattern reaches 13 * sqrt(2) = 18.4 pixels, the orientation disc 15.
const BORDER: usize = 20;
/// Radius of the disc the orientation is measured over.
const ORIENTATION_RADIUS: i32 = 15;
/// Angle bins of the precomputed rotated patterns (12 degrees each).
const ANGLE_BINS: usize = 30;
/// Cell side of the grid that spreads keypoints over the picture, pixels.
const GRID_CELL: usize = 32;
/// Keypoints kept per grid cell and level.
const PER_CELL: usize = 4;

/// One keypoint and its descriptor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Keypoint {
    /// Column in level-0 working pixels.
    pub x: f32,
    /// Row in level-0 working pixels.
    pub y: f32,
    /// The pyramid level's scale (1 for level 0, then [`SCALE_STEP`]^level).
    pub scale: f32,
    /// Orientation, radians in `(-pi, pi]`.
    pub angle: f32,
    /// Steered BRIEF, 256 bits.
    pub descriptor: [u8; 32],
}

/// The local features of one picture.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LocalFeatures {
    /// Working picture width (level 0), pixels.
    pub width: u16,
    /// Working picture height (level 0), pixels.
    pub height: u16,
    /// The keypoints, strongest first within each level.
    pub keypoints: Vec<Keypoint>,
}

/// The picture at [`WORKING_SIDE`] on its longer side (area resampling,
/// rounded to grey levels), as [`extract`] sees it; a smaller picture as
/// it is.
pub fn working_picture(luma: &Luma) -> Luma {
    let (w, h) = (luma.width as usize, luma.height as usize);
    if w.max(h) <= WORKING_SIDE {
        return luma.clone();
    }
    let scale = WORKING_SIDE as f32 / w.max(h) as f32;
    let (w0, h0) = (
        ((w as f32 * scale).round() as usize).max(1),
        ((h as f32 * scale).round() as usize).max(1),
    );
    let plane = Plane {
        width: w0,
        height: h0,
        pixels: area_resample(luma, w0, h0),
    };
    Luma::new(w0 as u32, h0 as u32, plane.to_bytes())
}

/// Extracts the local features of a picture.
pub fn extract(luma: &Luma) -> LocalFeatures {
    Pyramid::new(luma).features(false).0
}

/// Extracts the local features of a picture and those of its mirror image
/// (left and right swapped; the module doc says how).
pub fn extract_and_mirror(luma: &Luma) -> (LocalFeatures, LocalFeatures) {
    let (features, mirror) = Pyramid::new(luma).features(true);
    (features, mirror.expect("asked for"))
}

/// A picture's pyramid (step 1) with each level's corners ranked (step 2
/// up to the grid and the quota): what the keypoints of the whole picture
/// ([`Pyramid::features`]) and of a band of its rows ([`Pyramid::band`])
/// are chosen from, so that a query's centre band costs a choice and its
/// descriptors, not a pyramid of its own.
#[derive(Debug)]
pub struct Pyramid {
    /// Level-0 width, pixels.
    width: usize,
    /// Level-0 height, pixels.
    height: usize,
    levels: Vec<Level>,
    /// Whether its levels held fewer corners than [`MAX_KEYPOINTS`] at
    /// [`FAST_THRESHOLD`] (and were looked at again at
    /// [`LOW_FAST_THRESHOLD`]).
    faint: bool,
}

/// One level of a [`Pyramid`].
#[derive(Debug)]
struct Level {
    scale: f32,
    width: usize,
    height: usize,
    /// The level as it is.
    own: View,
    /// The level contrast-normalised, for a picture with fewer than
    /// [`MIN_PLAIN_CORNERS`] corners: its keypoints come after the
    /// level's own.
    normalised: Option<Box<View>>,
}

/// A level's pixels seen one way (as they are, or contrast-normalised):
/// what keypoints are found in and described from.
#[derive(Debug)]
struct View {
    /// The grey levels (FAST, Harris and the orientation read them).
    bytes: Vec<u8>,
    /// The grey levels blurred (the descriptors read them).
    smooth: Vec<u8>,
    /// FAST corners at least [`BORDER`] inside the level after 3x3
    /// non-maximum suppression on the Harris response, strongest first.
    corners: Vec<(f32, usize, usize)>,
}

impl View {
    /// `plane` as `bytes` (it rounded to grey levels), blurred, and its
    /// FAST corners at `threshold`.
    fn of(plane: &Plane, bytes: Vec<u8>, threshold: i16) -> View {
        View {
            corners: ranked_corners(&bytes, plane.width, plane.height, threshold),
            smooth: plane.binomial_blur().to_bytes(),
            bytes,
        }
    }
}

impl Pyramid {
    /// The pyramid of a picture brought to [`WORKING_SIDE`] on its longer
    /// side (levels too small to hold a keypoint left out).
    pub fn new(luma: &Luma) -> Pyramid {
        let (w, h) = (luma.width as usize, luma.height as usize);
        let scale = WORKING_SIDE as f32 / w.max(h) as f32;
        let (w0, h0) = (
            ((w as f32 * scale).round() as usize).max(1),
            ((h as f32 * scale).round() as usize).max(1),
        );
        let base = if (w0, h0) == (w, h) {
            luma.pixels.iter().map(|&p| f32::from(p)).collect()
        } else {
            area_resample(luma, w0, h0)
        };
        let base = Plane {
            width: w0,
            height: h0,
            pixels: base,
        };
        // Level 0 rounded to grey levels, once: its own view's bytes, and
        // what the smaller levels are resampled from.
        let base_bytes = if (w0, h0) == (w, h) {
            luma.clone()
        } else {
            Luma::new(w0 as u32, h0 as u32, base.to_bytes())
        };
        let mut levels = (0..LEVELS)
            .filter_map(|level| {
                let s = SCALE_STEP.powi(level as i32);
                let (lw, lh) = (
                    (w0 as f32 / s).round() as usize,
                    (h0 as f32 / s).round() as usize,
                );
                if lw <= 2 * BORDER + 2 || lh <= 2 * BORDER + 2 {
                    return None;
                }
                let own = if level == 0 {
                    View::of(&base, base_bytes.pixels.clone(), FAST_THRESHOLD)
                } else {
                    let plane = Plane {
                        width: lw,
                        height: lh,
                        pixels: area_resample(&base_bytes, lw, lh),
                    };
                    View::of(&plane, plane.to_bytes(), FAST_THRESHOLD)
                };
                Some(Level {
                    scale: s,
                    width: lw,
                    height: lh,
                    own,
                    normalised: None,
                })
            })
            .collect::<Vec<Level>>();
        // A picture with too few corners for its quota (flat artwork, a
        // blurred photograph) looks again with a lower threshold.
        let found = |levels: &[Level]| levels.iter().map(|l| l.own.corners.len()).sum::<usize>();
        let faint = found(&levels) < MAX_KEYPOINTS;
        if faint {
            for level in &mut levels {
                level.own.corners = ranked_corners(
                    &level.own.bytes,
                    level.width,
                    level.height,
                    LOW_FAST_THRESHOLD,
                );
            }
        }
        // One with hardly a corner even then (a soft wallpaper, a blurred
        // drawing) is also seen through local contrast normalisation: where
        // a gradient bends (a ridge, a blob's centre, where soft edges
        // cross) becomes an edge FAST can find. Its own corners stay and
        // come first, so a copy on the other side of the limit (a crop
        // that lost corners, a JPEG that gained some) still shares them.
        if found(&levels) < MIN_PLAIN_CORNERS {
            for level in &mut levels {
                let plane = Plane {
                    width: level.width,
                    height: level.height,
                    pixels: normalised(&level.own.bytes, level.width, level.height),
                };
                level.normalised =
                    Some(Box::new(View::of(&plane, plane.to_bytes(), FAST_THRESHOLD)));
            }
        }
        Pyramid {
            width: w0,
            height: h0,
            levels,
            faint,
        }
    }

    /// Whether the picture is faint: its levels held fewer corners than
    /// [`MAX_KEYPOINTS`] at [`FAST_THRESHOLD`] (a blurred photograph, flat
    /// or soft artwork).
    pub fn faint(&self) -> bool {
        self.faint
    }

    /// Level-0 size (width, height), pixels.
    pub fn size(&self) -> (usize, usize) {
        (self.width, self.height)
    }

    /// Whether the levels were also contrast-normalised (the picture had
    /// fewer than [`MIN_PLAIN_CORNERS`] corners).
    pub fn normalised(&self) -> bool {
        self.levels.iter().any(|l| l.normalised.is_some())
    }

    /// The features of the whole picture and, when `with_mirror`, its
    /// mirror image's.
    pub fn features(&self, with_mirror: bool) -> (LocalFeatures, Option<LocalFeatures>) {
        self.choose(0, self.height, with_mirror)
    }

    /// The features of rows `top..bottom` of level 0 as if the picture had
    /// been cut there: on each level the band's rows (`top / scale` to
    /// `bottom / scale`, rounded), keypoints at least the border (20 px) inside
    /// them, the grid starting at the band's top, the band's own quota,
    /// positions from its top-left corner. What a cut band's own pyramid
    /// would give, up to the levels' resampling grid.
    pub fn band(&self, top: usize, bottom: usize) -> LocalFeatures {
        self.choose(top, bottom.min(self.height), false).0
    }

    /// Steps 2 (the grid and the quota) to 4 over rows `top..bottom`.
    fn choose(
        &self,
        top: usize,
        bottom: usize,
        with_mirror: bool,
    ) -> (LocalFeatures, Option<LocalFeatures>) {
        // For the whole picture these are 0 and the level's height, which
        // is `height / scale` rounded.
        let rows = |level: &Level| {
            (
                (top as f32 / level.scale).round() as usize,
                ((bottom as f32 / level.scale).round() as usize).min(level.height),
            )
        };
        let levels: Vec<(&Level, usize, usize)> = self
            .levels
            .iter()
            .map(|level| {
                let (t, b) = rows(level);
                (level, t, b)
            })
            .filter(|&(_, t, b)| b.saturating_sub(t) > 2 * BORDER + 2)
            .collect();
        let area_share: f32 = levels
            .iter()
            .map(|(l, _, _)| 1.0 / (l.scale * l.scale))
            .sum();

        let mut keypoints = Vec::new();
        let mut mirrored = Vec::new();
        for &(level, t, b) in &levels {
            let s = level.scale;
            let quota = ((MAX_KEYPOINTS as f32) / (s * s) / area_share).round() as usize;
            let w = level.width;
            let views = std::iter::once(&level.own).chain(level.normalised.as_deref());
            let mut left = quota;
            for View {
                bytes,
                smooth,
                corners,
            } in views
            {
                if left == 0 {
                    break;
                }
                let kept = on_the_grid(corners, w, t, b, left);
                left -= kept.len();
                for (x, y) in kept {
                    let (m10, m01) = moments(bytes, w, x, y);
                    let angle = m01.atan2(m10);
                    let row = (y - t) as f32 * s;
                    keypoints.push(Keypoint {
                        x: x as f32 * s,
                        y: row,
                        scale: s,
                        angle,
                        descriptor: describe::<false>(smooth, w, x, y, angle),
                    });
                    if with_mirror {
                        let angle = m01.atan2(-m10);
                        mirrored.push(Keypoint {
                            x: (w - 1 - x) as f32 * s,
                            y: row,
                            scale: s,
                            angle,
                            descriptor: describe::<true>(smooth, w, x, y, angle),
                        });
                    }
                }
            }
        }
        let features = |keypoints| LocalFeatures {
            width: self.width as u16,
            height: (bottom - top) as u16,
            keypoints,
        };
        (features(keypoints), with_mirror.then(|| features(mirrored)))
    }
}

#[derive(Debug, Clone)]
struct Plane {
    width: usize,
    height: usize,
    pixels: Vec<f32>,
}

impl Plane {
    fn to_bytes(&self) -> Vec<u8> {
        self.pixels
            .iter()
            // Round half up without libm's roundf (a fifth of the time);
            // the cast saturates (and sends NaN to 0), so it needs no clamp.
            .map(|&p| (p + 0.5) as u8)
            .collect()
    }

    /// Separable 7-tap binomial blur (sigma about 1.2), edges clamped.
    fn binomial_blur(&self) -> Plane {
        let (w, h) = (self.width, self.height);
        // Rows: pad each with its edge values, then a sliding window.
        let mut horizontal = vec![0f32; w * h];
        let mut padded = vec![0f32; w + 6];
        for (src, dst) in self
            .pixels
            .chunks_exact(w)
            .zip(horizontal.chunks_exact_mut(w))
        {
            padded[..3].fill(src[0]);
            padded[3..w + 3].copy_from_slice(src);
            padded[w + 3..].fill(src[w - 1]);
            for (out, window) in dst.iter_mut().zip(padded.windows(7)) {
                *out = blur_taps(window);
            }
        }
        // Columns: whole rows at a time, clamped row indices.
        let mut pixels = vec![0f32; w * h];
        for y in 0..h {
            let rows: [&[f32]; 7] = std::array::from_fn(|k| {
                let sy = (y + k).saturating_sub(3).min(h - 1);
                &horizontal[sy * w..(sy + 1) * w]
            });
            for (x, out) in pixels[y * w..(y + 1) * w].iter_mut().enumerate() {
                *out = blur_taps(&[
                    rows[0][x], rows[1][x], rows[2][x], rows[3][x], rows[4][x], rows[5][x],
                    rows[6][x],
                ]);
            }
        }
        Plane {
            width: w,
            height: h,
            pixels,
        }
    }
}

/// A generated smooth picture, as a soft wallpaper draws one: five
/// overlapping discs on a gradient, their edges fading over about 3% of
/// the width; it takes the normalised path ([`Pyramid::normalised`]). For
/// the tests and the fingerprint benchmark.
#[doc(hidden)]
pub fn soft_scene(width: u32, height: u32) -> Luma {
    let discs = [
        (0.3f32, 0.4f32, 0.25f32, 60f32),
        (0.6, 0.55, 0.3, -45.0),
        (0.75, 0.25, 0.18, 35.0),
        (0.2, 0.8, 0.2, -30.0),
        (0.85, 0.8, 0.22, 40.0),
    ];
    let mut pixels = Vec::with_capacity((width * height) as usize);
    for y in 0..height {
        for x in 0..width {
            let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
            let mut v = 70.0 + 60.0 * fx + 30.0 * fy;
            for (cx, cy, r, level) in discs {
                let d = ((fx - cx).powi(2) + (fy - cy).powi(2)).sqrt() - r;
                v += level / (1.0 + (d * 128.0).exp());
            }
            pixels.push(v.clamp(0.0, 255.0) as u8);
        }
    }
    Luma::new(width, height, pixels)
}

/// Local contrast normalisation: each pixel's distance from the mean of
/// the window of radius [`NORMALISE_RADIUS`] around it, over the window's
/// standard deviation plus [`NORMALISE_FLOOR`], times [`NORMALISE_GAIN`],
/// around 128 (windows clipped at the edges). A linear gradient gives 128
/// (the window's mean is the pixel), a bend in it stands out as much as an
/// edge would in a busy picture.
fn normalised(pixels: &[u8], w: usize, h: usize) -> Vec<f32> {
    // Summed-area tables of the values and their squares (i64: exact).
    let stride = w + 1;
    let mut sum = vec![0i64; stride * (h + 1)];
    let mut squares = vec![0i64; stride * (h + 1)];
    for y in 0..h {
        let (mut row, mut row_squares) = (0i64, 0i64);
        for x in 0..w {
            let v = i64::from(pixels[y * w + x]);
            row += v;
            row_squares += v * v;
            sum[(y + 1) * stride + x + 1] = sum[y * stride + x + 1] + row;
            squares[(y + 1) * stride + x + 1] = squares[y * stride + x + 1] + row_squares;
        }
    }
    let r = NORMALISE_RADIUS;
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let window = |t: &[i64]| {
                t[y1 * stride + x1] - t[y0 * stride + x1] - t[y1 * stride + x0]
                    + t[y0 * stride + x0]
            };
            let n = ((y1 - y0) * (x1 - x0)) as f64;
            let mean = window(&sum) as f64 / n;
            let variance = (window(&squares) as f64 / n - mean * mean).max(0.0);
            let deviation = variance.sqrt() as f32 + NORMALISE_FLOOR;
            let v = f32::from(pixels[y * w + x]);
            out.push((128.0 + NORMALISE_GAIN * (v - mean as f32) / deviation).clamp(0.0, 255.0));
        }
    }
    out
}

/// The binomial taps 1 6 15 20 15 6 1 over 64.
fn blur_taps(v: &[f32]) -> f32 {
    (v[0] + v[6] + 6.0 * (v[1] + v[5]) + 15.0 * (v[2] + v[4]) + 20.0 * v[3]) / 64.0
}

/// The 16 pixels of the radius-3 Bresenham circle, clockwise from the top.
const CIRCLE: [(isize, isize); 16] = [
    (0, -3),
    (1, -3),
    (2, -2),
    (3, -1),
    (3, 0),
    (3, 1),
    (2, 2),
    (1, 3),
    (0, 3),
    (-1, 3),
    (-2, 2),
    (-3, 1),
    (-3, 0),
    (-3, -1),
    (-2, -2),
    (-1, -3),
];

/// Whether nine contiguous circle pixels are all brighter than `centre + t`
/// or all darker than `centre - t`: FAST pixel by pixel, what the row
/// test ([`FastRow`]) is checked against.
#[cfg(test)]
fn is_fast_corner(pixels: &[u8], w: usize, x: usize, y: usize, threshold: i16) -> bool {
    let centre = i16::from(pixels[y * w + x]);
    let at = |i: usize| {
        let (dx, dy) = CIRCLE[i % 16];
        i16::from(pixels[(y as isize + dy) as usize * w + (x as isize + dx) as usize])
    };
    // Quick rejection: of the four compass points, at least two adjacent
    // ones must pass for any arc of nine.
    let compass = [at(0), at(4), at(8), at(12)];
    let bright = compass.iter().filter(|&&v| v > centre + threshold).count();
    let dark = compass.iter().filter(|&&v| v < centre - threshold).count();
    if bright < 2 && dark < 2 {
        return false;
    }
    let ring: [i16; 16] = std::array::from_fn(at);
    let mask = |pass: &dyn Fn(i16) -> bool| {
        ring.iter()
            .enumerate()
            .fold(0u32, |m, (i, &v)| m | (u32::from(pass(v)) << i))
    };
    has_arc_of_nine(mask(&|v| v > centre + threshold))
        || has_arc_of_nine(mask(&|v| v < centre - threshold))
}

/// The FAST test (step 2) of a row's pixels at least [`BORDER`] inside
/// the level, a whole row at a time: for each pixel, which circle pixels
/// are brighter than `centre + t` (bit i: circle pixel i) and which darker
/// than `centre - t`, each circle pixel compared along the row in turn (no
/// branch inside, so the compiler vectorises it). A pixel is a corner
/// when either holds an arc of nine ([`has_arc_of_nine`]): what FAST
/// pixel by pixel (`is_fast_corner`, the test's reference) says of it.
#[derive(Default)]
struct FastRow {
    bright: Vec<u16>,
    dark: Vec<u16>,
}

impl FastRow {
    fn test(&mut self, pixels: &[u8], w: usize, y: usize, threshold: i16) {
        let n = w - 2 * BORDER;
        let centre = &pixels[y * w + BORDER..][..n];
        for masks in [&mut self.bright, &mut self.dark] {
            masks.clear();
            masks.resize(n, 0);
        }
        for (i, &(dx, dy)) in CIRCLE.iter().enumerate() {
            let from = (y as isize + dy) as usize * w + (BORDER as isize + dx) as usize;
            let ring = &pixels[from..][..n];
            for (((bright, dark), &c), &v) in self
                .bright
                .iter_mut()
                .zip(self.dark.iter_mut())
                .zip(centre)
                .zip(ring)
            {
                let (c, v) = (i16::from(c), i16::from(v));
                *bright |= u16::from(v > c + threshold) << i;
                *dark |= u16::from(v < c - threshold) << i;
            }
        }
    }
}

/// Whether the 16-bit circular `mask` (bit i: circle pixel i) holds nine
/// contiguous set bits. The circle is laid twice end to end, so an arc
/// across pixel 15 -> 0 is contiguous too; then runs double: bit i of
/// `eight` is set when bits i..i+7 are, and bit i + 8 makes nine.
fn has_arc_of_nine(mask: u32) -> bool {
    let m = mask | (mask << 16);
    let two = m & (m >> 1);
    let four = two & (two >> 2);
    let eight = four & (four >> 4);
    eight & (m >> 8) != 0
}

/// The gradient products a Harris response sums, as summed-area tables
/// over a level: `gx²`, `gy²` and `gx·gy` from central differences (zero
/// on the outermost pixels), so a window's sums are four lookups each
/// however many corners FAST finds (on grass or gravel a quarter of the
/// pixels are). The tables wrap (i32): a 7x7 window's true sums are under
/// 49 x 255² < 2^31, so differences of wrapped totals are exact.
struct Structure {
    stride: usize,
    xx: Vec<i32>,
    yy: Vec<i32>,
    xy: Vec<i32>,
}

impl Structure {
    fn new(pixels: &[u8], w: usize, h: usize) -> Structure {
        let stride = w + 1;
        let mut tables = [
            vec![0i32; stride * (h + 1)],
            vec![0i32; stride * (h + 1)],
            vec![0i32; stride * (h + 1)],
        ];
        let row = |y: usize| &pixels[y * w..(y + 1) * w];
        // A row's products first (vectorised; zero on the outermost
        // pixels), then their running sums added to the row above.
        let mut products = [vec![0i32; w], vec![0i32; w], vec![0i32; w]];
        for y in 0..h {
            let [xx, yy, xy] = &mut products;
            if (1..h.saturating_sub(1)).contains(&y) {
                // Columns 1..w-1, each slice from the pixel it reads.
                let (up, here, down) = (row(y - 1), row(y), row(y + 1));
                let inner = 1..w.saturating_sub(1);
                for ((((((xx, yy), xy), left), right), up), down) in xx[inner.clone()]
                    .iter_mut()
                    .zip(&mut yy[inner.clone()])
                    .zip(&mut xy[inner])
                    .zip(here)
                    .zip(&here[2..])
                    .zip(&up[1..])
                    .zip(&down[1..])
                {
                    let gx = i32::from(*right) - i32::from(*left);
                    let gy = i32::from(*down) - i32::from(*up);
                    (*xx, *yy, *xy) = (gx * gx, gy * gy, gx * gy);
                }
            } else {
                for products in [xx, yy, xy] {
                    products.fill(0);
                }
            }
            for (table, products) in tables.iter_mut().zip(&products) {
                let (done, rest) = table.split_at_mut((y + 1) * stride);
                let (above, here) = (&done[y * stride + 1..], &mut rest[1..stride]);
                let mut sum = 0i32;
                for ((out, up), product) in here.iter_mut().zip(above).zip(products) {
                    sum += product;
                    *out = up.wrapping_add(sum);
                }
            }
        }
        let [xx, yy, xy] = tables;
        Structure { stride, xx, yy, xy }
    }

    /// Harris corner response (k = 0.04) of the 7x7 window around a pixel
    /// at least 4 from the border.
    fn harris(&self, x: usize, y: usize) -> f32 {
        let (x0, x1, y0, y1) = (x - 3, x + 4, y - 3, y + 4);
        let window = |t: &[i32]| {
            t[y1 * self.stride + x1]
                .wrapping_sub(t[y0 * self.stride + x1])
                .wrapping_sub(t[y1 * self.stride + x0])
                .wrapping_add(t[y0 * self.stride + x0]) as f32
        };
        let (xx, yy, xy) = (window(&self.xx), window(&self.yy), window(&self.xy));
        xx * yy - xy * xy - 0.04 * (xx + yy) * (xx + yy)
    }
}

/// The FAST corners of a level at least [`BORDER`] inside it, after 3x3
/// non-maximum suppression on the Harris response: (response, column,
/// row), strongest first (ties: the earlier pixel).
fn ranked_corners(pixels: &[u8], w: usize, h: usize, threshold: i16) -> Vec<(f32, usize, usize)> {
    let mut response = vec![f32::NEG_INFINITY; w * h];
    let structure = Structure::new(pixels, w, h);
    let mut fast = FastRow::default();
    for y in BORDER..h - BORDER {
        fast.test(pixels, w, y, threshold);
        for ((x, &bright), &dark) in (BORDER..).zip(&fast.bright).zip(&fast.dark) {
            if has_arc_of_nine(bright.into()) || has_arc_of_nine(dark.into()) {
                response[y * w + x] = structure.harris(x, y);
            }
        }
    }
    let mut corners: Vec<(f32, usize, usize)> = Vec::new();
    for y in BORDER..h - BORDER {
        for x in BORDER..w - BORDER {
            let r = response[y * w + x];
            if r <= 0.0 {
                continue;
            }
            let is_max = (y - 1..=y + 1).all(|ny| {
                (x - 1..=x + 1).all(|nx| {
                    let other = response[ny * w + nx];
                    // Ties go to the earlier pixel, so plateaus keep one.
                    other < r || (other == r && (ny, nx) >= (y, x))
                })
            });
            if is_max {
                corners.push((r, x, y));
            }
        }
    }
    corners.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.2, a.1).cmp(&(b.2, b.1))));
    corners
}

/// Of a level's ranked corners, the `quota` strongest at least [`BORDER`]
/// inside rows `top..bottom`, at most [`PER_CELL`] per cell of a grid
/// that starts at `top`.
fn on_the_grid(
    corners: &[(f32, usize, usize)],
    w: usize,
    top: usize,
    bottom: usize,
    quota: usize,
) -> Vec<(usize, usize)> {
    let cells_x = w.div_ceil(GRID_CELL);
    let mut per_cell = vec![0usize; cells_x * (bottom - top).div_ceil(GRID_CELL)];
    let mut kept = Vec::with_capacity(quota);
    let inside = top + BORDER..bottom.saturating_sub(BORDER);
    for &(_, x, y) in corners {
        if !inside.contains(&y) {
            continue;
        }
        let cell = &mut per_cell[((y - top) / GRID_CELL) * cells_x + x / GRID_CELL];
        if *cell < PER_CELL {
            *cell += 1;
            kept.push((x, y));
            if kept.len() == quota {
                break;
            }
        }
    }
    kept
}

/// The first moments (column, row) of the intensity over a disc around
/// the keypoint: the centroid's angle is `atan2(row, column)`. Summed in
/// integers: every partial sum is under 2^24 (the disc's `sum |dx|` is
/// about 4,500, times 255), so this is what summing in `f32` gives, bit for
/// bit, at a fraction of the time.
fn moments(pixels: &[u8], w: usize, x: usize, y: usize) -> (f32, f32) {
    let (mut m01, mut m10) = (0i32, 0i32);
    let r = ORIENTATION_RADIUS;
    for dy in -r..=r {
        let span = f64::from(r * r - dy * dy).sqrt() as i32;
        let row = (y as i32 + dy) as usize * w;
        let from = (x as i32 - span) as usize;
        let values = &pixels[row + from..=row + (x as i32 + span) as usize];
        let (mut sum, mut weighted) = (0i32, 0i32);
        for (dx, &v) in (-span..=span).zip(values) {
            sum += i32::from(v);
            weighted += dx * i32::from(v);
        }
        m10 += weighted;
        m01 += dy * sum;
    }
    (m10 as f32, m01 as f32)
}

/// The steered BRIEF descriptor at a keypoint of the smoothed level; with
/// `MIRROR`, that of the mirror image's keypoint at the same place (each
/// test point's column offset negated, `angle` the mirror's).
fn describe<const MIRROR: bool>(
    smooth: &[u8],
    w: usize,
    x: usize,
    y: usize,
    angle: f32,
) -> [u8; 32] {
    let bin = ((angle.rem_euclid(std::f32::consts::TAU) / std::f32::consts::TAU * ANGLE_BINS as f32)
        .round() as usize)
        % ANGLE_BINS;
    let pattern = &rotated_patterns()[bin];
    let at = |(dx, dy): (i8, i8)| {
        let dx = if MIRROR {
            -isize::from(dx)
        } else {
            isize::from(dx)
        };
        smooth[(y as isize + isize::from(dy)) as usize * w + (x as isize + dx) as usize]
    };
    let mut descriptor = [0u8; 32];
    for (i, &(a, b)) in pattern.iter().enumerate() {
        if at(a) < at(b) {
            descriptor[i / 8] |= 0x80 >> (i % 8);
        }
    }
    descriptor
}

type Pattern = [((i8, i8), (i8, i8)); 256];

/// The 256 test pairs, rotated into each angle bin.
fn rotated_patterns() -> &'static [Pattern; ANGLE_BINS] {
    static PATTERNS: OnceLock<Box<[Pattern; ANGLE_BINS]>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let base = base_pattern();
        Box::new(std::array::from_fn(|bin| {
            let theta = bin as f64 * std::f64::consts::TAU / ANGLE_BINS as f64;
            let (sin, cos) = theta.sin_cos();
            let rotate = |(x, y): (i8, i8)| {
                let (x, y) = (f64::from(x), f64::from(y));
                (
                    (x * cos - y * sin).round() as i8,
                    (x * sin + y * cos).round() as i8,
                )
            };
            std::array::from_fn(|i| (rotate(base[i].0), rotate(base[i].1)))
        }))
    })
}

/// The unrotated pairs: each coordinate the sum of four uniform integers in
/// -4..=4 (a bell of standard deviation 5.2, integer-exact on every
/// platform), clipped to -13..=13, from a fixed SplitMix64 seed.
fn base_pattern() -> Pattern {
    let mut state: u64 = 0x0c11_c4b2_1a7e_5eed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut coordinate = move || {
        let sum: i64 = (0..4).map(|_| (next() % 9) as i64 - 4).sum();
        sum.clamp(-13, 13) as i8
    };
    let mut pattern = [((0, 0), (0, 0)); 256];
    for pair in &mut pattern {
        loop {
            let a = (coordinate(), coordinate());
            let b = (coordinate(), coordinate());
            if a != b {
                *pair = (a, b);
                break;
            }
        }
    }
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blobs and bars at fixed places: corners everywhere, no symmetry.
    pub(crate) fn busy_scene(width: u32, height: u32) -> Luma {
        let mut pixels = Vec::with_capacity((width * height) as usize);
        for y in 0..height {
            for x in 0..width {
                let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
                let cell = ((fx * 7.0) as u32 * 31 + (fy * 5.0) as u32 * 17) % 11;
                let mut v = 40.0 + cell as f32 * 18.0;
                if ((fx * 23.0).sin() * (fy * 19.0).cos()) > 0.6 {
                    v = 255.0 - v;
                }
                pixels.push(v.clamp(0.0, 255.0) as u8);
            }
        }
        Luma::new(width, height, pixels)
    }

    /// The row test finds what FAST pixel by pixel finds, at both
    /// thresholds, on a busy picture and on noise (every kind of arc).
    #[test]
    fn the_row_fast_test_is_fast_pixel_by_pixel() {
        let noise = crate::fingerprint::regions::tests::noise(97, 61, 9);
        let busy = busy_scene(97, 61);
        let mut fast = FastRow::default();
        for pixels in [&noise.pixels, &busy.pixels] {
            for threshold in [FAST_THRESHOLD, LOW_FAST_THRESHOLD] {
                for y in BORDER..61 - BORDER {
                    fast.test(pixels, 97, y, threshold);
                    for (i, x) in (BORDER..97 - BORDER).enumerate() {
                        let row = has_arc_of_nine(fast.bright[i].into())
                            || has_arc_of_nine(fast.dark[i].into());
                        assert_eq!(
                            row,
                            is_fast_corner(pixels, 97, x, y, threshold),
                            "{x} {y} {threshold}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_flat_picture_has_no_keypoints() {
        assert!(
            extract(&Luma::new(300, 200, vec![90; 60_000]))
                .keypoints
                .is_empty()
        );
    }

    #[test]
    fn a_busy_picture_fills_the_quota_and_positions_stay_inside() {
        let features = extract(&busy_scene(640, 480));
        assert_eq!((features.width, features.height), (256, 192));
        assert!(
            features.keypoints.len() >= MAX_KEYPOINTS / 2,
            "{} keypoints",
            features.keypoints.len()
        );
        assert!(features.keypoints.len() <= MAX_KEYPOINTS + LEVELS);
        for k in &features.keypoints {
            assert!(
                k.x >= 0.0 && k.x < 256.0 && k.y >= 0.0 && k.y < 192.0,
                "{k:?}"
            );
        }
    }

    /// A faint picture (the busy scene at an eighth of its contrast) has too
    /// few corners at [`FAST_THRESHOLD`] to fill its quota, and every level
    /// is looked at again with [`LOW_FAST_THRESHOLD`]; the busy scene
    /// itself is not.
    #[test]
    fn a_faint_picture_is_looked_at_again_with_the_lower_threshold() {
        let busy = busy_scene(256, 192);
        let faint = Luma::new(256, 192, busy.pixels.iter().map(|&p| 100 + p / 8).collect());
        let corners_at = |pyramid: &Pyramid, threshold| -> Vec<usize> {
            pyramid
                .levels
                .iter()
                .map(|l| ranked_corners(&l.own.bytes, l.width, l.height, threshold).len())
                .collect()
        };
        let kept = |pyramid: &Pyramid| -> Vec<usize> {
            pyramid.levels.iter().map(|l| l.own.corners.len()).collect()
        };

        let pyramid = Pyramid::new(&faint);
        let strict = corners_at(&pyramid, FAST_THRESHOLD);
        assert!(strict.iter().sum::<usize>() < MAX_KEYPOINTS, "{strict:?}");
        let low = corners_at(&pyramid, LOW_FAST_THRESHOLD);
        assert_eq!(kept(&pyramid), low);
        assert!(
            low.iter().sum::<usize>() > strict.iter().sum::<usize>() * 3 / 2,
            "{low:?} {strict:?}"
        );
        assert!(pyramid.features(false).0.keypoints.len() >= MAX_KEYPOINTS / 2);

        let pyramid = Pyramid::new(&busy);
        assert_eq!(kept(&pyramid), corners_at(&pyramid, FAST_THRESHOLD));
    }

    #[test]
    fn normalising_levels_a_linear_gradient_and_lifts_a_bend() {
        // A ramp: every window's mean is its centre pixel.
        let (w, h) = (64, 32);
        let ramp: Vec<u8> = (0..h)
            .flat_map(|_| (0..w).map(|x| 40 + 2 * x as u8))
            .collect();
        let out = normalised(&ramp, w, h);
        let r = NORMALISE_RADIUS;
        for y in r..h - r {
            for x in r..w - r {
                assert_eq!(out[y * w + x], 128.0, "({x}, {y})");
            }
        }
        // A tent: at its ridge the window's mean is below the pixel, by
        // about as much as the window's spread, so the ridge stands out.
        let tent: Vec<u8> = (0..h)
            .flat_map(|_| (0..w).map(|x| (200 - 2 * (x as i32 - 32).abs()) as u8))
            .collect();
        let out = normalised(&tent, w, h);
        let ridge = out[16 * w + 32];
        assert!(ridge > 128.0 + NORMALISE_GAIN * 0.8, "{ridge}");
        assert_eq!(out[16 * w + 16], 128.0, "the slope beside it");
        // A flat picture stays flat.
        assert!(normalised(&[90; 64 * 32], w, h).iter().all(|&v| v == 128.0));
    }

    /// A picture of soft shapes has hardly a corner even at
    /// [`LOW_FAST_THRESHOLD`]; normalised, its levels give keypoints where
    /// the shapes' edges bend and cross. The busy and the faint scene
    /// never take that path. Pinned like the busy scene.
    #[test]
    fn a_soft_picture_is_seen_through_local_contrast_normalisation() {
        let soft = soft_scene(256, 192);
        // The levels keep their own corners (at the lower threshold) beside
        // the normalised ones.
        let pyramid = Pyramid::new(&soft);
        let raw: usize = pyramid.levels.iter().map(|l| l.own.corners.len()).sum();
        assert!(
            raw < MIN_PLAIN_CORNERS,
            "{raw} corners before normalisation"
        );
        assert!(pyramid.normalised());
        assert!(!Pyramid::new(&busy_scene(256, 192)).normalised());
        let features = extract(&soft);
        assert!(
            features.keypoints.len() >= MIN_PLAIN_CORNERS / 2,
            "{} keypoints after, {raw} before",
            features.keypoints.len()
        );
        assert_eq!((features.keypoints.len(), digest(&features)), GOLDEN_SOFT);
    }

    const GOLDEN_SOFT: (usize, u64) = (55, 4963003737132177490);

    #[test]
    fn extraction_is_deterministic_and_pinned() {
        let a = extract(&busy_scene(320, 240));
        let b = extract(&busy_scene(320, 240));
        assert_eq!(a, b);
        // Pins pattern, detector and ordering: a change here is a change of
        // the stored fingerprint format and must be deliberate.
        let digest = a.keypoints.iter().fold(0u64, |h, k| {
            k.descriptor
                .iter()
                .fold(h, |h, &b| h.wrapping_mul(0x100_0000_01b3) ^ u64::from(b))
                ^ (k.x as u64) << 8
                ^ k.y as u64
        });
        assert_eq!((a.keypoints.len(), digest), GOLDEN_BUSY);
    }

    const GOLDEN_BUSY: (usize, u64) = (159, 1662265295401005083);

    fn digest(features: &LocalFeatures) -> u64 {
        features.keypoints.iter().fold(0u64, |h, k| {
            k.descriptor
                .iter()
                .fold(h, |h, &b| h.wrapping_mul(0x100_0000_01b3) ^ u64::from(b))
                ^ (k.x as u64) << 8
                ^ k.y as u64
                ^ (k.angle.to_bits() as u64) << 24
        })
    }

    #[test]
    fn the_mirror_is_described_from_the_same_keypoints_and_pinned() {
        let picture = busy_scene(320, 240);
        let (features, mirror) = extract_and_mirror(&picture);
        assert_eq!(features, extract(&picture));
        assert_eq!(mirror.keypoints.len(), features.keypoints.len());
        for (k, m) in features.keypoints.iter().zip(&mirror.keypoints) {
            assert_eq!((m.y, m.scale), (k.y, k.scale));
            let width = (f32::from(features.width) / k.scale).round();
            assert_eq!(m.x, (width - 1.0 - k.x / k.scale) * k.scale, "{k:?} {m:?}");
        }
        assert_eq!(digest(&mirror), GOLDEN_MIRROR);
    }

    const GOLDEN_MIRROR: u64 = 15823852415035740847;

    /// Where the flipped picture's own extraction keeps the same keypoint
    /// (the grid's cells and the resampling's rounding can move a few),
    /// the mirror's descriptor is the flipped picture's, bit for bit or
    /// nearly (an angle on a bin's edge may round the other way).
    #[test]
    fn the_mirror_matches_the_flipped_pictures_own_features() {
        // 256 wide: level 0 is the picture itself, its grid symmetric.
        let picture = busy_scene(256, 192);
        let (_, mirror) = extract_and_mirror(&picture);
        let flipped = extract(&picture.flipped_horizontally());
        let (mut same_place, mut same_bits) = (0, 0);
        for m in &mirror.keypoints {
            if let Some(f) = flipped
                .keypoints
                .iter()
                .find(|f| (f.x, f.y, f.scale) == (m.x, m.y, m.scale))
            {
                same_place += 1;
                let distance: u32 = f
                    .descriptor
                    .iter()
                    .zip(&m.descriptor)
                    .map(|(a, b)| (a ^ b).count_ones())
                    .sum();
                if distance <= 16 {
                    same_bits += 1;
                }
            }
        }
        let n = mirror.keypoints.len();
        assert!(n >= MAX_KEYPOINTS / 2, "{n} keypoints");
        assert!(
            same_place * 10 >= n * 8,
            "{same_place} of {n} in the same place"
        );
        assert!(
            same_bits * 10 >= same_place * 9,
            "{same_bits} of {same_place} alike"
        );
    }

    /// A band chosen from the whole picture's pyramid is the band cut and
    /// extracted on its own: on level 0 (the same pixels) keypoint for
    /// keypoint, on the smaller levels up to their resampling grid.
    #[test]
    fn a_band_is_chosen_as_if_cut_there() {
        // 256 wide: level 0 is the picture itself, and so is the cut's.
        let picture = busy_scene(256, 200);
        let (top, bottom) = (40, 160);
        let band = Pyramid::new(&picture).band(top, bottom);
        let cut = Luma::new(
            256,
            (bottom - top) as u32,
            picture.pixels[top * 256..bottom * 256].to_vec(),
        );
        let own = extract(&cut);
        assert_eq!((band.width, band.height), (own.width, own.height));
        let level0 = |f: &LocalFeatures| -> Vec<Keypoint> {
            f.keypoints
                .iter()
                .filter(|k| k.scale == 1.0)
                .copied()
                .collect()
        };
        assert!(!level0(&own).is_empty());
        assert_eq!(level0(&band), level0(&own));
        let same_place = band
            .keypoints
            .iter()
            .filter(|b| {
                own.keypoints.iter().any(|o| {
                    o.scale == b.scale
                        && (o.x - b.x).abs() <= b.scale
                        && (o.y - b.y).abs() <= b.scale
                })
            })
            .count();
        let n = own.keypoints.len();
        assert!(n >= MAX_KEYPOINTS / 2, "{n} keypoints");
        assert!(
            same_place * 10 >= n * 8,
            "{same_place} of {n} in the same place"
        );
    }

    #[test]
    fn the_pattern_stays_inside_the_border() {
        for pattern in rotated_patterns().iter() {
            for &((ax, ay), (bx, by)) in pattern {
                for v in [ax, ay, bx, by] {
                    assert!(usize::from(v.unsigned_abs()) < BORDER, "{v}");
                }
            }
        }
    }
}
