//! The precise rerank: one query against one candidate reference, from
//! their fingerprint records, to a score and aligned time ranges. This is
//! what the `clickprint_rerank` UDF runs for each of the search's top
//! candidates.
//!
//! - Audio: query landmarks joined with the reference's (or with the
//!   landmark hits the key lookup found) by hash, offset voting
//!   ([`align`], 10 agreeing landmarks at least). Beside them the
//!   speed-invariant triplet keys (hashes with [`TRIPLET_FLAG`]), joined
//!   the same way and aligned with a time factor ([`align_scaled`],
//!   [`MIN_TRIPLET_HITS`] at least). The one that explains more of the
//!   query decides (4x the share of the query's landmarks or triplets
//!   that agree, capped at 1; landmarks on a tie: at the original speed
//!   they pin the offset best), and a triplet verdict carries the fitted
//!   speed. Score: calibrated on the alignment's significance
//!   ([`audio_significance`]: how many chance alignments as good the
//!   query's and the reference's hits would give), 0.3 at
//!   [`MIN_AUDIO_SIGNIFICANCE`], 1 at [`FULL_AUDIO_SIGNIFICANCE`]; a
//!   share of the query's keys would put a copy under a loud voice-over
//!   or a pitch shift (whose speech or moved peaks make keys that match
//!   nothing) under the threshold however sure the match.
//! - Pictures, one query picture: the best reference frame by global hash
//!   (within [`FRAME_MATCH_DISTANCE`], score `1 - d/41`) or by the local
//!   features' geometric check, of the whole query picture, its mirror
//!   image and its regions (a found inset, the centre band); the score is
//!   calibrated on the check's significance
//!   ([`LocalMatch::score`](super::local::LocalMatch::score): 0.3 where
//!   chance would give [`MIN_SIGNIFICANCE`](super::local::MIN_SIGNIFICANCE)
//!   false alarms' `-log10`, capped at 1); when the query carries the
//!   search's rare-inlier table ([`rarity`](super::rarity)), a local match
//!   counts only on [`MIN_RARE_INLIERS`] inliers no other candidate could
//!   give as well. A global match wins (it pins
//!   the frame time best); among local matches, the frame with the most
//!   significant one.
//!   A picture that varies one way is also judged by its 1-D profile
//!   ([`profile::correlation`],
//!   scored by [`profile_score`]: 0.3 at
//!   [`MATCH_CORRELATION`](crate::fingerprint::profile::MATCH_CORRELATION);
//!   evidence `profile`, the whole query its box); that verdict wins only
//!   over one under the threshold, as the local features' over the global
//!   hash's ([`local_wins`]).
//!   A soft picture is also judged by its layout ([`layout::Prepared::correlation`],
//!   scored by [`layout_score`]: 0.3 at
//!   [`MATCH_CORRELATION`](crate::fingerprint::layout::MATCH_CORRELATION);
//!   evidence `layout`, the whole query its box), on the same terms, and
//!   only looked at when nothing else reached the threshold (it is the
//!   dearest).
//! - Video queries: frame hits (global hash) aligned by offset voting in
//!   500 ms bins, 3 agreeing frames at least; when the global hash finds
//!   nothing (crops, picture-in-picture), local-feature hits in 1 s bins.
//!   Score: the agreeing weight over the query's frames, capped at 1.
//!
//! The better of the audio and the visual verdict is the answer.
//!
//! A verdict lists every segment the alignment found (a compilation that
//! uses the reference twice has two), each scored like the whole but on
//! the query's elements inside its own query range: a segment's
//! significance over the hits there (audio) or its weight over the
//! query's frames there. The
//! top-level ranges and speed are the best segment's; one query picture
//! has no segments.

use std::collections::HashMap;

use super::align::{Alignment, Hit, Segment, align, align_scaled};
use super::local::{CHECKS, calibrated, verify_with_inliers};
use super::rarity::{MIN_RARE_INLIERS, NearestTable};
use crate::fingerprint::audio::{MS_PER_COLUMN, TRIPLET_FLAG};
use crate::fingerprint::layout;
use crate::fingerprint::local::{Keypoint, LocalFeatures};
use crate::fingerprint::profile::{self, Profile};
use crate::fingerprint::visual::{MIN_KEY_QUALITY, VisualFingerprint};
use crate::records::{self, Payload, QueryBox, Record};

/// Frames at most this far apart (bits, mirror allowed) are a frame match.
pub const FRAME_MATCH_DISTANCE: u32 = 40;
/// Agreeing landmarks an audio match needs.
pub const MIN_AUDIO_HITS: usize = 10;
/// Agreeing triplets a speed-invariant audio match needs. Two degrees of
/// freedom (offset and speed) let chance hits line up more easily than
/// on an offset alone.
pub const MIN_TRIPLET_HITS: usize = 12;
/// Agreeing frames a video match needs.
pub const MIN_FRAME_HITS: usize = 3;

/// Which fingerprint decided a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// Audio landmarks.
    Audio,
    /// Global picture hashes.
    Visual,
    /// Local features (keypoints).
    Local,
    /// A picture's 1-D profile ([`crate::fingerprint::profile`]).
    Profile,
    /// A picture's layout ([`crate::fingerprint::layout`]).
    Layout,
}

impl Evidence {
    /// `audio`, `visual`, `local`, `profile` or `layout`.
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Audio => "audio",
            Evidence::Visual => "visual",
            Evidence::Local => "local",
            Evidence::Profile => "profile",
            Evidence::Layout => "layout",
        }
    }
}

/// One stretch of the query copied from one stretch of the reference.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MatchSegment {
    /// The stretch of the query, ms.
    pub query_range: (u32, u32),
    /// Where it is in the reference, ms.
    pub reference_range: (u32, u32),
    /// Reference seconds per query second.
    pub speed: f32,
    /// 0..=1, as the match's score but on the query's elements inside
    /// `query_range`.
    pub score: f32,
}

/// The rerank's answer for one reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// 0..=1, higher is surer.
    pub score: f32,
    /// Matched span of the query, ms.
    pub query_range: (u32, u32),
    /// The same span in the reference, ms.
    pub reference_range: (u32, u32),
    /// What decided it.
    pub evidence: Evidence,
    /// Reference seconds per query second (1 unless the speed-invariant
    /// audio keys decided).
    pub speed: f32,
    /// Every segment, in query order; the top-level ranges and speed are
    /// the best one's. Empty for one query picture.
    pub segments: Vec<MatchSegment>,
    /// Where in the query's pixels the evidence that won is: the whole
    /// picture (frame) for the global hash or the whole picture's local
    /// features, a found region's rectangle when its local features won
    /// (for a video, the region that carried most of the best segment's
    /// weight). `None` for sound, and for a query that does not say (a
    /// packed fingerprint made before `R` records).
    pub query_box: Option<QueryBox>,
}

/// Records sorted for matching.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// Global hashes with their times.
    pub frames: Vec<(u32, VisualFingerprint)>,
    /// A query picture's regions' global hashes (its inset's), by region.
    pub region_frames: Vec<(u32, VisualFingerprint)>,
    /// Keypoints grouped by time, mirror flag and region (`None`: the
    /// whole picture or frame; a query's regions are groups of their own
    /// at their frame's time).
    pub local: Vec<(u32, bool, Option<u32>, LocalFeatures)>,
    /// A query's rectangles in its pixels: `None` the whole picture,
    /// `Some(r)` region `r` (its `R` records).
    pub boxes: HashMap<Option<u32>, QueryBox>,
    /// Landmark hashes with their times.
    pub landmarks: Vec<(u32, u32)>,
    /// Triplet hashes (with [`TRIPLET_FLAG`]) with their times.
    pub triplets: Vec<(u32, u32)>,
    /// A picture's 1-D profiles.
    pub profiles: Vec<Profile>,
    /// A picture's layout, ready to be compared (a query's keeps its
    /// resampled sizes from one candidate to the next).
    pub layout: Option<layout::Prepared>,
    /// A query picture's rare-inlier table among the search's candidates
    /// (its `G` and `N` records, [`rarity`](super::rarity)): with it, a
    /// local match counts only on [`MIN_RARE_INLIERS`] rare inliers.
    pub rarity: Option<NearestTable>,
}

impl Prepared {
    /// Sorts records by what they hold.
    pub fn new(records: &[Record]) -> Prepared {
        let mut prepared = Prepared::default();
        let mut local: HashMap<(u32, bool, Option<u32>), LocalFeatures> = HashMap::new();
        for r in records {
            match &r.payload {
                Payload::Visual(v) => match records::region_of(r.item) {
                    Some(region) => prepared.region_frames.push((region, *v)),
                    None => prepared.frames.push((r.time_ms, *v)),
                },
                Payload::Audio(hash) if hash & TRIPLET_FLAG != 0 => {
                    prepared.triplets.push((*hash, r.time_ms));
                }
                Payload::Audio(hash) => prepared.landmarks.push((*hash, r.time_ms)),
                Payload::Local { keypoint, mirrored } => local
                    .entry((r.time_ms, *mirrored, records::region_of(r.item)))
                    .or_default()
                    .keypoints
                    .push(*keypoint),
                Payload::Box(b) => {
                    prepared.boxes.insert(records::region_of(r.item), *b);
                }
                // One profile an axis, as a picture keeps: more (a handed-in
                // fingerprint's) would multiply the correlation's work.
                Payload::Profile(p) if prepared.profiles.iter().all(|q| q.axis != p.axis) => {
                    prepared.profiles.push(p.clone());
                }
                Payload::Profile(_) => {}
                // The rare-inlier table, read whole below.
                Payload::Group(_) | Payload::Nearest(_) => {}
                // One layout, as a picture keeps.
                Payload::Layout(l) => {
                    prepared
                        .layout
                        .get_or_insert_with(|| layout::Prepared::new(l.clone()));
                }
            }
        }
        let mut grouped: Vec<_> = local.into_iter().collect();
        grouped.sort_by_key(|&(key, _)| key);
        prepared.local = grouped
            .into_iter()
            .map(|((t, m, region), f)| (t, m, region, f))
            .collect();
        prepared.frames.sort_by_key(|&(t, _)| t);
        prepared.rarity = NearestTable::from_records(records, &prepared.local);
        prepared
    }

    /// Whether this is one still picture (no sound, one frame at most).
    pub fn is_one_picture(&self) -> bool {
        self.landmarks.is_empty() && self.triplets.is_empty() && self.frames.len() <= 1
    }
}

/// Distance of a query picture to a reference, a mirrored copy allowed.
pub fn picture_distance(query: &VisualFingerprint, reference: &VisualFingerprint) -> u32 {
    query
        .hash
        .distance(&reference.hash)
        .min(query.flipped.distance(&reference.hash))
}

/// Every pair of query and reference frames within
/// [`FRAME_MATCH_DISTANCE`] (query frames below [`MIN_KEY_QUALITY`] skipped).
pub fn frame_hits(
    query: &[(u32, VisualFingerprint)],
    reference: &[(u32, VisualFingerprint)],
) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (q_ms, q) in query.iter().filter(|(_, v)| v.quality >= MIN_KEY_QUALITY) {
        for (r_ms, r) in reference {
            let d = picture_distance(q, r);
            if d <= FRAME_MATCH_DISTANCE {
                hits.push(Hit {
                    query_ms: *q_ms,
                    reference_ms: *r_ms,
                    weight: 1.0 - d as f32 / (FRAME_MATCH_DISTANCE + 1) as f32,
                });
            }
        }
    }
    hits
}

/// Which verified local matches count: given the query's feature set (its
/// index in `Prepared::local`) and the match's inliers.
pub type Counts<'a> = &'a dyn Fn(usize, &[(Keypoint, Keypoint)]) -> bool;

/// Every local match counts.
pub const EVERY_MATCH: Counts<'static> = &|_, _| true;

/// Every pair of query and reference local frames the geometric check
/// accepts (the query's mirror image and regions allowed; `weak`: any
/// evidence, else only copies; and only those `counts` keeps), weighted
/// by the calibrated score
/// ([`LocalMatch::score`](super::local::LocalMatch::score); not capped: a
/// frame with more evidence is the better match; scores are capped at 1
/// only at the end), each with the query region whose match it is
/// (`None`: the whole picture or its mirror image).
pub fn local_hits(
    query: &[(u32, bool, Option<u32>, LocalFeatures)],
    reference: &[(u32, bool, Option<u32>, LocalFeatures)],
    weak: bool,
    counts: Counts<'_>,
) -> Vec<(Hit, Option<u32>)> {
    let mut best: HashMap<(u32, u32), (f32, Option<u32>)> = HashMap::new();
    for (set, (q_ms, _, region, q)) in query.iter().enumerate() {
        for (r_ms, _, _, r) in reference.iter().filter(|(_, mirrored, _, _)| !mirrored) {
            let accepted = |(m, inliers): &(super::local::LocalMatch, Vec<_>)| {
                (if weak { m.is_evidence() } else { m.is_copy() }) && counts(set, inliers)
            };
            if let Some((m, _)) = verify_with_inliers(q, r, &CHECKS).filter(accepted) {
                let score = best.entry((*q_ms, *r_ms)).or_insert((0.0, *region));
                if m.score() > score.0 {
                    *score = (m.score(), *region);
                }
            }
        }
    }
    let mut hits: Vec<(Hit, Option<u32>)> = best
        .into_iter()
        .map(|((query_ms, reference_ms), (weight, region))| {
            let hit = Hit {
                query_ms,
                reference_ms,
                weight,
            };
            (hit, region)
        })
        .collect();
    hits.sort_by_key(|(h, _)| (h.query_ms, h.reference_ms));
    hits
}

/// Landmark hits: query landmarks joined by hash with reference landmarks
/// given as `(hash, reference_ms)`.
pub fn landmark_hits(query: &[(u32, u32)], reference: &[(u32, u32)]) -> Vec<Hit> {
    let mut by_hash: HashMap<u32, Vec<u32>> = HashMap::new();
    for &(hash, time) in query {
        by_hash.entry(hash).or_default().push(time);
    }
    reference
        .iter()
        .flat_map(|&(hash, reference_ms)| {
            by_hash
                .get(&hash)
                .into_iter()
                .flatten()
                .map(move |&query_ms| Hit {
                    query_ms,
                    reference_ms,
                    weight: 1.0,
                })
        })
        .collect()
}

/// The significance ([`audio_significance`]) an audio match needs to
/// reach the search's default threshold ([`THRESHOLD_SCORE`](super::local::THRESHOLD_SCORE)). The model
/// takes hits as independent, and they are not (a triplet shares its
/// peaks with others, a synthetic voice repeats its sounds), so chance
/// reaches more than the model says: measured on the quick evaluation's
/// sound corpus (1,296 pairs of a query and an item it is no copy of),
/// at most 8.3 (a synthetic voice-over against another passage in the
/// same voice), and 0 for landmarks; the copies at 96 and more
/// (`udf/core/README.md`).
pub const MIN_AUDIO_SIGNIFICANCE: f64 = 25.0;
/// The significance at which an audio score reaches 1.
pub const FULL_AUDIO_SIGNIFICANCE: f64 = 100.0;

/// Candidates one search reranks at most: each is one more chance for a
/// chance alignment.
pub const RERANKED: f64 = 100.0;

/// How unlikely chance makes an audio alignment this good: `-log10` of
/// the expected number of chance alignments as good (an a-contrario
/// model, as the pictures' [`LocalMatch`](super::local::LocalMatch)).
///
/// Were the `hits` (every hash match of query and reference) chance, each
/// would land on a given line with probability `p` = the line's width
/// (landmarks: 3 offset bins of [`MS_PER_COLUMN`]; triplets: twice
/// [`LINE_TOLERANCE_MS`](super::align::LINE_TOLERANCE_MS)) over the span
/// of reference time the hits cover; so the chance hits on it are about
/// Poisson with mean `p` times the hits in the segment's query range. The
/// lines tried are the offsets over the reference's and the query's spans
/// (for triplets, at each speed of the grid), for each of [`RERANKED`]
/// candidates. Each segment is judged on its own; the alignment's
/// significance is its best segment's. `scaled`: the alignment is
/// [`align_scaled`]'s.
pub fn audio_significance(alignment: &Alignment, hits: &[Hit], scaled: bool) -> f64 {
    alignment
        .segments
        .iter()
        .map(|s| segment_significance(s, hits, scaled))
        .fold(f64::NEG_INFINITY, f64::max)
}

/// One segment's significance (see [`audio_significance`]).
pub fn segment_significance(segment: &Segment, hits: &[Hit], scaled: bool) -> f64 {
    use super::align::{FASTEST, LINE_TOLERANCE_MS, SCALED_BIN_MS, SLOWEST, SPEED_STEP};
    let span = |times: &mut dyn Iterator<Item = u32>| {
        let (lo, hi) = times.fold((u32::MAX, 0), |(lo, hi), t| (lo.min(t), hi.max(t)));
        f64::from(hi.saturating_sub(lo))
    };
    let reference_span = span(&mut hits.iter().map(|h| h.reference_ms));
    let query_span = span(&mut hits.iter().map(|h| h.query_ms));
    let (width, bin, speeds) = if scaled {
        let speeds = ((FASTEST - SLOWEST) / SPEED_STEP).round() + 1.0;
        (2.0 * LINE_TOLERANCE_MS, SCALED_BIN_MS, speeds)
    } else {
        let column = f64::from(MS_PER_COLUMN);
        (3.0 * column, column, 1.0)
    };
    let p = width / (reference_span + width);
    let (start, end) = segment.query_range;
    let near = hits
        .iter()
        .filter(|h| (start..=end).contains(&h.query_ms))
        .count();
    let lines = speeds * ((reference_span + query_span) / bin).max(1.0);
    -(RERANKED * lines).log10() - super::local::log10_poisson_tail(near as f64 * p, segment.hits)
}

/// Aligns audio landmarks (reference landmarks as `(hash, time)`).
pub fn align_audio(query: &[(u32, u32)], reference: &[(u32, u32)]) -> Option<Alignment> {
    align(
        &landmark_hits(query, reference),
        MS_PER_COLUMN,
        MIN_AUDIO_HITS,
    )
}

/// Aligns audio triplets (reference triplets as `(hash, time)`) with a
/// time factor.
pub fn align_triplets(query: &[(u32, u32)], reference: &[(u32, u32)]) -> Option<Alignment> {
    align_scaled(&landmark_hits(query, reference), MIN_TRIPLET_HITS)
}

/// Aligns a video query with a video reference by global hashes.
pub fn align_frames(query: &Prepared, reference: &Prepared) -> Option<Alignment> {
    align(
        &frame_hits(&query.frames, &reference.frames),
        500,
        MIN_FRAME_HITS,
    )
}

/// Aligns by local features alone. Local features are taken every 2 s or
/// so, at times that need not coincide in a copy and its original, hence
/// the wider offset bins.
pub fn align_local(query: &Prepared, reference: &Prepared) -> Option<Alignment> {
    align_local_hits(&local_hits(
        &query.local,
        &reference.local,
        false,
        EVERY_MATCH,
    ))
}

fn align_local_hits(hits: &[(Hit, Option<u32>)]) -> Option<Alignment> {
    let hits: Vec<Hit> = hits.iter().map(|(h, _)| *h).collect();
    align(&hits, 1_000, MIN_FRAME_HITS)
}

/// The query region that carried most of the weight of `alignment`'s best
/// segment (hits within its query range on its offset, 1 s either side).
fn winning_region(alignment: &Alignment, hits: &[(Hit, Option<u32>)]) -> Option<u32> {
    let (start, end) = alignment.query_range;
    let mut weight: HashMap<Option<u32>, f32> = HashMap::new();
    for (h, region) in hits {
        let offset = i64::from(h.reference_ms) - i64::from(h.query_ms);
        if (start..=end).contains(&h.query_ms) && (offset - alignment.offset_ms).abs() <= 1_000 {
            *weight.entry(*region).or_default() += h.weight;
        }
    }
    weight
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .and_then(|(region, _)| region)
}

/// Reranks one candidate. `audio_hits` are extra reference landmarks as
/// `(hash, reference_ms)` (the search passes the landmark rows its key
/// lookup found instead of storing landmarks twice).
pub fn rerank(
    query: &Prepared,
    reference: &Prepared,
    audio_hits: &[(u32, u32)],
) -> Option<Verdict> {
    let mut verdicts = Vec::new();
    if !query.landmarks.is_empty() || !query.triplets.is_empty() {
        let is_triplet = |&&(hash, _): &&(u32, u32)| hash & TRIPLET_FLAG != 0;
        let hit_triplets = audio_hits.iter().filter(is_triplet);
        let hit_landmarks = audio_hits.iter().filter(|h| !is_triplet(h));
        let mut reference_landmarks = reference.landmarks.clone();
        reference_landmarks.extend(hit_landmarks);
        let mut reference_triplets = reference.triplets.clone();
        reference_triplets.extend(hit_triplets);
        // Which evidence explains more of the query decides (4x the share
        // of its landmarks or triplets that agree, capped at 1; landmarks
        // on a tie: they pin an exact copy's ranges best, triplets a
        // speed-changed one's); the significance scores it.
        let share = |hits: usize, of: usize| (4.0 * hits as f32 / of.max(1) as f32).min(1.0);
        let pair_hits = landmark_hits(&query.landmarks, &reference_landmarks);
        let by_landmarks = align(&pair_hits, MS_PER_COLUMN, MIN_AUDIO_HITS).map(|a| {
            let verdict = audio_verdict(&a, &pair_hits, false);
            (share(a.hits, query.landmarks.len()), verdict)
        });
        let triplet_hits = landmark_hits(&query.triplets, &reference_triplets);
        let by_triplets = align_scaled(&triplet_hits, MIN_TRIPLET_HITS).map(|a| {
            let verdict = audio_verdict(&a, &triplet_hits, true);
            (share(a.hits, query.triplets.len()), verdict)
        });
        verdicts.extend(match (by_landmarks, by_triplets) {
            (Some(l), Some(t)) if t.0 > l.0 => Some(t.1),
            (Some(l), _) => Some(l.1),
            (None, t) => t.map(|t| t.1),
        });
    }
    if query.is_one_picture() {
        verdicts.extend(best_picture(query, reference));
    } else {
        let keyed = || {
            query
                .frames
                .iter()
                .filter(|(_, v)| v.quality >= MIN_KEY_QUALITY)
                .map(|f| f.0)
        };
        let weighed = |weight: f32, of: usize| (weight / of.max(1) as f32).min(1.0);
        // The query's frames with local features (a frame's regions are
        // more evidence for it, not more frames to explain).
        let local_times: std::collections::BTreeSet<u32> =
            query.local.iter().map(|l| l.0).collect();
        if let Some(a) = align_frames(query, reference) {
            let score = weighed(a.score, keyed().count());
            verdicts.push(Verdict {
                query_box: query.boxes.get(&None).copied(),
                ..verdict(&a, score, Evidence::Visual, |s| {
                    weighed(s.score, within(keyed(), s))
                })
            });
        } else {
            let hits = local_hits(&query.local, &reference.local, false, EVERY_MATCH);
            if let Some(a) = align_local_hits(&hits) {
                let score = weighed(a.score, local_times.len());
                let region = winning_region(&a, &hits);
                verdicts.push(Verdict {
                    query_box: query.boxes.get(&region).copied(),
                    ..verdict(&a, score, Evidence::Local, |s| {
                        weighed(s.score, within(local_times.iter().copied(), s))
                    })
                });
            }
        }
    }
    // On a tie the evidence that pins time best wins: the global hash
    // (every sampled frame), then sound, then local features (a frame
    // every 2 s, 1 s bins). A query's regions make a local verdict reach
    // 1 where it did not, and it then tied the sound of a picture-in-picture
    // or a padded copy and took its ranges (IoU 0.99 -> 0.65, 0.90 -> 0.72
    // on the quick evaluation's rows).
    let precision = |e: Evidence| match e {
        Evidence::Local | Evidence::Profile | Evidence::Layout => 0,
        Evidence::Audio => 1,
        Evidence::Visual => 2,
    };
    verdicts.into_iter().max_by(|a, b| {
        a.score
            .total_cmp(&b.score)
            .then(precision(a.evidence).cmp(&precision(b.evidence)))
    })
}

/// An audio alignment's verdict, scored on its significance
/// ([`audio_score`]), each segment on its own.
fn audio_verdict(a: &Alignment, hits: &[Hit], scaled: bool) -> Verdict {
    let score = audio_score(audio_significance(a, hits, scaled));
    verdict(a, score, Evidence::Audio, |s| {
        audio_score(segment_significance(s, hits, scaled))
    })
}

/// The calibrated audio score of a significance: [`THRESHOLD_SCORE`](super::local::THRESHOLD_SCORE) at
/// [`MIN_AUDIO_SIGNIFICANCE`], 1 at [`FULL_AUDIO_SIGNIFICANCE`] and above,
/// linear between (and below, down to 0).
pub fn audio_score(significance: f64) -> f32 {
    calibrated(
        significance,
        MIN_AUDIO_SIGNIFICANCE,
        FULL_AUDIO_SIGNIFICANCE,
    )
    .min(1.0) as f32
}

/// The calibrated score of a profile correlation: [`THRESHOLD_SCORE`](super::local::THRESHOLD_SCORE) at
/// [`profile::MATCH_CORRELATION`], 1 at a correlation of 1, linear between
/// (and below, down to 0). The correlation was chosen so that, of the
/// full evaluation's 430 unrelated queries and its other originals'
/// copies against every stored profile, none reaches it
/// (`udf/README.md`, "Pictures that vary one way").
pub fn profile_score(correlation: f32) -> f32 {
    let at_threshold = f64::from(profile::MATCH_CORRELATION);
    calibrated(f64::from(correlation), at_threshold, 1.0).min(1.0) as f32
}

/// The calibrated score of a layout correlation: [`THRESHOLD_SCORE`](super::local::THRESHOLD_SCORE) at
/// [`layout::MATCH_CORRELATION`], 1 at a correlation of 1, linear between
/// (and below, down to 0) (`udf/README.md`, "Soft pictures: the layout").
pub fn layout_score(correlation: f32) -> f32 {
    let at_threshold = f64::from(layout::MATCH_CORRELATION);
    calibrated(f64::from(correlation), at_threshold, 1.0).min(1.0) as f32
}

/// How many of the query's element times fall in a segment's query range.
fn within(times: impl Iterator<Item = u32>, segment: &Segment) -> usize {
    let (start, end) = segment.query_range;
    times.filter(|t| (start..=end).contains(t)).count()
}

fn verdict(
    a: &Alignment,
    score: f32,
    evidence: Evidence,
    segment_score: impl Fn(&Segment) -> f32,
) -> Verdict {
    Verdict {
        score,
        query_range: a.query_range,
        reference_range: a.reference_range,
        evidence,
        speed: a.speed as f32,
        segments: a
            .segments
            .iter()
            .map(|s| MatchSegment {
                query_range: s.query_range,
                reference_range: s.reference_range,
                speed: s.speed as f32,
                score: segment_score(s),
            })
            .collect(),
        query_box: None,
    }
}

/// Whether a picture's local-feature score wins over its global-hash
/// score: a global-hash match at the threshold or above is a near-exact
/// frame and pins the time best; one below it (a 5% crop lands 30-40 bits
/// away) must not hide the local features' stronger evidence for the same
/// picture. The rerank's rule, and the picture examples' (`udf/media/examples`).
pub fn local_wins(global: f32, local: f32) -> bool {
    global < super::local::THRESHOLD_SCORE as f32 && local > global
}

/// `first`, unless `then` wins over it ([`local_wins`]: `first` is under
/// the threshold and `then` scores more), or there is no `first`.
fn unless_surer(first: Option<Verdict>, then: Option<Verdict>) -> Option<Verdict> {
    match (first, then) {
        (Some(f), Some(t)) if local_wins(f.score, t.score) => Some(t),
        (f, t) => f.or(t),
    }
}

/// One query picture: its best reference frame.
fn best_picture(query: &Prepared, reference: &Prepared) -> Option<Verdict> {
    let at = |hit: &Hit, evidence, region| Verdict {
        score: hit.weight,
        query_range: (hit.query_ms, hit.query_ms),
        reference_range: (hit.reference_ms, hit.reference_ms),
        evidence,
        speed: 1.0,
        segments: Vec::new(),
        query_box: query.boxes.get(&region).copied(),
    };
    // The whole picture's hash, then its regions' (each at time 0, the
    // picture's), each verdict with its box; the whole picture's on a tie.
    let global = frame_hits(&query.frames, &reference.frames)
        .iter()
        .map(|h| at(h, Evidence::Visual, None))
        .chain(query.region_frames.iter().flat_map(|&(region, v)| {
            frame_hits(&[(0, v)], &reference.frames)
                .iter()
                .map(|h| at(h, Evidence::Visual, Some(region)))
                .collect::<Vec<_>>()
        }))
        .reduce(|a, b| if b.score > a.score { b } else { a });
    // With the search's rare-inlier table, a local match counts only on
    // enough inliers no other candidate could give as well (`rarity`).
    let rare = |set: usize, inliers: &[(Keypoint, Keypoint)]| {
        query.rarity.as_ref().is_none_or(|table| {
            table.rare_inliers(query, set, reference, inliers) >= MIN_RARE_INLIERS
        })
    };
    let local = local_hits(&query.local, &reference.local, true, &rare)
        .iter()
        .map(|(h, region)| at(h, Evidence::Local, *region))
        .max_by(|a, b| a.score.total_cmp(&b.score));
    // The local features win over a global hash under the threshold; the
    // profiles' best correlation, then the layout, on the same terms (each
    // wins only over a verdict under the threshold). The layout is looked
    // at only when nothing reached the threshold: it is the dearest.
    let whole = |score: f32, evidence| Verdict {
        score,
        query_range: (0, 0),
        reference_range: (0, 0),
        evidence,
        speed: 1.0,
        segments: Vec::new(),
        query_box: query.boxes.get(&None).copied(),
    };
    let profile = profile::best_correlation(&query.profiles, &reference.profiles)
        .map(|c| whole(profile_score(c), Evidence::Profile));
    let best = unless_surer(unless_surer(global, local), profile);
    let below = best
        .as_ref()
        .is_none_or(|b| b.score < super::local::THRESHOLD_SCORE as f32);
    let layout = match (&query.layout, &reference.layout) {
        (Some(q), Some(r)) if below => q
            .correlation(r)
            .map(|c| whole(layout_score(c), Evidence::Layout)),
        _ => None,
    };
    let best = unless_surer(best, layout);
    best.map(|v| Verdict {
        score: v.score.min(1.0),
        ..v
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::local::extract;
    use crate::fingerprint::visual::{Luma, VisualHash};
    use crate::matching::local::THRESHOLD_SCORE;

    /// Overlapping rectangles of varied grey: a picture full of corners.
    fn texture(width: u32, height: u32) -> Luma {
        crate::matching::local::tests::corners(width, height, 2_654_435_761)
    }

    /// One picture: its global hash `bits` bits from the all-zero hash,
    /// and the texture's local features.
    fn picture(bits: u32) -> Prepared {
        let mut hash = [0u8; 32];
        for b in 0..bits as usize {
            hash[b / 8] |= 1 << (b % 8);
        }
        Prepared {
            frames: vec![(
                0,
                VisualFingerprint {
                    hash: VisualHash(hash),
                    flipped: VisualHash([0xff; 32]),
                    quality: 50,
                },
            )],
            local: vec![(0, false, None, extract(&texture(640, 480)))],
            ..Prepared::default()
        }
    }

    /// A still picture fingerprinted for `usage` and prepared as the
    /// search prepares its records.
    fn still_prepared(luma: &Luma, usage: crate::records::Use) -> Prepared {
        use crate::fingerprint::still;
        use crate::media::{Kind, MediaFingerprint, MediaInfo};
        let info = MediaInfo {
            kind: Kind::Image,
            container: "test".into(),
            duration_ms: 0,
            declared_ms: 0,
            width: luma.width,
            height: luma.height,
            has_audio: false,
            frames_decoded: 1,
            decode_errors: 0,
        };
        let still = still::fingerprint(luma, usage);
        let media = MediaFingerprint::of_still(info, still, std::time::Duration::ZERO);
        Prepared::new(&crate::records::records(&media, usage))
    }

    /// A picture `copy` is found in `reference` by `evidence`, at the
    /// threshold or above, the whole query its box.
    fn assert_found_whole(copy: &Luma, reference: &Prepared, evidence: Evidence) {
        let query = still_prepared(copy, crate::records::Use::Query);
        let found = rerank(&query, reference, &[]).expect("a verdict");
        assert_eq!(found.evidence, evidence, "{found:?}");
        assert!(found.score >= THRESHOLD_SCORE as f32, "{found:?}");
        let whole = QueryBox {
            x: 0,
            y: 0,
            width: copy.width as u16,
            height: copy.height as u16,
        };
        assert_eq!(found.query_box, Some(whole));
    }

    /// No verdict of `query` against `reference` reaches the threshold.
    fn assert_not_found(query: &Prepared, reference: &Prepared) {
        let verdict = rerank(query, reference, &[]);
        assert!(
            verdict
                .as_ref()
                .is_none_or(|v| v.score < THRESHOLD_SCORE as f32),
            "{verdict:?}"
        );
    }

    /// A picture with no corners (a smooth sweep of grey around its
    /// centre, as a colour wheel is in grey) pasted whole into another
    /// picture is found by its inset's own global hash, with the inset's
    /// box; without that hash nothing finds it.
    #[test]
    fn a_corner_free_picture_pasted_into_another_is_found_by_its_insets_hash() {
        use crate::fingerprint::regions::tests::{blurred_board, paste};
        use crate::records::Use;
        let (w, h) = (384u32, 288u32);
        let mut pixels = Vec::with_capacity((w * h) as usize);
        for y in 0..h {
            for x in 0..w {
                let (dx, dy) = (x as f32 - w as f32 / 2.0, y as f32 - h as f32 / 2.0);
                let turn = dy.atan2(dx) / std::f32::consts::TAU + 0.5;
                pixels.push((110.0 + 140.0 * turn) as u8);
            }
        }
        let wheel = Luma::new(w, h, pixels);
        let reference = still_prepared(&wheel, Use::Library);
        // A dark photograph around it, so that its edges stand out.
        let board = blurred_board(960, 640, 7);
        let dark = Luma::new(960, 640, board.pixels.iter().map(|p| p / 4).collect());
        let query = paste(&dark, &wheel, 403, 115);
        let mut prepared = still_prepared(&query, Use::Query);
        assert_eq!(prepared.region_frames.len(), 1, "the inset's hash");
        let found = rerank(&prepared, &reference, &[]).expect("a verdict");
        assert_eq!(found.evidence, Evidence::Visual, "{found:?}");
        assert!(found.score >= THRESHOLD_SCORE as f32, "{found:?}");
        let b = found.query_box.expect("the inset's box");
        let near = |a: u32, b: u32| a.abs_diff(b) <= 3;
        assert!(near(b.x.into(), 403) && near(b.y.into(), 115), "{b:?}");
        assert!(near(b.width.into(), w) && near(b.height.into(), h), "{b:?}");
        // The whole picture's hash and every keypoint say nothing.
        prepared.region_frames.clear();
        let without = rerank(&prepared, &reference, &[]);
        assert!(
            without
                .as_ref()
                .is_none_or(|v| v.score < THRESHOLD_SCORE as f32),
            "{without:?}"
        );
    }

    #[test]
    fn a_global_match_under_the_threshold_does_not_hide_a_local_one() {
        let reference = picture(0);
        // 35 bits away (a 5% crop): a global score of 1 - 35/41 = 0.15,
        // under the threshold; the local features agree fully.
        let cropped = rerank(&picture(35), &reference, &[]).expect("a verdict");
        assert_eq!(cropped.evidence, Evidence::Local, "{cropped:?}");
        assert_eq!(cropped.score, 1.0);
        // 4 bits away: a near-exact copy, the global hash decides.
        let exact = rerank(&picture(4), &reference, &[]).expect("a verdict");
        assert_eq!(exact.evidence, Evidence::Visual, "{exact:?}");
        assert!((exact.score - (1.0 - 4.0 / 41.0)).abs() < 1e-6, "{exact:?}");
    }

    #[test]
    fn with_the_searchs_table_a_local_match_counts_only_on_rare_inliers() {
        let reference = picture(0);
        // A crop: its global hash under the threshold, every keypoint the
        // reference's.
        let mut query = picture(35);
        let found = |query: &Prepared| {
            rerank(query, &reference, &[]).filter(|v| v.score >= THRESHOLD_SCORE as f32)
        };
        query.rarity = Some(NearestTable::new(&query, &[&reference]));
        let alone = found(&query).expect("the only candidate");
        assert_eq!((alone.evidence, alone.score), (Evidence::Local, 1.0));
        // A template sibling: the same keypoints under another picture (its
        // global hash 200 bits from the reference's). No inlier is rare.
        let sibling = picture(200);
        query.rarity = Some(NearestTable::new(&query, &[&reference, &sibling]));
        assert_eq!(found(&query), None);
        // The reference stored twice (20 bits apart: one picture): its
        // twin's keypoints are the answer's own, and the crop is found.
        let twin = picture(20);
        query.rarity = Some(NearestTable::new(&query, &[&twin, &reference]));
        assert_eq!(found(&query), Some(alone));
    }

    /// A crop of a striped picture (three corners, a global hash the crop
    /// moves) is found by its profile, with the whole query as its box; a
    /// striped picture of another rhythm is not, and a picture that keeps
    /// no profile keeps none.
    #[test]
    fn a_crop_of_a_striped_picture_is_found_by_its_profile() {
        use crate::fingerprint::profile::stripes;
        use crate::records::Use;
        let original = stripes(512, 288, 24.0);
        let reference = still_prepared(&original, Use::Library);
        assert_eq!(reference.profiles.len(), 1);
        let crop = crate::fingerprint::regions::crop(
            &original,
            crate::fingerprint::regions::Rect {
                x: 100,
                y: 40,
                w: 360,
                h: 200,
            },
        );
        assert_found_whole(&crop, &reference, Evidence::Profile);
        assert_not_found(
            &still_prepared(&stripes(512, 288, 14.0), Use::Query),
            &reference,
        );
        // A textured picture keeps no profile. (A picture of `stripes`
        // at another period is no other picture: the same widths squashed,
        // in which the crop is found, as it should be.)
        let textured = still_prepared(&texture(512, 288), Use::Library);
        assert!(textured.profiles.is_empty());
    }

    /// A 30% crop of a soft picture, which its local features do not find, is found by
    /// its layout, with the whole query as its box; a textured picture is
    /// not (its layout is compared, and differs), and keeps no layout as a
    /// library item.
    #[test]
    fn a_crop_of_a_soft_picture_is_found_by_its_layout() {
        use crate::fingerprint::local::soft_scene;
        use crate::fingerprint::regions::{Rect, crop};
        use crate::records::Use;
        let original = soft_scene(512, 384);
        let reference = still_prepared(&original, Use::Library);
        assert!(reference.layout.is_some());
        let copy = crop(
            &original,
            Rect {
                x: 77,
                y: 58,
                w: 358,
                h: 268,
            },
        );
        assert_found_whole(&copy, &reference, Evidence::Layout);
        let other = still_prepared(&texture(512, 384), Use::Query);
        assert!(other.layout.is_some());
        assert_not_found(&other, &reference);
        assert!(
            still_prepared(&texture(512, 288), Use::Library)
                .layout
                .is_none()
        );
    }

    /// The layout's score: the threshold at [`layout::MATCH_CORRELATION`],
    /// 1 at a perfect correlation.
    #[test]
    fn the_layout_score_is_the_threshold_at_the_match_correlation() {
        let t = THRESHOLD_SCORE as f32;
        assert!((layout_score(layout::MATCH_CORRELATION) - t).abs() < 1e-6);
        assert!((layout_score(1.0) - 1.0).abs() < 1e-6);
        assert!(layout_score(0.95) > t && layout_score(0.95) < 1.0);
        assert!(layout_score(0.85) < t);
        assert_eq!(layout_score(-0.2), 0.0);
    }

    /// The profile's score: the threshold at [`profile::MATCH_CORRELATION`],
    /// 1 at a perfect correlation, 0 for none or a negative one.
    #[test]
    fn the_profile_score_is_the_threshold_at_the_match_correlation() {
        let t = THRESHOLD_SCORE as f32;
        assert!((profile_score(profile::MATCH_CORRELATION) - t).abs() < 1e-6);
        assert!((profile_score(1.0) - 1.0).abs() < 1e-6);
        assert!(profile_score(0.9) > t && profile_score(0.9) < 1.0);
        assert!(profile_score(0.7) < t);
        assert_eq!(profile_score(0.0), 0.0);
        assert_eq!(profile_score(-0.5), 0.0);
    }

    /// A fingerprint holding many profiles of one axis (handed in, not
    /// made by the fingerprint code) is prepared with its first only: the
    /// correlation's work stays one profile an axis.
    #[test]
    fn a_fingerprint_is_prepared_with_one_profile_an_axis() {
        use crate::fingerprint::profile::Axis;
        let records =
            records::sample_profiles(&[Axis::Columns, Axis::Columns, Axis::Rows, Axis::Columns]);
        let prepared = Prepared::new(&records);
        let axes: Vec<Axis> = prepared.profiles.iter().map(|p| p.axis).collect();
        assert_eq!(axes, [Axis::Columns, Axis::Rows]);
    }

    #[test]
    fn the_audio_score_is_the_threshold_at_the_least_significance() {
        assert_eq!(audio_score(0.0), 0.0);
        assert_eq!(audio_score(-5.0), 0.0);
        assert!((audio_score(MIN_AUDIO_SIGNIFICANCE) - 0.3).abs() < 1e-6);
        assert!(audio_score(MIN_AUDIO_SIGNIFICANCE - 0.1) < 0.3);
        assert_eq!(audio_score(FULL_AUDIO_SIGNIFICANCE), 1.0);
        assert_eq!(audio_score(10.0 * FULL_AUDIO_SIGNIFICANCE), 1.0);
    }

    /// `n` hits scattered at random over 40 s of query and of reference.
    fn scattered(n: usize, seed: u64) -> Vec<Hit> {
        let mut state = seed;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) % 40_000) as u32
        };
        (0..n)
            .map(|_| Hit {
                query_ms: next(),
                reference_ms: next(),
                weight: 1.0,
            })
            .collect()
    }

    #[test]
    fn chance_hits_are_not_significant_and_a_sparse_copy_is() {
        // Chance hits as many as the quick evaluation's 40 s music queries
        // have with 40 s items they are no copy of (up to about 1,000
        // triplet hits): the best line they make is under the threshold.
        let chance = scattered(1_000, 7);
        if let Some(a) = align_scaled(&chance, MIN_TRIPLET_HITS) {
            let significance = audio_significance(&a, &chance, true);
            assert!(
                significance < MIN_AUDIO_SIGNIFICANCE,
                "{} hits on the best chance line: significance {significance}",
                a.hits
            );
        }
        if let Some(a) = align(&chance, MS_PER_COLUMN, MIN_AUDIO_HITS) {
            let significance = audio_significance(&a, &chance, false);
            assert!(
                significance < MIN_AUDIO_SIGNIFICANCE,
                "{} hits on the best chance offset: significance {significance}",
                a.hits
            );
        }
        // The same, plus 60 hits of a copy played 5% fast over 30 s (6%
        // of the hits; of a query's 3,000-4,000 triplets, 2%: a share of
        // the query's keys would put it far under the threshold, as a
        // loud voice-over's or a pitch shift's did).
        let mut hits = chance;
        hits.extend((0..60).map(|i| {
            let query_ms = 1_000 + i * 500;
            Hit {
                query_ms,
                reference_ms: (f64::from(query_ms) * 1.05) as u32 + 2_000,
                weight: 1.0,
            }
        }));
        let a = align_scaled(&hits, MIN_TRIPLET_HITS).expect("the copy's line");
        assert!((a.speed - 1.05).abs() < 0.005, "speed {}", a.speed);
        let significance = audio_significance(&a, &hits, true);
        assert!(
            audio_score(significance) >= 0.3,
            "{} hits on the line: significance {significance}",
            a.hits
        );
    }
}
