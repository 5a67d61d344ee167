//! What the `picture_pairs` and `sound_pairs` examples share: the corpus
//! lists `clickprint-eval --corpus-only` writes, and every file of them
//! fingerprinted and prepared for the rerank.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use clickprint_core::fingerprint::layout::Layout;
use clickprint_core::fingerprint::local::Keypoint;
use clickprint_core::matching::local::{CHECKS, LocalMatch, verify_with_inliers};
use clickprint_core::matching::rerank::{Prepared, frame_hits, local_wins};
use clickprint_core::records::{Payload, Record, Use, records};
use clickprint_media::decode::Limits;
use clickprint_media::file::fingerprint_file;

/// A query of the list: its file, transformation and true reference's
/// line (none for an unrelated query).
pub type Query = (String, String, Option<usize>);

/// The records of the file `path` fingerprinted for `usage`; `None`,
/// said, when it cannot be read.
pub fn fingerprinted(path: &str, usage: Use, limits: &Limits) -> Option<Vec<Record>> {
    match fingerprint_file(Path::new(path), &limits.for_use(usage)) {
        Ok(fp) => Some(records(&fp, usage)),
        Err(e) => {
            eprintln!("{path}: {e}");
            None
        }
    }
}

/// The layout of the file `path` fingerprinted for `usage`, if it keeps
/// one.
#[allow(dead_code, reason = "layout_pairs uses it, not the others")]
pub fn layout_of(path: &str, usage: Use, limits: &Limits) -> Option<Layout> {
    fingerprinted(path, usage, limits)?
        .into_iter()
        .find_map(|r| match r.payload {
            Payload::Layout(l) => Some(l),
            _ => None,
        })
}

/// The file `path` fingerprinted for `usage` and prepared; `None`, said,
/// when it cannot be read.
#[allow(dead_code, reason = "candidate_keys uses the records alone")]
pub fn prepared(path: &str, usage: Use, limits: &Limits) -> Option<Prepared> {
    fingerprinted(path, usage, limits).map(|r| Prepared::new(&r))
}

/// The best global-hash score of `query`'s pictures against `reference`'s
/// frames, 0 when none is within the frame match distance.
#[allow(dead_code, reason = "the picture examples use it, not sound_pairs")]
pub fn global_score(query: &Prepared, reference: &Prepared) -> f32 {
    frame_hits(&query.frames, &reference.frames)
        .iter()
        .map(|h| h.weight)
        .fold(0f32, f32::max)
}

/// The rerank's picture score: the local features' when they win
/// ([`local_wins`]), else the global hash's; at most 1.
#[allow(dead_code, reason = "the picture examples use it, not sound_pairs")]
pub fn combined(global: f32, local: f32) -> f32 {
    if local_wins(global, local) {
        local
    } else {
        global
    }
    .min(1.0)
}

/// A local match, its inliers (query keypoint, reference keypoint), and
/// the query feature set it is of (its index in `Prepared::local`).
#[allow(dead_code, reason = "picture_evidence and inlier_rarity use it")]
pub type Local = (LocalMatch, Vec<(Keypoint, Keypoint)>, usize);

/// The strongest local match of any of `query`'s feature sets against
/// `reference`'s own keypoints (not its mirror image's), as the search's
/// checks verify it; evidence only (`LocalMatch::is_evidence`).
#[allow(dead_code, reason = "picture_evidence and inlier_rarity use it")]
pub fn best_local(query: &Prepared, reference: &Prepared) -> Option<Local> {
    let mut best: Option<Local> = None;
    for (set, (_, _, _, q)) in query.local.iter().enumerate() {
        for (_, _, _, r) in reference.local.iter().filter(|(_, m, _, _)| !m) {
            let Some((m, inliers)) = verify_with_inliers(q, r, &CHECKS) else {
                continue;
            };
            if m.is_evidence() && best.as_ref().is_none_or(|(b, _, _)| b.score() < m.score()) {
                best = Some((m, inliers, set));
            }
        }
    }
    best
}

/// Every reference's stored keys in one index, as `fp_keys` holds them:
/// each key's holders, in reference order.
#[allow(dead_code, reason = "candidate_keys and inlier_rarity use it")]
pub fn key_index(library: &[Option<Vec<Record>>]) -> HashMap<(u8, u32), Vec<usize>> {
    let mut index: HashMap<(u8, u32), Vec<usize>> = HashMap::new();
    for (i, records) in library.iter().enumerate() {
        let Some(records) = records else { continue };
        let keys: HashSet<(u8, u32)> = records
            .iter()
            .flat_map(|r| r.keys(Use::Library))
            .map(|k| (k.band, k.key))
            .collect();
        for k in keys {
            index.entry(k).or_default().push(i);
        }
    }
    index
}

/// The file name of `path`.
pub fn name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The example's two arguments read: the references (one path a line)
/// and the queries (path, transformation, truth or `-`, tab-separated).
pub fn lists(usage: &str) -> (Vec<String>, Vec<Query>) {
    let args: Vec<String> = std::env::args().collect();
    assert!(args.len() == 3, "usage: {usage} REFERENCES QUERIES");
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{p}: {e}"));
    let references = read(&args[1]).lines().map(str::to_owned).collect();
    let queries = read(&args[2])
        .lines()
        .map(|l| {
            let mut f = l.split('\t');
            let file = f.next().unwrap_or_default().to_owned();
            let transform = f.next().unwrap_or_default().to_owned();
            let truth = f.next().and_then(|t| t.parse().ok());
            (file, transform, truth)
        })
        .collect();
    (references, queries)
}
