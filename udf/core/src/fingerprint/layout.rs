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
//!    them) and complex enough; a query when complex enough. No lookup
//!    key: the layout judges candidates the other keys found.
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

use super::profile::z_scores;
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
    /// The standard deviation of the `w` x `h` window at (`x`, `y`).
    fn deviation(&self, x: usize, y: usize, w: usize, h: usize) -> f32 {
        let s = self.stride;
        let rect = |t: &[f64]| {
            t[(y + h) * s + x + w] - t[y * s + x + w] - t[(y + h) * s + x] + t[y * s + x]
        };
        let n = (w * h) as f64;
        let mean = rect(&self.one) / n;
        ((rect(&self.two) / n - mean * mean).max(0.0)).sqrt() as f32
    }
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

/// The query at one scale of one reference plane: its high-passed values
/// z-scored, and their mirror image, `width` x `height`.
struct Sized {
    width: usize,
    height: usize,
    values: Vec<f32>,
    mirrored: Vec<f32>,
}

impl Sized {
    /// `query` resampled to `scale` of `reference`'s width (its own
    /// aspect) and high-passed over `size`; `None` when that does not fit
    /// in the reference or is under [`MIN_WINDOW`] a side.
    fn new(query: &Luma, reference: &Plane, scale: f32, size: usize) -> Option<Sized> {
        let w = (scale * reference.width as f32).round() as usize;
        let h = (w as f32 * query.height as f32 / query.width as f32).round() as usize;
        if w > reference.width || h > reference.height || w < MIN_WINDOW || h < MIN_WINDOW {
            return None;
        }
        let values = z_scores(&Plane::high_passed(&area_resample(query, w, h), w, h, size).values);
        let mirrored = values
            .chunks_exact(w)
            .flat_map(|row| row.iter().rev().copied())
            .collect();
        Some(Sized {
            width: w,
            height: h,
            values,
            mirrored,
        })
    }

    /// Its Pearson correlation with the window of `reference` at (`x`,
    /// `y`), mirrored or not; `None` when the window is off the reference
    /// or flat.
    fn correlation(
        &self,
        reference: &Plane,
        sums: &Sums,
        x: usize,
        y: usize,
        mirrored: bool,
    ) -> Option<f32> {
        let (w, h) = (self.width, self.height);
        if x + w > reference.width || y + h > reference.height {
            return None;
        }
        let deviation = sums.deviation(x, y, w, h);
        if deviation <= 1e-3 {
            return None;
        }
        let q = if mirrored {
            &self.mirrored
        } else {
            &self.values
        };
        let dot: f32 = (0..h)
            .map(|row| {
                dot(
                    &q[row * w..][..w],
                    &reference.values[(y + row) * reference.width + x..][..w],
                )
            })
            .sum();
        Some(dot / (w * h) as f32 / deviation)
    }
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

/// The coarse search (step 5): for each of `scales` and each mirror, the
/// best placement of `query` in `reference` over every offset.
fn coarse_placements(query: &Luma, reference: &Plane, scales: &[f32]) -> Vec<Placement> {
    let sums = reference.sums();
    let mut found = Vec::new();
    for &scale in scales {
        let Some(sized) = Sized::new(query, reference, scale, COARSE_BOX) else {
            continue;
        };
        for mirrored in [false, true] {
            let mut best: Option<Placement> = None;
            for y in 0..=reference.height - sized.height {
                for x in 0..=reference.width - sized.width {
                    let Some(correlation) = sized.correlation(reference, &sums, x, y, mirrored)
                    else {
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
/// [`FINE_REACH`] of its offset doubled. `sized` keeps the query at each
/// scale (in hundredths) for the next placement.
fn refined(
    query: &Luma,
    reference: &Plane,
    sums: &Sums,
    start: &Placement,
    sized: &mut std::collections::HashMap<i32, Option<Sized>>,
) -> Option<f32> {
    let mut best: Option<f32> = None;
    let reach = FINE_REACH as isize;
    for k in -FINE_SCALES..=FINE_SCALES {
        let scale = start.scale + k as f32 * FINE_SCALE_STEP;
        if scale > 1.0 + 1e-6 {
            continue;
        }
        let Some(at) = sized
            .entry((scale * 100.0).round() as i32)
            .or_insert_with(|| Sized::new(query, reference, scale, FINE_BOX))
        else {
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
                if let Some(c) = at.correlation(reference, sums, x, y, start.mirrored) {
                    best = Some(best.map_or(c, |b| b.max(c)));
                }
            }
        }
    }
    best
}

/// The best correlation of a query's layout with any window of a
/// reference's (step 5), or `None` when either is not distinctive or no
/// window fits.
pub fn correlation(query: &Layout, reference: &Layout) -> Option<f32> {
    let coarse = reference.coarse();
    if !query.distinctive(true) || coarse.complexity() < MIN_COMPLEXITY {
        return None;
    }
    let steps = ((1.0 - MIN_SCALE) / SCALE_STEP).round() as usize;
    let scales: Vec<f32> = (0..=steps)
        .map(|i| MIN_SCALE + i as f32 * SCALE_STEP)
        .collect();
    let picture = query.luma();
    let mut found = coarse_placements(&picture, &coarse, &scales);
    found.sort_by(|a, b| b.correlation.total_cmp(&a.correlation));
    // A query that correlates this little at the coarse level is no copy:
    // its coarse correlation is its answer (no copy of the corpus's went
    // from under it to the match correlation at the fine level).
    let best_coarse = found.first()?.correlation;
    if best_coarse < COARSE_FLOOR {
        return Some(best_coarse);
    }
    let fine = reference.fine();
    let sums = fine.sums();
    let mut sized = std::collections::HashMap::new();
    found
        .iter()
        .take(REFINED)
        .filter_map(|c| refined(&picture, &fine, &sums, c, &mut sized))
        .reduce(f32::max)
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
