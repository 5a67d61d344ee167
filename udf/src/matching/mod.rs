//! Matching: distances between hashes ([`hamming`]) and the temporal
//! alignment that turns individual matches into one scored, time-ranged
//! match per reference ([`align`]).

pub mod align;
pub mod local;
pub mod rerank;

use crate::fingerprint::audio::Landmark;

pub use align::{Alignment, Hit, align};

/// Every pair of query and reference landmarks with the same hash, as
/// alignment hits (a hash join; weight 1).
pub fn landmark_hits(query: &[Landmark], reference: &[Landmark]) -> Vec<Hit> {
    let pairs = |landmarks: &[Landmark]| -> Vec<(u32, u32)> {
        landmarks.iter().map(|l| (l.hash, l.time_ms())).collect()
    };
    rerank::landmark_hits(&pairs(query), &pairs(reference))
}

/// The number of differing bits between two equally long byte strings.
///
/// # Panics
/// When the lengths differ: a caller's bug.
pub fn hamming(a: &[u8], b: &[u8]) -> u32 {
    assert_eq!(a.len(), b.len(), "hamming of unequal lengths");
    let mut distance = 0;
    let (a8, a_rest) = a.as_chunks::<8>();
    let (b8, b_rest) = b.as_chunks::<8>();
    for (x, y) in a8.iter().zip(b8) {
        distance += (u64::from_ne_bytes(*x) ^ u64::from_ne_bytes(*y)).count_ones();
    }
    for (x, y) in a_rest.iter().zip(b_rest) {
        distance += (x ^ y).count_ones();
    }
    distance
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hamming_counts_differing_bits() {
        assert_eq!(hamming(&[0u8; 32], &[0u8; 32]), 0);
        assert_eq!(hamming(&[0u8; 32], &[0xffu8; 32]), 256);
        let mut b = [0u8; 33];
        b[0] = 0b1010_0000;
        b[32] = 1;
        assert_eq!(hamming(&[0u8; 33], &b), 3);
    }
}
