//! Accuracy per transformation and method: recall at rank 1 and 10,
//! precision at the method's operating threshold, false positives per
//! 1,000 unrelated queries, and time-range localisation (IoU).
//!
//! A compilation (a query that holds two stretches of one reference with
//! other content between) is found only when the right reference comes
//! with a reported segment of IoU >= 0.5 for each stretch; its IoU figures
//! are each stretch's best.

use serde::Serialize;

use crate::methods::{Answers, Candidate};

/// One query: a transformed copy of a reference, or a transformed
/// picture or sound that is in no reference (unrelated).
#[derive(Debug, Clone, Serialize)]
pub struct Query {
    pub file: String,
    pub transform: &'static str,
    /// The reference it was made from; `None` for an unrelated query.
    pub truth: Option<usize>,
    /// Where in the reference it comes from, seconds (sound and video).
    pub true_range: Option<(f64, f64)>,
    /// Reference seconds per query second, for copies played at another
    /// speed (`None`: the original speed).
    pub true_speed: Option<f64>,
    /// A compilation's stretches of the reference, seconds, in query
    /// order; empty for other queries.
    pub true_segments: Vec<(f64, f64)>,
}

/// IoU a compilation's stretch needs with a reported segment.
pub const SEGMENT_IOU: f64 = 0.5;

/// One row of a result table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub transform: String,
    pub method: String,
    pub copies: usize,
    pub unrelated: usize,
    pub recall_at_1: f64,
    pub recall_at_10: f64,
    /// Copies whose best answer is their original and reaches the
    /// threshold: what a user at the default threshold gets.
    pub recall_at_1_at_threshold: f64,
    /// Copies whose best answer reaches the threshold but is another
    /// reference (a wrong match shown to the user), a count.
    pub wrong_top1_at_threshold: usize,
    /// Of the queries whose best answer reaches the threshold, the share
    /// whose best answer is right; `None` when none reaches it.
    pub precision: Option<f64>,
    pub false_positives_per_1000: f64,
    /// Mean IoU of the reported and the true range, over copies found at
    /// rank 1 (methods that localise, on sound and video).
    pub mean_iou: Option<f64>,
    /// Median IoU over the same copies.
    pub median_iou: Option<f64>,
    /// Median of |reported speed / true speed - 1| over copies found at
    /// rank 1 whose method reports a speed (`None` when it reports none).
    pub median_speed_error: Option<f64>,
}

fn iou(a: (f64, f64), b: (f64, f64)) -> f64 {
    let inter = (a.1.min(b.1) - a.0.max(b.0)).max(0.0);
    let union = (a.1.max(b.1) - a.0.min(b.0)).max(1e-9);
    inter / union
}

/// Each of a compilation's stretches' best IoU with the candidate's
/// segments (its one range when it reports no segments).
fn segment_ious(query: &Query, candidate: &Candidate) -> Vec<f64> {
    let reported: Vec<(f64, f64)> = if candidate.segments.is_empty() {
        candidate.range.into_iter().collect()
    } else {
        candidate.segments.clone()
    };
    query
        .true_segments
        .iter()
        .map(|&t| reported.iter().map(|&r| iou(t, r)).fold(0.0, f64::max))
        .collect()
}

/// Whether `candidate` is the query's reference (for a compilation: with
/// every stretch found, IoU >= [`SEGMENT_IOU`]).
fn is_found(query: &Query, truth: usize, candidate: &Candidate) -> bool {
    candidate.reference == truth
        && segment_ious(query, candidate)
            .iter()
            .all(|&v| v >= SEGMENT_IOU)
}

/// The row for `queries` (indices into `all`) answered by `answers`.
fn row(transform: &str, answers: &Answers, all: &[Query], picked: &[usize]) -> Row {
    let mut copies = 0;
    let mut unrelated = 0;
    let (mut at1, mut at10, mut passed, mut right, mut false_pos) = (0, 0, 0, 0, 0);
    let (mut at1_above, mut wrong_above) = (0, 0);
    let mut ious = Vec::new();
    let mut speed_errors = Vec::new();
    for &i in picked {
        let query = &all[i];
        let ranked: &[Candidate] = &answers.ranked[i];
        let top = ranked.first();
        let above = top.is_some_and(|c| c.score >= answers.threshold);
        match query.truth {
            Some(truth) => {
                copies += 1;
                let found_first = top.is_some_and(|c| is_found(query, truth, c));
                if let Some(top) = top.filter(|c| c.reference == truth) {
                    if query.true_segments.is_empty() {
                        if let (Some(t), Some(r)) = (query.true_range, top.range) {
                            ious.push(iou(t, r));
                        }
                    } else {
                        ious.extend(segment_ious(query, top));
                    }
                }
                if found_first {
                    at1 += 1;
                    if let Some(reported) = top.and_then(|c| c.speed) {
                        let truth = query.true_speed.unwrap_or(1.0);
                        speed_errors.push((reported / truth - 1.0).abs());
                    }
                }
                if ranked.iter().take(10).any(|c| is_found(query, truth, c)) {
                    at10 += 1;
                }
                if above {
                    passed += 1;
                    if found_first {
                        right += 1;
                        at1_above += 1;
                    } else {
                        wrong_above += 1;
                    }
                }
            }
            None => {
                unrelated += 1;
                if above {
                    passed += 1;
                    false_pos += 1;
                }
            }
        }
    }
    let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
    Row {
        transform: transform.to_owned(),
        method: answers.method.to_owned(),
        copies,
        unrelated,
        recall_at_1: share(at1, copies),
        recall_at_10: share(at10, copies),
        recall_at_1_at_threshold: share(at1_above, copies),
        wrong_top1_at_threshold: wrong_above,
        precision: (passed > 0).then(|| share(right, passed)),
        false_positives_per_1000: 1000.0 * share(false_pos, unrelated),
        mean_iou: (!ious.is_empty()).then(|| ious.iter().sum::<f64>() / ious.len() as f64),
        median_iou: median(&mut ious),
        median_speed_error: median(&mut speed_errors),
    }
}

/// The median (the mean of the middle two for an even count).
fn median(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

/// Rows per transformation (in `order`) and an `overall` row, per method.
pub fn table(order: &[&'static str], queries: &[Query], methods: &[Answers]) -> Vec<Row> {
    let mut rows = Vec::new();
    for transform in order {
        let picked: Vec<usize> = (0..queries.len())
            .filter(|&i| queries[i].transform == *transform)
            .collect();
        for answers in methods {
            rows.push(row(transform, answers, queries, &picked));
        }
    }
    let everything: Vec<usize> = (0..queries.len()).collect();
    for answers in methods {
        rows.push(row("overall", answers, queries, &everything));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(truth: Option<usize>) -> Query {
        Query {
            file: String::new(),
            transform: "x",
            truth,
            true_range: Some((10.0, 20.0)),
            true_speed: None,
            true_segments: Vec::new(),
        }
    }

    fn c(reference: usize, score: f64, range: (f64, f64)) -> Candidate {
        Candidate {
            reference,
            score,
            range: Some(range),
            speed: None,
            segments: Vec::new(),
        }
    }

    #[test]
    fn a_row_counts_hits_misses_and_false_positives() {
        let queries = vec![q(Some(0)), q(Some(1)), q(None), q(None)];
        let answers = Answers {
            method: "m",
            threshold: 0.5,
            ranked: vec![
                vec![c(0, 0.9, (10.0, 15.0))],
                vec![c(2, 0.6, (0.0, 1.0)), c(1, 0.55, (0.0, 1.0))],
                vec![c(3, 0.7, (0.0, 1.0))],
                vec![c(3, 0.2, (0.0, 1.0))],
            ],
        };
        let rows = table(&["x"], &queries, &[answers]);
        let r = &rows[0];
        assert_eq!((r.copies, r.unrelated), (2, 2));
        assert_eq!((r.recall_at_1, r.recall_at_10), (0.5, 1.0));
        // The first copy is found above the threshold; the second's best
        // answer passes it but is another reference.
        assert_eq!(r.recall_at_1_at_threshold, 0.5);
        assert_eq!(r.wrong_top1_at_threshold, 1);
        // Three best answers pass the threshold; one of them is right.
        assert_eq!(r.precision, Some(1.0 / 3.0));
        assert_eq!(r.false_positives_per_1000, 500.0);
        assert_eq!(r.mean_iou, Some(0.5));
        assert_eq!(r.median_iou, Some(0.5));
        assert_eq!(r.median_speed_error, None);
        assert_eq!(rows[1].transform, "overall");
    }

    #[test]
    fn the_speed_error_is_relative_to_the_true_speed() {
        let mut slow = q(Some(0));
        slow.true_speed = Some(0.9);
        let answers = Answers {
            method: "m",
            threshold: 0.5,
            ranked: vec![
                vec![Candidate {
                    speed: Some(0.909),
                    ..c(0, 0.9, (10.0, 20.0))
                }],
                vec![Candidate {
                    speed: Some(1.02),
                    ..c(0, 0.9, (10.0, 20.0))
                }],
                vec![Candidate {
                    speed: Some(0.5),
                    ..c(1, 0.9, (10.0, 20.0))
                }],
            ],
        };
        let rows = table(&["x"], &[slow, q(Some(0)), q(Some(0))], &[answers]);
        // 1% and 2% off on the two found at rank 1; the wrong one is not counted.
        let error = rows[0].median_speed_error.unwrap();
        assert!((error - 0.015).abs() < 1e-9, "{error}");
    }

    #[test]
    fn a_compilation_is_found_only_with_both_stretches() {
        let mut compilation = q(Some(0));
        compilation.true_segments = vec![(2.0, 10.0), (16.0, 24.0)];
        let with = |segments: Vec<(f64, f64)>| Candidate {
            segments,
            ..c(0, 0.9, (2.0, 10.0))
        };
        let answers = Answers {
            method: "m",
            threshold: 0.5,
            ranked: vec![
                // Both, a little off: found.
                vec![with(vec![(2.5, 10.0), (16.0, 23.0)])],
                // One stretch only (the old single range): not found.
                vec![with(Vec::new())],
                // One range spanning both and the gap: not found.
                vec![with(vec![(2.0, 24.0)])],
            ],
        };
        let queries = vec![compilation.clone(), compilation.clone(), compilation];
        let r = &table(&["x"], &queries, &[answers])[0];
        assert!((r.recall_at_1 - 1.0 / 3.0).abs() < 1e-9, "{r:?}");
        // Each stretch's best IoU, on all three: 7.5/8 and 7/8; 1 and 0;
        // 8/22 twice.
        assert_eq!(r.median_iou, Some((7.0 / 8.0 + 8.0 / 22.0) / 2.0), "{r:?}");
    }
}
