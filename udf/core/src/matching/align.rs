//! Temporal alignment by offset voting (a Hough histogram over
//! `reference_time - query_time`).
//!
//! Every match between a query element (frame, landmark) and a reference
//! element votes for the time offset that would line them up. A real copy
//! puts many votes in one offset bin; chance matches scatter. So a single
//! lucky match never wins alone: a reference needs `min_hits` votes in its
//! best bin. The winning bin's matches give the query and reference ranges.
//! When another bin far from the winner has as many votes (a repeated
//! passage), the result says so in `tied_offsets` rather than pretending.
//!
//! A copy played at another speed puts its hits on a line
//! `reference = speed * query + offset` whose slope is not 1:
//! [`align_scaled`] lets the hits vote for an offset at each speed of a
//! grid, then fits the line to the winners by least squares.

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

/// The best-supported alignment of a query with one reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// Sum of the weights of the hits that agree on the offset.
    pub score: f32,
    /// How many hits agree on the offset.
    pub hits: usize,
    /// `reference_ms - query_ms` of the agreeing hits (their median), ms.
    pub offset_ms: i64,
    /// First and last query time among the agreeing hits, ms.
    pub query_range: (u32, u32),
    /// The same span in the reference, ms.
    pub reference_range: (u32, u32),
    /// Other offsets (ms) as well supported as the winner, at least two bins
    /// away from it: the query also fits there (repeats).
    pub tied_offsets: Vec<i64>,
    /// Reference seconds per query second (1 from [`align`]).
    pub speed: f64,
}

/// Aligns the hits of one query against one reference.
///
/// `bin_ms` is the width of an offset bin (the time resolution of the
/// elements: 16 ms landmark frames, 500 ms sampled video frames); a vote
/// also counts for the neighbouring bins' totals, so a true offset on a bin
/// edge is not split. Returns `None` when no bin reaches `min_hits`.
pub fn align(hits: &[Hit], bin_ms: u32, min_hits: usize) -> Option<Alignment> {
    let bin_ms = i64::from(bin_ms.max(1));
    let bin_of = |h: &Hit| (i64::from(h.reference_ms) - i64::from(h.query_ms)).div_euclid(bin_ms);
    let mut bins: HashMap<i64, (usize, f32)> = HashMap::new();
    for hit in hits {
        let entry = bins.entry(bin_of(hit)).or_default();
        entry.0 += 1;
        entry.1 += hit.weight;
    }
    // Support of a bin = its own votes plus its two neighbours'.
    let support = |bin: i64| {
        (bin - 1..=bin + 1)
            .filter_map(|b| bins.get(&b))
            .fold((0usize, 0f32), |acc, v| (acc.0 + v.0, acc.1 + v.1))
    };
    let mut ranked: Vec<(i64, (usize, f32))> = bins.keys().map(|&b| (b, support(b))).collect();
    // Most hits first, then most weight, then the earliest offset: deterministic.
    ranked.sort_by(|a, b| {
        b.1.0
            .cmp(&a.1.0)
            .then(b.1.1.total_cmp(&a.1.1))
            .then(a.0.cmp(&b.0))
    });
    let &(best, (count, _)) = ranked.first()?;
    if count < min_hits {
        return None;
    }
    let agreeing: Vec<&Hit> = hits
        .iter()
        .filter(|h| (bin_of(h) - best).abs() <= 1)
        .collect();
    let mut offsets: Vec<i64> = agreeing
        .iter()
        .map(|h| i64::from(h.reference_ms) - i64::from(h.query_ms))
        .collect();
    offsets.sort_unstable();
    let offset_ms = offsets[offsets.len() / 2];
    let query_start = agreeing.iter().map(|h| h.query_ms).min()?;
    let query_end = agreeing.iter().map(|h| h.query_ms).max()?;
    let shift = |t: u32| (i64::from(t) + offset_ms).max(0) as u32;
    let tied_offsets = ranked
        .iter()
        .skip(1)
        .take_while(|(_, (c, _))| *c == count)
        .filter(|(bin, _)| (bin - best).abs() > 2)
        .map(|(bin, _)| bin * bin_ms)
        .collect();
    Some(Alignment {
        score: agreeing.iter().map(|h| h.weight).sum(),
        hits: agreeing.len(),
        offset_ms,
        query_range: (query_start, query_end),
        reference_range: (shift(query_start), shift(query_end)),
        tied_offsets,
        speed: 1.0,
    })
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
const SCALED_BIN_MS: f64 = 100.0;
/// Distance from the fitted line within which a hit agrees, ms.
const LINE_TOLERANCE_MS: f64 = 80.0;

/// Aligns hits that may lie on a line of any slope between [`SLOWEST`]
/// and [`FASTEST`]: at each speed of the grid every hit votes for the
/// offset `reference - speed * query` (100 ms bins, a bin's support its
/// own votes plus its neighbours'); the best (speed, offset) wins, and a
/// least-squares line through the hits near it (within 150 ms, then
/// within `LINE_TOLERANCE_MS`, 80 ms, of the first fit) gives
/// the speed, the offset and the agreeing hits. Ties go to the speed
/// closest to 1, then the earliest offset. `None` when fewer than
/// `min_hits` agree.
pub fn align_scaled(hits: &[Hit], min_hits: usize) -> Option<Alignment> {
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
    let mut agreeing: Vec<&Hit> = Vec::new();
    for _ in 0..2 {
        agreeing = hits
            .iter()
            .filter(|h| {
                (f64::from(h.reference_ms) - line.0 * f64::from(h.query_ms) - line.1).abs()
                    <= tolerance
            })
            .collect();
        line = fit_line(&agreeing).unwrap_or(line);
        tolerance = LINE_TOLERANCE_MS;
    }
    agreeing.retain(|h| {
        (f64::from(h.reference_ms) - line.0 * f64::from(h.query_ms) - line.1).abs() <= tolerance
    });
    if agreeing.len() < min_hits {
        return None;
    }
    let query_start = agreeing.iter().map(|h| h.query_ms).min()?;
    let query_end = agreeing.iter().map(|h| h.query_ms).max()?;
    let at = |t: u32| (line.0 * f64::from(t) + line.1).max(0.0).round() as u32;
    Some(Alignment {
        score: agreeing.iter().map(|h| h.weight).sum(),
        hits: agreeing.len(),
        offset_ms: line.1.round() as i64,
        query_range: (query_start, query_end),
        reference_range: (at(query_start), at(query_end)),
        tied_offsets: Vec::new(),
        speed: line.0,
    })
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
        // Chance hits alone do not line up.
        assert_eq!(align_scaled(&hits[189..], 10), None);
    }
}
