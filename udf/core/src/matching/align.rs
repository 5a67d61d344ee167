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
    })
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
}
