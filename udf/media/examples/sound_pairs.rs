//! Every sound query against every library item, scored as the search's
//! rerank scores audio, with the figures the score is made from: seconds
//! instead of an evaluation per try. There is no key lookup: every item
//! is a candidate (the rerank joins the query's keys with the item's, as
//! the search's `audio_hits` do), so false matches can only be more than
//! the search's; the stop list is not applied.
//!
//! Usage: `sound_pairs REFERENCES QUERIES` with the lists the evaluation
//! writes with `--sounds-only --corpus-only` (`sounds-references.txt`,
//! `sounds-queries.tsv`). Prints a TSV, one line per pair: query,
//! transformation, truth, reference, the query's landmarks and triplets,
//! for each kind the key hits and the hits on the aligned line, and the
//! rerank's verdict (score, evidence's speed, the alignment's
//! significance); then, per transformation, the copies found first and at
//! the threshold, and the best score any unrelated pair reached.

use std::collections::BTreeMap;

use clickprint_core::matching::rerank::{
    Prepared, align_audio, align_triplets, audio_significance, landmark_hits, rerank,
};
use clickprint_core::records::Use;
use clickprint_media::decode::Limits;

mod pairs;
use pairs::{name, prepared};

/// The service's default `search_min_score`.
const THRESHOLD: f32 = 0.3;

fn main() {
    let (references, queries) = pairs::lists("sound_pairs");
    let limits = Limits::default();
    let library: Vec<Option<Prepared>> = references
        .iter()
        .map(|r| prepared(r, Use::Library, &limits))
        .collect();
    eprintln!("{} references, {} queries", library.len(), queries.len());
    println!(
        "query\ttransform\ttruth\treference\tlandmarks\ttriplets\tlandmark_hits\tlandmark_line\ttriplet_hits\ttriplet_line\tlandmark_significance\ttriplet_significance\tscore\tspeed"
    );
    // Per transformation: copies, found first, found at the threshold;
    // the best unrelated pair's score.
    let mut rows: BTreeMap<String, (usize, usize, usize, f32)> = BTreeMap::new();
    for (n, (file, transform, truth)) in queries.iter().enumerate() {
        if n % 50 == 0 {
            eprintln!("query {n}");
        }
        let Some(query) = prepared(file, Use::Query, &limits) else {
            continue;
        };
        let mut best = (usize::MAX, 0f32);
        let row = rows.entry(transform.clone()).or_default();
        for (i, reference) in library.iter().enumerate() {
            let Some(reference) = reference else { continue };
            let lh = landmark_hits(&query.landmarks, &reference.landmarks);
            let th = landmark_hits(&query.triplets, &reference.triplets);
            let la = align_audio(&query.landmarks, &reference.landmarks);
            let ta = align_triplets(&query.triplets, &reference.triplets);
            let ls = la
                .as_ref()
                .map_or(0.0, |a| audio_significance(a, &lh, false));
            let ts = ta
                .as_ref()
                .map_or(0.0, |a| audio_significance(a, &th, true));
            let verdict = rerank(&query, reference, &[]);
            let (score, speed) = verdict.map_or((0.0, 0.0), |v| (v.score, v.speed));
            println!(
                "{}\t{transform}\t{}\t{i}\t{}\t{}\t{}\t{}\t{}\t{}\t{ls:.2}\t{ts:.2}\t{score:.3}\t{speed:.4}",
                name(file),
                truth.map_or("-".to_owned(), |t| t.to_string()),
                query.landmarks.len(),
                query.triplets.len(),
                lh.len(),
                la.as_ref().map_or(0, |a| a.hits),
                th.len(),
                ta.as_ref().map_or(0, |a| a.hits),
            );
            if Some(i) != *truth {
                row.3 = row.3.max(score);
            }
            if score > best.1 {
                best = (i, score);
            }
        }
        if truth.is_some() {
            row.0 += 1;
            if *truth == Some(best.0) {
                row.1 += 1;
                if best.1 >= THRESHOLD {
                    row.2 += 1;
                }
            }
        }
    }
    eprintln!("transformation\tcopies\tfirst\tat {THRESHOLD}\tbest unrelated pair");
    for (transform, (copies, first, at, unrelated)) in rows {
        eprintln!("{transform}\t{copies}\t{first}\t{at}\t{unrelated:.3}");
    }
}
