//! Geometric verification of local features: do enough keypoints of a
//! query picture map onto keypoints of a reference by one transform? That
//! is what a crop, a resize, a small rotation, a squashed aspect or a
//! picture-in-picture does to a picture, and what two unrelated pictures
//! almost never do by chance.
//!
//! 1. Putative matches: each query keypoint's nearest reference descriptor,
//!    kept when within [`MAX_DESCRIPTOR_DISTANCE`] bits and clearly nearer
//!    than the second nearest (Lowe's ratio test, [`RATIO`]); then one to
//!    one: a reference keypoint keeps only its nearest query keypoint
//!    (many query keypoints piling onto one reference corner are one piece
//!    of evidence, not many).
//! 2. Every pair of the best [`MAX_PUTATIVE`] putative matches defines a
//!    similarity transform (two points fix scale, rotation and shift);
//!    transforms outside [`SCALE_RANGE`] are dropped.
//! 3. A match is an inlier of a transform when the transform puts the query
//!    keypoint within [`INLIER_RADIUS`] of its reference keypoint and the
//!    keypoints' own orientations turned by the transform's rotation agree
//!    within [`ANGLE_TOLERANCE`]. The transform with most inliers wins
//!    (exhaustive, so deterministic: no random sampling).
//! 4. Refinement (LO-RANSAC style, deterministic): an affine transform is
//!    fitted to the inliers by least squares and its inliers counted, up to
//!    [`REFITS`] times while the count grows; so aspect changes and mild
//!    perspective keep their far keypoints.
//! 5. Significance (an a-contrario model): were the putative matches
//!    chance (each query keypoint paired with a reference keypoint
//!    anywhere), the final transform would make match `i` an inlier with
//!    probability `p_i` = (reference keypoints within the inlier radius of
//!    where it lands) / (reference keypoints) x (the angle window's share
//!    of a turn), so the chance inlier count is about Poisson with mean
//!    `sum p_i`; a dense cluster of reference corners, or a transform that
//!    shrinks the query onto a busy corner, makes chance inliers likely
//!    and is judged accordingly. The number of false alarms is
//!    `tests x P(Poisson >= inliers - 2)` (the two matches that defined
//!    the transform are inliers by construction), with one test per pair
//!    of putative matches tried, times [`SEARCHED`] (query regions and
//!    candidates per search); the significance is `-log10` of it.

use crate::bits::{Words, nearest_two, words};
use crate::fingerprint::local::{Keypoint, LEVELS, LocalFeatures, SCALE_STEP};

/// Descriptors farther apart than this never match, bits.
pub const MAX_DESCRIPTOR_DISTANCE: u32 = 64;
/// Nearest must be below this share of the second nearest.
pub const RATIO: f32 = 0.85;
/// Putative matches tried as transform anchors.
pub const MAX_PUTATIVE: usize = 80;
/// Allowed scale between query and reference.
pub const SCALE_RANGE: (f32, f32) = (0.2, 5.0);
/// How far a transformed keypoint may land from its match, working pixels.
pub const INLIER_RADIUS: f32 = 6.0;
/// How far keypoint orientations may disagree with the transform, radians.
pub const ANGLE_TOLERANCE: f32 = 0.5;
/// How far the pyramid levels of an inlier's two keypoints may be from
/// the transform's scale, as a factor (two levels' steps).
pub const LEVEL_SLACK: f32 = 1.6;
/// Affine refits on the inliers at most.
pub const REFITS: usize = 3;
/// Comparisons one search makes that could each give a chance match: up
/// to 4 query feature sets (the picture, its mirror image, two regions)
/// against up to 100 candidates.
pub const SEARCHED: f64 = 400.0;
/// Fewest inliers that can make a copy whatever the significance.
pub const MIN_INLIERS: usize = 8;
/// Significance (`-log10` of the expected false alarms) a copy needs.
/// Measured (benchmarks/results/2026-12-02-eval-quick-issue24): see
/// `udf/core/README.md`.
pub const MIN_SIGNIFICANCE: f64 = 3.0;
/// Significance at which the score reaches 1.
pub const FULL_SIGNIFICANCE: f64 = 30.0;
/// The score at [`MIN_SIGNIFICANCE`]: the search's default threshold.
pub const THRESHOLD_SCORE: f64 = 0.3;

/// A measure of evidence (a significance, a correlation) as a score, the
/// one calibration every kind of evidence shares: [`THRESHOLD_SCORE`] at
/// `at_threshold`, 1 at `full`, linear between and above, and below
/// `at_threshold` linear down to 0 (a negative measure scores 0). Not
/// capped at 1.
pub fn calibrated(measure: f64, at_threshold: f64, full: f64) -> f64 {
    let s = measure.max(0.0);
    if s < at_threshold {
        THRESHOLD_SCORE * s / at_threshold
    } else {
        THRESHOLD_SCORE + (1.0 - THRESHOLD_SCORE) * (s - at_threshold) / (full - at_threshold)
    }
}

/// The matcher's two checks against evidence counted twice or
/// inconsistent with the transform; [`CHECKS`] is what the search uses,
/// others are for measuring (the `picture_pairs` example).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Checks {
    /// Keypoints this close (working pixels) are one corner: putative
    /// matches sharing one on either side count once. 0 turns it off.
    pub same_place: f32,
    /// The one-corner rule applies when the reference has at least this
    /// many keypoints.
    pub same_place_from: usize,
    /// Pyramid levels must fit the transform's scale (within
    /// [`LEVEL_SLACK`]) when the scale, or its inverse, is at least this;
    /// infinity turns it off, 1 applies it always.
    pub levels_from: f32,
}

/// The checks the search uses (measured: `udf/core/README.md`).
pub const CHECKS: Checks = Checks {
    same_place: 4.0,
    same_place_from: 60,
    levels_from: 1.6,
};

/// No checks (the matcher before them).
pub const NO_CHECKS: Checks = Checks {
    same_place: 0.0,
    same_place_from: 0,
    levels_from: f32::INFINITY,
};

/// The verified agreement of two pictures' local features.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalMatch {
    /// Matches consistent with the transform.
    pub inliers: usize,
    /// Putative matches looked at.
    pub putative: usize,
    /// Reference size / query size.
    pub scale: f32,
    /// Rotation from query to reference, radians.
    pub rotation: f32,
    /// Inliers expected by chance under the final transform.
    pub chance: f64,
    /// `-log10` of the expected number of chance matches this good.
    pub significance: f64,
}

impl LocalMatch {
    /// Whether the agreement is strong enough to call it a copy.
    pub fn is_copy(&self) -> bool {
        self.inliers >= MIN_INLIERS && self.significance >= MIN_SIGNIFICANCE
    }

    /// Whether the agreement is any evidence at all: more likely a copy
    /// than chance (fewer than one expected false alarm), enough inliers.
    /// Weaker than [`is_copy`](Self::is_copy): it ranks a picture's
    /// candidates, the threshold decides.
    pub fn is_evidence(&self) -> bool {
        self.inliers >= MIN_INLIERS && self.significance > 0.0
    }

    /// The calibrated score, not capped: [`THRESHOLD_SCORE`] at
    /// [`MIN_SIGNIFICANCE`], 1 at [`FULL_SIGNIFICANCE`], linear in the
    /// significance between (and below, down to 0).
    pub fn score(&self) -> f32 {
        calibrated(self.significance, MIN_SIGNIFICANCE, FULL_SIGNIFICANCE) as f32
    }
}

type Putative<'a> = (u32, &'a Keypoint, &'a Keypoint);

/// Verifies `query` against `reference`; `None` when fewer than two
/// putative matches exist (nothing to verify).
pub fn verify(query: &LocalFeatures, reference: &LocalFeatures) -> Option<LocalMatch> {
    verify_with_inliers(query, reference, &CHECKS).map(|(m, _)| m)
}

/// As [`verify`] with the given `checks`, and the inlier pairs (query
/// keypoint, reference keypoint) of the final transform.
pub fn verify_with_inliers(
    query: &LocalFeatures,
    reference: &LocalFeatures,
    checks: &Checks,
) -> Option<(LocalMatch, Vec<(Keypoint, Keypoint)>)> {
    let among: Vec<Words> = reference
        .keypoints
        .iter()
        .map(|r| words(&r.descriptor))
        .collect();
    let mut putative: Vec<(u32, usize, &Keypoint, &Keypoint)> = query
        .keypoints
        .iter()
        .filter_map(|q| {
            let (d, i, second) = nearest_two(&words(&q.descriptor), &among);
            let i = i?;
            (d <= MAX_DESCRIPTOR_DISTANCE && (d as f32) < RATIO * second as f32).then_some((
                d,
                i,
                q,
                &reference.keypoints[i],
            ))
        })
        .collect();
    putative.sort_by_key(|&(d, i, q, _)| (d, i, q.y.to_bits(), q.x.to_bits()));
    // One to one: the nearest query keypoint of each reference keypoint.
    let mut taken = vec![false; reference.keypoints.len()];
    let putative: Vec<Putative<'_>> = putative
        .into_iter()
        .filter(|&(_, i, _, _)| !std::mem::replace(&mut taken[i], true))
        .map(|(d, _, q, r)| (d, q, r))
        .collect();
    // One corner, one piece of evidence: a corner found on several pyramid
    // levels (or twice within a few pixels) keeps its nearest match only,
    // on either side. Not against references with few keypoints (a blurred
    // photograph's handful of corners, each found on every level): there
    // the repeats are most of the evidence there is.
    let enough = reference.keypoints.len() >= checks.same_place_from;
    let mut putative = if checks.same_place > 0.0 && enough {
        let mut kept: Vec<Putative<'_>> = Vec::with_capacity(putative.len());
        for m in putative {
            let same_place =
                |a: &Keypoint, b: &Keypoint| (a.x - b.x).hypot(a.y - b.y) <= checks.same_place;
            if !kept
                .iter()
                .any(|k| same_place(k.1, m.1) || same_place(k.2, m.2))
            {
                kept.push(m);
            }
        }
        kept
    } else {
        putative
    };
    putative.truncate(MAX_PUTATIVE);
    if putative.len() < 2 {
        return None;
    }
    let mut best: Option<(usize, Similarity)> = None;
    for i in 0..putative.len() {
        for j in i + 1..putative.len() {
            let Some(t) = Similarity::through(putative[i], putative[j], checks) else {
                continue;
            };
            let inliers = putative
                .iter()
                .filter(|&&(_, q, r)| t.agrees(q, r, checks))
                .count();
            if best.as_ref().is_none_or(|(n, _)| inliers > *n) {
                best = Some((inliers, t));
            }
        }
    }
    let tests = (putative.len() * (putative.len() - 1) / 2) as f64;
    let Some((inliers, similarity)) = best else {
        return Some((
            LocalMatch {
                inliers: 0,
                putative: putative.len(),
                scale: 1.0,
                rotation: 0.0,
                chance: 0.0,
                significance: 0.0,
            },
            Vec::new(),
        ));
    };
    let mut model = Model::Similarity(similarity);
    let mut inliers = inliers;
    for _ in 0..REFITS {
        let agreeing: Vec<Putative<'_>> = putative
            .iter()
            .copied()
            .filter(|&(_, q, r)| model.agrees(q, r, checks))
            .collect();
        let Some(affine) = Affine::fit(&agreeing) else {
            break;
        };
        let refit = Model::Affine(affine);
        let count = putative
            .iter()
            .filter(|&&(_, q, r)| refit.agrees(q, r, checks))
            .count();
        if count <= inliers {
            break;
        }
        (model, inliers) = (refit, count);
    }
    let chance = model.chance_inliers(&putative, reference, checks);
    let significance =
        -(tests * SEARCHED).log10() - log10_poisson_tail(chance, inliers.saturating_sub(2));
    let pairs = putative
        .iter()
        .filter(|&&(_, q, r)| model.agrees(q, r, checks))
        .map(|&(_, q, r)| (*q, *r))
        .collect();
    Some((
        LocalMatch {
            inliers,
            putative: putative.len(),
            scale: model.scale(),
            rotation: model.rotation(),
            chance,
            significance,
        },
        pairs,
    ))
}

/// `log10 P(X >= k)` for `X ~ Poisson(lambda)`.
pub(crate) fn log10_poisson_tail(lambda: f64, k: usize) -> f64 {
    if k == 0 {
        return 0.0;
    }
    let lambda = lambda.max(1e-9);
    // log P(X = k), then the tail's terms relative to it.
    let ln_fact: f64 = (1..=k).map(|j| (j as f64).ln()).sum();
    let ln_first = -lambda + k as f64 * lambda.ln() - ln_fact;
    let (mut sum, mut term) = (1.0f64, 1.0f64);
    for j in k + 1..k + 200 {
        term *= lambda / j as f64;
        sum += term;
        if term < 1e-12 * sum {
            break;
        }
    }
    ((ln_first + sum.ln()) / std::f64::consts::LN_10).min(0.0)
}

/// The share of a full turn the orientation window covers.
fn angle_share() -> f64 {
    f64::from(2.0 * ANGLE_TOLERANCE) / std::f64::consts::TAU
}

/// A similarity or an affine transform from query to reference pixels.
#[derive(Debug, Clone, Copy)]
enum Model {
    Similarity(Similarity),
    Affine(Affine),
}

impl Model {
    fn map(&self, q: &Keypoint) -> (f32, f32) {
        match self {
            Model::Similarity(s) => s.map(q),
            Model::Affine(a) => a.map(q),
        }
    }

    fn rotation(&self) -> f32 {
        match self {
            Model::Similarity(s) => s.rotation(),
            Model::Affine(a) => a.rotation(),
        }
    }

    fn scale(&self) -> f32 {
        match self {
            Model::Similarity(s) => s.scale(),
            Model::Affine(a) => a.scale(),
        }
    }

    fn agrees(&self, q: &Keypoint, r: &Keypoint, checks: &Checks) -> bool {
        lands_near(self.map(q), r)
            && turns_alike(q, r, self.rotation())
            && levels_agree(q, r, self.scale(), checks)
    }

    /// Inliers expected if each putative match paired its query keypoint
    /// with a reference keypoint drawn at random.
    fn chance_inliers(
        &self,
        putative: &[Putative<'_>],
        reference: &LocalFeatures,
        checks: &Checks,
    ) -> f64 {
        let m = reference.keypoints.len().max(1) as f64;
        putative
            .iter()
            .map(|&(_, q, _)| {
                let at = self.map(q);
                let scale = self.scale();
                let near = reference
                    .keypoints
                    .iter()
                    .filter(|r| lands_near(at, r) && levels_agree(q, r, scale, checks))
                    .count();
                near as f64 / m * angle_share()
            })
            .sum()
    }
}

fn lands_near((x, y): (f32, f32), r: &Keypoint) -> bool {
    (x - r.x).hypot(y - r.y) <= INLIER_RADIUS * r.scale.max(1.0)
}

/// Whether the pyramid levels the two keypoints were found on fit the
/// transform's scale: a structure `scale` times larger in the reference
/// is found `scale` times further up its pyramid (as far as the pyramid
/// reaches), give or take [`LEVEL_SLACK`]. Only for transforms that
/// change the size by [`Checks::levels_from`] or more: nearer 1, a
/// blurred corner is found on any level in both pictures alike.
fn levels_agree(q: &Keypoint, r: &Keypoint, scale: f32, checks: &Checks) -> bool {
    if scale.max(1.0 / scale) < checks.levels_from {
        return true;
    }
    let top = SCALE_STEP.powi(LEVELS as i32 - 1);
    let expected = scale.clamp(1.0 / top, top);
    let ratio = r.scale / q.scale;
    ratio <= expected * LEVEL_SLACK && ratio * LEVEL_SLACK >= expected
}

fn turns_alike(q: &Keypoint, r: &Keypoint, rotation: f32) -> bool {
    let turn = r.angle - q.angle - rotation;
    let turn =
        (turn + std::f32::consts::PI).rem_euclid(std::f32::consts::TAU) - std::f32::consts::PI;
    turn.abs() <= ANGLE_TOLERANCE
}

/// `r = a * q + b` over complex numbers: a scaled rotation and a shift.
#[derive(Debug, Clone, Copy)]
struct Similarity {
    a: (f32, f32),
    b: (f32, f32),
}

impl Similarity {
    fn through(
        (_, q1, r1): Putative<'_>,
        (_, q2, r2): Putative<'_>,
        checks: &Checks,
    ) -> Option<Similarity> {
        let dq = (q2.x - q1.x, q2.y - q1.y);
        let dr = (r2.x - r1.x, r2.y - r1.y);
        let norm = dq.0 * dq.0 + dq.1 * dq.1;
        if norm < 8.0 * 8.0 {
            return None; // too close together to fix a rotation
        }
        // a = dr / dq
        let a = (
            (dr.0 * dq.0 + dr.1 * dq.1) / norm,
            (dr.1 * dq.0 - dr.0 * dq.1) / norm,
        );
        let t = Similarity {
            a,
            b: (
                r1.x - (a.0 * q1.x - a.1 * q1.y),
                r1.y - (a.0 * q1.y + a.1 * q1.x),
            ),
        };
        let scale = t.scale();
        let consistent = t.agrees(q1, r1, checks) && t.agrees(q2, r2, checks);
        (scale >= SCALE_RANGE.0 && scale <= SCALE_RANGE.1 && consistent).then_some(t)
    }

    fn map(&self, q: &Keypoint) -> (f32, f32) {
        let (a, b) = (self.a, self.b);
        (a.0 * q.x - a.1 * q.y + b.0, a.0 * q.y + a.1 * q.x + b.1)
    }

    fn scale(&self) -> f32 {
        self.a.0.hypot(self.a.1)
    }

    fn rotation(&self) -> f32 {
        self.a.1.atan2(self.a.0)
    }

    fn agrees(&self, q: &Keypoint, r: &Keypoint, checks: &Checks) -> bool {
        lands_near(self.map(q), r)
            && turns_alike(q, r, self.rotation())
            && levels_agree(q, r, self.scale(), checks)
    }
}

/// `r = M q + t`, M any 2x2 matrix within [`SCALE_RANGE`].
#[derive(Debug, Clone, Copy)]
struct Affine {
    m: [[f32; 2]; 2],
    t: (f32, f32),
}

impl Affine {
    /// Least squares through the matches (coordinates centred first, in
    /// f64); `None` for fewer than 6 or a degenerate spread.
    fn fit(matches: &[Putative<'_>]) -> Option<Affine> {
        if matches.len() < 6 {
            return None;
        }
        let n = matches.len() as f64;
        let (mut qx, mut qy, mut rx, mut ry) = (0f64, 0f64, 0f64, 0f64);
        for &(_, q, r) in matches {
            qx += f64::from(q.x);
            qy += f64::from(q.y);
            rx += f64::from(r.x);
            ry += f64::from(r.y);
        }
        let (qx, qy, rx, ry) = (qx / n, qy / n, rx / n, ry / n);
        // Normal equations: [sxx sxy; sxy syy] [m_k0; m_k1] = [s_xk; s_yk].
        let (mut sxx, mut sxy, mut syy) = (0f64, 0f64, 0f64);
        let (mut sx_rx, mut sy_rx, mut sx_ry, mut sy_ry) = (0f64, 0f64, 0f64, 0f64);
        for &(_, q, r) in matches {
            let (x, y) = (f64::from(q.x) - qx, f64::from(q.y) - qy);
            let (u, v) = (f64::from(r.x) - rx, f64::from(r.y) - ry);
            sxx += x * x;
            sxy += x * y;
            syy += y * y;
            sx_rx += x * u;
            sy_rx += y * u;
            sx_ry += x * v;
            sy_ry += y * v;
        }
        let det = sxx * syy - sxy * sxy;
        if det.abs() < 1e-6 * (sxx * syy).max(1.0) || sxx < 64.0 || syy < 64.0 {
            return None;
        }
        let solve = |bx: f64, by: f64| ((syy * bx - sxy * by) / det, (sxx * by - sxy * bx) / det);
        let (m00, m01) = solve(sx_rx, sy_rx);
        let (m10, m11) = solve(sx_ry, sy_ry);
        let m = [[m00 as f32, m01 as f32], [m10 as f32, m11 as f32]];
        let t = (
            (rx - m00 * qx - m01 * qy) as f32,
            (ry - m10 * qx - m11 * qy) as f32,
        );
        let affine = Affine { m, t };
        let det = m00 * m11 - m01 * m10;
        let scale = det.abs().sqrt() as f32;
        (det > 0.0 && scale >= SCALE_RANGE.0 && scale <= SCALE_RANGE.1).then_some(affine)
    }

    fn map(&self, q: &Keypoint) -> (f32, f32) {
        (
            self.m[0][0] * q.x + self.m[0][1] * q.y + self.t.0,
            self.m[1][0] * q.x + self.m[1][1] * q.y + self.t.1,
        )
    }

    /// The rotation of the nearest similarity.
    fn rotation(&self) -> f32 {
        (self.m[1][0] - self.m[0][1]).atan2(self.m[0][0] + self.m[1][1])
    }

    /// The square root of the area change.
    fn scale(&self) -> f32 {
        (self.m[0][0] * self.m[1][1] - self.m[0][1] * self.m[1][0])
            .abs()
            .sqrt()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::fingerprint::local::extract;
    use crate::fingerprint::visual::Luma;

    fn texture(width: u32, height: u32, seed: u32) -> Luma {
        corners(
            width,
            height,
            seed.wrapping_mul(2_654_435_761).wrapping_add(1),
        )
    }

    /// Overlapping rectangles of varied grey, placed by a xorshift from
    /// `state`: a picture full of corners (the rerank's tests draw theirs
    /// here too).
    pub(crate) fn corners(width: u32, height: u32, mut state: u32) -> Luma {
        let mut pixels = vec![128u8; (width * height) as usize];
        let mut next = |n: u32| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state % n
        };
        for _ in 0..120 {
            let (x0, y0) = (next(width), next(height));
            let (w, h) = (8 + next(width / 5), 8 + next(height / 5));
            let grey = next(256) as u8;
            for y in y0..(y0 + h).min(height) {
                for x in x0..(x0 + w).min(width) {
                    pixels[(y * width + x) as usize] = grey;
                }
            }
        }
        Luma::new(width, height, pixels)
    }

    fn crop(luma: &Luma, x0: u32, y0: u32, w: u32, h: u32) -> Luma {
        let pixels = (y0..y0 + h)
            .flat_map(|y| (x0..x0 + w).map(move |x| (x, y)))
            .map(|(x, y)| luma.pixels[(y * luma.width + x) as usize])
            .collect();
        Luma::new(w, h, pixels)
    }

    #[test]
    fn a_crop_verifies_and_an_unrelated_picture_does_not() {
        let original = texture(640, 480, 1);
        let reference = extract(&original);
        let cropped = extract(&crop(&original, 48, 30, 560, 420));
        let m = verify(&cropped, &reference).expect("putative matches");
        assert!(m.is_copy(), "{m:?}");
        assert!((m.scale - 0.875).abs() < 0.05, "{m:?}");
        assert!(m.rotation.abs() < 0.1, "{m:?}");

        let other = extract(&texture(640, 480, 2));
        let unrelated = verify(&other, &reference);
        assert!(unrelated.is_none_or(|m| !m.is_copy()), "{unrelated:?}");
    }

    #[test]
    fn a_squashed_copy_verifies_through_the_affine_refit() {
        let original = texture(640, 480, 3);
        let reference = extract(&original);
        // 70% of the height: no similarity fits the far keypoints.
        let (w, h) = (640usize, 336usize);
        let squashed: Vec<u8> = (0..h)
            .flat_map(|y| {
                let sy = (y as f32 / 0.7) as usize;
                original.pixels[sy.min(479) * 640..sy.min(479) * 640 + 640].to_vec()
            })
            .collect();
        let m = verify(
            &extract(&Luma::new(w as u32, h as u32, squashed)),
            &reference,
        )
        .expect("putative matches");
        assert!(m.is_copy(), "{m:?}");
    }

    /// The first `n` keypoints at least 10 px from every one kept before.
    fn apart(keypoints: &[Keypoint], n: usize) -> Vec<Keypoint> {
        let mut kept: Vec<Keypoint> = Vec::new();
        for k in keypoints {
            if kept.len() < n && kept.iter().all(|a| (a.x - k.x).hypot(a.y - k.y) > 10.0) {
                kept.push(*k);
            }
        }
        kept
    }

    /// `keypoints`, then each again 1.5 px away one pyramid level up with
    /// its descriptor 24 bits off (so the ratio test keeps both matches).
    fn with_twins(keypoints: &[Keypoint]) -> Vec<Keypoint> {
        let mut all = keypoints.to_vec();
        for (n, k) in keypoints.iter().enumerate() {
            let mut twin = *k;
            twin.x += 1.5;
            twin.y += 1.5;
            twin.scale *= SCALE_STEP;
            for bit in 0..24 {
                let b = (bit * 11 + n) % 256;
                twin.descriptor[b / 8] ^= 1 << (b % 8);
            }
            all.push(twin);
        }
        all
    }

    #[test]
    fn a_corner_found_twice_is_one_inlier() {
        // 40 corners at least 10 px apart (fewer than MAX_PUTATIVE, so the
        // twins below are all looked at).
        let mut features = extract(&texture(640, 480, 5));
        features.keypoints = apart(&features.keypoints, 40);
        assert_eq!(features.keypoints.len(), 40);
        let alone = verify(&features, &features).expect("putative matches");
        // Each keypoint again one level up: the same corners, no more
        // evidence.
        let mut doubled = features.clone();
        doubled.keypoints = with_twins(&features.keypoints);
        assert!(doubled.keypoints.len() >= CHECKS.same_place_from);
        let twice = verify(&doubled, &doubled).expect("putative matches");
        assert!(alone.is_copy(), "{alone:?}");
        assert_eq!(twice.inliers, alone.inliers, "{twice:?} vs {alone:?}");
        // Without the rule, each twin is one more inlier.
        let counted = verify_with_inliers(&doubled, &doubled, &NO_CHECKS)
            .expect("putative matches")
            .0;
        assert_eq!(counted.inliers, 2 * alone.inliers, "{counted:?}");
    }

    #[test]
    fn a_picture_with_few_keypoints_keeps_its_repeated_corners() {
        // A blurred picture: 12 corners, each found again one level up.
        let mut features = extract(&texture(640, 480, 7));
        features.keypoints = with_twins(&apart(&features.keypoints, 12));
        assert!(features.keypoints.len() < CHECKS.same_place_from);
        // 12 corners alone are too few inliers for a copy; with their
        // repeats (as the matcher counted before the one-corner rule) they
        // make one.
        let m = verify(&features, &features).expect("putative matches");
        assert_eq!(m.inliers, 24, "{m:?}");
        assert!(m.is_copy(), "{m:?}");
    }

    #[test]
    fn pyramid_levels_must_fit_the_scale() {
        let at = |scale: f32| Keypoint {
            x: 0.0,
            y: 0.0,
            scale,
            angle: 0.0,
            descriptor: [0; 32],
        };
        let top = SCALE_STEP.powi(LEVELS as i32 - 1);
        let always = Checks {
            levels_from: 1.0,
            ..CHECKS
        };
        // Same scale: up to two levels apart.
        assert!(levels_agree(&at(1.0), &at(1.0), 1.0, &always));
        assert!(levels_agree(
            &at(1.0),
            &at(SCALE_STEP * SCALE_STEP),
            1.0,
            &always
        ));
        assert!(!levels_agree(&at(1.0), &at(top), 1.0, &always));
        assert!(!levels_agree(&at(top), &at(1.0), 1.0, &always));
        // 2.3 times larger in the reference: found near its top level, not
        // on the level the query found it on.
        assert!(levels_agree(&at(1.0), &at(top), 2.3, &always));
        assert!(!levels_agree(&at(1.0), &at(1.0), 2.3, &always));
        // The search's checks: near scale 1 any levels; from
        // `levels_from` on (either way), as above.
        assert!(levels_agree(&at(1.0), &at(top), 1.0, &CHECKS));
        assert!(levels_agree(&at(top), &at(1.0), 1.0, &CHECKS));
        assert!(!levels_agree(&at(1.0), &at(1.0), 2.3, &CHECKS));
        assert!(!levels_agree(&at(1.0), &at(top), 1.0 / 2.3, &CHECKS));
    }

    #[test]
    fn the_poisson_tail_is_right_at_known_points() {
        // P(X >= 1) = 1 - e^-lambda; P(X >= 3) for lambda 1 = 0.0803.
        let p1 = 10f64.powf(log10_poisson_tail(0.5, 1));
        assert!((p1 - (1.0 - (-0.5f64).exp())).abs() < 1e-9, "{p1}");
        let p3 = 10f64.powf(log10_poisson_tail(1.0, 3));
        assert!((p3 - 0.080_301_4).abs() < 1e-6, "{p3}");
        assert_eq!(log10_poisson_tail(2.0, 0), 0.0);
        // Far in the tail: 40 chance inliers when 0.5 are expected.
        assert!(log10_poisson_tail(0.5, 40) < -55.0);
    }
}
