//! Lookup keys: the (band, key) pairs fingerprint rows are found by.
//!
//! Visual hashes use multi-index hashing: the 256 bits are cut into
//! [`VISUAL_BANDS`] bands of 16 bits, each band value a key. Two hashes
//! within distance 15 share at least one band exactly (16 bands, and every
//! differing band needs a differing bit: pigeonhole). Beyond that the
//! guarantee fades into a probability: at distance 31 (PDQ's match
//! threshold) with errors spread evenly a band survives with probability
//! (1 - 31/256)^16 = 0.13, so some band survives about 89% of the time.
//! 16-bit keys stay selective: 65,536 values per band, so a 10-million-frame
//! library holds about 150 frames per key value if values spread evenly.
//! Pictures below [`MIN_KEY_QUALITY`] get no keys (flat frames all hash alike).
//!
//! Local features (keypoint descriptors, 256 bits each) are cut into
//! [`LOCAL_BANDS`] bands of 32 bits, numbered from [`LOCAL_BAND_BASE`].
//! Descriptors within 7 bits always share a band; measured on the crop,
//! rotation, logo, JPEG and resize copies of the test pictures, a query
//! keypoint's nearest reference descriptor shares a band 63% of the time
//! (16-bit bands would give 85%, but 16 bits is far too few values for
//! 160 keypoints per picture), so a copy with the usual 30 to 80 verified
//! keypoints shares tens of keys with its original. 32-bit values keep a
//! key nearly unique per library; the frequent ones (flat-ish patches that
//! many pictures have) are what the per-tenant stop list is for.
//!
//! A picture's 1-D profile ([`crate::fingerprint::profile`]) gives 9-bit
//! shape keys of its runs of extrema in band
//! [`PROFILE_BAND_BASE`](crate::fingerprint::profile::PROFILE_BAND_BASE)
//! (columns) or the next (rows); only pictures that vary one way store
//! them, so the band holds few items and a key's rarity weighs its hits.
//!
//! A soft picture's layout ([`crate::fingerprint::layout`]) gives 18-bit
//! keys of its blob triplets in band [`BLOB_BAND`]
//! ([`crate::fingerprint::blobs`]); only pictures that keep a layout
//! store them (faint, complex ones), so the band holds few items.
//!
//! Audio landmarks are keys already: their 23-bit pair hash, in band
//! [`AUDIO_BAND`]; the speed-invariant triplet hashes live in the same
//! band with bit 31 set
//! ([`TRIPLET_FLAG`](crate::fingerprint::audio::TRIPLET_FLAG)), so the
//! search's audio hits and the stop list carry both.

use crate::fingerprint::blobs::{self, BLOB_BAND};
use crate::fingerprint::layout::Layout;
use crate::fingerprint::local::LocalFeatures;
use crate::fingerprint::profile::Profile;
use crate::fingerprint::visual::{MIN_KEY_QUALITY, VisualFingerprint, VisualHash};

/// How many 16-bit bands a visual hash is cut into.
pub const VISUAL_BANDS: usize = 16;
/// How many 32-bit bands a keypoint descriptor is cut into.
pub const LOCAL_BANDS: usize = 8;
/// The band number of a descriptor's first band.
pub const LOCAL_BAND_BASE: u8 = 16;
/// The band number audio landmark keys live in.
pub const AUDIO_BAND: u8 = 128;
/// The bands plug-in extractors may register (issue 21): every band
/// above ours. Each extractor declares a range inside it, two extractors'
/// ranges never overlap, and the search counts a hit in these bands as a
/// plug-in's evidence (`sql/clickhouse/search.sql`).
pub const EXTRACTOR_BANDS: std::ops::RangeInclusive<u8> = AUDIO_BAND + 1..=u8::MAX;

/// One lookup key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LookupKey {
    /// 0..16 for visual bands, 16..24 for local-feature bands, 24 and 25
    /// for profiles, 26 for layouts' blobs, [`AUDIO_BAND`] for audio.
    pub band: u8,
    /// The band's value (visual) or the landmark hash (audio).
    pub key: u32,
}

/// The keys a stored picture is found by (none for a low-quality picture).
pub fn visual_keys(fingerprint: &VisualFingerprint) -> Vec<LookupKey> {
    if fingerprint.quality < MIN_KEY_QUALITY {
        return Vec::new();
    }
    bands(&fingerprint.hash).collect()
}

/// The keys a query picture looks up: its own bands and its mirror image's,
/// so a flipped copy is found too.
pub fn visual_query_keys(fingerprint: &VisualFingerprint) -> Vec<LookupKey> {
    if fingerprint.quality < MIN_KEY_QUALITY {
        return Vec::new();
    }
    let mut keys: Vec<LookupKey> = bands(&fingerprint.hash)
        .chain(bands(&fingerprint.flipped))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The keys of a profile; a query's (`reversed`) its mirror's too.
pub fn profile_keys(profile: &Profile, reversed: bool) -> Vec<LookupKey> {
    profile
        .key_values(reversed)
        .into_iter()
        .map(|key| LookupKey {
            band: profile.axis.band(),
            key,
        })
        .collect()
}

/// The keys of a layout's blob triplets (the same for a library picture
/// and a query: a mirror keeps them).
pub fn layout_keys(layout: &Layout) -> Vec<LookupKey> {
    blobs::key_values(
        &layout.pixels,
        usize::from(layout.width),
        usize::from(layout.height),
    )
    .into_iter()
    .map(|key| LookupKey {
        band: BLOB_BAND,
        key,
    })
    .collect()
}

/// The keys of every keypoint of a picture, one list per keypoint (so a
/// row can say which keypoint it belongs to). Queries look up their mirror
/// image's features too, as separate keypoints.
pub fn local_keys(features: &LocalFeatures) -> Vec<[LookupKey; LOCAL_BANDS]> {
    features
        .keypoints
        .iter()
        .map(|k| descriptor_keys(&k.descriptor))
        .collect()
}

/// The keys of one keypoint descriptor.
pub fn descriptor_keys(descriptor: &[u8; 32]) -> [LookupKey; LOCAL_BANDS] {
    std::array::from_fn(|b| LookupKey {
        band: LOCAL_BAND_BASE + b as u8,
        key: u32::from_be_bytes(descriptor[4 * b..4 * b + 4].try_into().expect("four bytes")),
    })
}

fn bands(hash: &VisualHash) -> impl Iterator<Item = LookupKey> + '_ {
    (0..VISUAL_BANDS).map(|b| LookupKey {
        band: b as u8,
        key: u32::from(hash.band(b)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint_with(hash: [u8; 32], quality: u8) -> VisualFingerprint {
        VisualFingerprint {
            hash: VisualHash(hash),
            flipped: VisualHash([0xff; 32]),
            quality,
        }
    }

    #[test]
    fn hashes_within_15_bits_always_share_a_band() {
        // Worst case: 15 flipped bits spread over 15 different bands.
        let a = [0u8; 32];
        let mut b = a;
        for band in 0..15 {
            b[2 * band] ^= 1;
        }
        let ka = visual_keys(&fingerprint_with(a, 50));
        let kb = visual_keys(&fingerprint_with(b, 50));
        assert_eq!(crate::bits::hamming(&a, &b), 15);
        assert!(ka.iter().any(|k| kb.contains(k)));
    }

    #[test]
    fn descriptors_within_7_bits_share_a_local_key_and_bands_do_not_collide() {
        use crate::fingerprint::local::Keypoint;
        let keypoint = |descriptor| Keypoint {
            x: 0.0,
            y: 0.0,
            scale: 1.0,
            angle: 0.0,
            descriptor,
        };
        let a = [0x5au8; 32];
        let mut b = a;
        for band in 0..7 {
            b[4 * band + 1] ^= 0x10;
        }
        let features = |d| LocalFeatures {
            width: 1,
            height: 1,
            keypoints: vec![keypoint(d)],
        };
        let (ka, kb) = (local_keys(&features(a)), local_keys(&features(b)));
        assert_eq!(ka[0][7], kb[0][7]);
        assert_eq!(ka[0][7].band, LOCAL_BAND_BASE + 7);
        assert!(ka[0].iter().all(|k| (16..24).contains(&k.band)));
        assert!(usize::from(LOCAL_BAND_BASE) >= VISUAL_BANDS);
        assert!(usize::from(LOCAL_BAND_BASE) + LOCAL_BANDS <= usize::from(AUDIO_BAND));
    }

    #[test]
    fn low_quality_pictures_have_no_keys() {
        assert!(visual_keys(&fingerprint_with([1; 32], MIN_KEY_QUALITY - 1)).is_empty());
        assert_eq!(
            visual_keys(&fingerprint_with([1; 32], MIN_KEY_QUALITY)).len(),
            VISUAL_BANDS
        );
    }

    #[test]
    fn query_keys_include_the_mirror_image() {
        let keys = visual_query_keys(&fingerprint_with([0; 32], 50));
        assert!(keys.contains(&LookupKey { band: 3, key: 0 }));
        assert!(keys.contains(&LookupKey {
            band: 3,
            key: 0xffff
        }));
    }
}
