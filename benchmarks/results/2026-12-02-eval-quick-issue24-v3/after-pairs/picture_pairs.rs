//! The picture rerank for every query against every reference, without the
//! key lookup: what the search's rerank would answer had the lookup kept
//! every reference as a candidate. For looking into false and missed
//! matches of the geometric check.
//!
//! Usage: `picture_pairs QUERIES REFERENCES` (each a file of paths, one a
//! line). Prints, per query: its best reference, the score, the evidence,
//! and the verdict of each query feature set (whole, mirror image,
//! regions) against that reference.

use std::path::Path;

use clickprint_core::matching::local::verify_with_inliers;
use clickprint_core::matching::rerank::{Prepared, rerank};
use clickprint_core::records::{Use, records};
use clickprint_media::decode::Limits;
use clickprint_media::file::fingerprint_file;

fn prepared(path: &str, usage: Use, limits: &Limits) -> Option<Prepared> {
    match fingerprint_file(Path::new(path), &limits.for_use(usage)) {
        Ok(fp) => Some(Prepared::new(&records(&fp, usage))),
        Err(e) => {
            eprintln!("{path}: {e}");
            None
        }
    }
}

fn name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let lines = |p: &str| -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap_or_else(|e| panic!("{p}: {e}"))
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (queries, references) = (lines(&args[1]), lines(&args[2]));
    let limits = Limits::default();
    let references: Vec<(String, Prepared)> = references
        .iter()
        .filter_map(|r| prepared(r, Use::Library, &limits).map(|p| (r.clone(), p)))
        .collect();
    eprintln!("{} references", references.len());
    for q in &queries {
        let Some(query) = prepared(q, Use::Query, &limits) else {
            continue;
        };
        let mut ranked: Vec<(f32, usize, &'static str)> = references
            .iter()
            .enumerate()
            .filter_map(|(i, (_, r))| {
                rerank(&query, r, &[]).map(|v| (v.score, i, v.evidence.as_str()))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        let Some(&(score, best, evidence)) = ranked.first() else {
            println!("{}\t-\t0\t-", name(q));
            if std::env::var_os("PAIRS_FIRST").is_some() {
                for (_, mirrored, features) in &query.local {
                    for (_, _, reference) in &references[0].1.local {
                        println!(
                            "    first{}: {:?}",
                            if *mirrored { " mirror" } else { "" },
                            verify_with_inliers(features, reference).map(|m| m.0)
                        );
                    }
                }
            }
            continue;
        };
        let second = ranked.get(1).map_or(0.0, |r| r.0);
        println!(
            "{}\t{}\t{score:.3}\t{evidence}\tsecond {second:.3}",
            name(q),
            name(&references[best].0)
        );
        for (set, (_, mirrored, features)) in query.local.iter().enumerate() {
            for (_, _, reference) in references[best].1.local.iter() {
                if let Some((m, inliers)) = verify_with_inliers(features, reference) {
                    println!(
                        "    set {set}{} ({} kp {}x{}) vs ({} kp {}x{}): inliers {} of {}, scale {:.2}, rot {:.2}, chance {:.2}, sig {:.1}, score {:.3}",
                        if *mirrored { " mirror" } else { "" },
                        features.keypoints.len(),
                        features.width,
                        features.height,
                        reference.keypoints.len(),
                        reference.width,
                        reference.height,
                        m.inliers,
                        m.putative,
                        m.scale,
                        m.rotation,
                        m.chance,
                        m.significance,
                        m.score()
                    );
                    if std::env::var_os("PAIRS_INLIERS").is_some() {
                        for (q, r) in &inliers {
                            println!(
                                "        ({:.1},{:.1} s{:.2} a{:.2}) -> ({:.1},{:.1} s{:.2} a{:.2})",
                                q.x, q.y, q.scale, q.angle, r.x, r.y, r.scale, r.angle
                            );
                        }
                    }
                }
            }
        }
    }
}
