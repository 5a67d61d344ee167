//! Geometric verification of local features: do enough keypoints of a
//! query picture map onto keypoints of a reference by one similarity
//! transform (scale, rotation, shift)? That is what a crop, a resize, a
//! small rotation or a picture-in-picture does to a picture, and what two
//! unrelated pictures almost never do by chance.
//!
//! 1. Putative matches: each query keypoint's nearest reference descriptor,
//!    kept when within [`MAX_DESCRIPTOR_DISTANCE`] bits and clearly nearer
//!    than the second nearest (Lowe's ratio test, [`RATIO`]).
//! 2. Every pair of the best [`MAX_PUTATIVE`] putative matches defines a
//!    similarity transform (two points fix scale, rotation and shift);
//!    transforms outside [`SCALE_RANGE`] are dropped.
//! 3. A match is an inlier of a transform when the transform puts the query
//!    keypoint within [`INLIER_RADIUS`] of its reference keypoint and the
//!    keypoints' own orientations turned by the transform's rotation agree
//!    within [`ANGLE_TOLERANCE`]. The transform with most inliers wins
//!    (exhaustive, so deterministic: no random sampling).

use crate::fingerprint::local::{Keypoint, LocalFeatures};

use crate::bits::hamming;

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
/// Inliers needed to call two pictures a copy.
/// Measured on the test pictures: unrelated pairs reach at most 7, the
/// weakest copy (a 20% corner crop of colour bars) 23.
pub const MIN_INLIERS: usize = 12;

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
}

impl LocalMatch {
    /// Whether the agreement is strong enough to call it a copy.
    pub fn is_copy(&self) -> bool {
        self.inliers >= MIN_INLIERS
    }
}

/// Verifies `query` against `reference`; `None` when fewer than two
/// putative matches exist (nothing to verify).
pub fn verify(query: &LocalFeatures, reference: &LocalFeatures) -> Option<LocalMatch> {
    let mut putative: Vec<(u32, &Keypoint, &Keypoint)> = query
        .keypoints
        .iter()
        .filter_map(|q| {
            let (mut best, mut second) = ((u32::MAX, None), u32::MAX);
            for r in &reference.keypoints {
                let d = hamming(&q.descriptor, &r.descriptor);
                if d < best.0 {
                    second = best.0;
                    best = (d, Some(r));
                } else if d < second {
                    second = d;
                }
            }
            let (d, r) = (best.0, best.1?);
            (d <= MAX_DESCRIPTOR_DISTANCE && (d as f32) < RATIO * second as f32)
                .then_some((d, q, r))
        })
        .collect();
    putative.sort_by_key(|&(d, q, _)| (d, q.y.to_bits(), q.x.to_bits()));
    putative.truncate(MAX_PUTATIVE);
    if putative.len() < 2 {
        return None;
    }
    let mut best = LocalMatch {
        inliers: 0,
        putative: putative.len(),
        scale: 1.0,
        rotation: 0.0,
    };
    for i in 0..putative.len() {
        for j in i + 1..putative.len() {
            let Some(t) = Similarity::through(putative[i], putative[j]) else {
                continue;
            };
            let inliers = putative.iter().filter(|&&(_, q, r)| t.agrees(q, r)).count();
            if inliers > best.inliers {
                best.inliers = inliers;
                best.scale = t.scale();
                best.rotation = t.rotation();
            }
        }
    }
    Some(best)
}

/// `r = a * q + b` over complex numbers: a scaled rotation and a shift.
#[derive(Debug, Clone, Copy)]
struct Similarity {
    a: (f32, f32),
    b: (f32, f32),
}

impl Similarity {
    fn through(
        (_, q1, r1): (u32, &Keypoint, &Keypoint),
        (_, q2, r2): (u32, &Keypoint, &Keypoint),
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
        let consistent = t.agrees(q1, r1) && t.agrees(q2, r2);
        (scale >= SCALE_RANGE.0 && scale <= SCALE_RANGE.1 && consistent).then_some(t)
    }

    fn scale(&self) -> f32 {
        self.a.0.hypot(self.a.1)
    }

    fn rotation(&self) -> f32 {
        self.a.1.atan2(self.a.0)
    }

    fn agrees(&self, q: &Keypoint, r: &Keypoint) -> bool {
        let (a, b) = (self.a, self.b);
        let x = a.0 * q.x - a.1 * q.y + b.0;
        let y = a.0 * q.y + a.1 * q.x + b.1;
        if (x - r.x).hypot(y - r.y) > INLIER_RADIUS * r.scale.max(1.0) {
            return false;
        }
        let turn = r.angle - q.angle - self.rotation();
        let turn =
            (turn + std::f32::consts::PI).rem_euclid(std::f32::consts::TAU) - std::f32::consts::PI;
        turn.abs() <= ANGLE_TOLERANCE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::local::extract;
    use crate::fingerprint::visual::Luma;

    fn texture(width: u32, height: u32, seed: u32) -> Luma {
        // Overlapping rectangles of varied grey: a picture full of corners.
        let mut pixels = vec![128u8; (width * height) as usize];
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
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
}
