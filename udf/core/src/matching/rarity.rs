//! Rare inliers: could another candidate of the search have given a
//! verified match's inliers as well? A template's corners (a folder, a
//! button, a sign's frame) are held by every drawing of the template,
//! while a copy also matches on what only its original has; classical
//! retrieval weighs a visual word by the documents holding it, and this is
//! that weight for the inliers of a local match (`matching::local`), taken
//! over the search's candidates, the only part of a library a search sees.
//!
//! 1. The candidates are grouped by their first global hash: each joins
//!    the first group whose first member is within
//!    [`FRAME_MATCH_DISTANCE`] (the same picture stored twice, or
//!    re-encoded, is one group: without this a picture stored twice lost
//!    its crops, 894 -> 621 of 936 copies found in the measurement below).
//! 2. For each keypoint of each of the query's feature sets (its picture,
//!    mirror image, regions: `Prepared::local`), the nearest group (the
//!    least descriptor distance to any keypoint of its members' own, not
//!    mirrored, feature sets), that distance, and the next group's
//!    ([`NearestTable`]).
//! 3. An inlier (query keypoint q, answer keypoint r at distance d) is
//!    rare when the nearest group other than the answer's is farther from
//!    q than d + [`RARE_SLACK`]; the answer's group is the one its own
//!    global hash falls in by step 1 ([`NearestTable::rare_inliers`]).
//!    Its own group's distance is not used: a re-encoded twin may hold a
//!    keypoint nearer than the answer's own.
//! 4. A local match counts as evidence only with at least
//!    [`MIN_RARE_INLIERS`] rare inliers; otherwise the other evidence
//!    decides.
//!
//! The search builds the table once (`clickprint_nearest`, over every
//! candidate's records) and hands it to each rerank inside the query's
//! bytes: a `G` record a group and an `N` record a feature set
//! ([`NearestTable::records`], read back by [`NearestTable::from_records`]
//! when the rerank prepares the query), so the rerank's signature stays
//! one query and one candidate. Distances of [`FAR`] bits or more travel
//! as none, which no inlier (at most
//! [`MAX_DESCRIPTOR_DISTANCE`](crate::matching::local::MAX_DESCRIPTOR_DISTANCE)
//! bits) plus [`RARE_SLACK`] comes near.
//!
//! Measured through the engine (`benchmarks/results/2026-12-06-session37/`,
//! the full evaluation's picture mode): copies found first 897 -> 897 of
//! 936, false matches per 1,000 unrelated clip-art queries 143 -> 83 and,
//! on a held-out draw, 83 -> 40; on originals in families of five
//! look-alikes 661 -> 632 of 910 copies found first, wrong top-1 67 -> 35.
//! Emulated (`-session36/`, the `inlier_rarity` example): with every
//! original stored twice 894 -> 894 (`udf/README.md`, "Inliers another
//! candidate could give as well").

use std::collections::HashMap;

use multiversion::multiversion;

use crate::bits::{Words, hamming, word_distance, words};
use crate::fingerprint::local::{Keypoint, LocalFeatures};
use crate::fingerprint::visual::VisualFingerprint;
use crate::matching::rerank::{FRAME_MATCH_DISTANCE, Prepared, picture_distance};
use crate::records::{self, Payload, Record};

/// Bits past an inlier's own distance within which another group's
/// keypoint makes it common.
pub const RARE_SLACK: u32 = 8;
/// Rare inliers a local match needs to count.
pub const MIN_RARE_INLIERS: usize = 3;
/// A distance in an `N` record from which on it reads as none.
pub const FAR: u8 = u8::MAX;
/// The most candidates a table is built over (the search gives 100).
pub const MAX_CANDIDATES: usize = 1_000;

/// One query keypoint's nearest candidate groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nearest {
    /// The nearest group (its index in [`NearestTable::groups`]); 0 and
    /// both distances `u32::MAX` when there are no candidates.
    pub group: usize,
    /// Its distance, bits.
    pub distance: u32,
    /// The nearest other group's distance (`u32::MAX`: none).
    pub next: u32,
}

/// The candidates' groups and every query keypoint's nearest of them.
#[derive(Debug, Clone, PartialEq)]
pub struct NearestTable {
    /// Each group's first member's global hash; `None` for a member with
    /// none (a group of its own).
    pub groups: Vec<Option<VisualFingerprint>>,
    /// By query feature set (as `Prepared::local`), by keypoint.
    pub nearest: Vec<Vec<Nearest>>,
}

/// A picture's first global hash, the one step 1 groups it by.
pub fn first_hash(picture: &Prepared) -> Option<VisualFingerprint> {
    picture.frames.first().map(|(_, v)| *v)
}

/// Whether two global hashes are one picture to step 1: within
/// [`FRAME_MATCH_DISTANCE`] (a mirror image allowed, as the rerank
/// compares them).
pub fn one_picture(a: &VisualFingerprint, b: &VisualFingerprint) -> bool {
    picture_distance(a, b) <= FRAME_MATCH_DISTANCE
}

impl NearestTable {
    /// Steps 1 and 2 for `query` among `candidates`.
    pub fn new(query: &Prepared, candidates: &[&Prepared]) -> NearestTable {
        let mut table = NearestTable {
            groups: Vec::new(),
            nearest: Vec::new(),
        };
        let member_of: Vec<usize> = candidates
            .iter()
            .map(|c| {
                let hash = first_hash(c);
                table.group_of(hash.as_ref()).unwrap_or_else(|| {
                    table.groups.push(hash);
                    table.groups.len() - 1
                })
            })
            .collect();
        // Each group's own descriptors as four words, side by side: the
        // loop below runs every query keypoint against every one of them.
        let mut descriptors: Vec<Vec<Words>> = vec![Vec::new(); table.groups.len()];
        for (c, &g) in candidates.iter().zip(&member_of) {
            descriptors[g].extend(own_keypoints(c).map(|r| words(&r.descriptor)));
        }
        table.nearest = query
            .local
            .iter()
            .map(|(_, _, _, q)| {
                q.keypoints
                    .iter()
                    .map(|k| nearest_group(&words(&k.descriptor), &descriptors))
                    .collect()
            })
            .collect();
        table
    }

    /// The table as records for the query's bytes: a `G` record a group
    /// (item: its index), an `N` record a feature set of `query`, the one
    /// the table was built for (at the set's time, keyed by its first
    /// keypoint's item, [`records::set_item`]).
    pub fn records(&self, query: &Prepared) -> Vec<Record> {
        let groups = self.groups.iter().enumerate().map(|(g, hash)| Record {
            time_ms: 0,
            item: g as u32,
            payload: Payload::Group(*hash),
        });
        let sets = query.local.iter().zip(&self.nearest).map(
            |(&(time_ms, mirrored, region, _), nearest)| Record {
                time_ms,
                item: records::set_item(mirrored, region),
                payload: Payload::Nearest(nearest.clone()),
            },
        );
        groups.chain(sets).collect()
    }

    /// The table a query's records carry, its sets in the order of
    /// `local` (the query's `Prepared::local`; a set without an `N` record,
    /// or whose record does not hold as many keypoints, has no rare
    /// inliers); `None` when they carry none.
    pub fn from_records(
        records: &[Record],
        local: &[(u32, bool, Option<u32>, LocalFeatures)],
    ) -> Option<NearestTable> {
        let mut groups = Vec::new();
        let mut sets: HashMap<(u32, bool, Option<u32>), &Vec<Nearest>> = HashMap::new();
        for r in records {
            match &r.payload {
                Payload::Group(hash) => groups.push((r.item, *hash)),
                Payload::Nearest(set) => {
                    let key = (
                        r.time_ms,
                        records::is_mirrored_item(r.item),
                        records::region_of(r.item),
                    );
                    sets.insert(key, set);
                }
                _ => {}
            }
        }
        if groups.is_empty() && sets.is_empty() {
            return None;
        }
        groups.sort_by_key(|&(g, _)| g);
        let nearest = local
            .iter()
            .map(|(t, m, region, features)| {
                sets.get(&(*t, *m, *region))
                    .filter(|set| set.len() == features.keypoints.len())
                    .map_or_else(Vec::new, |set| (*set).clone())
            })
            .collect();
        Some(NearestTable {
            groups: groups.into_iter().map(|(_, hash)| hash).collect(),
            nearest,
        })
    }

    /// The group of a picture whose first global hash is `hash`: the
    /// first whose first member is within [`FRAME_MATCH_DISTANCE`].
    pub fn group_of(&self, hash: Option<&VisualFingerprint>) -> Option<usize> {
        let hash = hash?;
        self.groups
            .iter()
            .position(|g| g.as_ref().is_some_and(|g| one_picture(g, hash)))
    }

    /// Step 3: how many of `inliers`, a local match of the query's feature
    /// set `set` against `answer`, are rare. An inlier whose query
    /// keypoint is not in that set counts as not rare. An answer without
    /// a global hash has no group to be found by, so its own keypoints
    /// count against it (the library's records always carry one; only a
    /// fingerprint handed in without it lacks it).
    pub fn rare_inliers(
        &self,
        query: &Prepared,
        set: usize,
        answer: &Prepared,
        inliers: &[(Keypoint, Keypoint)],
    ) -> usize {
        let own = self.group_of(first_hash(answer).as_ref());
        let (Some((_, _, _, features)), Some(nearest)) =
            (query.local.get(set), self.nearest.get(set))
        else {
            return 0;
        };
        inliers
            .iter()
            .filter(|(q, r)| {
                let Some(n) = features
                    .keypoints
                    .iter()
                    .position(|k| k == q)
                    .and_then(|k| nearest.get(k))
                else {
                    return false;
                };
                let other = if Some(n.group) == own {
                    n.next
                } else {
                    n.distance
                };
                other > hamming(&q.descriptor, &r.descriptor).saturating_add(RARE_SLACK)
            })
            .count()
    }
}

/// Step 2 for one query keypoint: the nearest of the groups (each its
/// members' own descriptors), its distance and the next group's (the
/// first group on a tie). Compiled twice, as
/// [`nearest_two`](crate::bits::nearest_two), the POPCNT one chosen once
/// a keypoint: the table of a picture query among up to 100 candidates
/// took a median 9.1 -> 4.1 ms with it (90th percentile 13.0 -> 5.8; 151
/// queries of the full evaluation, the `inlier_rarity` example; 5.5 when
/// chosen once a group, session 37).
#[multiversion(targets("x86_64+popcnt"))]
fn nearest_group(keypoint: &Words, groups: &[Vec<Words>]) -> Nearest {
    let mut nearest = Nearest {
        group: 0,
        distance: u32::MAX,
        next: u32::MAX,
    };
    for (g, group) in groups.iter().enumerate() {
        let mut d = u32::MAX;
        for r in group {
            d = d.min(word_distance(keypoint, r));
        }
        if d < nearest.distance {
            nearest = Nearest {
                group: g,
                distance: d,
                next: nearest.distance,
            };
        } else if d < nearest.next {
            nearest.next = d;
        }
    }
    nearest
}

/// A candidate's own keypoints: every feature set but mirror images and
/// a query's regions.
pub fn own_keypoints(picture: &Prepared) -> impl Iterator<Item = &Keypoint> {
    picture
        .local
        .iter()
        .filter(|(_, mirrored, region, _)| !mirrored && region.is_none())
        .flat_map(|(_, _, _, f)| &f.keypoints)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::local::LocalFeatures;
    use crate::fingerprint::visual::VisualHash;

    /// A descriptor: `bits` ones from bit `from` on.
    fn descriptor(from: usize, bits: usize) -> [u8; 32] {
        let mut d = [0u8; 32];
        for b in from..from + bits {
            d[b / 8] |= 1 << (b % 8);
        }
        d
    }

    fn keypoint(x: f32, descriptor: [u8; 32]) -> Keypoint {
        Keypoint {
            x,
            y: 10.0,
            scale: 1.0,
            angle: 0.0,
            descriptor,
        }
    }

    /// A picture of `keypoints` whose global hash is `hash` repeated.
    fn picture(hash: u8, keypoints: Vec<Keypoint>) -> Prepared {
        Prepared {
            frames: vec![(
                0,
                VisualFingerprint {
                    hash: VisualHash([hash; 32]),
                    flipped: VisualHash([hash; 32]),
                    quality: 50,
                },
            )],
            local: vec![(
                0,
                false,
                None,
                LocalFeatures {
                    width: 256,
                    height: 256,
                    keypoints,
                },
            )],
            ..Prepared::default()
        }
    }

    /// Four query keypoints, each 64 bits apart from the others.
    fn query() -> Prepared {
        picture(
            0x00,
            (0..4)
                .map(|i| keypoint(i as f32, descriptor(64 * i, 8)))
                .collect(),
        )
    }

    /// The answer: all four query keypoints at 4 bits (12 ones where the
    /// query has 8), its global hash far from a template sibling's.
    fn answer() -> Prepared {
        picture(
            0x0f,
            (0..4)
                .map(|i| keypoint(i as f32, descriptor(64 * i, 12)))
                .collect(),
        )
    }

    /// A template sibling: the first two query keypoints at 6 bits.
    fn template(hash: u8) -> Prepared {
        picture(
            hash,
            (0..2)
                .map(|i| keypoint(i as f32, descriptor(64 * i + 1, 12)))
                .collect(),
        )
    }

    /// The keypoint records of every feature set of `picture`, as a
    /// query's records hold them.
    fn keypoint_records(picture: &Prepared) -> Vec<Record> {
        let mut out = Vec::new();
        for (time_ms, mirrored, region, features) in &picture.local {
            for (k, keypoint) in features.keypoints.iter().enumerate() {
                out.push(Record {
                    time_ms: *time_ms,
                    item: records::keypoint_item(*mirrored, *region, k as u32),
                    payload: Payload::Local {
                        keypoint: *keypoint,
                        mirrored: *mirrored,
                    },
                });
            }
        }
        out
    }

    /// Each query keypoint paired with the answer's of the same place.
    fn inliers(q: &Prepared, a: &Prepared) -> Vec<(Keypoint, Keypoint)> {
        q.local[0]
            .3
            .keypoints
            .iter()
            .copied()
            .zip(a.local[0].3.keypoints.iter().copied())
            .collect()
    }

    #[test]
    fn golden_table_of_a_query_among_an_answer_and_a_template_sibling() {
        let (q, a, t) = (query(), answer(), template(0xf0));
        let table = NearestTable::new(&q, &[&a, &t]);
        // Two groups: the hashes 0x0f.. and 0xf0.. differ in every bit.
        assert_eq!(table.groups.len(), 2);
        let row: Vec<(usize, u32, u32)> = table.nearest[0]
            .iter()
            .map(|n| (n.group, n.distance, n.next))
            .collect();
        // Keypoints 0 and 1: the answer at 4 bits, the sibling at 6
        // (12 ones from bit 64i + 1 against 8 from 64i: 1 + 5); 2 and 3:
        // the answer at 4, the sibling's nearest at 20 (no bit shared).
        assert_eq!(row, vec![(0, 4, 6), (0, 4, 6), (0, 4, 20), (0, 4, 20)]);
        // Keypoints the sibling holds within 4 + 8 bits are common.
        assert_eq!(table.rare_inliers(&q, 0, &a, &inliers(&q, &a)), 2);
        // Without the sibling every inlier is rare.
        let alone = NearestTable::new(&q, &[&a]);
        assert_eq!(alone.rare_inliers(&q, 0, &a, &inliers(&q, &a)), 4);
    }

    #[test]
    fn a_picture_stored_twice_keeps_its_rare_inliers() {
        let (q, a) = (query(), answer());
        // The twin: the same global hash but for 3 bits, and one keypoint
        // nearer to the query than the answer's own.
        let mut twin = answer();
        twin.frames[0].1.hash.0[0] ^= 0b111;
        twin.local[0].3.keypoints[2].descriptor = descriptor(128, 9);
        let table = NearestTable::new(&q, &[&a, &twin]);
        assert_eq!(table.groups.len(), 1);
        assert_eq!(table.nearest[0][2].distance, 1);
        assert_eq!(table.rare_inliers(&q, 0, &a, &inliers(&q, &a)), 4);
        // Counted as two items, the twin makes every inlier common.
        let mut apart = twin.clone();
        apart.frames[0].1.hash = VisualHash([0x55; 32]);
        let table = NearestTable::new(&q, &[&a, &apart]);
        assert_eq!(table.rare_inliers(&q, 0, &a, &inliers(&q, &a)), 0);
    }

    #[test]
    fn the_table_travels_in_the_querys_records() {
        let (q, a, t) = (query(), answer(), template(0xf0));
        let table = NearestTable::new(&q, &[&a, &t]);
        let carried = table.records(&q);
        let kinds: Vec<&str> = carried.iter().map(Record::kind).collect();
        assert_eq!(kinds, ["group", "group", "nearest"]);
        // The query's own records and the table's, through bytes, as the
        // rerank reads its query.
        let (_, v) = q.frames[0];
        let mut records = vec![Record {
            time_ms: 0,
            item: 0,
            payload: Payload::Visual(v),
        }];
        records.extend(keypoint_records(&q));
        let bare = Prepared::new(&records);
        assert_eq!(bare.local[0].3.keypoints, q.local[0].3.keypoints);
        assert_eq!(bare.rarity, None);
        records.extend(carried);
        let bytes = records::pack(&records);
        let read = Prepared::new(&records::decode(&bytes).expect("records"));
        assert_eq!(read.rarity.as_ref(), Some(&table));
        assert_eq!(
            read.rarity
                .expect("a table")
                .rare_inliers(&q, 0, &a, &inliers(&q, &a)),
            2
        );
        // A set whose record holds another number of keypoints has none.
        let mut short = table.records(&q);
        let Payload::Nearest(set) = &mut short[2].payload else {
            panic!("{short:?}");
        };
        set.pop();
        let read = NearestTable::from_records(&short, &q.local).expect("a table");
        assert_eq!(read.nearest, vec![Vec::new()]);
        assert_eq!(read.rare_inliers(&q, 0, &a, &inliers(&q, &a)), 0);
    }

    #[test]
    fn every_kind_of_feature_set_keeps_its_row_through_the_records() {
        let (q, a, t) = (query(), answer(), template(0xf0));
        // The query's picture, its mirror image and two regions, each of
        // other keypoints (descriptors from another bit on), at time 0;
        // and a second frame's picture at 2 s.
        let mut query = q.clone();
        let set = |from: usize| LocalFeatures {
            width: 256,
            height: 256,
            keypoints: (0..3)
                .map(|i| keypoint(i as f32, descriptor(from + 64 * i, 10)))
                .collect(),
        };
        query.local.push((0, true, None, set(2)));
        query.local.push((0, false, Some(0), set(4)));
        query.local.push((0, false, Some(3), set(6)));
        query.local.push((2_000, false, None, set(8)));
        let table = NearestTable::new(&query, &[&a, &t]);
        let mut records = keypoint_records(&query);
        records.extend(table.records(&query));
        let read = Prepared::new(&records::decode(&records::pack(&records)).expect("records"));
        // The sets come back in `Prepared`'s order, each with its row.
        assert_eq!(read.local.len(), 5);
        let back = read.rarity.as_ref().expect("a table");
        for (i, (t_ms, mirrored, region, features)) in read.local.iter().enumerate() {
            let at = query
                .local
                .iter()
                .position(|(t, m, r, _)| (t, m, r) == (t_ms, mirrored, region))
                .expect("the same set");
            assert_eq!(back.nearest[i], table.nearest[at], "set {i}");
            assert_eq!(back.nearest[i].len(), features.keypoints.len());
        }
    }

    #[test]
    fn an_inlier_of_another_feature_set_or_keypoint_is_not_rare() {
        let (q, a) = (query(), answer());
        let table = NearestTable::new(&q, &[&a]);
        let stranger = (
            keypoint(99.0, descriptor(200, 8)),
            a.local[0].3.keypoints[0],
        );
        assert_eq!(table.rare_inliers(&q, 0, &a, &[stranger]), 0);
        assert_eq!(table.rare_inliers(&q, 1, &a, &inliers(&q, &a)), 0);
        // No candidates: no groups, every distance unknown.
        let empty = NearestTable::new(&q, &[]);
        assert!(empty.groups.is_empty());
        assert_eq!(
            empty.nearest[0][0],
            Nearest {
                group: 0,
                distance: u32::MAX,
                next: u32::MAX
            }
        );
    }
}
