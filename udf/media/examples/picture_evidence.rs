//! The evidence behind each picture verdict, for looking at what a rule
//! on the local features' inliers would keep: every copy against its true
//! reference, and every unrelated query against the reference it scores
//! highest (all references tried, as `picture_pairs` does), printed when
//! that score is at the threshold or above.
//!
//! Usage: `picture_evidence REFERENCES QUERIES` with the lists the
//! evaluation writes with `--corpus-only`. One tab-separated line a
//! query: transformation, query file, reference file, the rerank's score
//! (the global hash's at the threshold or above, else the stronger of the
//! two), the global hash's score, and for the strongest local match its
//! score, inliers, putative matches, significance, the inliers expected by
//! chance (`chance`), and how many of the inliers stand in distinct places
//! of the reference (at least 8 and 12 working pixels from every one kept
//! before: several inliers on one corner or one small patch are one
//! place), then the share of the query's keypoints' bounding box (of the
//! feature set that matched: the picture, its mirror image or a region)
//! and of the reference's that the inliers' bounding box covers.

use clickprint_core::matching::local::{LocalMatch, THRESHOLD_SCORE};
use clickprint_core::matching::rerank::Prepared;
use clickprint_core::records::Use;
use clickprint_media::decode::Limits;

mod pairs;
use pairs::{combined, global_score, name, prepared};

/// A local match with its inliers' distinct places at 8 and 12 pixels,
/// and the share of the query's and of the reference's keypoints'
/// bounding box the inliers' bounding box covers.
type Local = (LocalMatch, usize, usize, f32, f32);

/// The area of the bounding box of `points` (0 for none).
fn area(points: impl Iterator<Item = (f32, f32)>) -> f32 {
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for (x, y) in points {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    if x1 < x0 { 0.0 } else { (x1 - x0) * (y1 - y0) }
}

/// The strongest local match of `query` against `reference`.
fn best_local(query: &Prepared, reference: &Prepared) -> Option<Local> {
    let (m, inliers, set) = pairs::best_local(query, reference)?;
    let q = &query.local[set].3;
    // A library picture has one own feature set (regions are a query's).
    let r = reference.local.iter().find(|l| !l.1).map(|l| &l.3)?;
    // A set's frame: its keypoints' bounding box (the records keep no
    // working size), so the share is of the picture's textured part.
    let share = |inliers: f32, all: f32| if all > 0.0 { inliers / all } else { 0.0 };
    let in_query = share(
        area(inliers.iter().map(|(k, _)| (k.x, k.y))),
        area(q.keypoints.iter().map(|k| (k.x, k.y))),
    );
    let in_reference = share(
        area(inliers.iter().map(|(_, k)| (k.x, k.y))),
        area(r.keypoints.iter().map(|k| (k.x, k.y))),
    );
    let places = |radius: f32| {
        let mut kept: Vec<(f32, f32)> = Vec::new();
        for (_, k) in &inliers {
            if kept.iter().all(|&(x, y)| (x - k.x).hypot(y - k.y) > radius) {
                kept.push((k.x, k.y));
            }
        }
        kept.len()
    };
    Some((m, places(8.0), places(12.0), in_query, in_reference))
}

fn main() {
    let (references, queries) = pairs::lists("picture_evidence");
    let limits = Limits::default();
    let library: Vec<Option<Prepared>> = references
        .iter()
        .map(|r| prepared(r, Use::Library, &limits))
        .collect();
    let threshold = THRESHOLD_SCORE as f32;
    for (n, (file, transform, truth)) in queries.iter().enumerate() {
        if n % 50 == 0 {
            eprintln!("query {n} of {}", queries.len());
        }
        let Some(query) = prepared(file, Use::Query, &limits) else {
            continue;
        };
        let candidates: Vec<usize> =
            truth.map_or_else(|| (0..library.len()).collect(), |t| vec![t]);
        // (score, reference, global score, local evidence)
        let mut top: Option<(f32, usize, f32, Option<Local>)> = None;
        for i in candidates {
            let Some(reference) = &library[i] else {
                continue;
            };
            let global = global_score(&query, reference);
            let local = best_local(&query, reference);
            let score = combined(global, local.as_ref().map_or(0.0, |(m, ..)| m.score()));
            if top.as_ref().is_none_or(|t| score > t.0) {
                top = Some((score, i, global, local));
            }
        }
        let Some((score, i, global, local)) = top else {
            continue;
        };
        if truth.is_none() && score < threshold {
            continue;
        }
        let local = local.map_or_else(String::new, |(m, at8, at12, in_q, in_r)| {
            format!(
                "\t{:.3}\t{}\t{}\t{:.1}\t{:.3}\t{at8}\t{at12}\t{in_q:.3}\t{in_r:.3}",
                m.score(),
                m.inliers,
                m.putative,
                m.significance,
                m.chance
            )
        });
        println!(
            "{transform}\t{}\t{}\t{score:.3}\t{global:.3}{local}",
            name(file),
            name(&references[i])
        );
    }
}
