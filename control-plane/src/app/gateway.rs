//! The search gateway (issue 21, item 4): one request that carries a media
//! query and a line of dialogue is sent to both searchers at once, the
//! fingerprint search ([`search::run`]: visual, audio and plug-in bands in
//! one statement) and the dialogue search ([`search::run_text`]), and their
//! answers are merged into one ranking.
//!
//! The merge is reciprocal rank fusion: an item at rank r (from 1) in a
//! searcher's answer earns `weight / (K + r)` from it, with `K` = 60 (Cormack,
//! Clarke and Büttcher, SIGIR 2009); its fused `score` is the sum over the
//! searchers, divided by what an item first in every searcher would earn,
//! so 1 is "first everywhere". Ranks, not scores, are fused because the two
//! scores mean different things (a share of matching fingerprint evidence;
//! a cue's word and phrase score), so neither scale can drown the other.
//! Each match keeps what each searcher said of it (`media`, `dialogue`:
//! that searcher's own match, with its score and ranges or cues) and which
//! searchers found it. The weights are a request's (`weights`), or else
//! the tenant's (`search_weights`, which an operator sets with
//! `PATCH /v1/admin/tenants/{id}`; 1 each unless set).

use deadpool_postgres::Pool;
use serde::Serialize;

use crate::app::search::{self, Hit, Query, TextHit, TextSearch};
use crate::clickhouse::Engine;
use crate::config::Config;
use crate::error::Result;
use crate::store::tenants::Tenant;

/// Reciprocal rank fusion's constant.
pub const RRF_K: f64 = 60.0;

/// Candidates asked of each searcher at least: an item a little down one
/// list can still rise on the other's evidence.
const CANDIDATES: u32 = 50;

pub use crate::store::tenants::Weights;

/// One item of a merged answer.
#[derive(Debug, Clone, Serialize)]
pub struct MixedHit {
    /// The library item.
    pub media_id: i64,
    /// Its external id.
    pub external_id: Option<String>,
    /// `image`, `audio` or `video`.
    pub modality: Option<String>,
    /// The fused score, 0..1: 1 for an item first in every searcher.
    pub score: f64,
    /// The searchers that found it (`media`, `dialogue`).
    pub found_by: Vec<&'static str>,
    /// The fingerprint search's match, when it found the item.
    pub media: Option<Hit>,
    /// Its rank there (from 1).
    pub media_rank: Option<usize>,
    /// The dialogue search's match, when it found the item.
    pub dialogue: Option<TextHit>,
    /// Its rank there (from 1).
    pub dialogue_rank: Option<usize>,
    /// Where its original and previews are served.
    pub files: String,
    /// The item's key/value metadata, as it was given.
    pub metadata: serde_json::Value,
}

/// Merges two searchers' answers (best first each) by reciprocal rank
/// fusion; the best `top_k`, best first (ties: the better media rank,
/// then the smaller id).
pub fn fuse(
    media: Vec<Hit>,
    dialogue: Vec<TextHit>,
    weights: Weights,
    top_k: usize,
) -> Vec<MixedHit> {
    let earn = |weight: f64, rank: Option<usize>| rank.map_or(0.0, |r| weight / (RRF_K + r as f64));
    let best = earn(weights.media, Some(1)) + earn(weights.dialogue, Some(1));
    let mut merged: Vec<MixedHit> = Vec::new();
    for (rank, hit) in media.into_iter().enumerate() {
        merged.push(MixedHit {
            media_id: hit.media_id,
            external_id: hit.external_id.clone(),
            modality: hit.modality.clone(),
            score: 0.0,
            found_by: vec!["media"],
            files: hit.files.clone(),
            metadata: hit.metadata.clone(),
            media_rank: Some(rank + 1),
            media: Some(hit),
            dialogue: None,
            dialogue_rank: None,
        });
    }
    for (rank, hit) in dialogue.into_iter().enumerate() {
        match merged.iter_mut().find(|m| m.media_id == hit.media_id) {
            Some(m) => {
                m.found_by.push("dialogue");
                m.dialogue_rank = Some(rank + 1);
                m.dialogue = Some(hit);
            }
            None => merged.push(MixedHit {
                media_id: hit.media_id,
                external_id: hit.external_id.clone(),
                modality: hit.modality.clone(),
                score: 0.0,
                found_by: vec!["dialogue"],
                files: hit.files.clone(),
                metadata: hit.metadata.clone(),
                media: None,
                media_rank: None,
                dialogue_rank: Some(rank + 1),
                dialogue: Some(hit),
            }),
        }
    }
    for m in &mut merged {
        m.score =
            (earn(weights.media, m.media_rank) + earn(weights.dialogue, m.dialogue_rank)) / best;
    }
    merged.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(
                a.media_rank
                    .unwrap_or(usize::MAX)
                    .cmp(&b.media_rank.unwrap_or(usize::MAX)),
            )
            .then(a.media_id.cmp(&b.media_id))
    });
    merged.truncate(top_k);
    merged
}

/// How the answer was merged.
#[derive(Debug, Clone, Serialize)]
pub struct Fusion {
    /// `reciprocal_rank`.
    pub method: &'static str,
    /// Its constant.
    pub k: f64,
    /// The weights used.
    pub weights: Weights,
}

/// A merged search's answer.
#[derive(Debug, Clone, Serialize)]
pub struct MixedAnswer {
    /// Best first.
    pub matches: Vec<MixedHit>,
    /// How they were merged.
    pub fusion: Fusion,
    /// The media query's modality.
    pub query_modality: String,
    /// Its declared length, ms (0 for a picture).
    pub query_duration_ms: u64,
    /// Its content's SHA-256, as a media search's answer gives it.
    pub query_sha256: String,
    /// Time in each searcher (`media`, `dialogue`: their own stages) and
    /// in all, ms.
    pub timings_ms: serde_json::Map<String, serde_json::Value>,
}

/// Runs `query` and `text` at once, each as it runs alone (in the
/// tenant's search lane), and merges their answers ([`fuse`]); at most
/// `query.top_k` matches. Each searcher is asked for at least 50. A
/// search by an item (`query.exclude`) answers neither searcher's match
/// of the item itself.
///
/// # Errors
/// Either searcher's error.
pub async fn run(
    pool: &Pool,
    engine: &Engine,
    config: &Config,
    tenant: &Tenant,
    mut query: Query<'_>,
    mut text: TextSearch,
    weights: Weights,
) -> Result<MixedAnswer> {
    let started = query.started;
    let top_k = query.top_k;
    // A search by an item never answers the item, whichever searcher
    // finds it.
    let itself = query.exclude;
    query.top_k = top_k.max(CANDIDATES);
    text.query.top_k = top_k.max(CANDIDATES);
    let (media, dialogue) = tokio::join!(
        search::run(pool, engine, config, tenant, query),
        search::run_text(pool, engine, tenant, text),
    );
    let (media, mut dialogue) = (media?, dialogue?);
    dialogue.matches.retain(|m| Some(m.media_id) != itself);
    let mut timings = serde_json::Map::new();
    timings.insert("media".into(), serde_json::Value::Object(media.timings_ms));
    timings.insert(
        "dialogue".into(),
        serde_json::Value::Object(dialogue.timings_ms),
    );
    timings.insert(
        "total".into(),
        serde_json::json!((started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0),
    );
    Ok(MixedAnswer {
        matches: fuse(media.matches, dialogue.matches, weights, top_k as usize),
        fusion: Fusion {
            method: "reciprocal_rank",
            k: RRF_K,
            weights,
        },
        query_modality: media.query_modality,
        query_duration_ms: media.query_duration_ms,
        query_sha256: media.query_sha256,
        timings_ms: timings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(id: i64, score: f32) -> Hit {
        Hit {
            media_id: id,
            external_id: Some(format!("m{id}")),
            modality: Some("video".into()),
            score,
            query_range: None,
            reference_range: None,
            evidence: "visual".into(),
            decision: None,
            speed: None,
            segments: Vec::new(),
            query_box: None,
            duration_ms: None,
            files: format!("/v1/files/1/{id}"),
            metadata: serde_json::json!({}),
        }
    }

    fn dialogue(id: i64, score: f64) -> TextHit {
        TextHit {
            media_id: id,
            external_id: Some(format!("m{id}")),
            modality: Some("video".into()),
            score,
            matching_cues: 1,
            cues: Vec::new(),
            files: format!("/v1/files/1/{id}"),
            metadata: serde_json::json!({}),
        }
    }

    fn ids(merged: &[MixedHit]) -> Vec<i64> {
        merged.iter().map(|m| m.media_id).collect()
    }

    /// The case the gateway is for: the right item is second in each
    /// searcher (a decoy outscores it on pictures, another on words) and
    /// first once both are heard.
    #[test]
    fn second_in_both_beats_first_in_one() {
        let merged = fuse(
            vec![media(1, 0.9), media(2, 0.8), media(4, 0.3)],
            vec![dialogue(3, 1.6), dialogue(2, 1.5)],
            Weights::default(),
            10,
        );
        assert_eq!(ids(&merged), [2, 1, 3, 4]);
        let both = &merged[0];
        assert_eq!(both.found_by, ["media", "dialogue"]);
        assert_eq!((both.media_rank, both.dialogue_rank), (Some(2), Some(2)));
        // 2/62 over 2/61.
        assert!((both.score - 61.0 / 62.0).abs() < 1e-9, "{}", both.score);
        // First in media only: 1/61 over 2/61. Ties go to the media rank.
        assert!((merged[1].score - 0.5).abs() < 1e-9);
        assert_eq!(merged[2].found_by, ["dialogue"]);
    }

    #[test]
    fn weights_tip_the_balance_and_top_k_cuts() {
        let lists = || {
            (
                vec![media(1, 0.9), media(2, 0.8)],
                vec![dialogue(3, 1.6), dialogue(1, 1.0)],
            )
        };
        let (m, d) = lists();
        assert_eq!(ids(&fuse(m, d, Weights::default(), 10)), [1, 3, 2]);
        let (m, d) = lists();
        let words = Weights {
            media: 0.0,
            dialogue: 1.0,
        };
        assert_eq!(ids(&fuse(m, d, words, 2)), [3, 1]);
        assert!(
            Weights {
                media: 0.0,
                dialogue: 0.0
            }
            .checked()
            .is_err()
        );
        assert!(
            Weights {
                media: 11.0,
                dialogue: 1.0
            }
            .checked()
            .is_err()
        );
        assert!(
            Weights {
                media: f64::NAN,
                dialogue: 1.0
            }
            .checked()
            .is_err()
        );
    }
}
