//! How many of a verified match's inliers another library item could have
//! given as well (session 36's measurement of a false-match lead). An
//! unrelated drawing that shares a template with a library item (a folder,
//! a button, a road sign's frame) matches it on the template's corners;
//! when the library holds other drawings of that template, those corners
//! are common in it, while a copy also matches on what only its original
//! has. For every inlier (query keypoint, reference keypoint) of the
//! strongest local match, the number of other library items holding a
//! keypoint at most as far from the query keypoint's descriptor as the
//! inlier's own reference keypoint (plus a slack) says how common it is.
//!
//! Every query against its candidates as the search makes them (its
//! looked-up keys, each hit weighed 1 / the references holding the key,
//! the 100 of most weight) and, for a copy, its true reference: the
//! rerank's verdict of each pair at the threshold or above (and of every
//! copy's pair with its true reference), and for a verdict on local
//! features the strongest local match's inliers and how many of them are
//! rare: no other library item (and no other candidate) holds a keypoint
//! within the inlier's own descriptor distance plus 8 bits (or plus 0).
//!
//! Usage: `inlier_rarity REFERENCES QUERIES` with the lists the
//! evaluation writes with `--corpus-only`. One tab-separated line a pair:
//! the query's line, its true reference's line (`-`: unrelated), the
//! reference's line, whether it is a candidate, transformation, query
//! file, reference file, score, evidence, then for local evidence:
//! inliers, rare among the library (+8 bits), among the candidates (+8),
//! among the library (+0), among the candidates (+0) (`-` otherwise); and
//! the rerank's score with the reference's local features left out; and
//! the reference's hit keys (of the query's looked-up keys) that no other
//! reference holds, and that at most 2 others hold; and the inliers rare
//! among the candidates (+8) when the reference's near-duplicates (global
//! hashes within the frame match distance) are not counted as others; and
//! the inliers rare by the table a search would build
//! (`clickprint_core::matching::rarity`: the candidates grouped by global
//! hash, each query keypoint's nearest group and the next group's
//! distance), +8 bits.
//! On standard error, a `table` line a query: its keypoints (every
//! feature set), its candidates, and the milliseconds that table took
//! (one core, no index).

use std::collections::{HashMap, HashSet};

use clickprint_core::bits::hamming;
use clickprint_core::fingerprint::local::Keypoint;
use clickprint_core::matching::local::THRESHOLD_SCORE;
use clickprint_core::matching::rarity::{NearestTable, first_hash, one_picture, own_keypoints};
use clickprint_core::matching::rerank::{Evidence, Prepared, rerank};
use clickprint_core::records::{Record, Use};
use clickprint_core::rows::{QUERY_LOOKUP, looked_up};
use clickprint_media::decode::Limits;

mod pairs;
use pairs::{best_local, fingerprinted, key_index, name};

/// Candidates kept by the statement.
const CANDIDATES: usize = 100;

/// For each inlier, how many library items other than `answer` hold a
/// keypoint within the inlier's own descriptor distance plus `slack`.
fn others(
    index: &[(usize, [u8; 32])],
    answer: usize,
    inliers: &[(Keypoint, Keypoint)],
    slack: u32,
) -> Vec<usize> {
    inliers
        .iter()
        .map(|(q, r)| {
            let limit = hamming(&q.descriptor, &r.descriptor) + slack;
            let mut items: Vec<usize> = index
                .iter()
                .filter(|(i, d)| *i != answer && hamming(&q.descriptor, d) <= limit)
                .map(|(i, _)| *i)
                .collect();
            items.dedup();
            items.len()
        })
        .collect()
}

/// The search's candidates for a query's records: the references its
/// looked-up keys hit, weighed as the statement weighs them (each hit 1 /
/// the references holding its key), the 100 of most weight.
/// Beside them, per reference, its hit keys no other reference holds,
/// and those at most 2 others hold (a key-level rarity the statement's
/// candidate stage could count).
fn candidates(
    records: &[Record],
    index: &HashMap<(u8, u32), Vec<usize>>,
) -> (Vec<usize>, HashMap<usize, (u32, u32)>) {
    let chosen = looked_up(records, &QUERY_LOOKUP);
    let keys: HashSet<(u8, u32)> = records
        .iter()
        .zip(chosen)
        .filter(|(_, c)| *c)
        .flat_map(|(r, _)| r.keys(Use::Query))
        .map(|k| (k.band, k.key))
        .collect();
    let mut votes: HashMap<usize, f64> = HashMap::new();
    let mut rare: HashMap<usize, (u32, u32)> = HashMap::new();
    for k in &keys {
        let holders = index.get(k).map_or(&[][..], Vec::as_slice);
        for &i in holders {
            *votes.entry(i).or_default() += 1.0 / holders.len() as f64;
            let r = rare.entry(i).or_default();
            r.0 += u32::from(holders.len() == 1);
            r.1 += u32::from(holders.len() <= 3);
        }
    }
    let mut order: Vec<(usize, f64)> = votes.into_iter().collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let chosen = order.into_iter().take(CANDIDATES).map(|(i, _)| i).collect();
    (chosen, rare)
}

/// Whether library items `a` and `b` are one picture, as the search's
/// table groups them (`rarity::one_picture` of their first global hashes).
fn near_duplicates(library: &[Option<Prepared>], a: usize, b: usize) -> bool {
    let first = |i: usize| library[i].as_ref().and_then(first_hash);
    first(a)
        .zip(first(b))
        .is_some_and(|(x, y)| one_picture(&x, &y))
}

fn main() {
    let (references, queries) = pairs::lists("inlier_rarity");
    let limits = Limits::default();
    let records: Vec<Option<Vec<Record>>> = references
        .iter()
        .map(|r| fingerprinted(r, Use::Library, &limits))
        .collect();
    let library: Vec<Option<Prepared>> = records
        .iter()
        .map(|r| r.as_ref().map(|r| Prepared::new(r)))
        .collect();
    let keys = key_index(&records);
    // Every library item's keypoints, in item order (so `dedup` counts
    // items).
    let index: Vec<(usize, [u8; 32])> = library
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.as_ref().map(|p| (i, p)))
        .flat_map(|(i, p)| own_keypoints(p).map(move |k| (i, k.descriptor)))
        .collect();
    eprintln!("{} library keypoints", index.len());
    let threshold = THRESHOLD_SCORE as f32;
    for (n, (file, transform, truth)) in queries.iter().enumerate() {
        if n % 50 == 0 {
            eprintln!("query {n} of {}", queries.len());
        }
        let Some(query_records) = fingerprinted(file, Use::Query, &limits) else {
            continue;
        };
        let query = Prepared::new(&query_records);
        let (cands, rare_keys) = candidates(&query_records, &keys);
        let in_candidates: HashSet<usize> = cands.iter().copied().collect();
        let candidate_index: Vec<(usize, [u8; 32])> = index
            .iter()
            .filter(|(i, _)| in_candidates.contains(i))
            .copied()
            .collect();
        // The search's table (its cost: the search sees the
        // candidates, not the library).
        let started = std::time::Instant::now();
        let prepared: Vec<&Prepared> = cands.iter().filter_map(|&c| library[c].as_ref()).collect();
        let grouped = NearestTable::new(&query, &prepared);
        let nearest: u64 = grouped
            .nearest
            .iter()
            .flatten()
            .map(|n| u64::from(n.distance.min(255)) + u64::from(n.next.min(255)))
            .sum();
        eprintln!(
            "table\t{n}\t{}\t{}\t{:.2}\t{nearest}",
            query
                .local
                .iter()
                .map(|(_, _, _, f)| f.keypoints.len())
                .sum::<usize>(),
            cands.len(),
            started.elapsed().as_secs_f64() * 1e3
        );
        let mut pairs: Vec<usize> = cands.clone();
        if let Some(t) = truth.filter(|t| !in_candidates.contains(t)) {
            pairs.push(t);
        }
        for i in pairs {
            let Some(reference) = &library[i] else {
                continue;
            };
            let Some(verdict) = rerank(&query, reference, &[]) else {
                continue;
            };
            if verdict.score < threshold && *truth != Some(i) {
                continue;
            }
            // The verdict with the reference's local features left out:
            // what the rerank would answer if a rule set them aside.
            let without_local = rerank(
                &query,
                &Prepared {
                    local: Vec::new(),
                    ..reference.clone()
                },
                &[],
            )
            .map_or(0.0, |v| v.score);
            // Rare among the candidates but the answer's near-duplicates
            // (global hashes within the frame match distance: the same
            // picture stored twice is one item here).
            let mut rare_unlike = "-".to_owned();
            let mut rare_grouped = "-".to_owned();
            let local = match (verdict.evidence, best_local(&query, reference)) {
                (Evidence::Local, Some((m, inliers, set))) => {
                    rare_grouped = grouped
                        .rare_inliers(&query, set, reference, &inliers)
                        .to_string();
                    let unlike: Vec<(usize, [u8; 32])> = candidate_index
                        .iter()
                        .filter(|(o, _)| !near_duplicates(&library, i, *o))
                        .copied()
                        .collect();
                    let rare = |within: &[(usize, [u8; 32])], slack| {
                        others(within, i, &inliers, slack)
                            .iter()
                            .filter(|&&c| c == 0)
                            .count()
                    };
                    rare_unlike = rare(&unlike, 8).to_string();
                    format!(
                        "{}\t{}\t{}\t{}\t{}",
                        m.inliers,
                        rare(&index, 8),
                        rare(&candidate_index, 8),
                        rare(&index, 0),
                        rare(&candidate_index, 0)
                    )
                }
                _ => "-\t-\t-\t-\t-".to_owned(),
            };
            let truth = truth.map_or_else(|| "-".to_owned(), |t| t.to_string());
            println!(
                "{n}\t{truth}\t{i}\t{}\t{transform}\t{}\t{}\t{:.3}\t{}\t{local}\t{without_local:.3}\t{}\t{}\t{rare_unlike}\t{rare_grouped}",
                u8::from(in_candidates.contains(&i)),
                name(file),
                name(&references[i]),
                verdict.score,
                verdict.evidence.as_str(),
                rare_keys.get(&i).map_or(0, |r| r.0),
                rare_keys.get(&i).map_or(0, |r| r.1)
            );
        }
    }
}
