//! Temporal alignment by offset voting (a Hough histogram over
//! `reference_time - query_time`), cut into segments.
//!
//! Every match between a query element (frame, landmark) and a reference
//! element votes for the time offset that would line them up. A real copy
//! puts many votes in one offset bin; chance matches scatter. So a single
//! lucky match never wins alone: a reference needs `min_hits` votes in its
//! best bin. When another bin far from the winner has as many votes (a
//! repeated passage), the result says so in `tied_offsets` rather than
//! pretending.
//!
//! A copy played at another speed puts its hits on a line
//! `reference = speed * query + offset` whose slope is not 1:
//! [`align_scaled`] lets the hits vote for an offset at each speed of a
//! grid, then fits the line to the winners by least squares.
//!
//! A query may hold several stretches of one reference (a compilation
//! that uses it twice, with other content between). So the winning line's
//! hits are cut where they pause for more than [`MAX_GAP_MS`], each run
//! with enough hits is a [`Segment`] with its own ranges, speed and score,
//! and the vote is repeated on the hits left for the next line (another
//! offset or speed), until none reaches `min_hits`.

use std::collections::HashMap;

/// One match between a query element and a reference element.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Time of the element in the query, ms.
    pub query_ms: u32,
    /// Time of the element in the reference, ms.
    pub reference_ms: u32,
    /// How good the match is, 0..=1 (1 for an exact hash match).
    pub weight: f32,
}

/// One stretch of the query copied from one stretch of the reference: a
/// time-contiguous run of hits on one line `reference = speed * query +
/// offset`, with its own fitted line.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// First and last query time of its hits, ms.
    pub query_range: (u32, u32),
    /// The same span in the reference, ms.
    pub reference_range: (u32, u32),
    /// Reference seconds per query second.
    pub speed: f64,
    /// The reference time of query time 0 on its line, ms.
    pub offset_ms: i64,
    /// How many hits make it.
    pub hits: usize,
    /// Sum of their weights.
    pub score: f32,
}

/// The alignment of a query with one reference: every segment, and the
/// best one's figures at the top level.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// Sum of the weights of the hits of every segment.
    pub score: f32,
    /// How many hits make the segments.
    pub hits: usize,
    /// The best segment's offset (`reference_ms - query_ms` at query
    /// time 0), ms.
    pub offset_ms: i64,
    /// The best segment's query range, ms.
    pub query_range: (u32, u32),
    /// The best segment's reference range, ms.
    pub reference_range: (u32, u32),
    /// Other offsets (ms) as well supported as the winner, at least two bins
    /// away from it: the query also fits there (repeats).
    pub tied_offsets: Vec<i64>,
    /// The best segment's speed: reference seconds per query second (1
    /// from [`align`]).
    pub speed: f64,
    /// Every segment in query order (at least one). The best is the one
    /// with most hits (then most weight, then the earliest).
    pub segments: Vec<Segment>,
}

/// A pause in a line's hits longer than this (query time) ends a segment:
/// the query holds something else there. Video keeps a frame at least
/// every 4 s of a static shot
/// ([`MAX_COLLAPSE_MS`](crate::fingerprint::video::MAX_COLLAPSE_MS)), so a
/// shorter pause is no evidence of other content.
pub const MAX_GAP_MS: u32 = 5_000;
/// Lines (offsets, or offset and speed) looked for at most, one after the
/// other on the hits the earlier ones left.
pub const MAX_LINES: usize = 8;
/// A segment whose query range lies at least this share inside the query
/// ranges of stronger segments is dropped: a query moment is copied from
/// one place (the reference's repeats show in `tied_offsets`).
pub const MAX_OVERLAP: f64 = 0.5;
/// A run shorter than this (query time) keeps its line's speed instead of
/// fitting its own.
const MIN_FIT_SPAN_MS: u32 = 3_000;

/// Aligns the hits of one query against one reference by offset voting.
///
/// `bin_ms` is the width of an offset bin (the time resolution of the
/// elements: 16 ms landmark frames, 500 ms sampled video frames); a vote
/// also counts for the neighbouring bins' totals, so a true offset on a bin
/// edge is not split. The best bin's hits make a line; it is cut into
/// segments where its hits pause for more than [`MAX_GAP_MS`], and the
/// segments with `min_hits` hits at least are kept (each with the median
/// offset of its hits). Then the vote is repeated on the hits no line has
/// taken, up to [`MAX_LINES`] lines, while the best bin still reaches
/// `min_hits`; a later segment that overlaps stronger ones
/// ([`MAX_OVERLAP`]) is dropped. When no run of the first line reaches
/// `min_hits` (sparse evidence), the whole line is one segment, as a
/// single offset vote would give. Returns `None` when no bin reaches
/// `min_hits`.
pub fn align(hits: &[Hit], bin_ms: u32, min_hits: usize) -> Option<Alignment> {
    let bin_ms = i64::from(bin_ms.max(1));
    let bin_of = |h: &Hit| (i64::from(h.reference_ms) - i64::from(h.query_ms)).div_euclid(bin_ms);
    let mut remaining: Vec<Hit> = hits.to_vec();
    let mut found = Vec::new();
    let mut tied_offsets = None;
    for line in 0..MAX_LINES {
        let Some((best, count, tied)) = offset_vote(&remaining, bin_ms) else {
            break;
        };
        if count < min_hits {
            break;
        }
        if line == 0 {
            tied_offsets = Some(tied);
        }
        let (agreeing, rest): (Vec<Hit>, Vec<Hit>) = remaining
            .iter()
            .partition(|h| (bin_of(h) - best).abs() <= 1);
        found.extend(line_segments(
            &agreeing,
            min_hits,
            line == 0,
            offset_segment,
        ));
        remaining = rest;
    }
    assemble(found, tied_offsets?)
}

/// The best offset bin of `hits` (support: its votes plus its two
/// neighbours'), its support, and the bins (as offsets, ms) as well
/// supported at least two bins away. Most hits first, then most weight,
/// then the earliest offset: deterministic.
fn offset_vote(hits: &[Hit], bin_ms: i64) -> Option<(i64, usize, Vec<i64>)> {
    let bin_of = |h: &Hit| (i64::from(h.reference_ms) - i64::from(h.query_ms)).div_euclid(bin_ms);
    let mut bins: HashMap<i64, (usize, f32)> = HashMap::new();
    for hit in hits {
        let entry = bins.entry(bin_of(hit)).or_default();
        entry.0 += 1;
        entry.1 += hit.weight;
    }
    let support = |bin: i64| {
        (bin - 1..=bin + 1)
            .filter_map(|b| bins.get(&b))
            .fold((0usize, 0f32), |acc, v| (acc.0 + v.0, acc.1 + v.1))
    };
    let mut ranked: Vec<(i64, (usize, f32))> = bins.keys().map(|&b| (b, support(b))).collect();
    ranked.sort_by(|a, b| {
        b.1.0
            .cmp(&a.1.0)
            .then(b.1.1.total_cmp(&a.1.1))
            .then(a.0.cmp(&b.0))
    });
    let &(best, (count, _)) = ranked.first()?;
    let tied = ranked
        .iter()
        .skip(1)
        .take_while(|(_, (c, _))| *c == count)
        .filter(|(bin, _)| (bin - best).abs() > 2)
        .map(|(bin, _)| bin * bin_ms)
        .collect();
    Some((best, count, tied))
}

/// A run of hits on one offset: the median of their offsets.
fn offset_segment(run: &[&Hit]) -> Segment {
    let mut offsets: Vec<i64> = run
        .iter()
        .map(|h| i64::from(h.reference_ms) - i64::from(h.query_ms))
        .collect();
    offsets.sort_unstable();
    let offset_ms = offsets[offsets.len() / 2];
    let (query_start, query_end) = query_span(run);
    let shift = |t: u32| (i64::from(t) + offset_ms).max(0) as u32;
    Segment {
        query_range: (query_start, query_end),
        reference_range: (shift(query_start), shift(query_end)),
        speed: 1.0,
        offset_ms,
        hits: run.len(),
        score: run.iter().map(|h| h.weight).sum(),
    }
}

/// First and last query time of a non-empty run.
fn query_span(run: &[&Hit]) -> (u32, u32) {
    let start = run.iter().map(|h| h.query_ms).min().unwrap_or(0);
    let end = run.iter().map(|h| h.query_ms).max().unwrap_or(0);
    (start, end)
}

/// The hits of one line cut into time-contiguous runs (a pause of more
/// than [`MAX_GAP_MS`] of query time ends a run), each with `min_hits`
/// hits at least made a segment by `segment`. On the first line, when no
/// run is long enough, the whole line is one segment.
fn line_segments(
    line: &[Hit],
    min_hits: usize,
    first: bool,
    segment: impl Fn(&[&Hit]) -> Segment,
) -> Vec<Segment> {
    let mut sorted: Vec<&Hit> = line.iter().collect();
    sorted.sort_by_key(|h| (h.query_ms, h.reference_ms));
    let mut runs: Vec<Vec<&Hit>> = Vec::new();
    for hit in sorted.iter().copied() {
        match runs.last_mut() {
            Some(run) if hit.query_ms - run[run.len() - 1].query_ms <= MAX_GAP_MS => run.push(hit),
            _ => runs.push(vec![hit]),
        }
    }
    let kept: Vec<Segment> = runs
        .iter()
        .filter(|run| run.len() >= min_hits)
        .map(|run| segment(run))
        .collect();
    if kept.is_empty() && first && !sorted.is_empty() {
        return vec![segment(&sorted)];
    }
    kept
}

/// The segments that are not mostly inside stronger ones, in query order,
/// with the best one's figures at the top level. `None` when there is none.
fn assemble(mut found: Vec<Segment>, tied_offsets: Vec<i64>) -> Option<Alignment> {
    // Strongest first: most hits, most weight, earliest in the query, then
    // earliest in the reference (a total order: deterministic).
    found.sort_by(|a, b| {
        b.hits
            .cmp(&a.hits)
            .then(b.score.total_cmp(&a.score))
            .then(a.query_range.cmp(&b.query_range))
            .then(a.reference_range.cmp(&b.reference_range))
    });
    let mut kept: Vec<Segment> = Vec::new();
    for segment in found {
        let (start, end) = (
            i64::from(segment.query_range.0),
            i64::from(segment.query_range.1),
        );
        let covered: i64 = kept
            .iter()
            .map(|k| {
                let inside =
                    end.min(i64::from(k.query_range.1)) - start.max(i64::from(k.query_range.0));
                // A point inside a stronger segment counts as covered.
                if inside == 0 && start == end {
                    1
                } else {
                    inside.max(0)
                }
            })
            .sum();
        if (covered as f64) < MAX_OVERLAP * (end - start).max(1) as f64 {
            kept.push(segment);
        }
    }
    let best = kept.first()?.clone();
    let alignment = Alignment {
        score: kept.iter().map(|s| s.score).sum(),
        hits: kept.iter().map(|s| s.hits).sum(),
        offset_ms: best.offset_ms,
        query_range: best.query_range,
        reference_range: best.reference_range,
        tied_offsets,
        speed: best.speed,
        segments: {
            kept.sort_by(|a, b| {
                a.query_range
                    .cmp(&b.query_range)
                    .then(a.reference_range.cmp(&b.reference_range))
            });
            kept
        },
    };
    Some(alignment)
}

/// Speeds [`align_scaled`] tries: a grid from [`SLOWEST`] to [`FASTEST`]
/// in steps of [`SPEED_STEP`] (a wrong speed by half a step moves the
/// last hit of a 40 s query by 100 ms: within the vote's tolerance).
pub const SLOWEST: f64 = 0.80;
/// The fastest speed tried.
pub const FASTEST: f64 = 1.25;
/// Step of the speed grid.
pub const SPEED_STEP: f64 = 0.005;
/// Offset bins of the speed vote, ms.
pub const SCALED_BIN_MS: f64 = 100.0;
/// Distance from the fitted line within which a hit agrees, ms.
pub const LINE_TOLERANCE_MS: f64 = 80.0;

/// Aligns hits that may lie on lines of any slope between [`SLOWEST`]
/// and [`FASTEST`]: at each speed of the grid every hit votes for the
/// offset `reference - speed * query` (100 ms bins, a bin's support its
/// own votes plus its neighbours'); the best (speed, offset) wins, and a
/// least-squares line through the hits near it (within 150 ms, then
/// within `LINE_TOLERANCE_MS`, 80 ms, of the first fit) gives the line
/// and its hits. Ties go to the speed closest to 1, then the earliest
/// offset. The line is cut into segments as in [`align`] ([`MAX_GAP_MS`],
/// `min_hits` per segment), each with its own least-squares line when it
/// spans 3 s of query at least (else the line's); then the vote is repeated
/// on the hits left, up to [`MAX_LINES`] lines. `None` when fewer than
/// `min_hits` agree on any line.
pub fn align_scaled(hits: &[Hit], min_hits: usize) -> Option<Alignment> {
    let mut remaining: Vec<Hit> = hits.to_vec();
    let mut found = Vec::new();
    for line_number in 0..MAX_LINES {
        let Some(line) = scaled_line(&remaining, min_hits) else {
            break;
        };
        let on_line =
            |h: &Hit| (f64::from(h.reference_ms) - line.0 * f64::from(h.query_ms) - line.1).abs();
        let (agreeing, rest): (Vec<Hit>, Vec<Hit>) = remaining
            .iter()
            .partition(|h| on_line(h) <= LINE_TOLERANCE_MS);
        found.extend(line_segments(
            &agreeing,
            min_hits,
            line_number == 0,
            |run| scaled_segment(run, line),
        ));
        remaining = rest;
    }
    assemble(found, Vec::new())
}

/// The best (speed, offset) line of `hits`, fitted; `None` when fewer
/// than `min_hits` lie on it.
fn scaled_line(hits: &[Hit], min_hits: usize) -> Option<(f64, f64)> {
    if hits.len() < min_hits {
        return None;
    }
    let steps = ((FASTEST - SLOWEST) / SPEED_STEP).round() as usize;
    let mut best: Option<(usize, f64, f64, i64)> = None; // (support, -|s-1|, speed, bin)
    let mut bins: HashMap<i64, usize> = HashMap::new();
    for step in 0..=steps {
        let speed = SLOWEST + step as f64 * SPEED_STEP;
        bins.clear();
        for h in hits {
            let offset = f64::from(h.reference_ms) - speed * f64::from(h.query_ms);
            *bins
                .entry((offset / SCALED_BIN_MS).floor() as i64)
                .or_default() += 1;
        }
        for &bin in bins.keys() {
            let support: usize = (bin - 1..=bin + 1).filter_map(|b| bins.get(&b)).sum();
            let candidate = (support, -(speed - 1.0).abs(), speed, bin);
            let better =
                best.is_none_or(|b| (candidate.0, candidate.1, -candidate.3) > (b.0, b.1, -b.3));
            if better {
                best = Some(candidate);
            }
        }
    }
    let (support, _, speed, bin) = best?;
    if support < min_hits {
        return None;
    }
    let mut line = (speed, (bin as f64 + 0.5) * SCALED_BIN_MS);
    let mut tolerance = 1.5 * SCALED_BIN_MS;
    for _ in 0..2 {
        let agreeing: Vec<&Hit> = hits
            .iter()
            .filter(|h| {
                (f64::from(h.reference_ms) - line.0 * f64::from(h.query_ms) - line.1).abs()
                    <= tolerance
            })
            .collect();
        line = fit_line(&agreeing).unwrap_or(line);
        tolerance = LINE_TOLERANCE_MS;
    }
    let agreeing = hits
        .iter()
        .filter(|h| {
            (f64::from(h.reference_ms) - line.0 * f64::from(h.query_ms) - line.1).abs() <= tolerance
        })
        .count();
    (agreeing >= min_hits).then_some(line)
}

/// A run of hits on a line of `line` = (speed, offset): its own fitted
/// line when it spans [`MIN_FIT_SPAN_MS`] of query at least.
fn scaled_segment(run: &[&Hit], line: (f64, f64)) -> Segment {
    let (query_start, query_end) = query_span(run);
    let own = if query_end - query_start >= MIN_FIT_SPAN_MS {
        fit_line(run).unwrap_or(line)
    } else {
        line
    };
    let at = |t: u32| (own.0 * f64::from(t) + own.1).max(0.0).round() as u32;
    Segment {
        query_range: (query_start, query_end),
        reference_range: (at(query_start), at(query_end)),
        speed: own.0,
        offset_ms: own.1.round() as i64,
        hits: run.len(),
        score: run.iter().map(|h| h.weight).sum(),
    }
}

/// The least-squares line `reference = slope * query + intercept` through
/// the hits, the slope kept within the speed grid; `None` when the hits
/// span no time.
fn fit_line(hits: &[&Hit]) -> Option<(f64, f64)> {
    let n = hits.len() as f64;
    let mean_q = hits.iter().map(|h| f64::from(h.query_ms)).sum::<f64>() / n;
    let mean_r = hits.iter().map(|h| f64::from(h.reference_ms)).sum::<f64>() / n;
    let (mut sqq, mut sqr) = (0.0, 0.0);
    for h in hits {
        let dq = f64::from(h.query_ms) - mean_q;
        sqq += dq * dq;
        sqr += dq * (f64::from(h.reference_ms) - mean_r);
    }
    if sqq <= 0.0 {
        return None;
    }
    let slope = (sqr / sqq).clamp(SLOWEST, FASTEST);
    Some((slope, mean_r - slope * mean_q))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(query_ms: u32, reference_ms: u32) -> Hit {
        Hit {
            query_ms,
            reference_ms,
            weight: 1.0,
        }
    }

    #[test]
    fn consistent_hits_give_the_offset_and_both_ranges() {
        // A 5 s excerpt taken from 60 s into the reference, plus noise.
        let mut hits: Vec<Hit> = (0..50)
            .map(|i| hit(i * 100, 60_000 + i * 100 + (i % 3)))
            .collect();
        hits.extend([hit(100, 5_000), hit(2_000, 90_000), hit(4_000, 1_000)]);
        let a = align(&hits, 16, 5).unwrap();
        assert_eq!(a.hits, 50);
        assert!((a.offset_ms - 60_000).abs() <= 2, "{}", a.offset_ms);
        assert_eq!(a.query_range, (0, 4_900));
        assert!(
            a.reference_range.0.abs_diff(60_000) <= 2 && a.reference_range.1.abs_diff(64_900) <= 2
        );
        assert!(a.tied_offsets.is_empty());
        // One run: one segment, the top level's.
        assert_eq!(
            a.segments,
            vec![Segment {
                query_range: a.query_range,
                reference_range: a.reference_range,
                speed: 1.0,
                offset_ms: a.offset_ms,
                hits: 50,
                score: 50.0,
            }]
        );
    }

    #[test]
    fn a_lone_lucky_match_never_wins() {
        let hits = vec![hit(0, 10_000), hit(500, 3_000), hit(900, 70_000)];
        assert_eq!(align(&hits, 16, 3), None);
    }

    #[test]
    fn a_repeated_passage_is_reported_as_a_tie() {
        // The query fits at 10 s and at 40 s equally well.
        let mut hits: Vec<Hit> = (0..10).map(|i| hit(i * 200, 10_000 + i * 200)).collect();
        hits.extend((0..10).map(|i| hit(i * 200, 40_000 + i * 200)));
        let a = align(&hits, 16, 5).unwrap();
        assert_eq!(a.offset_ms, 10_000, "the earliest of equals wins");
        assert_eq!(a.tied_offsets.len(), 1);
        assert!((a.tied_offsets[0] - 40_000).abs() <= 16);
        // The same query stretch is not two segments.
        assert_eq!(a.segments.len(), 1, "{:?}", a.segments);
    }

    #[test]
    fn hits_of_a_faster_copy_give_its_speed_and_ranges() {
        // A copy played 6% fast of the reference's 20-50 s: 30 s of
        // reference in 28.3 s of query, hits every 150 ms with 30 ms of
        // jitter, plus scattered chance hits.
        let speed = 1.06;
        let mut hits: Vec<Hit> = (0..189)
            .map(|i| {
                let q = i * 150;
                let r = 20_000.0 + speed * f64::from(q) + f64::from((i * 7) % 61) - 30.0;
                hit(q, r as u32)
            })
            .collect();
        hits.extend((0..60).map(|i| hit((i * 977) % 28_000, (i * 7_919) % 90_000)));
        let a = align_scaled(&hits, 10).unwrap();
        assert!((a.speed - speed).abs() < 0.002, "speed {}", a.speed);
        assert!(a.hits >= 185, "{} hits", a.hits);
        assert!(
            a.reference_range.0.abs_diff(20_000) <= 60,
            "{:?}",
            a.reference_range
        );
        // The last hit, at 28.2 s of query: 20 s + 1.06 x 28.2 s.
        assert!(
            a.reference_range.1.abs_diff(49_892) <= 60,
            "{:?}",
            a.reference_range
        );
        assert_eq!(a.segments.len(), 1, "{:?}", a.segments);
        assert_eq!(a.segments[0].speed, a.speed);
        assert_eq!(a.segments[0].reference_range, a.reference_range);
        // Chance hits alone do not line up.
        assert_eq!(align_scaled(&hits[189..], 10), None);
    }

    /// A compilation: the query's 0-8 s are the reference's `first`..+8 s,
    /// its 8-16 s something else (scattered chance hits), its 16-24 s the
    /// reference's `second`..+8 s. Hits every 100 ms.
    fn compilation(first: u32, second: u32) -> Vec<Hit> {
        let mut hits: Vec<Hit> = (0..80).map(|i| hit(i * 100, first + i * 100)).collect();
        hits.extend((0..12).map(|i| hit(8_000 + i * 650, (i * 7_919) % 90_000)));
        hits.extend((0..80).map(|i| hit(16_000 + i * 100, second + i * 100)));
        hits
    }

    #[test]
    fn a_reference_used_twice_gives_two_segments_and_not_the_gap() {
        // Another offset for the second use (20 s and 50 s of the
        // reference), and the same offset (20 s and 36 s: one line with a
        // pause of 8 s).
        for (first, second) in [(20_000, 50_000), (20_000, 36_000)] {
            let a = align(&compilation(first, second), 16, 10).unwrap();
            let segment = |q: u32, r: u32| Segment {
                query_range: (q, q + 7_900),
                reference_range: (r, r + 7_900),
                speed: 1.0,
                offset_ms: i64::from(r) - i64::from(q),
                hits: 80,
                score: 80.0,
            };
            assert_eq!(
                a.segments,
                vec![segment(0, first), segment(16_000, second)],
                "second use at {second}"
            );
            // Equals: the earlier segment is the best, at the top level.
            assert_eq!(
                (a.query_range, a.reference_range),
                ((0, 7_900), (first, first + 7_900))
            );
            assert_eq!((a.hits, a.score), (160, 160.0));
        }
    }

    #[test]
    fn a_faster_compilation_gives_two_segments_with_their_speed() {
        // Both uses played 5% fast: query 0-10 s from the reference's 20 s,
        // query 18-28 s from its 60 s; chance hits between.
        let speed = 1.05;
        let run = |q0: u32, r0: f64| {
            (0..100).map(move |i| {
                let q = i * 100;
                hit(q0 + q, (r0 + speed * f64::from(q)) as u32)
            })
        };
        let mut hits: Vec<Hit> = run(0, 20_000.0).collect();
        hits.extend((0..15).map(|i| hit(10_500 + i * 500, (i * 7_919) % 90_000)));
        hits.extend(run(18_000, 60_000.0));
        let a = align_scaled(&hits, 12).unwrap();
        assert_eq!(a.segments.len(), 2, "{:?}", a.segments);
        for (segment, (q0, r0)) in a.segments.iter().zip([(0, 20_000), (18_000, 60_000)]) {
            assert!((segment.speed - speed).abs() < 0.002, "{segment:?}");
            assert_eq!(segment.query_range, (q0, q0 + 9_900), "{segment:?}");
            assert!(
                segment.reference_range.0.abs_diff(r0) <= 2
                    && segment.reference_range.1.abs_diff(r0 + 10_395) <= 2,
                "{segment:?}"
            );
            assert_eq!(segment.hits, 100);
        }
    }

    #[test]
    fn sparse_hits_on_one_offset_stay_one_segment() {
        // One hit every 6 s: no run reaches `min_hits`, but the line does.
        let hits: Vec<Hit> = (0..10)
            .map(|i| hit(i * 6_000, 10_000 + i * 6_000))
            .collect();
        let a = align(&hits, 16, 5).unwrap();
        assert_eq!(a.segments.len(), 1);
        assert_eq!(a.query_range, (0, 54_000));
        assert_eq!(a.reference_range, (10_000, 64_000));
    }
}
