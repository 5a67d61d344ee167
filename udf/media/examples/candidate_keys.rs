//! The search's candidate stage without the engine: which references a
//! picture query's looked-up keys make candidates, under several choices
//! of the keypoints whose keys are looked up. Every reference's stored
//! keys go into one index (as `fp_keys` holds them); a query's chosen
//! keys vote for the references holding them (distinct keys, as the
//! statement's `uniqExact(band, key, time_ms)` counts them for a picture);
//! the 100 with the most votes are the candidates (ties to the earlier
//! reference). A copy counts as found when its reference is a candidate
//! and the pair scores at the threshold or above as the rerank scores it
//! (`clickprint_core::matching::rerank`); every query verified against every reference
//! (`picture_pairs`) had no wrong first answer, so a verified candidate
//! is the first answer.
//!
//! Usage: `candidate_keys REFERENCES QUERIES` with the lists the
//! evaluation writes with `--corpus-only`.

use std::collections::{BTreeMap, HashMap, HashSet};

use clickprint_core::fingerprint::blobs::BLOB_BAND;
use clickprint_core::matching::local::THRESHOLD_SCORE;
use clickprint_core::matching::rerank::{Prepared, rerank};
use clickprint_core::records::{Payload, Record, Use, region_of};
use clickprint_core::rows::{LookupBudget, QUERY_LOOKUP, looked_up};
use clickprint_media::decode::Limits;

mod pairs;
use pairs::{fingerprinted, key_index, name};

/// Candidates kept by the statement.
const CANDIDATES: usize = 100;

/// A choice of looked-up keypoints: per feature set (the whole picture,
/// its mirror, a region) how many, and whether they are the first in the
/// set's order (the finest level's strongest: the search before session
/// 21) or taken from every level in turn (the search's
/// `clickprint_core::rows::looked_up`).
#[derive(Clone, Copy)]
struct Choice {
    name: &'static str,
    budget: LookupBudget,
    spread: bool,
    /// Whether the layout's blob keys are looked up (session 33).
    blobs: bool,
}

const fn budget(whole: u32, mirror: u32, region: u32) -> LookupBudget {
    LookupBudget {
        whole,
        mirror,
        region,
    }
}

const CHOICES: &[Choice] = &[
    Choice {
        name: "24/24/16 finest first (session 20)",
        budget: budget(24, 24, 16),
        spread: false,
        blobs: true,
    },
    Choice {
        name: "24/24/16 every level (session 21)",
        budget: budget(24, 24, 16),
        spread: true,
        blobs: true,
    },
    Choice {
        name: "24/12/12 every level (the search)",
        budget: QUERY_LOOKUP,
        spread: true,
        blobs: true,
    },
    Choice {
        name: "24/12/12 every level, no blob keys (session 32)",
        budget: QUERY_LOOKUP,
        spread: true,
        blobs: false,
    },
    Choice {
        name: "20/16/12 every level",
        budget: budget(20, 16, 12),
        spread: true,
        blobs: true,
    },
    Choice {
        name: "16/16/12 every level",
        budget: budget(16, 16, 12),
        spread: true,
        blobs: true,
    },
    Choice {
        name: "12/12/8 every level",
        budget: budget(12, 12, 8),
        spread: true,
        blobs: true,
    },
    Choice {
        name: "8/8/8 every level",
        budget: budget(8, 8, 8),
        spread: true,
        blobs: true,
    },
    Choice {
        name: "32/24/16 every level",
        budget: budget(32, 24, 16),
        spread: true,
        blobs: true,
    },
    Choice {
        name: "48/48/32 every level",
        budget: budget(48, 48, 32),
        spread: true,
        blobs: true,
    },
];

/// How candidates are ranked: by their number of hit keys (the search
/// before session 21), or by the hit keys' rarity among the references.
#[derive(Clone, Copy, Debug)]
enum Rank {
    Count,
    /// Sum of 1 / (references holding the key): the search's.
    Inverse,
    /// Sum of ln(1 + references / references holding the key).
    Idf,
}

const RANKS: &[Rank] = &[Rank::Count, Rank::Inverse, Rank::Idf];

/// A query's looked-up keys under `choice`: every key of the records
/// chosen (the global hash's, its own and its mirror's bands, and the
/// chosen keypoints').
fn query_keys(records: &[Record], choice: &Choice) -> HashSet<(u8, u32)> {
    let chosen = if choice.spread {
        looked_up(records, &choice.budget)
    } else {
        // The first n of each feature set, by item.
        let mut seen: HashMap<(u32, bool, Option<u32>), u32> = HashMap::new();
        records
            .iter()
            .map(|r| match r.payload {
                Payload::Local { mirrored, .. } => {
                    let n = seen
                        .entry((r.time_ms, mirrored, region_of(r.item)))
                        .or_default();
                    *n += 1;
                    *n <= match (mirrored, region_of(r.item)) {
                        (true, _) => choice.budget.mirror,
                        (false, None) => choice.budget.whole,
                        (false, Some(_)) => choice.budget.region,
                    }
                }
                _ => true,
            })
            .collect()
    };
    records
        .iter()
        .zip(chosen)
        .filter(|(_, c)| *c)
        .flat_map(|(r, _)| r.keys(Use::Query))
        .filter(|k| choice.blobs || k.band != BLOB_BAND)
        .map(|k| (k.band, k.key))
        .collect()
}

/// The rerank's score of a pair (0 when it does not match).
fn pair_score(query: &Prepared, reference: &Prepared) -> f32 {
    rerank(query, reference, &[]).map_or(0.0, |v| v.score)
}

fn main() {
    let (references, queries) = pairs::lists("candidate_keys");
    let limits = Limits::default();
    let fingerprint = |path: &str, usage: Use| fingerprinted(path, usage, &limits);
    let library: Vec<Option<Vec<Record>>> = references
        .iter()
        .map(|r| fingerprint(r, Use::Library))
        .collect();
    let index = key_index(&library);
    eprintln!(
        "{} references, {} distinct keys",
        references.len(),
        index.len()
    );
    let threshold = THRESHOLD_SCORE as f32;
    let settings: Vec<(Choice, Rank)> = CHOICES
        .iter()
        .flat_map(|c| RANKS.iter().map(move |r| (*c, *r)))
        .collect();
    // Per setting: per row, (found, candidates, copies); keys looked up.
    let mut rows: Vec<BTreeMap<String, (usize, usize, usize)>> =
        vec![BTreeMap::new(); settings.len()];
    let mut looked: Vec<usize> = vec![0; settings.len()];
    let mut lost: Vec<Vec<String>> = vec![Vec::new(); settings.len()];
    let mut copies = 0;
    for (n, (file, transform, truth)) in queries.iter().enumerate() {
        let Some(truth) = *truth else { continue };
        if n % 50 == 0 {
            eprintln!("query {n}");
        }
        let Some(query) = fingerprint(file, Use::Query) else {
            continue;
        };
        copies += 1;
        let verified = library[truth]
            .as_ref()
            .is_some_and(|r| pair_score(&Prepared::new(&query), &Prepared::new(r)) >= threshold);
        for (s, (choice, rank)) in settings.iter().enumerate() {
            let keys = query_keys(&query, choice);
            looked[s] += keys.len();
            let mut votes: HashMap<usize, f64> = HashMap::new();
            for k in &keys {
                let holders = index.get(k).map_or(&[][..], Vec::as_slice);
                let df = holders.len() as f64;
                let weight = match rank {
                    Rank::Count => 1.0,
                    Rank::Inverse => 1.0 / df,
                    Rank::Idf => (1.0 + references.len() as f64 / df).ln(),
                };
                for &i in holders {
                    *votes.entry(i).or_default() += weight;
                }
            }
            let mut order: Vec<(usize, f64)> = votes.into_iter().collect();
            order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let at = order.iter().position(|&(i, _)| i == truth);
            let candidate = at.is_some_and(|r| r < CANDIDATES);
            let row = rows[s].entry(transform.clone()).or_default();
            row.0 += usize::from(candidate && verified);
            row.1 += usize::from(candidate);
            row.2 += 1;
            if verified && !candidate {
                let hits = order
                    .iter()
                    .find(|&&(i, _)| i == truth)
                    .map_or(0.0, |h| h.1);
                let last = order.get(CANDIDATES - 1).map_or(0.0, |h| h.1);
                lost[s].push(format!(
                    "{} {transform}: rank {} with {hits:.2} votes (the 100th has {last:.2})",
                    name(file),
                    at.map_or("-".into(), |r| (r + 1).to_string())
                ));
            }
        }
    }
    for (s, (choice, rank)) in settings.iter().enumerate() {
        let found: usize = rows[s].values().map(|r| r.0).sum();
        let cands: usize = rows[s].values().map(|r| r.1).sum();
        println!(
            "== {} {rank:?}: found {found} of {copies}, candidates {cands}, keys a query {:.0}",
            choice.name,
            looked[s] as f64 / copies.max(1) as f64
        );
        let list: Vec<String> = rows[s]
            .iter()
            .filter(|(_, r)| r.0 < r.2)
            .map(|(t, r)| format!("{t} {}/{} (cand {})", r.0, r.2, r.1))
            .collect();
        println!("  under all: {}", list.join(", "));
        for line in &lost[s] {
            println!("  lost: {line}");
        }
    }
}
