//! Bit and byte helpers every layer above uses: the Hamming distance that
//! compares hashes and descriptors, and the one hex encoding (hashes,
//! descriptors and packed fingerprints are shown and passed as hex).

use crate::error::{Error, Result};

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
