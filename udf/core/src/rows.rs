//! The rows the UDFs exchange with ClickHouse (and the sidecar with its
//! callers), and the two kinds of work behind them: an [`Extractor`]
//! (media reference in, fingerprint rows out: done with the decoder in
//! `clickprint-media`, or by a sidecar through `clickprint-flight`'s
//! client) and a [`Ranker`] (query and candidate in, score and ranges out:
//! [`Reranker`] here, pure, or a sidecar). The row protocols in
//! `clickprint-udf` and the Arrow batches in `clickprint-flight` are
//! written over these types, so every way of doing the work gives the same
//! answers.

use std::collections::BTreeMap;

use crate::answers::Probe;
use crate::cues::Cue;
use crate::error::{Error, Result};
pub use crate::matching::rerank::MatchSegment;
use crate::matching::rerank::{self, Prepared};
use crate::media::{Kind, MediaFingerprint};
use crate::records::{self, Payload, Record, Use};

/// Rows handed over at a time by an extraction.
pub const EXTRACT_BATCH: usize = 4096;

/// Keypoints per query picture whose keys are looked up, taken from the
/// pyramid's levels in turn, each level's strongest first ([`looked_up`]),
/// and of its mirror image. Every lookup key reads at least one granule of
/// fp_keys, so a query's reads grow with its keys, while a copy needs only
/// a few shared keys to become a candidate; the rerank then compares all
/// keypoints. Measured: see sql/README.md, "Reads". With 16 (and 16 of the
/// mirror, 12 of a region) the evaluation's corpora kept every candidate,
/// but a 10% crop of a blurred board of the tests' library had no key hit
/// at all; 24 finds it (udf/README.md, "Which keypoints a query looks up").
pub const QUERY_KEYPOINTS: u32 = 24;
/// As [`QUERY_KEYPOINTS`], for the mirror image. A flip alone is found by
/// the global hash's mirror bands, but a cropped flipped copy only by these
/// keys: with 12 of the finest level's strongest (before session 19), the
/// quick evaluation's `crop_flip_brightness_jpeg` missed a copy whose
/// mirror features verify with 37 inliers; 12 taken from every level in
/// turn make every such copy of both evaluations' corpora a candidate
/// (24 from session 19 to 22; udf/README.md, "The mirror").
pub const QUERY_MIRRORED_KEYPOINTS: u32 = 12;
/// As [`QUERY_KEYPOINTS`], for each region of a query picture (a found
/// inset, the centre band: `fingerprint::regions`); 16 before session 22.
pub const QUERY_REGION_KEYPOINTS: u32 = 12;

/// How many keypoints of each kind of feature set a query looks up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LookupBudget {
    /// Of a picture's or frame's own keypoints.
    pub whole: u32,
    /// Of its mirror image's.
    pub mirror: u32,
    /// Of each query region's.
    pub region: u32,
}

/// The search's budget.
pub const QUERY_LOOKUP: LookupBudget = LookupBudget {
    whole: QUERY_KEYPOINTS,
    mirror: QUERY_MIRRORED_KEYPOINTS,
    region: QUERY_REGION_KEYPOINTS,
};

/// One row of an extraction: a fingerprint record and its lookup keys,
/// or a cue of dialogue ([`Extracted::cue`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// `visual`, `local`, `profile`, `audio`, or `cue`.
    pub kind: String,
    /// Time in the media, ms.
    pub time_ms: u32,
    /// Tells records at the same time apart.
    pub item: u32,
    /// The record, self-contained ([`records`]).
    pub record: Vec<u8>,
    /// Its lookup keys, (band, key).
    pub keys: Vec<(u8, u32)>,
}

impl Extracted {
    /// The row of `record`, with the keys of `usage`.
    pub fn of(record: &Record, usage: Use) -> Extracted {
        Extracted {
            kind: record.kind().to_owned(),
            time_ms: record.time_ms,
            item: record.item,
            record: record.to_bytes(),
            keys: record
                .keys(usage)
                .into_iter()
                .map(|k| (k.band, k.key))
                .collect(),
        }
    }

    /// The row of a subtitle cue, the `number`th of its media item (from
    /// 1): kind `cue`, `time_ms` its start, `item` its number, the record
    /// [`Cue::record`] (end, language, text), no lookup keys. A plug-in
    /// extractor declared with `outputs = ["cues"]` (the dialogue
    /// extractor) emits them; `fp_extractor_cues_mv`
    /// (`sql/clickhouse/schema.sql`) routes them to `clickprint.fp_cues`.
    pub fn cue(cue: &Cue, number: u32) -> Extracted {
        Extracted {
            kind: "cue".to_owned(),
            time_ms: cue.start_ms,
            item: number,
            record: cue.record(),
            keys: Vec::new(),
        }
    }
}

/// Every row a library item stores: its fingerprint records with their
/// keys (for `usage`). Its cues are no longer ours: the dialogue
/// extractor, a plug-in of its own, emits them ([`cue_rows`]).
pub fn extracted(fp: &MediaFingerprint, usage: Use) -> Vec<Extracted> {
    let records = records::records(fp, usage);
    records.iter().map(|r| Extracted::of(r, usage)).collect()
}

/// The `cue` rows of an item's cues, numbered from 1 in the order given
/// (`udf/README.md`, "Cue rows"): what the dialogue extractor answers.
pub fn cue_rows(cues: &[Cue]) -> Vec<Extracted> {
    cues.iter()
        .zip(1u32..)
        .map(|(cue, number)| Extracted::cue(cue, number))
        .collect()
}

/// `clickprint_query`'s answer for one source: what a search needs of its
/// query, from its one decode (the service checks the modality and the
/// length on it, with no probe of its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryAnswer {
    /// The keys looked up, (band, key, time_ms).
    pub keys: Vec<(u8, u32, u32)>,
    /// The packed query fingerprint the rerank compares.
    pub fingerprint: Vec<u8>,
    /// Image, audio or video (`image`, `audio`, `video` on the wire).
    pub modality: Kind,
    /// Declared duration, or decoded when longer, ms (0 for a picture).
    pub duration_ms: u64,
    /// Picture width (0 without pictures, or unknown: see
    /// [`QueryAnswer::of_packed`]).
    pub width: u32,
    /// Picture height, as `width`.
    pub height: u32,
    /// The SHA-256 of the query's bytes in lowercase hex: the content a
    /// reviewer's decisions name (`clickprint.match_decisions`). For
    /// `fp:HEX:SHA256` the SHA-256 given; empty for a bare `fp:HEX`, whose
    /// content is unknown.
    pub sha256: String,
}

impl QueryAnswer {
    /// The answer for a decoded query: the keys of its records that are
    /// looked up, all its records packed, and what was decoded.
    pub fn of(fp: &MediaFingerprint) -> QueryAnswer {
        // What `clickprint-udf probe` says of the same media.
        let probe = Probe::of(&fp.info);
        QueryAnswer {
            modality: probe.modality,
            duration_ms: length(probe.modality, probe.duration_ms),
            width: probe.width,
            height: probe.height,
            ..QueryAnswer::of_records(&records::records(fp, Use::Query))
        }
    }

    /// The answer for `fp:HEX` or `fp:HEX:SHA256` (`packed` is what
    /// follows `fp:`): a packed fingerprint made elsewhere, and the
    /// SHA-256 of the content it was made from when the caller knows it
    /// (the service's `search_query` carries it, so a search by
    /// fingerprint still honours decisions about that content). Its media
    /// is known from the records only ([`QueryAnswer::of_records`]).
    ///
    /// # Errors
    /// [`Error::Input`] for malformed hex, a malformed fingerprint or a
    /// SHA-256 that is not 64 hex digits.
    pub fn of_packed(packed: &str) -> Result<QueryAnswer> {
        let (hex, sha256) = packed.trim().split_once(':').unwrap_or((packed, ""));
        let bytes = crate::bits::unhex(hex, "packed fingerprint")?;
        if !sha256.is_empty()
            && (sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(Error::Input(
                "query fingerprint: the SHA-256 after `fp:HEX:` is 64 hex digits".into(),
            ));
        }
        let mut records =
            records::decode(&bytes).map_err(|e| Error::Input(format!("query fingerprint: {e}")))?;
        // A rare-inlier table another search built (a query's bytes as a
        // rerank got them) is not the query's: the search builds its own
        // over its own candidates, and two tables in one query would mix.
        records.retain(|r| !r.is_search_table());
        Ok(QueryAnswer {
            sha256: sha256.to_ascii_lowercase(),
            ..QueryAnswer::of_records(&records)
        })
    }

    /// The answer for a query's records alone: the modality read from them
    /// (sound only is audio; one picture record and no sound an image;
    /// anything else video), the duration up to the last record's time,
    /// the picture's size unknown (0).
    pub fn of_records(records: &[Record]) -> QueryAnswer {
        let keys = records
            .iter()
            .zip(looked_up(records, &QUERY_LOOKUP))
            .filter(|(_, looked)| *looked)
            .flat_map(|(r, _)| {
                r.keys(Use::Query)
                    .into_iter()
                    .map(|k| (k.band, k.key, r.time_ms))
            })
            .collect();
        let pictures = records
            .iter()
            .filter(|r| {
                matches!(r.payload, Payload::Visual(_)) && records::region_of(r.item).is_none()
            })
            .count();
        let sound = records
            .iter()
            .any(|r| matches!(r.payload, Payload::Audio(_)));
        let modality = match (pictures, sound) {
            (0, _) => Kind::Audio,
            (1, false) => Kind::Image,
            _ => Kind::Video,
        };
        let last = records.iter().map(|r| r.time_ms).max().unwrap_or(0);
        QueryAnswer {
            keys,
            fingerprint: records::pack(records),
            modality,
            duration_ms: length(modality, u64::from(last)),
            width: 0,
            height: 0,
            sha256: String::new(),
        }
    }
}

/// A query's length as its answer gives it: 0 for a picture, whatever its
/// container declares.
fn length(modality: Kind, ms: u64) -> u64 {
    if modality == Kind::Image { 0 } else { ms }
}

/// Which of a query's records have their keys looked up: every record but
/// keypoints and a second profile of one axis, and of each feature set's keypoints (a time's whole picture,
/// its mirror image, each region) its `budget` (the search's:
/// [`QUERY_LOOKUP`]) taken from
/// the pyramid's levels in turn: each level's strongest, then each
/// level's second, and so on (a level with too few leaves its turns to the
/// others).
///
/// Why every level: a copy at another scale matches its original on other
/// levels. A 30% crop brought back to the working size is 1.43x larger, so
/// its finest level has no counterpart in the original at all (the
/// original's finest level is coarser), while its two coarsest levels are
/// within 1.1x of the original's two finest. With the 24 strongest of the
/// finest level only, the crops of a texture looked up keys their original
/// did not hold, and at 1,013 references 41 of the full evaluation's 338
/// copies were not among the search's candidates; the same 24 keypoints
/// taken level by level left 28 (`udf/media/examples/candidate_keys.rs`,
/// udf/README.md, "Which keypoints a query looks up").
pub fn looked_up(records: &[Record], budget: &LookupBudget) -> Vec<bool> {
    let mut chosen = vec![true; records.len()];
    // A feature set's keypoints, as record indices in the set's order
    // (levels from the finest, each level's strongest first).
    let mut sets: BTreeMap<(u32, bool, Option<u32>), Vec<usize>> = BTreeMap::new();
    let mut profile_axes = Vec::new();
    for (i, r) in records.iter().enumerate() {
        match &r.payload {
            Payload::Local { mirrored, .. } => {
                chosen[i] = false;
                sets.entry((r.time_ms, *mirrored, records::region_of(r.item)))
                    .or_default()
                    .push(i);
            }
            // One profile an axis, as the rerank takes.
            Payload::Profile(p) if profile_axes.contains(&p.axis) => chosen[i] = false,
            Payload::Profile(p) => profile_axes.push(p.axis),
            _ => {}
        }
    }
    for ((_, mirrored, region), mut set) in sets {
        let budget = match (mirrored, region) {
            (true, _) => budget.mirror,
            (false, None) => budget.whole,
            (false, Some(_)) => budget.region,
        } as usize;
        set.sort_by_key(|&i| records[i].item);
        // The set's levels, by scale, each in the set's order.
        let mut levels: Vec<(f32, Vec<usize>)> = Vec::new();
        for i in set {
            let Payload::Local { keypoint, .. } = records[i].payload else {
                continue;
            };
            match levels
                .iter_mut()
                .find(|(scale, _)| *scale == keypoint.scale)
            {
                Some((_, level)) => level.push(i),
                None => levels.push((keypoint.scale, vec![i])),
            }
        }
        let mut taken = 0;
        for depth in 0.. {
            let mut any = false;
            for (_, level) in &levels {
                if let Some(&i) = level.get(depth)
                    && taken < budget
                {
                    chosen[i] = true;
                    taken += 1;
                    any = true;
                }
            }
            if !any {
                break;
            }
        }
    }
    chosen
}

/// One candidate `clickprint_rerank` compares with the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The packed query fingerprint.
    pub query: Vec<u8>,
    /// The candidate's records, concatenated.
    pub reference: Vec<u8>,
    /// The candidate's landmark rows the key lookup found, (key, time_ms).
    pub audio_hits: Vec<(u32, u32)>,
}

/// `clickprint_rerank`'s answer for one candidate: score 0 and empty
/// evidence when it does not match.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// 0..=1.
    pub score: f32,
    /// Matched span of the query, ms.
    pub query_range: (u32, u32),
    /// The same span in the reference, ms.
    pub reference_range: (u32, u32),
    /// `audio`, `visual`, `local`, `profile`, or empty.
    pub evidence: String,
    /// Reference seconds per query second (1 when not measured, 0 for no
    /// match).
    pub speed: f32,
    /// Every segment of the match in query order (the ranges and speed
    /// above are the best one's); empty for pictures and for no match.
    pub segments: Vec<MatchSegment>,
    /// Where in the query's pixels the winning evidence is (x, y, width,
    /// height: [`Verdict::query_box`](rerank::Verdict::query_box)); all 0
    /// for none (sound, no match).
    pub query_box: (u32, u32, u32, u32),
}

impl From<Option<rerank::Verdict>> for Ranked {
    fn from(verdict: Option<rerank::Verdict>) -> Ranked {
        match verdict {
            Some(v) => Ranked {
                score: v.score,
                query_range: v.query_range,
                reference_range: v.reference_range,
                evidence: v.evidence.as_str().to_owned(),
                speed: v.speed,
                segments: v.segments,
                query_box: v.query_box.map_or((0, 0, 0, 0), |b| {
                    (
                        u32::from(b.x),
                        u32::from(b.y),
                        u32::from(b.width),
                        u32::from(b.height),
                    )
                }),
            },
            None => Ranked {
                score: 0.0,
                query_range: (0, 0),
                reference_range: (0, 0),
                evidence: String::new(),
                speed: 0.0,
                segments: Vec::new(),
                query_box: (0, 0, 0, 0),
            },
        }
    }
}

/// What extracts fingerprints: media references in, rows out.
pub trait Extractor {
    /// The rows of one media reference, handed over in batches as they are
    /// made.
    ///
    /// # Errors
    /// Undecodable or unreachable media; a failing `rows`.
    fn extract(
        &mut self,
        source: &str,
        usage: Use,
        rows: &mut dyn FnMut(Vec<Extracted>) -> Result<()>,
    ) -> Result<()>;

    /// One answer per source (a media reference, or `fp:` and a packed
    /// fingerprint in hex), in order.
    ///
    /// # Errors
    /// Undecodable or unreachable media; malformed hex or fingerprint.
    fn query(&mut self, sources: Vec<String>) -> Result<Vec<QueryAnswer>>;
}

/// What reranks candidates: [`Reranker`], or a sidecar.
pub trait Ranker {
    /// One answer per candidate, in order.
    ///
    /// # Errors
    /// A malformed fingerprint.
    fn rerank(&mut self, candidates: Vec<Candidate>) -> Result<Vec<Ranked>>;
}

/// Reranks candidates here, decoding each distinct query once (every row
/// of a search carries the same query).
#[derive(Debug, Default)]
pub struct Reranker {
    last_query: Option<(Vec<u8>, Prepared)>,
}

impl Ranker for Reranker {
    fn rerank(&mut self, candidates: Vec<Candidate>) -> Result<Vec<Ranked>> {
        candidates.iter().map(|c| self.rank(c)).collect()
    }
}

impl Reranker {
    /// The verdict for one candidate.
    ///
    /// # Errors
    /// [`Error::Input`] for a malformed fingerprint.
    pub fn rank(&mut self, candidate: &Candidate) -> Result<Ranked> {
        if self
            .last_query
            .as_ref()
            .is_none_or(|(bytes, _)| *bytes != candidate.query)
        {
            let prepared = Prepared::new(&decode(&candidate.query, "query")?);
            self.last_query = Some((candidate.query.clone(), prepared));
        }
        let Some((_, prepared_query)) = &self.last_query else {
            unreachable!("set above");
        };
        let reference = Prepared::new(&decode(&candidate.reference, "reference")?);
        Ok(rerank::rerank(prepared_query, &reference, &candidate.audio_hits).into())
    }
}

/// `clickprint_nearest`'s work: the rare-inlier table
/// ([`rarity::NearestTable`](crate::matching::rarity::NearestTable)) of a
/// query among the search's candidates (each one's records, concatenated,
/// as `clickprint_rerank` gets them), packed as the records the search
/// appends to the query's bytes. Empty for a query that is not one
/// picture with local features (the rule is measured on pictures only).
///
/// # Errors
/// [`Error::Input`] for a malformed fingerprint, or more candidates than
/// [`MAX_CANDIDATES`](crate::matching::rarity::MAX_CANDIDATES).
pub fn nearest(query: &[u8], candidates: &[Vec<u8>]) -> Result<Vec<u8>> {
    use crate::matching::rarity::{MAX_CANDIDATES, NearestTable};
    if candidates.len() > MAX_CANDIDATES {
        return Err(Error::Input(format!(
            "{} candidates for a rare-inlier table, at most {MAX_CANDIDATES}",
            candidates.len()
        )));
    }
    let query = Prepared::new(&decode(query, "query")?);
    if !query.is_one_picture() || query.local.is_empty() {
        return Ok(Vec::new());
    }
    let candidates = candidates
        .iter()
        .map(|c| Ok(Prepared::new(&decode(c, "candidate")?)))
        .collect::<Result<Vec<Prepared>>>()?;
    let candidates: Vec<&Prepared> = candidates.iter().collect();
    let table = NearestTable::new(&query, &candidates);
    Ok(records::pack(&table.records(&query)))
}

fn decode(bytes: &[u8], what: &str) -> Result<Vec<Record>> {
    records::decode(bytes).map_err(|e| Error::Input(format!("{what} fingerprint: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_query_sheds_a_table_another_search_built() {
        use crate::matching::rarity::Nearest;
        let picture = records::sample_picture();
        let table = [
            Record {
                time_ms: 0,
                item: 0,
                payload: Payload::Group(None),
            },
            Record {
                time_ms: 0,
                item: 1,
                payload: Payload::Nearest(vec![Nearest {
                    group: 0,
                    distance: 3,
                    next: 9,
                }]),
            },
        ];
        let mut carried = vec![picture.clone()];
        carried.extend(table);
        let answer = QueryAnswer::of_packed(&crate::bits::hex(&records::pack(&carried))).unwrap();
        assert_eq!(answer.fingerprint, records::pack(&[picture]));
    }

    #[test]
    fn a_packed_query_gives_keys_and_reranks_as_itself() {
        let picture = records::sample_picture();
        let packed = records::pack(&[picture]);
        let answer = QueryAnswer::of_packed(&crate::bits::hex(&packed)).unwrap();
        assert_eq!(answer.fingerprint, packed);
        assert_eq!(answer.keys.len(), 2 * 16, "own bands and mirror bands");
        let ranked = Reranker::default()
            .rank(&Candidate {
                query: packed.clone(),
                reference: packed.clone(),
                audio_hits: Vec::new(),
            })
            .unwrap();
        assert!((ranked.score - 1.0).abs() < 1e-6, "{ranked:?}");
        assert_eq!(ranked.evidence, "visual");
        assert_eq!(answer.sha256, "", "a bare fingerprint names no content");
        let sha = "AB".repeat(32);
        let named =
            QueryAnswer::of_packed(&format!("{}:{sha}", crate::bits::hex(&packed))).unwrap();
        assert_eq!((named.sha256, named.keys), ("ab".repeat(32), answer.keys));
        let bad = QueryAnswer::of_packed("zz").unwrap_err().to_string();
        assert_eq!(bad, "packed fingerprint: not hex at 0");
        for sha in ["ab", &"zz".repeat(32)] {
            let bad = QueryAnswer::of_packed(&format!("{}:{sha}", crate::bits::hex(&packed)));
            assert!(bad.unwrap_err().to_string().contains("64 hex digits"));
        }
        let bad = Reranker::default().rank(&Candidate {
            query: b"Q".to_vec(),
            reference: Vec::new(),
            audio_hits: Vec::new(),
        });
        assert!(matches!(bad, Err(Error::Input(_))), "{bad:?}");
    }

    /// A fingerprint made elsewhere (`fp:`) says what its media is by its
    /// records: sound only, one picture, or pictures over time.
    #[test]
    fn a_packed_querys_modality_and_length_come_from_its_records() {
        let picture = records::sample_picture();
        let sound = |time_ms: u32| Record {
            time_ms,
            item: 0,
            payload: Payload::Audio(7),
        };
        let of = |records: &[Record]| QueryAnswer::of_records(records);
        let image = of(std::slice::from_ref(&picture));
        assert_eq!((image.modality, image.duration_ms), (Kind::Image, 0));
        let audio = of(&[sound(0), sound(9_500)]);
        assert_eq!((audio.modality, audio.duration_ms), (Kind::Audio, 9_500));
        let later = Record {
            time_ms: 4_000,
            ..picture.clone()
        };
        let video = of(&[picture.clone(), later]);
        assert_eq!((video.modality, video.duration_ms), (Kind::Video, 4_000));
        let with_sound = of(&[picture, sound(2_000)]);
        assert_eq!(with_sound.modality, Kind::Video, "a picture with sound");
        assert_eq!((image.width, image.height), (0, 0), "unknown");
    }

    /// A keypoint record at time 0 on the level of `scale`, its descriptor
    /// its item's low byte.
    /// A second profile of one axis (a handed-in fingerprint's) looks up
    /// no keys; the first of each axis does.
    #[test]
    fn one_profile_an_axis_is_looked_up() {
        use crate::fingerprint::profile::Axis;
        let records =
            records::sample_profiles(&[Axis::Rows, Axis::Rows, Axis::Columns, Axis::Rows]);
        assert_eq!(
            looked_up(&records, &QUERY_LOOKUP),
            [true, false, true, false]
        );
    }

    fn keypoint_record(item: u32, scale: f32, mirrored: bool) -> Record {
        Record {
            time_ms: 0,
            item,
            payload: Payload::Local {
                keypoint: crate::fingerprint::local::Keypoint {
                    x: 1.0,
                    y: 1.0,
                    scale,
                    angle: 0.0,
                    descriptor: [item as u8; 32],
                },
                mirrored,
            },
        }
    }

    /// A query's keypoints are looked up level by level in turn, each
    /// level's strongest first; a level with too few leaves its turns to
    /// the others, and the mirror image has a budget of its own.
    #[test]
    fn looked_up_keypoints_are_taken_from_every_level_in_turn() {
        use crate::fingerprint::local::SCALE_STEP;
        // Levels of 30, 20, 12 and 2 keypoints, in the extraction's
        // order; the mirror image the same.
        let sizes = [30u32, 20, 12, 2];
        let mut records = Vec::new();
        for mirrored in [false, true] {
            let mut item = if mirrored {
                records::MIRRORED_ITEM_BASE
            } else {
                0
            };
            for (level, &n) in sizes.iter().enumerate() {
                for _ in 0..n {
                    item += 1;
                    records.push(keypoint_record(
                        item,
                        SCALE_STEP.powi(level as i32),
                        mirrored,
                    ));
                }
            }
        }
        let chosen = looked_up(&records, &QUERY_LOOKUP);
        for mirrored in [false, true] {
            let base = if mirrored {
                records::MIRRORED_ITEM_BASE
            } else {
                0
            };
            let taken: Vec<u32> = records
                .iter()
                .zip(&chosen)
                .filter(|(r, c)| **c && (r.item > records::MIRRORED_ITEM_BASE) == mirrored)
                .map(|(r, _)| r.item - base)
                .collect();
            // 4 a round while the last level lasts (2 rounds), then 3 a
            // round: the picture's 24 end with the finest level's 8th, the
            // mirror's 12 with its 4th.
            let expected: Vec<u32> = if mirrored {
                (1..=4)
                    .chain(31..=33)
                    .chain(51..=53)
                    .chain(63..=64)
                    .collect()
            } else {
                (1..=8)
                    .chain(31..=37)
                    .chain(51..=57)
                    .chain(63..=64)
                    .collect()
            };
            assert_eq!(taken, expected, "mirrored: {mirrored}");
        }
        assert_eq!(QUERY_KEYPOINTS, 24);
        assert_eq!(QUERY_MIRRORED_KEYPOINTS, 12);
    }

    /// Regression: a region's keypoints (items from
    /// `records::REGION_ITEM_BASE`) must reach the search's key lookup, or
    /// an inset found on the query side is never a candidate.
    #[test]
    fn the_strongest_keypoints_of_each_region_are_looked_up() {
        let keypoint = |item: u32| keypoint_record(item, 1.0, false);
        let items: Vec<u32> = (1..=40)
            .chain((1..=40).map(|k| records::REGION_ITEM_BASE + k))
            .chain((1..=40).map(|k| records::REGION_ITEM_BASE + records::REGION_ITEMS + k))
            .collect();
        let records: Vec<Record> = items.iter().map(|&i| keypoint(i)).collect();
        let looked: Vec<u32> = records
            .iter()
            .zip(looked_up(&records, &QUERY_LOOKUP))
            .filter(|(_, looked)| *looked)
            .map(|(r, _)| r.item)
            .collect();
        let expected: Vec<u32> = (1..=QUERY_KEYPOINTS)
            .chain((1..=QUERY_REGION_KEYPOINTS).map(|k| records::REGION_ITEM_BASE + k))
            .chain(
                (1..=QUERY_REGION_KEYPOINTS)
                    .map(|k| records::REGION_ITEM_BASE + records::REGION_ITEMS + k),
            )
            .collect();
        assert_eq!(looked, expected);
        let answer = QueryAnswer::of_records(&records);
        assert_eq!(
            answer.keys.len(),
            crate::keys::LOCAL_BANDS * expected.len(),
            "eight bands per looked-up keypoint"
        );
    }
}
