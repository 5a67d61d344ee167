//! Bit and byte helpers every layer above uses: the Hamming distance that
//! compares hashes and descriptors, the nearest of many 256-bit
//! descriptors (the local features' hot loop), and the one hex encoding
//! (hashes, descriptors and packed fingerprints are shown and passed as
//! hex).

use multiversion::multiversion;

use crate::error::{Error, Result};

/// A 256-bit descriptor as four words, for [`nearest_two`].
pub type Words = [u64; 4];

/// A 256-bit descriptor's [`Words`].
pub fn words(descriptor: &[u8; 32]) -> Words {
    let (chunks, _) = descriptor.as_chunks::<8>();
    [0, 1, 2, 3].map(|i| u64::from_ne_bytes(chunks[i]))
}

/// The Hamming distance of two [`Words`]. Always inlined, so that a
/// caller compiled for POPCNT (`multiversion`) counts with it.
#[inline(always)]
pub fn word_distance(a: &Words, b: &Words) -> u32 {
    (a[0] ^ b[0]).count_ones()
        + (a[1] ^ b[1]).count_ones()
        + (a[2] ^ b[2]).count_ones()
        + (a[3] ^ b[3]).count_ones()
}

/// The nearest of `among` to `query` by Hamming distance: its distance,
/// its index (the first on a tie) and the second nearest's distance;
/// `(u32::MAX, None, u32::MAX)` for none: the local features' putative
/// matches (`matching::local`). Compiled twice, and the one with the
/// POPCNT instruction runs where the processor has it (the x86-64
/// baseline has none, and counts a word's bits in a dozen instructions;
/// `matching::rarity`'s table, the same loop, took 9.1 -> 4.1 ms with it,
/// session 37).
#[multiversion(targets("x86_64+popcnt"))]
pub fn nearest_two(query: &Words, among: &[Words]) -> (u32, Option<usize>, u32) {
    let (mut best, mut index, mut second) = (u32::MAX, None, u32::MAX);
    for (i, r) in among.iter().enumerate() {
        let d = word_distance(query, r);
        if d < best {
            second = best;
            best = d;
            index = Some(i);
        } else if d < second {
            second = d;
        }
    }
    (best, index, second)
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

/// Bytes as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lower- or upper-case hex (surrounding white space ignored) to bytes;
/// `what` names the value in the message.
///
/// # Errors
/// [`Error::Input`] on an odd length or a non-hex character.
pub fn unhex(text: &str, what: &str) -> Result<Vec<u8>> {
    let text = text.trim();
    if !text.len().is_multiple_of(2) {
        return Err(Error::Input(format!("{what}: odd number of hex digits")));
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(text.get(i..i + 2).unwrap_or("zz"), 16)
                .map_err(|_| Error::Input(format!("{what}: not hex at {i}")))
        })
        .collect()
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

    #[test]
    fn nearest_two_finds_the_nearest_and_the_second_as_hamming_does() {
        // Descriptors of 0..=255 ones from the first bit: distance |a - b|.
        let ones = |n: usize| {
            let mut d = [0u8; 32];
            for b in 0..n {
                d[b / 8] |= 1 << (b % 8);
            }
            d
        };
        let among: Vec<Words> = [40, 7, 250, 9, 7].map(|n| words(&ones(n))).to_vec();
        assert_eq!(nearest_two(&words(&ones(8)), &among), (1, Some(1), 1));
        assert_eq!(nearest_two(&words(&ones(30)), &among), (10, Some(0), 21));
        assert_eq!(
            nearest_two(&words(&ones(8)), &[]),
            (u32::MAX, None, u32::MAX)
        );
        // Every pair of a few generated descriptors, against `hamming`.
        let made: Vec<[u8; 32]> = (0u64..12)
            .map(|i| {
                let mut d = [0u8; 32];
                for (j, b) in d.iter_mut().enumerate() {
                    *b = (i
                        .wrapping_mul(2_654_435_761)
                        .wrapping_add(j as u64 * 40_503)
                        >> 7) as u8;
                }
                d
            })
            .collect();
        for q in &made {
            let all: Vec<Words> = made.iter().map(words).collect();
            let mut by_hamming: Vec<u32> = made.iter().map(|r| hamming(q, r)).collect();
            let (best, index, second) = nearest_two(&words(q), &all);
            assert_eq!(Some(best), by_hamming.iter().copied().min());
            assert_eq!(by_hamming[index.expect("some")], best);
            by_hamming.sort_unstable();
            assert_eq!(second, by_hamming[1]);
        }
    }

    #[test]
    fn hex_round_trips_and_refuses_what_is_not_hex() {
        let bytes = [0x00, 0x5a, 0xff, 0x10];
        assert_eq!(hex(&bytes), "005aff10");
        assert_eq!(unhex(" 005AFF10\n", "x").unwrap(), bytes);
        let odd = unhex("abc", "packed fingerprint").unwrap_err().to_string();
        assert_eq!(odd, "packed fingerprint: odd number of hex digits");
        let bad = unhex("00zz", "packed fingerprint").unwrap_err().to_string();
        assert_eq!(bad, "packed fingerprint: not hex at 2");
        // A multi-byte character is not hex, not a panic.
        assert!(unhex("é0", "x").is_err());
    }
}
