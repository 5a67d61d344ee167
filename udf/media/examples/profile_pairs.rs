//! Every picture query's 1-D profiles against every library picture's
//! (`clickprint_core::fingerprint::profile`), as the rerank compares them,
//! and the profile keys' vote: what the profile evidence finds and lets
//! through on its own, without the engine.
//!
//! Usage: `profile_pairs REFERENCES QUERIES` with the lists the evaluation
//! writes with `--corpus-only`. Prints which references keep a profile
//! (and their extrema), the query profiles' key counts, then for every
//! query whose best profile correlation reaches
//! `profile::MATCH_CORRELATION`: a copy found (its original best), a
//! wrong answer (another reference best), or an unrelated query let
//! through; and for each copy of a reference with a profile, its score
//! and its original's place among the references by the rarity-weighted
//! profile keys they share with it (as the search's vote weighs keys).

use std::collections::{BTreeMap, HashMap};

use clickprint_core::fingerprint::profile::{self, EXTREMUM_REACH, Profile};
use clickprint_core::records::{Payload, Record, Use};
use clickprint_media::decode::Limits;

mod pairs;
use pairs::{fingerprinted, name};

/// A file's profiles and their lookup keys.
type Profiled = (Vec<Profile>, Vec<(u8, u32)>);

/// A file's profiles and their lookup keys for `usage`.
fn profiled(path: &str, usage: Use, limits: &Limits) -> Profiled {
    let records: Vec<Record> = fingerprinted(path, usage, limits).unwrap_or_default();
    let mut profiles = Vec::new();
    let mut keys = Vec::new();
    for r in &records {
        if let Payload::Profile(p) = &r.payload {
            profiles.push(p.clone());
            keys.extend(r.keys(usage).iter().map(|k| (k.band, k.key)));
        }
    }
    (profiles, keys)
}

fn main() {
    let (references, queries) = pairs::lists("profile_pairs");
    let limits = Limits::default();
    let library: Vec<Profiled> = references
        .iter()
        .map(|r| profiled(r, Use::Library, &limits))
        .collect();
    let holding: Vec<usize> = (0..library.len())
        .filter(|&i| !library[i].0.is_empty())
        .collect();
    println!(
        "{} of {} references keep a profile:",
        holding.len(),
        references.len()
    );
    for &i in &holding {
        let p = &library[i].0[0];
        let extrema = profile::extrema(&p.values(), EXTREMUM_REACH).len();
        println!(
            "  {} {:?} extrema {extrema} keys {}",
            name(&references[i]),
            p.axis,
            library[i].1.len()
        );
    }
    // How many references hold each key: a hit weighs 1 / that, as in the vote.
    let mut holders: HashMap<(u8, u32), f32> = HashMap::new();
    for &i in &holding {
        for k in &library[i].1 {
            *holders.entry(*k).or_default() += 1.0;
        }
    }
    let mut key_counts = Vec::new();
    let (mut found, mut wrong, mut unrelated) = (BTreeMap::new(), Vec::new(), Vec::new());
    let mut copies = Vec::new();
    let none = || (f32::MIN, String::new());
    let mut closest = (none(), none());
    for (file, transform, truth) in &queries {
        let (profiles, keys) = profiled(file, Use::Query, &limits);
        key_counts.push(keys.len());
        let best = holding
            .iter()
            .filter_map(|&i| profile::best_correlation(&profiles, &library[i].0).map(|c| (c, i)))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        // The closest an unrelated query or another original's copy came.
        if let Some((c, i)) = best {
            let slot = match truth {
                None => Some(&mut closest.0),
                Some(t) if *t != i => Some(&mut closest.1),
                Some(_) => None,
            };
            if let Some(slot) = slot.filter(|s| c > s.0) {
                *slot = (c, format!("{} -> {}", name(file), name(&references[i])));
            }
        }
        let reached = best.filter(|b| b.0 >= profile::MATCH_CORRELATION);
        match (truth, reached) {
            (Some(t), Some((_, i))) if i == *t => {
                *found.entry(transform.clone()).or_insert(0) += 1;
            }
            (Some(_), Some((c, i))) => wrong.push((c, name(file).to_owned(), i)),
            (None, Some((c, i))) => unrelated.push((c, name(file).to_owned(), i)),
            _ => {}
        }
        if let Some(t) = truth.filter(|t| !library[*t].0.is_empty()) {
            let weight = |i: usize| -> f32 {
                library[i]
                    .1
                    .iter()
                    .filter(|k| keys.contains(k))
                    .map(|k| 1.0 / holders[k])
                    .sum()
            };
            let mine = weight(t);
            let above = holding
                .iter()
                .filter(|&&i| i != t && weight(i) > mine)
                .count();
            let own = profile::best_correlation(&profiles, &library[t].0);
            copies.push((
                name(&references[t]).to_owned(),
                transform.clone(),
                own,
                mine,
                above + 1,
            ));
        }
    }
    key_counts.sort_unstable();
    println!(
        "profile keys a query: median {}, 90th percentile {}, most {} ({} queries)",
        key_counts[key_counts.len() / 2],
        key_counts[key_counts.len() * 9 / 10],
        key_counts.last().copied().unwrap_or(0),
        key_counts.len()
    );
    println!(
        "at correlation {}: copies found {} {found:?}",
        profile::MATCH_CORRELATION,
        found.values().sum::<usize>()
    );
    println!(
        "highest correlation of an unrelated query: {:.3} ({}); of a copy with another reference: {:.3} ({})",
        closest.0.0, closest.0.1, closest.1.0, closest.1.1
    );
    for (what, list) in [("wrong answers", &wrong), ("unrelated queries", &unrelated)] {
        println!("{what}: {}", list.len());
        for (c, q, i) in list.iter() {
            println!("  {q} -> {} {c:.3}", name(&references[*i]));
        }
    }
    println!(
        "copies of references with a profile (score, key weight, the original's place by key weight):"
    );
    for (original, transform, own, weight, place) in copies {
        let own = own.map_or("-".to_owned(), |c| format!("{c:.3}"));
        println!("  {original} {transform}: {own} weight {weight:.2} place {place}");
    }
}
