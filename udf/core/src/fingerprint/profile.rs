//! A picture's 1-D profile: evidence for pictures that vary one way
//! (stripes, blinds, rows of trees, a ribbed texture), which hold too few
//! corners for local features and whose global hash a crop moves (issue
//! 24, item 3). Measured on the full evaluation's corpus before it was
//! built (`benchmarks/results/2026-12-04-session26/profile/`,
//! `../2026-12-05-session28/profile-keys/`, and session 29's gates in
//! `udf/README.md`, "Pictures that vary one way").
//!
//! 1. From the picture at the local features' working size (256 px on the
//!    longer side), the median grey of every column and of every row
//!    (medians: a caption or logo over part of a column does not move it).
//! 2. Each list resampled linearly to [`SAMPLES`] values and high-passed:
//!    minus its box mean over 17 values (`SAMPLES / 16`, made odd; edges repeated), so
//!    a vignette or a gradient under the stripes does not count. Its
//!    standard deviation says how much the picture varies along that axis.
//! 3. A picture *varies one way* along the axis whose high-passed profile
//!    deviates over [`ONE_WAY_RATIO`] times the other's. A library picture
//!    keeps that axis's profile when it deviates by [`MIN_DEVIATION`] grey
//!    levels or more, has at least [`MIN_EXTREMA`] extrema (step 4) and is
//!    not regular ([`MAX_REGULARITY`]): a profile of a few broad bands (a
//!    flag, a two-tone drawing) or of evenly spaced stripes or tiles
//!    correlates with many others, and a paper's grain with other papers'. A query
//!    keeps an axis's profile when it typically (the median distance from
//!    zero, which a caption's few steps do not raise) deviates over
//!    [`QUERY_ONE_WAY_RATIO`] times the other's and its half-resolution
//!    version ([`MATCH_SAMPLES`], step 6) has at least
//!    [`MIN_QUERY_EXTREMA`] extrema (a crop keeps fewer stripes than its
//!    original); a textured photograph keeps none, and looks up no
//!    profile key.
//! 4. Extrema: a sample that is the maximum (or minimum) of the samples
//!    within [`EXTREMUM_REACH`] of it ([`MATCH_REACH`] at [`MATCH_SAMPLES`]),
//!    at least half a standard deviation from zero, the kinds alternating
//!    (of a run of one kind, the first).
//! 5. Keys: for every run of [`RUN`] consecutive extrema, the first's kind
//!    and the signs of DCT coefficients 1..=8 of the profile between the
//!    run's first and last extremum resampled to 32 values (its shape,
//!    whatever its width: a crop rescales the profile but keeps the shape
//!    between the same extrema). 9 bits in band [`PROFILE_BAND_BASE`] +
//!    the axis. A query keys its reversed profiles too (a mirror copy).
//!    The keys make the original a candidate; they are not evidence (as
//!    many are shared by unrelated pictures with regular textures).
//! 6. Evidence: the query's profile at [`MATCH_SAMPLES`] (pairs of samples
//!    averaged) against every span of the reference's profile from 30% to
//!    100% of it (steps of 5%, at every offset), each resampled to
//!    [`MATCH_SAMPLES`]; the best Pearson correlation, either direction.
//!    [`MATCH_CORRELATION`] is the rerank's threshold score.

use super::visual::Luma;

/// Samples a profile keeps.
pub const SAMPLES: usize = 256;
/// Samples a query's profile is compared at.
pub const MATCH_SAMPLES: usize = SAMPLES / 2;
/// How many times one axis's high-passed profile must deviate more than
/// the other's for a library picture to keep it.
pub const ONE_WAY_RATIO: f32 = 3.0;
/// How many times a query's axis must deviate more than the other for
/// the query to keep its profile.
pub const QUERY_ONE_WAY_RATIO: f32 = 1.5;
/// The least standard deviation, in grey levels, of a library picture's
/// high-passed profile: stripes a person sees, not the grain or scanner
/// banding of a paper texture (1-3 grey levels; session 29's held-out
/// pictures, `udf/README.md`).
pub const MIN_DEVIATION: f32 = 3.0;
/// The most a library picture's profile may resemble itself shifted
/// ([`regularity`]): a regular pattern (evenly spaced stripes, tiles)
/// correlates at some scale with any other regular pattern, so it is no
/// evidence of a copy (0.90-0.97 for the held-out tiles, wood and paper
/// that matched other pictures; 0.20-0.52 for the corpus's one-way
/// pictures with copies).
pub const MAX_REGULARITY: f32 = 0.7;
/// Extrema a library picture's profile needs (at [`SAMPLES`]).
pub const MIN_EXTREMA: usize = 16;
/// Extrema a query's profile needs (at [`MATCH_SAMPLES`]).
pub const MIN_QUERY_EXTREMA: usize = 8;
/// Samples either side an extremum is the maximum or minimum of (at
/// [`SAMPLES`]).
pub const EXTREMUM_REACH: usize = 3;
/// Samples either side an extremum is the maximum or minimum of at
/// [`MATCH_SAMPLES`].
pub const MATCH_REACH: usize = 2;
/// How far from zero, in standard deviations, an extremum must be.
pub const EXTREMUM_LEVEL: f32 = 0.5;
/// Consecutive extrema a key describes.
pub const RUN: usize = 4;
/// DCT coefficients of a run's shape a key keeps the signs of.
pub const SHAPE_BITS: usize = 8;
/// The band of a column profile's keys; a row profile's is the next.
pub const PROFILE_BAND_BASE: u8 = 24;
/// The correlation at which a match reaches the threshold score.
pub const MATCH_CORRELATION: f32 = 0.8;
/// How a stored sample is quantised: a z-score times this, as `i8`.
const QUANTUM: f32 = 32.0;

/// Which way a profile runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Axis {
    /// Along x: the median of each column.
    Columns = 0,
    /// Along y: the median of each row.
    Rows = 1,
}

impl Axis {
    /// The axis of a stored byte.
    pub fn from_byte(byte: u8) -> Option<Axis> {
        match byte {
            0 => Some(Axis::Columns),
            1 => Some(Axis::Rows),
            _ => None,
        }
    }

    /// The band its keys live in.
    pub fn band(self) -> u8 {
        PROFILE_BAND_BASE + self as u8
    }
}

/// A picture's profile along one axis: [`SAMPLES`] z-scores, quantised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Which way it runs.
    pub axis: Axis,
    /// The z-scores times 32, clamped to `i8`.
    pub samples: Vec<i8>,
}

impl Profile {
    /// A profile from its z-scores.
    pub fn quantised(axis: Axis, z: &[f32]) -> Profile {
        Profile {
            axis,
            samples: z
                .iter()
                .map(|v| (v * QUANTUM).round().clamp(-127.0, 127.0) as i8)
                .collect(),
        }
    }

    /// The z-scores back.
    pub fn values(&self) -> Vec<f32> {
        self.samples
            .iter()
            .map(|&v| f32::from(v) / QUANTUM)
            .collect()
    }

    /// The profile at [`MATCH_SAMPLES`]: pairs of samples averaged.
    pub fn halved(&self) -> Vec<f32> {
        self.values()
            .chunks_exact(2)
            .map(|p| (p[0] + p[1]) / 2.0)
            .collect()
    }

    /// Its lookup key values (step 5): `reversed` adds the mirror's.
    pub fn key_values(&self, reversed: bool) -> Vec<u32> {
        let values = self.values();
        let mut keys = shape_keys(&values);
        if reversed {
            let back: Vec<f32> = values.iter().rev().copied().collect();
            keys.extend(shape_keys(&back));
        }
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

/// Both axes' high-passed profiles of a picture at [`SAMPLES`] (steps 1-2).
fn high_passed(working: &Luma) -> [Vec<f32>; 2] {
    let (w, h) = (working.width as usize, working.height as usize);
    let mut columns = vec![[0u32; 256]; w];
    let mut rows = vec![[0u32; 256]; h];
    for (y, row) in working.pixels.chunks_exact(w).enumerate() {
        for (x, &v) in row.iter().enumerate() {
            columns[x][usize::from(v)] += 1;
            rows[y][usize::from(v)] += 1;
        }
    }
    let medians = |histograms: &[[u32; 256]], count: usize| -> Vec<f32> {
        histograms
            .iter()
            .map(|histogram| median(histogram, count))
            .collect()
    };
    [medians(&columns, h), medians(&rows, w)].map(|m| high_pass(&resample(&m, SAMPLES)))
}

/// The median of `count` values given by their histogram (the mean of
/// the two middle ones for an even count).
fn median(histogram: &[u32; 256], count: usize) -> f32 {
    let nth = |n: usize| {
        let mut seen = 0usize;
        for (value, &c) in histogram.iter().enumerate() {
            seen += c as usize;
            if seen > n {
                return value as f32;
            }
        }
        255.0
    };
    (nth((count - 1) / 2) + nth(count / 2)) / 2.0
}

/// `values` resampled linearly to `n` (the first and last kept).
fn resample(values: &[f32], n: usize) -> Vec<f32> {
    if values.len() == 1 {
        return vec![values[0]; n];
    }
    let step = (values.len() - 1) as f32 / (n - 1) as f32;
    (0..n)
        .map(|i| {
            let at = i as f32 * step;
            let left = (at.floor() as usize).min(values.len() - 2);
            let t = at - left as f32;
            values[left] * (1.0 - t) + values[left + 1] * t
        })
        .collect()
}

/// `values` minus their box mean over `len / 16` values (odd, at least 3),
/// the edges repeated.
fn high_pass(values: &[f32]) -> Vec<f32> {
    let n = values.len();
    let half = (n / 16).max(3) / 2;
    let at = |i: isize| values[i.clamp(0, n as isize - 1) as usize];
    (0..n as isize)
        .map(|i| {
            let sum: f32 = (i - half as isize..=i + half as isize).map(at).sum();
            at(i) - sum / (2 * half + 1) as f32
        })
        .collect()
}

/// Mean and population standard deviation.
pub(crate) fn moments(values: &[f32]) -> (f32, f32) {
    let n = values.len() as f32;
    let mean = values.iter().sum::<f32>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
    (mean, var.sqrt())
}

/// The median distance of high-passed values from zero: how much a
/// profile varies, a few large steps (a caption's edges) left out.
fn typical(values: &[f32]) -> f32 {
    let mut distances: Vec<f32> = values.iter().map(|v| v.abs()).collect();
    distances.sort_unstable_by(f32::total_cmp);
    distances[distances.len() / 2]
}

/// The z-scores of `values` (all zero for a flat list).
pub(crate) fn z_scores(values: &[f32]) -> Vec<f32> {
    let (mean, sd) = moments(values);
    if sd <= 1e-6 {
        return vec![0.0; values.len()];
    }
    values.iter().map(|v| (v - mean) / sd).collect()
}

/// Extrema of z-scores (step 4): their places and kinds (`true` a
/// maximum), looking `reach` samples either side.
pub fn extrema(z: &[f32], reach: usize) -> Vec<(usize, bool)> {
    let mut out: Vec<(usize, bool)> = Vec::new();
    for (x, &v) in z.iter().enumerate() {
        let window = &z[x.saturating_sub(reach)..(x + reach + 1).min(z.len())];
        let top = window.iter().copied().fold(f32::MIN, f32::max);
        let bottom = window.iter().copied().fold(f32::MAX, f32::min);
        if v.abs() >= EXTREMUM_LEVEL && (v == top || v == bottom) {
            let kind = v > 0.0;
            if out.last().is_none_or(|&(_, k)| k != kind) {
                out.push((x, kind));
            }
        }
    }
    out
}

/// Whether a library picture's z-scored profile can be evidence: enough
/// extrema, and not a regular pattern (step 3).
fn distinctive(z: &[f32]) -> bool {
    extrema(z, EXTREMUM_REACH).len() >= MIN_EXTREMA && regularity(z) < MAX_REGULARITY
}

/// How much a profile resembles itself shifted: the highest Pearson
/// correlation of the profile with itself `lag` samples on, over the lags
/// from where that correlation first turns negative (past the central
/// peak) to half the profile. Near 1 for evenly spaced stripes.
pub fn regularity(z: &[f32]) -> f32 {
    let shifted = |lag: usize| pearson(&z[..z.len() - lag], &z[lag..]);
    let lags = 1..z.len() / 2;
    let Some(first) = lags.clone().find(|&lag| shifted(lag) < 0.0) else {
        return 1.0;
    };
    (first..z.len() / 2).map(shifted).fold(f32::MIN, f32::max)
}

/// The Pearson correlation of two lists of one length (0 when either is
/// flat).
fn pearson(a: &[f32], b: &[f32]) -> f32 {
    let (za, zb) = (z_scores(a), z_scores(b));
    za.iter().zip(&zb).map(|(x, y)| x * y).sum::<f32>() / a.len() as f32
}

/// A query's profile at [`MATCH_SAMPLES`], z-scored, as [`correlation`]
/// compares it (step 6); `None` when it has fewer than
/// [`MIN_QUERY_EXTREMA`] extrema there (the query's gate, step 3).
fn matched_values(query: &Profile) -> Option<Vec<f32>> {
    let q = z_scores(&query.halved());
    (extrema(&q, MATCH_REACH).len() >= MIN_QUERY_EXTREMA).then_some(q)
}

/// The shape keys of a profile's runs of extrema (step 5).
fn shape_keys(z: &[f32]) -> Vec<u32> {
    const PART: usize = 32;
    extrema(z, EXTREMUM_REACH)
        .windows(RUN)
        .map(|run| {
            let (first, last) = (run[0].0, run[RUN - 1].0);
            let mut part = resample(&z[first..=last], PART);
            let (mean, _) = moments(&part);
            part.iter_mut().for_each(|v| *v -= mean);
            let mut key = u32::from(run[0].1);
            for k in 1..=SHAPE_BITS {
                let c: f32 = part
                    .iter()
                    .enumerate()
                    .map(|(n, v)| {
                        v * (std::f32::consts::PI / (2 * PART) as f32 * (k * (2 * n + 1)) as f32)
                            .cos()
                    })
                    .sum();
                key |= u32::from(c > 0.0) << k;
            }
            key
        })
        .collect()
}

/// The profiles a picture keeps (step 3), from the picture at the local
/// features' working size: a library picture's one-way profile, a
/// query's one-way profile (at most one axis passes either gate). Each
/// gate reads the profile as stored, the stored bytes' values, so what
/// is kept is what [`correlation`] takes as evidence.
pub fn profiles(working: &Luma, query: bool) -> Vec<Profile> {
    let [columns, rows] = high_passed(working);
    let (sc, sr) = (moments(&columns).1, moments(&rows).1);
    let (mc, mr) = (typical(&columns), typical(&rows));
    let axes = [
        (Axis::Columns, columns, sc, sr, mc, mr),
        (Axis::Rows, rows, sr, sc, mr, mc),
    ];
    axes.into_iter()
        .filter_map(|(axis, values, mine, other, typical_mine, typical_other)| {
            let z = z_scores(&values);
            let profile = Profile::quantised(axis, &z);
            let keep = if query {
                typical_mine > QUERY_ONE_WAY_RATIO * typical_other
                    && matched_values(&profile).is_some()
            } else {
                mine >= MIN_DEVIATION
                    && mine > ONE_WAY_RATIO * other
                    && distinctive(&profile.values())
            };
            keep.then_some(profile)
        })
        .collect()
}

/// The best correlation of a query's profile with any span of a
/// reference's (step 6), or `None` when either has too few extrema to be
/// evidence (or they run along different axes).
pub fn correlation(query: &Profile, reference: &Profile) -> Option<f32> {
    if query.axis != reference.axis {
        return None;
    }
    let q = matched_values(query)?;
    let r = reference.values();
    if !distinctive(&r) {
        return None;
    }
    let back: Vec<f32> = q.iter().rev().copied().collect();
    let n = q.len() as f32;
    let mut best = f32::MIN;
    for step in 6..=20 {
        let len = ((step as f32 * 0.05 * r.len() as f32).round() as usize).min(r.len());
        for offset in 0..=r.len() - len {
            let span = z_scores(&resample(&r[offset..offset + len], MATCH_SAMPLES));
            let dot = |a: &[f32]| a.iter().zip(&span).map(|(x, y)| x * y).sum::<f32>();
            best = best.max(dot(&q) / n).max(dot(&back) / n);
        }
    }
    Some(best)
}

/// The best [`correlation`] of any of a query's profiles with any of a
/// reference's; `None` when no pair is evidence.
pub fn best_correlation(query: &[Profile], reference: &[Profile]) -> Option<f32> {
    query
        .iter()
        .flat_map(|q| reference.iter().filter_map(|r| correlation(q, r)))
        .reduce(f32::max)
}

/// Vertical stripes of uneven widths (a period of `period` px, each
/// stripe's width drawn from a fixed sequence) under a soft vignette,
/// `w` x `h`: a picture that varies one way, for tests.
#[cfg(test)]
pub(crate) fn stripes(w: u32, h: u32, period: f32) -> Luma {
    let mut pixels = Vec::with_capacity((w * h) as usize);
    for y in 0..h {
        for x in 0..w {
            let phase = x as f32 / period;
            let wobble = (phase * 0.37).sin() * 0.5 + (phase * 0.11).cos() * 0.3;
            let stripe = if (phase + wobble).fract() < 0.5 {
                70.0
            } else {
                -70.0
            };
            let dy = (y as f32 / h as f32 - 0.5) * 40.0;
            pixels.push((128.0 + stripe - dy.abs()).clamp(0.0, 255.0) as u8);
        }
    }
    Luma::new(w, h, pixels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::regions::{Rect, crop};

    #[test]
    fn a_striped_picture_keeps_its_column_profile_a_plaid_none() {
        let library = profiles(&stripes(256, 144, 12.0), false);
        assert_eq!(library.len(), 1);
        assert_eq!(library[0].axis, Axis::Columns);
        assert_eq!(library[0].samples.len(), SAMPLES);
        // Golden values on the generated pixels: the extrema found and the
        // first samples of the stored profile, as numpy computes them with
        // the measurement's code (`benchmarks/results/2026-12-05-session29/`,
        // `gold.py`, the same pixels).
        let z = library[0].values();
        assert_eq!(extrema(&z, EXTREMUM_REACH).len(), 44);
        assert_eq!(
            &library[0].samples[..12],
            &[16, 16, 16, -40, -40, -36, -33, -30, 29, 33, 33, 33]
        );
        // A plaid (the same stripes across and down) varies both ways
        // alike: no library profile.
        let bar = |v: u32| {
            if (v / 6).is_multiple_of(2) {
                50.0
            } else {
                -50.0
            }
        };
        let plaid = Luma::new(
            256,
            144,
            (0..256 * 144)
                .map(|i| (128.0 + bar(i % 256) + bar(i / 256)) as u8)
                .collect(),
        );
        assert!(profiles(&plaid, false).is_empty());
        // White caption bands over the top and bottom fifth: the query
        // still keeps its columns (and only them).
        let mut captioned = stripes(256, 144, 12.0);
        for (y, row) in captioned.pixels.chunks_exact_mut(256).enumerate() {
            if !(29..115).contains(&y) {
                row.fill(250);
            }
        }
        let axes: Vec<Axis> = profiles(&captioned, true).iter().map(|p| p.axis).collect();
        assert_eq!(axes, [Axis::Columns]);
        // What the query's gate compares: a profile's typical distance
        // from zero, which a caption's few steps do not raise as they
        // raise its standard deviation.
        let mut steps = vec![1.0f32; 250];
        steps.extend([-60.0, 60.0, -60.0, 60.0, -60.0, 60.0]);
        assert_eq!(typical(&steps), 1.0);
        assert!(moments(&steps).1 > 9.0, "{}", moments(&steps).1);
        // Evenly spaced stripes are regular: no library profile. The uneven
        // stripes' regularity, as numpy computes it (`gold.py`).
        let even = Luma::new(
            256,
            144,
            (0..256 * 144)
                .map(|i| if (i % 256 / 6) % 2 == 0 { 60 } else { 190 })
                .collect(),
        );
        assert!(profiles(&even, false).is_empty());
        let [columns, _] = high_passed(&even);
        assert!(regularity(&z_scores(&columns)) > 0.9);
        assert!((regularity(&z) - 0.5726).abs() < 1e-3, "{}", regularity(&z));
        // A flat picture: nothing either way.
        let flat = Luma::new(64, 64, vec![90; 64 * 64]);
        assert!(profiles(&flat, false).is_empty());
        assert!(profiles(&flat, true).is_empty());
    }

    #[test]
    fn a_crop_and_its_mirror_correlate_and_share_keys_an_unrelated_profile_does_not() {
        let original = stripes(256, 144, 12.0);
        let reference = &profiles(&original, false)[0];
        let cropped = crop(
            &original,
            Rect {
                x: 50,
                y: 0,
                w: 180,
                h: 144,
            },
        );
        let query = profiles(&cropped, true);
        let columns = query
            .iter()
            .find(|p| p.axis == Axis::Columns)
            .expect("columns");
        let c = correlation(columns, reference).expect("evidence");
        assert!(c > 0.9, "crop {c}");
        let flipped = profiles(&cropped.flipped_horizontally(), true);
        let c = correlation(&flipped[0], reference).expect("evidence");
        assert!(c > 0.9, "mirrored crop {c}");
        let mine = reference.key_values(false);
        let shared = columns
            .key_values(true)
            .iter()
            .filter(|k| mine.contains(k))
            .count();
        assert!(shared >= 5, "shared keys {shared} of {}", mine.len());
        // Stripes of another rhythm: under the threshold.
        let other = profiles(&stripes(256, 144, 7.0), true);
        let c = correlation(&other[0], reference).expect("evidence");
        assert!(c < MATCH_CORRELATION, "unrelated {c}");
        // Rows against columns: no evidence.
        let rows = Profile {
            axis: Axis::Rows,
            ..columns.clone()
        };
        assert_eq!(correlation(&rows, reference), None);
    }
}
