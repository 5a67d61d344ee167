//! Every picture query against every library picture, scored as the
//! search's rerank scores a picture (the global hash, else the verified
//! local features), once per set of matcher checks
//! (`clickprint_core::matching::local::Checks`): a few minutes instead of
//! an evaluation per setting. There is no key lookup: every reference is a
//! candidate, so false matches can only be more than the search's.
//!
//! Usage: `picture_pairs REFERENCES QUERIES` with the lists the evaluation
//! writes with `--corpus-only` (`pictures-references.txt`,
//! `pictures-queries.tsv`). Prints, per setting, the copies found first
//! and found at the threshold (all, and per transformation), the unrelated
//! queries above the threshold (photographs, clip art) with their best
//! reference, and the copies the setting loses against no checks (and
//! for the search's own checks, every copy it misses).
//!
//! One shortcut: a pair of feature sets with fewer than
//! `MIN_INLIERS` inliers without checks is not verified again with
//! them (the checks only remove putative matches and inliers).

use std::collections::BTreeMap;

use clickprint_core::matching::local::{
    CHECKS, Checks, MIN_INLIERS, NO_CHECKS, THRESHOLD_SCORE, verify_with_inliers,
};
use clickprint_core::matching::rerank::Prepared;
use clickprint_core::records::Use;
use clickprint_media::decode::Limits;

mod pairs;
use pairs::{combined, global_score, name, prepared};

/// The settings compared, by name.
fn settings() -> Vec<(&'static str, Checks)> {
    let with = |same_place: f32, same_place_from: usize, levels_from: f32| Checks {
        same_place,
        same_place_from,
        levels_from,
    };
    vec![
        ("none", NO_CHECKS),
        ("both-always", with(4.0, 0, 1.0)),
        ("levels-always", with(0.0, 0, 1.0)),
        ("levels-1.6", with(0.0, 0, 1.6)),
        ("corner-always", with(4.0, 0, f32::INFINITY)),
        ("corner-ref-30+levels-1.6", with(4.0, 30, 1.6)),
        ("corner-ref-60+levels-1.6", with(4.0, 60, 1.6)),
        ("corner-ref-100+levels-1.6", with(4.0, 100, 1.6)),
        ("corner-ref-60+levels-always", with(4.0, 60, 1.0)),
        ("search", CHECKS),
    ]
}

fn main() {
    let (references, queries) = pairs::lists("picture_pairs");
    let limits = Limits::default();
    let library: Vec<Option<Prepared>> = references
        .iter()
        .map(|r| prepared(r, Use::Library, &limits))
        .collect();
    eprintln!("{} references, {} queries", library.len(), queries.len());
    // The references the one-corner rule spares (fewer keypoints than
    // `same_place_from` in the search's checks).
    for (r, p) in references.iter().zip(&library) {
        for (_, _, _, f) in p.iter().flat_map(|p| &p.local) {
            if f.keypoints.len() < 100 {
                println!("few keypoints: {} {}", name(r), f.keypoints.len());
            }
        }
    }
    let settings = settings();
    let threshold = THRESHOLD_SCORE as f32;
    // Per setting: per query, its best reference and score.
    let mut best: Vec<Vec<(usize, f32)>> = vec![Vec::new(); settings.len()];
    for (n, (file, _, _)) in queries.iter().enumerate() {
        if n % 50 == 0 {
            eprintln!("query {n}");
        }
        let query = prepared(file, Use::Query, &limits);
        let mut scores = vec![vec![0f32; library.len()]; settings.len()];
        if let Some(query) = &query {
            for (i, reference) in library.iter().enumerate() {
                let Some(reference) = reference else { continue };
                let global = global_score(query, reference);
                let mut local = vec![0f32; settings.len()];
                for (_, _, _, q) in &query.local {
                    for (_, _, _, r) in reference.local.iter().filter(|(_, m, _, _)| !m) {
                        let Some((plain, _)) = verify_with_inliers(q, r, &NO_CHECKS) else {
                            continue;
                        };
                        if plain.inliers < MIN_INLIERS {
                            continue;
                        }
                        for (s, (_, checks)) in settings.iter().enumerate() {
                            let m = if *checks == NO_CHECKS {
                                Some(plain)
                            } else {
                                verify_with_inliers(q, r, checks).map(|(m, _)| m)
                            };
                            if let Some(m) = m.filter(|m| m.is_evidence()) {
                                local[s] = local[s].max(m.score());
                            }
                        }
                    }
                }
                for s in 0..settings.len() {
                    scores[s][i] = combined(global, local[s]);
                }
            }
        }
        for s in 0..settings.len() {
            let top =
                scores[s]
                    .iter()
                    .copied()
                    .enumerate()
                    .fold(
                        (usize::MAX, 0f32),
                        |a, (i, v)| if v > a.1 { (i, v) } else { a },
                    );
            best[s].push(top);
        }
    }
    let found = |s: usize, n: usize, at: f32| {
        let (i, v) = best[s][n];
        queries[n].2 == Some(i) && v > 0.0 && v >= at
    };
    for (s, (setting, checks)) in settings.iter().enumerate() {
        let copies: Vec<usize> = (0..queries.len())
            .filter(|&n| queries[n].2.is_some())
            .collect();
        let first = copies.iter().filter(|&&n| found(s, n, 0.0)).count();
        let at = copies.iter().filter(|&&n| found(s, n, threshold)).count();
        let wrong = copies
            .iter()
            .filter(|&&n| best[s][n].1 >= threshold && queries[n].2 != Some(best[s][n].0))
            .count();
        let unrelated = |clipart: bool| -> Vec<usize> {
            (0..queries.len())
                .filter(|&n| {
                    queries[n].2.is_none() && (queries[n].1 == "unrelated_clipart") == clipart
                })
                .collect()
        };
        let (photos, clipart) = (unrelated(false), unrelated(true));
        let above = |set: &[usize]| -> Vec<usize> {
            set.iter()
                .copied()
                .filter(|&n| best[s][n].1 >= threshold)
                .collect()
        };
        let (photos_above, clipart_above) = (above(&photos), above(&clipart));
        println!("== {setting} {checks:?}");
        println!(
            "copies: first {first} of {}, at {threshold} {at}, wrong top-1 above it {wrong}; unrelated above it: photographs {} of {}, clip art {} of {}",
            copies.len(),
            photos_above.len(),
            photos.len(),
            clipart_above.len(),
            clipart.len()
        );
        let mut rows: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for &n in &copies {
            let row = rows.entry(queries[n].1.as_str()).or_default();
            row.1 += 1;
            row.0 += usize::from(found(s, n, threshold));
        }
        let rows: Vec<String> = rows
            .iter()
            .map(|(t, (k, of))| format!("{t} {k}/{of}"))
            .collect();
        println!("rows at the threshold: {}", rows.join(", "));
        for n in photos_above.iter().chain(&clipart_above) {
            let (i, v) = best[s][*n];
            println!(
                "  false: {} -> {} {v:.3}",
                name(&queries[*n].0),
                name(&references[i])
            );
        }
        if *setting == "search" {
            for &n in copies.iter().filter(|&&n| !found(s, n, threshold)) {
                let (i, v) = best[s][n];
                let to = references.get(i).map_or("-", |r| name(r));
                println!("  missed: {} (best {to} {v:.3})", name(&queries[n].0));
            }
        }
        for &n in &copies {
            if found(0, n, threshold) && !found(s, n, threshold) {
                let (i, v) = best[s][n];
                let to = references.get(i).map_or("-", |r| name(r));
                println!("  lost: {} (best {to} {v:.3})", name(&queries[n].0));
            }
        }
    }
}
