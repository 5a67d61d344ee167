//! Fingerprint records: the self-contained binary rows a fingerprint is
//! stored and exchanged as (in the `fp_media` table, in the packed query
//! fingerprint the search passes to the rerank function, in
//! `clickprint-udf pack`).
//!
//! Every record is `tag (1) | time_ms (u32 LE) | item (u32 LE) | payload`:
//!
//! | tag | what | payload |
//! | --- | --- | --- |
//! | `V` | a picture's global hash | quality (1), hash (32), mirror hash (32) |
//! | `L` | a keypoint | x, y (u16, 1/16 px), scale (u16, 1/256), angle (u16, full turn = 65536), descriptor (32) |
//! | `M` | a keypoint of the mirror image (queries only) | as `L` |
//! | `A` | an audio landmark | hash (u32 LE) |
//! | `R` | a rectangle of a query in its own pixels (queries only) | x, y, width, height (u16 LE each) |
//! | `P` | a picture's 1-D profile | axis (1: 0 columns, 1 rows), [`profile::SAMPLES`] z-scores x 32 (i8 each) |
//! | `T` | a picture's layout | width, height (1 each, at most [`layout::SIDE`]), grey levels (width x height, row by row) |
//! | `G` | a group of a search's candidates (queries only, [`rarity`]) | present (1: 0 for a group without a global hash), then as `V` |
//! | `N` | a query feature set's nearest candidate groups (queries only, [`rarity`]) | count (u16 LE), then a keypoint each in the set's order: group (u16 LE), distance, next group's distance (1 each, bits; 255: none, or 255 and more) |
//!
//! `item` tells records at one time apart: 0 for a frame's global hash,
//! 1 + index for its keypoints ([`MIRRORED_ITEM_BASE`] + 1 + index for a
//! query's mirror-image keypoints, [`REGION_ITEM_BASE`] + [`REGION_ITEMS`]
//! x region + 1 + index for the keypoints of a query picture's regions,
//! in the region's own working pixels), [`PROFILE_ITEM_BASE`] + axis for
//! a picture's profiles, [`LAYOUT_ITEM`] for its layout, the landmark's index among those
//! at the same time for audio, a group's index for `G`, and for `N` the
//! item of its feature set's first keypoint ([`set_item`]). A query's `R` records say where its
//! pictures are, for the answer's `query_box`: item 0 the whole picture
//! (frame), [`region_box_item`] a region. A packed fingerprint is records
//! back to back.

use crate::fingerprint::audio::{Landmark, MS_PER_COLUMN};
use crate::fingerprint::layout::{self, Layout};
use crate::fingerprint::local::Keypoint;
use crate::fingerprint::profile::{self, Axis, Profile};
use crate::fingerprint::visual::{VisualFingerprint, VisualHash};
use crate::keys::{self, LookupKey};
use crate::matching::rarity::{self, Nearest};
use crate::media::MediaFingerprint;

/// A picture's profiles are items from here on (plus their axis).
pub const PROFILE_ITEM_BASE: u32 = 9_000;
/// A picture's layout's item.
pub const LAYOUT_ITEM: u32 = 9_500;
/// Mirror-image keypoints of a query are items from here on.
pub const MIRRORED_ITEM_BASE: u32 = 10_000;
/// Keypoints of a query picture's regions are items from here on.
pub const REGION_ITEM_BASE: u32 = 20_000;
/// Items each region of a query takes.
pub const REGION_ITEMS: u32 = 1_000;

/// The region a record's item belongs to: `None` for the whole picture
/// (or its mirror image), `Some(index)` for a query's region.
pub fn region_of(item: u32) -> Option<u32> {
    (item > REGION_ITEM_BASE).then(|| (item - REGION_ITEM_BASE - 1) / REGION_ITEMS)
}

/// The item of region `index`'s `R` record: the last of its items (a
/// region keeps far fewer keypoints than [`REGION_ITEMS`]).
pub fn region_box_item(index: u32) -> u32 {
    REGION_ITEM_BASE + REGION_ITEMS * (index + 1)
}

/// The item of region `index`'s global hash (`V` record; a still
/// picture's inset only): the last but one of its items.
pub fn region_visual_item(index: u32) -> u32 {
    region_box_item(index) - 1
}

/// The item of keypoint `k` of a feature set: the whole picture's, its
/// mirror image's (`mirrored`, a query's) or region `r`'s (a query's; a
/// region is never mirrored).
pub fn keypoint_item(mirrored: bool, region: Option<u32>, k: u32) -> u32 {
    1 + k
        + match (region, mirrored) {
            (Some(r), _) => REGION_ITEM_BASE + REGION_ITEMS * r,
            (None, true) => MIRRORED_ITEM_BASE,
            (None, false) => 0,
        }
}

/// The item of the first keypoint of a feature set: what an `N` record
/// of that set is keyed by.
pub fn set_item(mirrored: bool, region: Option<u32>) -> u32 {
    keypoint_item(mirrored, region, 0)
}

/// Whether a keypoint's (or an `N` record's) item is of a query's mirror
/// image.
pub fn is_mirrored_item(item: u32) -> bool {
    item > MIRRORED_ITEM_BASE && item <= REGION_ITEM_BASE
}

/// A rectangle in a query's own pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueryBox {
    /// Left column.
    pub x: u16,
    /// Top row.
    pub y: u16,
    /// Width.
    pub width: u16,
    /// Height.
    pub height: u16,
}

/// What a record holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// A picture's global hash.
    Visual(VisualFingerprint),
    /// A keypoint; `mirrored` for the mirror image's (queries only).
    Local {
        /// The keypoint.
        keypoint: Keypoint,
        /// Whether it belongs to the mirror image of the query.
        mirrored: bool,
    },
    /// An audio landmark's hash.
    Audio(u32),
    /// Where a query's picture or one of its regions is, in its pixels.
    Box(QueryBox),
    /// A picture's 1-D profile.
    Profile(Profile),
    /// A picture's layout.
    Layout(Layout),
    /// A group of a search's candidates: its first member's global hash
    /// (`None`: a member without one, a group of its own).
    Group(Option<VisualFingerprint>),
    /// The nearest candidate groups of a query feature set's keypoints,
    /// in the set's order.
    Nearest(Vec<Nearest>),
}

/// One record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Time in the media, ms.
    pub time_ms: u32,
    /// Tells records at the same time apart (see the module comment).
    pub item: u32,
    /// The fingerprint data.
    pub payload: Payload,
}

/// Whether records are for storing in a library or for a query: a query
/// also carries its mirror image's keypoints, looks up its mirror hash's
/// keys, and carries its landmarks (the library finds landmarks by key).
/// A library item is the default, as in `Limits::default()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Use {
    /// Rows of a library item.
    #[default]
    Library,
    /// A search query.
    Query,
}

impl Record {
    /// A still picture's profile record: at time 0, its item
    /// [`PROFILE_ITEM_BASE`] + its axis.
    pub fn profile(profile: Profile) -> Record {
        Record {
            time_ms: 0,
            item: PROFILE_ITEM_BASE + profile.axis as u32,
            payload: Payload::Profile(profile),
        }
    }

    /// A still picture's layout record: at time 0, item [`LAYOUT_ITEM`].
    pub fn layout(layout: Layout) -> Record {
        Record {
            time_ms: 0,
            item: LAYOUT_ITEM,
            payload: Payload::Layout(layout),
        }
    }

    /// Whether the record is part of a search's rare-inlier table (`G`,
    /// `N`), not of the media it came with.
    pub fn is_search_table(&self) -> bool {
        matches!(self.payload, Payload::Group(_) | Payload::Nearest(_))
    }

    /// The record's kind: `visual`, `local`, `audio`, `box`, `profile`,
    /// `layout`, `group` or `nearest`.
    pub fn kind(&self) -> &'static str {
        match self.payload {
            Payload::Visual(_) => "visual",
            Payload::Local { .. } => "local",
            Payload::Audio(_) => "audio",
            Payload::Box(_) => "box",
            Payload::Profile(_) => "profile",
            Payload::Layout(_) => "layout",
            Payload::Group(_) => "group",
            Payload::Nearest(_) => "nearest",
        }
    }

    /// Appends the record's bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let tag = match self.payload {
            Payload::Visual(_) => b'V',
            Payload::Local {
                mirrored: false, ..
            } => b'L',
            Payload::Local { mirrored: true, .. } => b'M',
            Payload::Audio(_) => b'A',
            Payload::Box(_) => b'R',
            Payload::Profile(_) => b'P',
            Payload::Layout(_) => b'T',
            Payload::Group(_) => b'G',
            Payload::Nearest(_) => b'N',
        };
        out.push(tag);
        out.extend_from_slice(&self.time_ms.to_le_bytes());
        out.extend_from_slice(&self.item.to_le_bytes());
        match &self.payload {
            Payload::Visual(v) => encode_visual(v, out),
            Payload::Group(v) => {
                out.push(u8::from(v.is_some()));
                encode_visual(&v.unwrap_or(NO_VISUAL), out);
            }
            Payload::Nearest(set) => {
                // At most u16::MAX keypoints, as `decode` reads them.
                let count = set.len().min(usize::from(u16::MAX));
                out.extend_from_slice(&(count as u16).to_le_bytes());
                let bits = |d: u32| d.min(u32::from(rarity::FAR)) as u8;
                for n in &set[..count] {
                    let group = n.group.min(usize::from(u16::MAX)) as u16;
                    out.extend_from_slice(&group.to_le_bytes());
                    out.push(bits(n.distance));
                    out.push(bits(n.next));
                }
            }
            Payload::Local { keypoint: k, .. } => {
                let fixed = |v: f32, scale: f32| (v * scale).round().clamp(0.0, 65535.0) as u16;
                out.extend_from_slice(&fixed(k.x, 16.0).to_le_bytes());
                out.extend_from_slice(&fixed(k.y, 16.0).to_le_bytes());
                out.extend_from_slice(&fixed(k.scale, 256.0).to_le_bytes());
                let turn = k.angle.rem_euclid(std::f32::consts::TAU) / std::f32::consts::TAU;
                out.extend_from_slice(
                    &(((turn * 65536.0).round() as u32 & 0xffff) as u16).to_le_bytes(),
                );
                out.extend_from_slice(&k.descriptor);
            }
            Payload::Audio(hash) => out.extend_from_slice(&hash.to_le_bytes()),
            Payload::Box(b) => {
                for v in [b.x, b.y, b.width, b.height] {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
            Payload::Profile(p) => {
                // Exactly SAMPLES values, as `decode` reads them.
                out.push(p.axis as u8);
                let samples = p.samples.iter().chain(std::iter::repeat(&0));
                out.extend(samples.take(profile::SAMPLES).map(|&v| v as u8));
            }
            Payload::Layout(l) => {
                // Exactly width x height values, as `decode` reads them.
                out.push(l.width);
                out.push(l.height);
                let pixels = l.pixels.iter().chain(std::iter::repeat(&0));
                out.extend(pixels.take(usize::from(l.width) * usize::from(l.height)));
            }
        }
    }

    /// The record's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(80);
        self.encode(&mut out);
        out
    }

    /// The lookup keys of this record for its use.
    pub fn keys(&self, usage: Use) -> Vec<LookupKey> {
        match &self.payload {
            Payload::Visual(v) => match usage {
                Use::Library => keys::visual_keys(v),
                Use::Query => keys::visual_query_keys(v),
            },
            Payload::Local { keypoint, .. } => keys::descriptor_keys(&keypoint.descriptor).to_vec(),
            Payload::Audio(hash) => vec![LookupKey {
                band: keys::AUDIO_BAND,
                key: *hash,
            }],
            Payload::Box(_) => Vec::new(),
            Payload::Profile(p) => keys::profile_keys(p, usage == Use::Query),
            Payload::Layout(l) => keys::layout_keys(l),
            Payload::Group(_) | Payload::Nearest(_) => Vec::new(),
        }
    }
}

/// A `G` record's hash when its group has none.
const NO_VISUAL: VisualFingerprint = VisualFingerprint {
    hash: VisualHash([0; 32]),
    flipped: VisualHash([0; 32]),
    quality: 0,
};

/// A global hash's bytes: quality (1), hash (32), mirror hash (32).
fn encode_visual(v: &VisualFingerprint, out: &mut Vec<u8>) {
    out.push(v.quality);
    out.extend_from_slice(&v.hash.0);
    out.extend_from_slice(&v.flipped.0);
}

/// Why bytes are not a packed fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a clickprint fingerprint: {0}")]
pub struct DecodeError(String);

/// Reads back-to-back records.
///
/// # Errors
/// [`DecodeError`] on an unknown tag or a cut-off record.
pub fn decode(mut bytes: &[u8]) -> Result<Vec<Record>, DecodeError> {
    let mut records = Vec::new();
    while let Some(&tag) = bytes.first() {
        let payload_len = match tag {
            b'V' => 65,
            b'G' => 66,
            b'N' => {
                let count = bytes
                    .get(9..11)
                    .map_or(0, |c| u16::from_le_bytes([c[0], c[1]]));
                2 + 4 * usize::from(count)
            }
            b'L' | b'M' => 40,
            b'A' => 4,
            b'R' => 8,
            b'P' => 1 + profile::SAMPLES,
            b'T' => {
                let side = |i: usize| bytes.get(i).copied().map_or(0, usize::from);
                let (width, height) = (side(9), side(10));
                if bytes.len() >= 11
                    && (width == 0 || height == 0 || width.max(height) > layout::SIDE)
                {
                    return Err(DecodeError(format!(
                        "layout of {width}x{height} at record {}",
                        records.len()
                    )));
                }
                2 + width * height
            }
            other => {
                return Err(DecodeError(format!(
                    "unknown record tag 0x{other:02x} at record {}",
                    records.len()
                )));
            }
        };
        let len = 9 + payload_len;
        if bytes.len() < len {
            return Err(DecodeError(format!(
                "record {} is cut off ({} of {len} bytes)",
                records.len(),
                bytes.len()
            )));
        }
        let (record, rest) = bytes.split_at(len);
        bytes = rest;
        let u32_at = |i: usize| u32::from_le_bytes(record[i..i + 4].try_into().expect("4 bytes"));
        let u16_at = |i: usize| u16::from_le_bytes(record[i..i + 2].try_into().expect("2 bytes"));
        let bytes32 = |i: usize| -> [u8; 32] { record[i..i + 32].try_into().expect("32 bytes") };
        let visual = |i: usize| VisualFingerprint {
            quality: record[i],
            hash: VisualHash(bytes32(i + 1)),
            flipped: VisualHash(bytes32(i + 33)),
        };
        let far = |d: u8| {
            if d == rarity::FAR {
                u32::MAX
            } else {
                u32::from(d)
            }
        };
        let payload = match tag {
            b'V' => Payload::Visual(visual(9)),
            b'G' => Payload::Group((record[9] != 0).then(|| visual(10))),
            b'N' => Payload::Nearest(
                record[11..]
                    .chunks_exact(4)
                    .map(|n| Nearest {
                        group: usize::from(u16::from_le_bytes([n[0], n[1]])),
                        distance: far(n[2]),
                        next: far(n[3]),
                    })
                    .collect(),
            ),
            b'A' => Payload::Audio(u32_at(9)),
            b'P' => Payload::Profile(Profile {
                axis: Axis::from_byte(record[9]).ok_or_else(|| {
                    DecodeError(format!(
                        "unknown profile axis {} at record {}",
                        record[9],
                        records.len()
                    ))
                })?,
                samples: record[10..].iter().map(|&v| v as i8).collect(),
            }),
            b'T' => Payload::Layout(Layout {
                width: record[9],
                height: record[10],
                pixels: record[11..].to_vec(),
            }),
            b'R' => Payload::Box(QueryBox {
                x: u16_at(9),
                y: u16_at(11),
                width: u16_at(13),
                height: u16_at(15),
            }),
            _ => Payload::Local {
                keypoint: Keypoint {
                    x: f32::from(u16_at(9)) / 16.0,
                    y: f32::from(u16_at(11)) / 16.0,
                    scale: f32::from(u16_at(13)) / 256.0,
                    angle: f32::from(u16_at(15)) / 65536.0 * std::f32::consts::TAU,
                    descriptor: bytes32(17),
                },
                mirrored: tag == b'M',
            },
        };
        records.push(Record {
            time_ms: u32_at(1),
            item: u32_at(5),
            payload,
        });
    }
    Ok(records)
}

/// The records of a fingerprinted file, for a library item or a query.
pub fn records(fp: &MediaFingerprint, usage: Use) -> Vec<Record> {
    let mut out = Vec::new();
    for frame in &fp.frames {
        out.push(Record {
            time_ms: frame.time_ms,
            item: 0,
            payload: Payload::Visual(frame.visual),
        });
    }
    let mirrored = match usage {
        Use::Query => fp.mirrored_local.as_ref().map(|m| (0, m)),
        Use::Library => None,
    };
    let local = fp.local.iter().map(|l| (l.time_ms, &l.features, false));
    for (time_ms, features, is_mirror) in
        local.chain(mirrored.map(|(time_ms, features)| (time_ms, features, true)))
    {
        for (k, keypoint) in features.keypoints.iter().enumerate() {
            out.push(Record {
                time_ms,
                item: keypoint_item(is_mirror, None, k as u32),
                payload: Payload::Local {
                    keypoint: *keypoint,
                    mirrored: is_mirror,
                },
            });
        }
    }
    if usage == Use::Query {
        let (width, height) = (fp.info.width, fp.info.height);
        let pixels = |v: u32| v.min(u32::from(u16::MAX)) as u16;
        if !fp.frames.is_empty() && width > 0 && height > 0 {
            out.push(Record {
                time_ms: 0,
                item: 0,
                payload: Payload::Box(QueryBox {
                    x: 0,
                    y: 0,
                    width: pixels(width),
                    height: pixels(height),
                }),
            });
        }
        for (r, region) in fp.regions.iter().enumerate() {
            if let Some(visual) = region.visual {
                out.push(Record {
                    time_ms: region.time_ms,
                    item: region_visual_item(r as u32),
                    payload: Payload::Visual(visual),
                });
            }
            for (k, keypoint) in region.features.keypoints.iter().enumerate() {
                out.push(Record {
                    time_ms: region.time_ms,
                    item: keypoint_item(false, Some(r as u32), k as u32),
                    payload: Payload::Local {
                        keypoint: *keypoint,
                        mirrored: false,
                    },
                });
            }
            // The region in the query's pixels (it was found in a picture
            // of `region.picture`'s size).
            let (pw, ph) = region.picture;
            if width > 0 && height > 0 && pw > 0 && ph > 0 {
                let (sx, sy) = (
                    f64::from(width) / f64::from(pw),
                    f64::from(height) / f64::from(ph),
                );
                let at = |v: u32, s: f64| pixels((f64::from(v) * s).round() as u32);
                let rect = region.rect;
                out.push(Record {
                    time_ms: region.time_ms,
                    item: region_box_item(r as u32),
                    payload: Payload::Box(QueryBox {
                        x: at(rect.x, sx),
                        y: at(rect.y, sy),
                        width: at(rect.w, sx),
                        height: at(rect.h, sy),
                    }),
                });
            }
        }
    }
    out.extend(fp.profiles.iter().cloned().map(Record::profile));
    out.extend(fp.layout.iter().cloned().map(Record::layout));
    if let Some(audio) = &fp.audio {
        out.extend(audio_records(&audio.landmarks, &audio.triplets));
    }
    out
}

/// Landmark records, then triplet records (both `A`: a triplet's hash has
/// [`TRIPLET_FLAG`](crate::fingerprint::audio::TRIPLET_FLAG)), items
/// numbered per time across both.
fn audio_records<'a>(
    landmarks: &'a [Landmark],
    triplets: &'a [Landmark],
) -> impl Iterator<Item = Record> + 'a {
    let mut items: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
    landmarks.iter().chain(triplets).map(move |l| {
        let next = items.entry(l.column).or_default();
        let item = *next;
        *next += 1;
        Record {
            time_ms: l.column * MS_PER_COLUMN,
            item,
            payload: Payload::Audio(l.hash),
        }
    })
}

/// Records back to back.
pub fn pack(records: &[Record]) -> Vec<u8> {
    let mut out = Vec::with_capacity(records.len() * 50);
    for r in records {
        r.encode(&mut out);
    }
    out
}

/// Profile records of one made-up profile (a sine), one an axis given, in
/// order: what a handed-in fingerprint holding several might look like.
#[cfg(test)]
pub(crate) fn sample_profiles(axes: &[crate::fingerprint::profile::Axis]) -> Vec<Record> {
    use crate::fingerprint::profile::Profile;
    let z: Vec<f32> = (0..256).map(|i| (i as f32 * 0.3).sin()).collect();
    axes.iter()
        .map(|&axis| Record::profile(Profile::quantised(axis, &z)))
        .collect()
}

/// One picture record with made-up hashes (its mirror hash the complement),
/// for tests of the row protocol and the rerank in this crate and others
/// (feature `test-support`).
#[cfg(any(test, feature = "test-support"))]
pub fn sample_picture() -> Record {
    use crate::fingerprint::visual::{VisualFingerprint, VisualHash};
    Record {
        time_ms: 0,
        item: 0,
        payload: Payload::Visual(VisualFingerprint {
            hash: VisualHash([0x5a; 32]),
            flipped: VisualHash([0xa5; 32]),
            quality: 50,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_through_bytes() {
        let keypoint = Keypoint {
            x: 12.5,
            y: 200.0625,
            scale: 1.5625,
            angle: -1.0,
            descriptor: [7; 32],
        };
        let records = vec![
            Record {
                time_ms: 500,
                item: 0,
                payload: Payload::Visual(VisualFingerprint {
                    hash: VisualHash([1; 32]),
                    flipped: VisualHash([2; 32]),
                    quality: 40,
                }),
            },
            Record {
                time_ms: 500,
                item: 3,
                payload: Payload::Local {
                    keypoint,
                    mirrored: true,
                },
            },
            Record {
                time_ms: 96,
                item: 1,
                payload: Payload::Audio(0x00ab_cdef),
            },
            Record::profile(Profile {
                axis: Axis::Rows,
                samples: (0..profile::SAMPLES)
                    .map(|i| (i as i32 - 128) as i8)
                    .collect(),
            }),
            Record::layout(Layout {
                width: 3,
                height: 2,
                pixels: vec![0, 50, 100, 150, 200, 255],
            }),
        ];
        let nearest = |group, distance, next| Nearest {
            group,
            distance,
            next,
        };
        let table = vec![
            Record {
                time_ms: 0,
                item: 1,
                payload: Payload::Group(None),
            },
            Record {
                time_ms: 0,
                item: 0,
                payload: Payload::Group(Some(VisualFingerprint {
                    hash: VisualHash([3; 32]),
                    flipped: VisualHash([4; 32]),
                    quality: 60,
                })),
            },
            Record {
                time_ms: 500,
                item: set_item(true, None),
                payload: Payload::Nearest(vec![nearest(1, 12, 30), nearest(0, 0, u32::MAX)]),
            },
        ];
        let back = decode(&pack(&table)).unwrap();
        assert_eq!(back, table);
        assert_eq!((back[0].kind(), back[2].kind()), ("group", "nearest"));
        assert!(is_mirrored_item(back[2].item) && region_of(back[2].item).is_none());
        assert_eq!(region_of(set_item(false, Some(2))), Some(2));
        // Distances of 255 bits and more read as none.
        let far = Payload::Nearest(vec![nearest(3, 255, 256)]);
        let far = decode(&pack(&[Record {
            payload: far,
            ..table[2].clone()
        }]))
        .unwrap();
        assert_eq!(
            far[0].payload,
            Payload::Nearest(vec![nearest(3, u32::MAX, u32::MAX)])
        );
        let decoded = decode(&pack(&records)).unwrap();
        assert_eq!(decoded[0], records[0]);
        assert_eq!(decoded[2], records[2]);
        assert_eq!(decoded[3], records[3]);
        assert_eq!(decoded[4], records[4]);
        assert_eq!(decoded[4].item, LAYOUT_ITEM);
        assert_eq!(decoded[4].kind(), "layout");
        let Payload::Local {
            keypoint: k,
            mirrored,
        } = decoded[1].payload
        else {
            panic!("{:?}", decoded[1]);
        };
        assert!(mirrored);
        assert_eq!(
            (k.x, k.y, k.scale, k.descriptor),
            (12.5, 200.0625, 1.5625, [7; 32])
        );
        let turned = (k.angle - (-1.0f32).rem_euclid(std::f32::consts::TAU)).abs();
        assert!(turned < 1e-3, "{}", k.angle);
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        assert!(
            decode(b"Xabc")
                .unwrap_err()
                .to_string()
                .contains("unknown record tag")
        );
        let mut cut = pack(&[Record {
            time_ms: 0,
            item: 0,
            payload: Payload::Audio(1),
        }]);
        cut.pop();
        assert!(decode(&cut).unwrap_err().to_string().contains("cut off"));
        let mut sideways = pack(&[Record::profile(Profile {
            axis: Axis::Columns,
            samples: vec![0; profile::SAMPLES],
        })]);
        sideways[9] = 2;
        assert!(
            decode(&sideways)
                .unwrap_err()
                .to_string()
                .contains("unknown profile axis 2")
        );
        // A layout's size is read from its record: none, or larger than a
        // layout is, is refused; one cut short is cut off.
        let layout = |width: u8, height: u8| {
            pack(&[Record::layout(Layout {
                width,
                height,
                pixels: vec![7; usize::from(width) * usize::from(height)],
            })])
        };
        for (w, h) in [(0, 4), (4, 0), (97, 10)] {
            let refused = decode(&layout(w, h)).unwrap_err().to_string();
            assert!(refused.contains(&format!("layout of {w}x{h}")), "{refused}");
        }
        let mut short = layout(4, 4);
        short.pop();
        assert!(decode(&short).unwrap_err().to_string().contains("cut off"));
        assert!(
            decode(&short[..10])
                .unwrap_err()
                .to_string()
                .contains("cut off")
        );
        // A nearest-groups record holds as many keypoints as it says.
        let mut set = pack(&[Record {
            time_ms: 0,
            item: 1,
            payload: Payload::Nearest(vec![
                Nearest {
                    group: 0,
                    distance: 1,
                    next: 2
                };
                3
            ]),
        }]);
        set[9] = 4;
        assert!(decode(&set).unwrap_err().to_string().contains("cut off"));
        assert_eq!(decode(b"").unwrap(), Vec::new());
    }
}
