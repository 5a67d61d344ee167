//! A picture's layout: evidence for soft pictures (gradients, soft
//! shapes, flat artwork with a few curves) whose corners are too few for
//! local features to find a crop of them, and whose global hash a crop
//! moves (issue 24, item 3). The picture's grey levels at 96 px are kept
//! whole; a query's are looked for inside them at every scale from 60% to
//! 100% and every offset, as a person would slide one print over the
//! other. Measured on the full evaluation's corpus before it was built
//! (`benchmarks/results/2026-12-05-session31/`, and `udf/README.md`,
//! "Soft pictures: the layout").
//!
//! 1. The thumbnail: the picture at the local features' working size
//!    (256 px on the longer side) area-resampled to [`SIDE`] on its longer
//!    side, grey levels as bytes ([`Layout`]).
//! 2. High-passed: each pixel minus the mean of the box of [`FINE_BOX`]
//!    pixels around it (edges repeated), so the correlation reads shapes,
//!    not a vignette or a brightness ramp. The coarse level is the
//!    thumbnail halved ([`COARSE_SIDE`]) and high-passed over
//!    [`COARSE_BOX`].
//! 3. Complexity: the share of the coarse level's high-passed energy
//!    outside its two strongest singular components. A flag, a band, a
//!    cross or a line is two components or fewer (under 0.01 for the
//!    corpus's flags), so it resembles every other of its kind; the soft
//!    originals whose copies it finds measure 0.24-0.52. A library
//!    layout under [`MIN_COMPLEXITY`], a query's under
//!    [`MIN_QUERY_COMPLEXITY`] (a crop keeps less structure than its
//!    original), is no evidence and is not kept. (0.15 for both, as first
//!    chosen, let a flag answer a striped tank at 0.913; 0.2 for both
//!    lost the crops of `Gulp`, whose centre is nearly flat: 0.17.)
//! 4. Which pictures keep one: a library picture when it is faint (its
//!    levels hold fewer FAST corners than the keypoints it may keep,
//!    [`Pyramid::faint`](super::local::Pyramid::faint): a picture full of corners is found by
//!    them) and complex enough; a query when complex enough. Its lookup
//!    keys are its blob triplets ([`super::blobs`]): they make the
//!    original a candidate, and the layout judges it.
//! 5. Evidence: the query's thumbnail resampled to each width from
//!    [`MIN_SCALE`] to 100% of the reference's at the coarse level (steps
//!    of [`SCALE_STEP`], the query's own aspect), high-passed, z-scored,
//!    and its Pearson correlation with the reference's high-passed
//!    thumbnail at every offset it fits, mirrored too. Under
//!    [`COARSE_FLOOR`] that is the answer; otherwise the best three (each
//!    the best of its scale and mirror) are refined at [`SIDE`]: every
//!    scale within 0.03 (steps of 0.01) and every offset within 4 px of
//!    each (the coarse offset doubled). The refined correlation is the
//!    evidence; [`MATCH_CORRELATION`] scores the search's threshold.
//!    A query is prepared once ([`Prepared`]) and keeps each size it was
//!    resampled to for the next candidate.
//! 6. Overlays: a caption, a logo or a watermark on a soft picture is
//!    most of the copy's high-passed energy, and the plain correlation
//!    reads it (0.26-0.55 for the full corpus's overlaid soft copies).
//!    When the plain correlation stays under [`MATCH_CORRELATION`], a
//!    query with outliers is searched again without them: its values
//!    further from their median than [`OUTLIER`] deviations (read from
//!    the 90th percentile of the distances, which an overlay on under a
//!    tenth of the query does not move), and those within half a
//!    high-pass box of them, count neither in the query nor in the
//!    window's mean and deviation. A query has outliers when its own
//!    coarse level has some, half its values are not flat
//!    ([`LEAST_TYPICAL`]: clip art with flat areas and a few strong edges,
//!    or a nearly flat picture, would be left with too little), they
//!    leave out at most [`MOST_LEFT_OUT`] of it, and what is left still
//!    has the complexity a query needs (step 3). Fewer pixels carry that
//!    correlation, and unrelated pictures reach more with them: it counts
//!    as [`MATCH_CORRELATION`] at [`MASKED_MATCH_CORRELATION`] (its
//!    distance from 1 scaled), and the better of the two is the
//!    evidence. Measured on the full corpus (`udf/README.md`, "Soft
//!    pictures: the layout").

use std::cell::OnceCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::profile::{moments, z_scores};
use super::visual::{Luma, area_resample};

/// The thumbnail's longer side, pixels.
pub const SIDE: usize = 96;
/// The coarse level's longer side.
pub const COARSE_SIDE: usize = SIDE / 2;
/// The high-pass box at [`SIDE`], pixels (odd).
pub const FINE_BOX: usize = 9;
/// The high-pass box at [`COARSE_SIDE`].
pub const COARSE_BOX: usize = 5;
/// The smallest share of the reference's width a query is looked for at.
pub const MIN_SCALE: f32 = 0.6;
/// The coarse search's scale step.
pub const SCALE_STEP: f32 = 0.05;
/// The least complexity (step 3) a library picture's layout needs to be
/// kept and compared.
pub const MIN_COMPLEXITY: f32 = 0.2;
/// The least complexity a query's layout needs: a crop keeps less of its
/// original's structure than the original has.
pub const MIN_QUERY_COMPLEXITY: f32 = 0.15;
/// The correlation at which a match reaches the threshold score.
pub const MATCH_CORRELATION: f32 = 0.9;
/// The coarse correlation under which the fine search is not run.
pub const COARSE_FLOOR: f32 = 0.5;
/// How far from the median a query's high-passed value is an outlier, in
/// deviations (step 6).
pub const OUTLIER: f32 = 3.0;
/// The largest share of a query its outliers may leave out (step 6).
pub const MOST_LEFT_OUT: f32 = 0.4;
/// The correlation a query with its outliers left out needs to count as
/// [`MATCH_CORRELATION`] (step 6).
pub const MASKED_MATCH_CORRELATION: f32 = 0.93;
/// The least median distance of a query's high-passed values from their
/// median, grey levels, for its outliers to be left out (step 6).
pub const LEAST_TYPICAL: f32 = 1.0;
/// How many of the coarse search's best placements (one a scale and
/// mirror) are refined.
const REFINED: usize = 3;
/// The fine search's scale step.
const FINE_SCALE_STEP: f32 = 0.01;
/// Fine scale steps tried either side of a coarse placement's scale.
const FINE_SCALES: i32 = 3;
/// Fine offsets tried either side of a coarse placement's, pixels at
/// [`SIDE`].
const FINE_REACH: usize = 4;
/// The smallest window compared, pixels a side (at the coarse level).
const MIN_WINDOW: usize = 8;

/// A picture's grey levels at [`SIDE`] on its longer side (step 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Columns.
    pub width: u8,
    /// Rows.
    pub height: u8,
    /// Grey levels, row by row.
    pub pixels: Vec<u8>,
}

impl Layout {
    /// The thumbnail of a picture at the working size (step 1).
    pub fn of(working: &Luma) -> Layout {
        let (w, h) = (working.width as usize, working.height as usize);
        let scale = SIDE as f32 / w.max(h) as f32;
        let (tw, th) = (
            ((w as f32 * scale).round() as usize).clamp(1, SIDE),
            ((h as f32 * scale).round() as usize).clamp(1, SIDE),
        );
        Layout {
            width: tw as u8,
            height: th as u8,
            pixels: area_resample(working, tw, th)
                .iter()
                .map(|v| v.round().clamp(0.0, 255.0) as u8)
                .collect(),
        }
    }

    /// As a picture.
    fn luma(&self) -> Luma {
        Luma::new(
            u32::from(self.width),
            u32::from(self.height),
            self.pixels.clone(),
        )
    }

    /// The coarse level, high-passed (step 2).
    fn coarse(&self) -> Plane {
        let (w, h) = (
            (usize::from(self.width) / 2).max(1),
            (usize::from(self.height) / 2).max(1),
        );
        Plane::high_passed(&area_resample(&self.luma(), w, h), w, h, COARSE_BOX)
    }

    /// The thumbnail high-passed (step 2).
    fn fine(&self) -> Plane {
        let (w, h) = (usize::from(self.width), usize::from(self.height));
        let values: Vec<f32> = self.pixels.iter().map(|&v| f32::from(v)).collect();
        Plane::high_passed(&values, w, h, FINE_BOX)
    }

    /// Its complexity (step 3).
    pub fn complexity(&self) -> f32 {
        self.coarse().complexity()
    }

    /// Whether it can be evidence (step 3), as a query's or a library
    /// picture's.
    pub fn distinctive(&self, query: bool) -> bool {
        self.complexity() >= least_complexity(query)
    }
}

/// The least complexity a query's or a library picture's layout needs.
fn least_complexity(query: bool) -> f32 {
    if query {
        MIN_QUERY_COMPLEXITY
    } else {
        MIN_COMPLEXITY
    }
}

/// The layout a picture keeps (step 4), from the picture at the working
/// size: a library picture's when `faint` and distinctive, a query's when
/// distinctive.
pub fn layout(working: &Luma, faint: bool, query: bool) -> Option<Layout> {
    if !query && !faint {
        return None;
    }
    let layout = Layout::of(working);
    layout.distinctive(query).then_some(layout)
}

/// Values on a grid, row by row.
#[derive(Clone)]
struct Plane {
    width: usize,
    height: usize,
    values: Vec<f32>,
}

impl Plane {
    /// `values` (`w` x `h`) minus their box mean over `size` x `size`
    /// (edges repeated): the box's sums run along the rows, then down the
    /// columns.
    fn high_passed(values: &[f32], w: usize, h: usize, size: usize) -> Plane {
        let half = size / 2;
        let mut across = vec![0f32; w * h];
        for (row, out) in values.chunks_exact(w).zip(across.chunks_exact_mut(w)) {
            box_sums(|i| row[i], w, half, |i, v| out[i] = v);
        }
        let mut sums = vec![0f32; w * h];
        for x in 0..w {
            box_sums(|i| across[i * w + x], h, half, |i, v| sums[i * w + x] = v);
        }
        let cell = (size * size) as f32;
        Plane {
            width: w,
            height: h,
            values: values
                .iter()
                .zip(&sums)
                .map(|(v, s)| v - s / cell)
                .collect(),
        }
    }

    /// The share of its energy outside its two strongest singular
    /// components (step 3).
    fn complexity(&self) -> f32 {
        outside_two_components(&self.values, self.width, self.height)
    }

    /// Sums of the values and of their squares over every rectangle, from
    /// summed-area tables.
    fn sums(&self) -> Sums {
        let (w, h) = (self.width, self.height);
        let mut one = vec![0f64; (w + 1) * (h + 1)];
        let mut two = one.clone();
        for y in 0..h {
            for x in 0..w {
                let v = f64::from(self.values[y * w + x]);
                let (i, up, left, corner) = (
                    (y + 1) * (w + 1) + x + 1,
                    y * (w + 1) + x + 1,
                    (y + 1) * (w + 1) + x,
                    y * (w + 1) + x,
                );
                one[i] = v + one[up] + one[left] - one[corner];
                two[i] = v * v + two[up] + two[left] - two[corner];
            }
        }
        Sums {
            stride: w + 1,
            one,
            two,
        }
    }
}

/// The sums of `n` values (`value(i)`) over the window of `half` either
/// side of each, the ends repeated, handed to `out(i, sum)`: a running
/// sum, one addition and one subtraction a value.
fn box_sums(value: impl Fn(usize) -> f32, n: usize, half: usize, mut out: impl FnMut(usize, f32)) {
    let at = |i: isize| value(i.clamp(0, n as isize - 1) as usize);
    let half = half as isize;
    let mut sum: f32 = (-half..=half).map(at).sum();
    out(0, sum);
    for i in 1..n as isize {
        sum += at(i + half) - at(i - half - 1);
        out(i as usize, sum);
    }
}

/// Summed-area tables of a plane's values and squares.
struct Sums {
    stride: usize,
    one: Vec<f64>,
    two: Vec<f64>,
}

impl Sums {
    /// The sums of the values and of their squares over the `w` x `h`
    /// window at (`x`, `y`).
    fn window(&self, x: usize, y: usize, w: usize, h: usize) -> (f64, f64) {
        let s = self.stride;
        let rect = |t: &[f64]| {
            t[(y + h) * s + x + w] - t[y * s + x + w] - t[(y + h) * s + x] + t[y * s + x]
        };
        (rect(&self.one), rect(&self.two))
    }
}

/// The standard deviation of `n` values from their sum and the sum of
/// their squares.
fn deviation(one: f64, two: f64, n: usize) -> f32 {
    let mean = one / n as f64;
    ((two / n as f64 - mean * mean).max(0.0)).sqrt() as f32
}

/// The share of a `w` x `h` plane's energy outside its two strongest
/// singular components (step 3): from the eigenvalues of its rows' Gram
/// matrix, the two largest by power iteration with deflation.
fn outside_two_components(values: &[f32], w: usize, h: usize) -> f32 {
    let n = h;
    let mut gram = vec![0f64; n * n];
    for i in 0..n {
        for j in i..n {
            let dot: f64 = (0..w)
                .map(|x| f64::from(values[i * w + x]) * f64::from(values[j * w + x]))
                .sum();
            gram[i * n + j] = dot;
            gram[j * n + i] = dot;
        }
    }
    let total: f64 = (0..n).map(|i| gram[i * n + i]).sum();
    if total <= 1e-9 {
        return 0.0;
    }
    let mut strongest = 0.0;
    for _ in 0..2 {
        let (value, vector) = largest_eigen(&gram, n);
        strongest += value;
        for i in 0..n {
            for j in 0..n {
                gram[i * n + j] -= value * vector[i] * vector[j];
            }
        }
    }
    (1.0 - strongest / total).max(0.0) as f32
}

/// The largest eigenvalue of a symmetric positive semi-definite `n` x `n`
/// matrix and its unit eigenvector, by power iteration from a fixed start
/// (deterministic), until the value moves by under a millionth of itself
/// (at most 200 steps).
fn largest_eigen(matrix: &[f64], n: usize) -> (f64, Vec<f64>) {
    let mut v: Vec<f64> = (0..n).map(|i| 1.0 + i as f64 / n as f64).collect();
    let mut value: f64 = 0.0;
    for _ in 0..200 {
        let next: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| matrix[i * n + j] * v[j]).sum())
            .collect();
        let norm = next.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm <= 1e-12 {
            return (0.0, v);
        }
        let settled = (norm - value).abs() <= 1e-6 * norm;
        value = norm;
        v = next.into_iter().map(|x| x / norm).collect();
        if settled {
            break;
        }
    }
    (value, v)
}

/// A placement of the query in the reference: the query's width as a
/// share of the reference's, mirrored or not, the window's top-left
/// corner, and the correlation there.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Placement {
    correlation: f32,
    scale: f32,
    mirrored: bool,
    x: usize,
    y: usize,
}

/// A reference plane as the query is compared with it: its values, and
/// the summed-area tables of its values and squares.
struct Target<'a> {
    plane: &'a Plane,
    sums: Sums,
}

impl<'a> Target<'a> {
    fn new(plane: &'a Plane) -> Target<'a> {
        Target {
            sums: plane.sums(),
            plane,
        }
    }
}

/// A run of a row's values left out: its row, first column and length.
type Run = (usize, usize, usize);

/// The runs of values left out of a `width`-wide plane, row by row.
fn runs(left_out: &[bool], width: usize) -> Vec<Run> {
    let mut found = Vec::new();
    for (y, row) in left_out.chunks_exact(width).enumerate() {
        let mut x = 0;
        while x < width {
            if row[x] {
                let start = x;
                while x < width && row[x] {
                    x += 1;
                }
                found.push((y, start, x - start));
            } else {
                x += 1;
            }
        }
    }
    found
}

/// The query at one scale of one reference plane: its high-passed values
/// z-scored, and their mirror image, `width` x `height`; where it has
/// outliers (step 6), they are left out: zero in the values, and the runs
/// left out (and their mirror image's: none when nothing is) taken out of
/// the window's sums; `kept` values are read.
struct Sized {
    width: usize,
    height: usize,
    values: Vec<f32>,
    mirrored: Vec<f32>,
    left_out: Vec<Run>,
    left_out_mirrored: Vec<Run>,
    kept: usize,
}

/// A `width`-wide plane's rows reversed.
fn mirror(values: &[f32], width: usize) -> Vec<f32> {
    values
        .chunks_exact(width)
        .flat_map(|row| row.iter().rev().copied())
        .collect()
}

impl Sized {
    /// `query` resampled to `w` columns (its own aspect) and high-passed
    /// over `size`; `None` when under [`MIN_WINDOW`] a side.
    fn new(query: &Luma, w: usize, size: usize, masking: bool) -> Option<Sized> {
        let h = (w as f32 * query.height as f32 / query.width as f32).round() as usize;
        if w < MIN_WINDOW || h < MIN_WINDOW {
            return None;
        }
        let high = Plane::high_passed(&area_resample(query, w, h), w, h, size).values;
        let found = if masking {
            outliers(&high, w, h, size / 2)
        } else {
            None
        };
        let (values, left_out, kept) = match found {
            None => (z_scores(&high), Vec::new(), w * h),
            Some(out) => {
                let kept: Vec<f32> = high
                    .iter()
                    .zip(&out)
                    .filter(|(_, o)| !**o)
                    .map(|(v, _)| *v)
                    .collect();
                let (mean, sd) = moments(&kept);
                let sd = sd.max(1e-6);
                let values = high
                    .iter()
                    .zip(&out)
                    .map(|(v, o)| if *o { 0.0 } else { (v - mean) / sd })
                    .collect();
                (values, runs(&out, w), kept.len())
            }
        };
        let left_out_mirrored = left_out
            .iter()
            .map(|&(y, x, n)| (y, w - x - n, n))
            .collect();
        let mirrored = mirror(&values, w);
        Some(Sized {
            width: w,
            height: h,
            values,
            mirrored,
            left_out,
            left_out_mirrored,
            kept,
        })
    }

    /// Its Pearson correlation with the window of `reference` at (`x`,
    /// `y`), mirrored or not, over the query's pixels read; `None` when
    /// the window is off the reference or flat.
    fn correlation(
        &self,
        reference: &Target<'_>,
        x: usize,
        y: usize,
        mirrored: bool,
    ) -> Option<f32> {
        let (w, h) = (self.width, self.height);
        let plane = reference.plane;
        if x + w > plane.width || y + h > plane.height {
            return None;
        }
        let q = if mirrored {
            &self.mirrored
        } else {
            &self.values
        };
        let at = |row: usize| (y + row) * plane.width + x;
        let products: f32 = (0..h)
            .map(|row| dot(&q[row * w..][..w], &plane.values[at(row)..][..w]))
            .sum();
        let (mut one, mut two) = reference.sums.window(x, y, w, h);
        let runs = if mirrored {
            &self.left_out_mirrored
        } else {
            &self.left_out
        };
        for &(row, start, n) in runs {
            let (a, b) = reference.sums.window(x + start, y + row, n, 1);
            one -= a;
            two -= b;
        }
        let deviation = deviation(one, two, self.kept);
        if deviation <= 1e-3 {
            return None;
        }
        Some(products / self.kept as f32 / deviation)
    }
}

/// Which of a query's high-passed values are left out (step 6): those
/// within `reach` of an outlier; `None` when it has none, is mostly flat
/// (half its values within [`LEAST_TYPICAL`] of their median: edges
/// alone, nothing left once they are left out), or would leave out more
/// than [`MOST_LEFT_OUT`] of itself. An outlier is further from the
/// median than [`OUTLIER`] deviations, the deviation read from the 90th
/// percentile of the distances (as a normal distribution's: 1.645
/// deviations), which an overlay on under a tenth of the query does not
/// move.
fn outliers(values: &[f32], w: usize, h: usize, reach: usize) -> Option<Vec<bool>> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f32::total_cmp);
    let centre = sorted[sorted.len() / 2];
    let mut distances: Vec<f32> = values.iter().map(|v| (v - centre).abs()).collect();
    distances.sort_unstable_by(f32::total_cmp);
    let n = distances.len();
    let deviation = distances[n * 9 / 10] / 1.645;
    if distances[n / 2] < LEAST_TYPICAL || deviation <= 1e-6 {
        return None;
    }
    let far: Vec<bool> = values
        .iter()
        .map(|v| (v - centre).abs() > OUTLIER * deviation)
        .collect();
    if !far.contains(&true) {
        return None;
    }
    let mut left_out = vec![false; w * h];
    for (i, _) in far.iter().enumerate().filter(|(_, f)| **f) {
        let (x, y) = (i % w, i / w);
        for row in y.saturating_sub(reach)..(y + reach + 1).min(h) {
            left_out[row * w..][x.saturating_sub(reach)..(x + reach + 1).min(w)].fill(true);
        }
    }
    let count = left_out.iter().filter(|&&l| l).count();
    (count as f32 <= MOST_LEFT_OUT * (w * h) as f32).then_some(left_out)
}

/// The dot product of two slices of one length, in eight lanes (which
/// the compiler turns into vector instructions).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a8.zip(b8) {
        for k in 0..8 {
            lanes[k] += x[k] * y[k];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// The columns of the query's window at `scale` of a `width`-wide
/// reference.
fn columns(scale: f32, width: usize) -> usize {
    (scale * width as f32).round() as usize
}

/// The coarse search (step 5): for each of `scales` and each mirror, the
/// best placement of `query` (its outliers left out or not) in `target`
/// over every offset.
fn coarse_placements(
    query: &Prepared,
    target: &Target<'_>,
    scales: &[f32],
    masked: bool,
) -> Vec<Placement> {
    let reference = target.plane;
    let mut found = Vec::new();
    for &scale in scales {
        let Some(sized) = query.sized(columns(scale, reference.width), COARSE_BOX, masked) else {
            continue;
        };
        if sized.height > reference.height {
            continue;
        }
        for mirrored in [false, true] {
            let mut best: Option<Placement> = None;
            for y in 0..=reference.height - sized.height {
                for x in 0..=reference.width - sized.width {
                    let Some(correlation) = sized.correlation(target, x, y, mirrored) else {
                        continue;
                    };
                    if best.is_none_or(|b| correlation > b.correlation) {
                        best = Some(Placement {
                            correlation,
                            scale,
                            mirrored,
                            x,
                            y,
                        });
                    }
                }
            }
            found.extend(best);
        }
    }
    found
}

/// The refined correlation of a coarse placement at [`SIDE`] (step 5):
/// the best over the scales within [`FINE_SCALES`] steps of
/// [`FINE_SCALE_STEP`] of its scale and the offsets within
/// [`FINE_REACH`] of its offset doubled.
fn refined(
    query: &Prepared,
    reference: &Target<'_>,
    start: &Placement,
    masked: bool,
) -> Option<f32> {
    let mut best: Option<f32> = None;
    let reach = FINE_REACH as isize;
    let mut widths: Vec<usize> = (-FINE_SCALES..=FINE_SCALES)
        .map(|k| start.scale + k as f32 * FINE_SCALE_STEP)
        .filter(|&scale| scale <= 1.0 + 1e-6)
        .map(|scale| columns(scale, reference.plane.width))
        .collect();
    widths.dedup();
    for width in widths {
        let Some(at) = query.sized(width, FINE_BOX, masked) else {
            continue;
        };
        for dy in -reach..=reach {
            for dx in -reach..=reach {
                let (Some(x), Some(y)) = (
                    (start.x * 2).checked_add_signed(dx),
                    (start.y * 2).checked_add_signed(dy),
                ) else {
                    continue;
                };
                if let Some(c) = at.correlation(reference, x, y, start.mirrored) {
                    best = Some(best.map_or(c, |b| b.max(c)));
                }
            }
        }
    }
    best
}

/// A query's resampled size: its columns, its high-pass box, and whether
/// its outliers are left out.
type SizeKey = (usize, usize, bool);

/// A layout ready to be compared (step 5): its coarse level and
/// complexity, worked out once, and, as a query, itself resampled to each width a reference
/// asks for, kept for the next reference: most library pictures share a
/// size (96 x 72, 96 x 54), so a search resamples its query a few dozen
/// times, not a few dozen times a candidate. At most one kept a width,
/// box and mask (4 x ([`SIDE`] + 1): a few megabytes at worst), each at
/// most 4 planes of [`SIDE`] x [`SIDE`] values; whether it has outliers
/// to leave out (step 6) is worked out once too.
pub struct Prepared {
    layout: Layout,
    picture: Luma,
    coarse: OnceLock<Plane>,
    complexity: OnceLock<f32>,
    masking: OnceLock<bool>,
    sized: Mutex<HashMap<SizeKey, Option<Arc<Sized>>>>,
}

impl Prepared {
    /// `layout`, ready.
    pub fn new(layout: Layout) -> Prepared {
        Prepared {
            picture: layout.luma(),
            layout,
            coarse: OnceLock::new(),
            complexity: OnceLock::new(),
            masking: OnceLock::new(),
            sized: Mutex::new(HashMap::new()),
        }
    }

    /// Its coarse level, high-passed (step 2).
    fn coarse(&self) -> &Plane {
        self.coarse.get_or_init(|| self.layout.coarse())
    }

    /// Its complexity (step 3).
    fn complexity(&self) -> f32 {
        *self.complexity.get_or_init(|| self.coarse().complexity())
    }

    /// Whether its outliers are left out when it is a query (step 6):
    /// when it has some, and what is left is complex enough.
    pub fn masking(&self) -> bool {
        *self.masking.get_or_init(|| {
            let coarse = self.coarse();
            let (w, h) = (coarse.width, coarse.height);
            outliers(&coarse.values, w, h, COARSE_BOX / 2).is_some_and(|out| {
                let kept: Vec<f32> = coarse
                    .values
                    .iter()
                    .zip(&out)
                    .map(|(v, o)| if *o { 0.0 } else { *v })
                    .collect();
                outside_two_components(&kept, w, h) >= MIN_QUERY_COMPLEXITY
            })
        })
    }

    /// The query at `width` columns high-passed over `size`, its
    /// outliers left out or not (kept for the next reference).
    fn sized(&self, width: usize, size: usize, masked: bool) -> Option<Arc<Sized>> {
        let mut kept = self.sized.lock().unwrap_or_else(PoisonError::into_inner);
        kept.entry((width, size, masked))
            .or_insert_with(|| Sized::new(&self.picture, width, size, masked).map(Arc::new))
            .clone()
    }

    /// The best correlation of the query, its outliers left out or not,
    /// with a window of the reference's coarse plane, refined in its
    /// thumbnail (made when first needed) (step 5).
    fn search(
        &self,
        coarse: &Target<'_>,
        fine: &OnceCell<Plane>,
        reference: &Layout,
        masked: bool,
    ) -> Option<f32> {
        let steps = ((1.0 - MIN_SCALE) / SCALE_STEP).round() as usize;
        let scales: Vec<f32> = (0..=steps)
            .map(|i| MIN_SCALE + i as f32 * SCALE_STEP)
            .collect();
        let mut found = coarse_placements(self, coarse, &scales, masked);
        found.sort_by(|a, b| b.correlation.total_cmp(&a.correlation));
        // A query that correlates this little at the coarse level is no
        // copy: its coarse correlation is its answer (no copy of the
        // corpus's went from under it to the match correlation at the fine
        // level).
        let best_coarse = found.first()?.correlation;
        if best_coarse < COARSE_FLOOR {
            return Some(best_coarse);
        }
        let fine = Target::new(fine.get_or_init(|| reference.fine()));
        found
            .iter()
            .take(REFINED)
            .filter_map(|c| refined(self, &fine, c, masked))
            .reduce(f32::max)
    }

    /// The best correlation of this layout, as a query, with any window
    /// of `reference` (step 5), or `None` when either is not distinctive
    /// or no window fits.
    pub fn correlation(&self, reference: &Prepared) -> Option<f32> {
        if self.complexity() < MIN_QUERY_COMPLEXITY || reference.complexity() < MIN_COMPLEXITY {
            return None;
        }
        let coarse = Target::new(reference.coarse());
        let fine = OnceCell::new();
        let whole = self.search(&coarse, &fine, &reference.layout, false);
        if !self.masking() || whole.is_some_and(|c| c >= MATCH_CORRELATION) {
            return whole;
        }
        // Fewer pixels carry a correlation with the outliers left out:
        // its distance from 1 counts more, so that
        // [`MASKED_MATCH_CORRELATION`] reads as [`MATCH_CORRELATION`].
        let masked = self
            .search(&coarse, &fine, &reference.layout, true)
            .map(|c| {
                1.0 - (1.0 - c) * (1.0 - MATCH_CORRELATION) / (1.0 - MASKED_MATCH_CORRELATION)
            });
        match (whole, masked) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

impl Clone for Prepared {
    /// The same layout, its coarse level and complexity if known; the
    /// kept sizes are not copied.
    fn clone(&self) -> Prepared {
        Prepared {
            coarse: self.coarse.clone(),
            complexity: self.complexity.clone(),
            masking: self.masking.clone(),
            ..Prepared::new(self.layout.clone())
        }
    }
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("layout", &(self.layout.width, self.layout.height))
            .field("complexity", &self.complexity.get())
            .finish_non_exhaustive()
    }
}

/// The best correlation of a query's layout with any window of a
/// reference's (step 5), or `None` when either is not distinctive or no
/// window fits: [`Prepared::correlation`], for one pair.
pub fn correlation(query: &Layout, reference: &Layout) -> Option<f32> {
    Prepared::new(query.clone()).correlation(&Prepared::new(reference.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::local::{Pyramid, soft_scene, working_picture};
    use crate::fingerprint::profile::stripes;
    use crate::fingerprint::regions::{Rect, crop};

    /// A picture's layout, whatever its gates say.
    fn of(luma: &Luma) -> Layout {
        Layout::of(&working_picture(luma))
    }

    /// The thumbnail keeps the picture's aspect at [`SIDE`] on its longer
    /// side, and its grey levels (golden: a change is a change of the
    /// stored format).
    #[test]
    fn the_thumbnail_is_the_working_picture_at_96_px() {
        let layout = of(&soft_scene(640, 480));
        assert_eq!((layout.width, layout.height), (96, 72));
        assert_eq!(layout.pixels.len(), 96 * 72);
        let sum: u64 = layout.pixels.iter().map(|&v| u64::from(v)).sum();
        assert_eq!(
            (sum, layout.pixels[0], layout.pixels[96 * 36 + 48]),
            GOLDEN_THUMBNAIL
        );
    }

    const GOLDEN_THUMBNAIL: (u64, u8, u8) = (820_249, 70, 125);

    /// Bands are two components at most (step 3), soft shapes are many: a
    /// striped picture and a flat one keep no layout, the soft scene does
    /// (golden complexities).
    #[test]
    fn bands_are_not_distinctive_and_soft_shapes_are() {
        let bands = of(&stripes(256, 192, 24.0)).complexity();
        let flat = of(&Luma::new(64, 48, vec![90; 64 * 48])).complexity();
        let soft = of(&soft_scene(256, 192)).complexity();
        assert!(bands < 0.02, "{bands}");
        assert_eq!(flat, 0.0);
        assert!(soft >= MIN_COMPLEXITY, "{soft}");
        assert_eq!((bands * 1000.0).round(), GOLDEN_COMPLEXITY.0);
        assert_eq!((soft * 1000.0).round(), GOLDEN_COMPLEXITY.1);
        assert!(layout(&working_picture(&stripes(256, 192, 24.0)), true, true).is_none());
    }

    const GOLDEN_COMPLEXITY: (f32, f32) = (0.0, 588.0);

    /// A library picture keeps a layout only when faint (step 4); a query
    /// whenever distinctive.
    #[test]
    fn a_library_picture_keeps_a_layout_only_when_faint() {
        let soft = working_picture(&soft_scene(256, 192));
        assert!(Pyramid::new(&soft).faint());
        assert!(layout(&soft, true, false).is_some());
        assert!(layout(&soft, false, false).is_none());
        assert!(layout(&soft, false, true).is_some());
    }

    /// A 30% crop of a soft picture, and its mirror image, are found at
    /// their place (step 5); the picture upside down (other shapes in
    /// other places) and stripes are not (golden correlations).
    #[test]
    fn a_crop_of_a_soft_picture_correlates_with_its_original() {
        let picture = soft_scene(512, 384);
        let original = of(&picture);
        let cropped = crop(
            &picture,
            Rect {
                x: 77,
                y: 58,
                w: 358,
                h: 268,
            },
        );
        let copy = correlation(&of(&cropped), &original).unwrap_or(0.0);
        let mirror = correlation(&of(&cropped.flipped_horizontally()), &original).unwrap_or(0.0);
        let upside_down = Luma::new(
            picture.width,
            picture.height,
            picture
                .pixels
                .chunks_exact(picture.width as usize)
                .rev()
                .flatten()
                .copied()
                .collect(),
        );
        let other = correlation(&of(&upside_down), &original).unwrap_or(0.0);
        assert!(copy >= MATCH_CORRELATION, "{copy}");
        assert!(mirror >= MATCH_CORRELATION, "{mirror}");
        assert!(other < MATCH_CORRELATION, "{other}");
        assert_eq!(correlation(&of(&stripes(256, 192, 24.0)), &original), None);
        let rounded = |c: f32| (c * 1000.0).round();
        assert_eq!(
            (rounded(copy), rounded(mirror), rounded(other)),
            GOLDEN_CORRELATIONS
        );
    }

    const GOLDEN_CORRELATIONS: (f32, f32, f32) = (954.0, 954.0, 224.0);

    /// Layouts of any size a record can hold (1 to [`SIDE`] a side, as a
    /// handed-in query's may be) are compared without a panic: too small
    /// to hold a window, there is no correlation.
    #[test]
    fn layouts_of_any_size_are_compared_safely() {
        let original = of(&soft_scene(512, 384));
        let sized = |w: u8, h: u8| Layout {
            width: w,
            height: h,
            pixels: (0..usize::from(w) * usize::from(h))
                .map(|i| (i * 37 % 251) as u8)
                .collect(),
        };
        for (w, h) in [(1, 1), (1, 96), (96, 1), (7, 9), (16, 16), (96, 96)] {
            let odd = sized(w, h);
            let _ = odd.complexity();
            let one_way = correlation(&odd, &original);
            let other_way = correlation(&original, &odd);
            if w < 16 || h < 16 {
                assert_eq!((one_way, other_way), (None, None), "{w}x{h}");
            }
        }
    }

    /// `picture` with a caption as the evaluation's `text_overlay` draws
    /// one: a box darkened by 60% over the bottom fifth of its left
    /// two-thirds, white strokes in it.
    fn captioned(picture: &Luma) -> Luma {
        let (w, h) = (picture.width as usize, picture.height as usize);
        let mut pixels = picture.pixels.clone();
        for y in h * 4 / 5..h * 23 / 25 {
            for x in w / 20..w * 2 / 3 {
                let stroke = x % 12 < 3 && (h * 41 / 50..h * 45 / 50).contains(&y);
                let v = &mut pixels[y * w + x];
                *v = if stroke {
                    255
                } else {
                    (f32::from(*v) * 0.4) as u8
                };
            }
        }
        Luma::new(picture.width, picture.height, pixels)
    }

    /// A caption on a crop of a soft picture (step 6): its values are
    /// the query's outliers, left out, and the crop is found; without
    /// leaving them out it is not. A textured picture's caption is no
    /// copy of the soft one (golden correlations).
    #[test]
    fn a_caption_on_a_soft_picture_is_left_out() {
        let picture = soft_scene(512, 384);
        let original = Prepared::new(of(&picture));
        let copy = of(&captioned(&crop(
            &picture,
            Rect {
                x: 40,
                y: 30,
                w: 430,
                h: 322,
            },
        )));
        let coarse = copy.coarse();
        let out = outliers(&coarse.values, coarse.width, coarse.height, COARSE_BOX / 2)
            .unwrap_or_default();
        let left_out = |rows: std::ops::Range<usize>| {
            rows.flat_map(|y| &out[y * coarse.width..][..coarse.width])
                .filter(|&&o| o)
                .count()
        };
        // The caption's rows hold most of what is left out.
        let caption = coarse.height * 3 / 4..coarse.height;
        assert!(
            left_out(caption.clone()) > 3 * left_out(0..caption.start),
            "{out:?}"
        );
        let query = Prepared::new(copy.clone());
        assert!(query.masking());
        let found = query.correlation(&original).unwrap_or(0.0);
        let unmasked = Prepared {
            masking: OnceLock::from(false),
            ..Prepared::new(copy)
        }
        .correlation(&original)
        .unwrap_or(0.0);
        assert!(found >= MATCH_CORRELATION, "{found}");
        assert!(unmasked < MATCH_CORRELATION, "{unmasked}");
        let textured = crate::matching::local::tests::corners(512, 384, 2_654_435_761);
        let other = Prepared::new(of(&captioned(&textured)))
            .correlation(&original)
            .unwrap_or(0.0);
        assert!(other < MATCH_CORRELATION, "{other}");
        let rounded = |c: f32| (c * 1000.0).round();
        assert_eq!(
            (rounded(found), rounded(unmasked), rounded(other)),
            GOLDEN_CAPTIONED
        );
    }

    const GOLDEN_CAPTIONED: (f32, f32, f32) = (942.0, 560.0, 200.0);

    /// A query prepared once answers each reference as a fresh pair
    /// does, whatever the references before it (their sizes differ: the
    /// sizes it keeps are looked up by width, and a wide reference's
    /// width can be a tall one's too).
    #[test]
    fn a_prepared_query_answers_as_a_fresh_pair() {
        let picture = soft_scene(512, 384);
        let query = of(&captioned(&crop(
            &picture,
            Rect {
                x: 60,
                y: 40,
                w: 400,
                h: 300,
            },
        )));
        let references: Vec<Layout> = [(512, 384), (384, 512), (512, 288), (300, 300)]
            .iter()
            .map(|&(w, h)| of(&soft_scene(w, h)))
            .chain([of(&picture)])
            .collect();
        let prepared = Prepared::new(query.clone());
        for reference in references.iter().chain(references.iter().rev()) {
            assert_eq!(
                prepared.correlation(&Prepared::new(reference.clone())),
                correlation(&query, reference),
                "{}x{}",
                reference.width,
                reference.height
            );
        }
    }

    /// The complexity's two strongest components: a plane that is one
    /// row pattern times one column pattern is one component (nothing
    /// outside two), noise is many.
    #[test]
    fn a_separable_plane_is_one_component() {
        let (w, h) = (20, 12);
        let separable: Vec<f32> = (0..h)
            .flat_map(|y| (0..w).map(move |x| ((x as f32) * 0.7).sin() * ((y as f32) * 0.4).cos()))
            .collect();
        assert!(outside_two_components(&separable, w, h) < 1e-4);
        let mut state = 12_345u32;
        let noise: Vec<f32> = (0..w * h)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect();
        assert!(outside_two_components(&noise, w, h) > 0.5);
    }
}
