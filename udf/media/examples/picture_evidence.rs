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
//! place).

use clickprint_core::matching::local::{LocalMatch, THRESHOLD_SCORE};
use clickprint_core::matching::rerank::Prepared;
use clickprint_core::records::Use;
use clickprint_media::decode::Limits;

mod pairs;
use pairs::{combined, global_score, name, prepared};

/// A local match with its inliers' distinct places at 8 and 12 pixels.
type Local = (LocalMatch, usize, usize);

/// The strongest local match of `query` against `reference`.
fn best_local(query: &Prepared, reference: &Prepared) -> Option<Local> {
    let (m, inliers, _) = pairs::best_local(query, reference)?;
    let places = |radius: f32| {
        let mut kept: Vec<(f32, f32)> = Vec::new();
        for (_, k) in &inliers {
            if kept.iter().all(|&(x, y)| (x - k.x).hypot(y - k.y) > radius) {
                kept.push((k.x, k.y));
            }
        }
        kept.len()
    };
    Some((m, places(8.0), places(12.0)))
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
            let score = combined(global, local.as_ref().map_or(0.0, |(m, _, _)| m.score()));
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
        let local = local.map_or_else(String::new, |(m, at8, at12)| {
            format!(
                "\t{:.3}\t{}\t{}\t{:.1}\t{:.3}\t{at8}\t{at12}",
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
