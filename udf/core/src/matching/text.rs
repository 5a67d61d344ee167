//! Text search's ranking: which items' cues say the query's words best,
//! what `clickprint_text_rank` (an `executable_pool` UDF) answers for
//! `sql/clickhouse/text_search.sql`'s first pass.
//!
//! The statement finds the matching cues through the text index and sends
//! them here in one row; this scores them and keeps the best items. It was
//! about twenty lambdas of SQL over six nested subqueries, and the
//! analyzer's planning of them was most of a search's fixed cost (measured
//! at a tenant of a million cues: benchmarks/README.md, "Text search
//! latency"); the arithmetic is the same, step for step.
//!
//! Algorithm, over the cues that match (n of them; a cue is its words,
//! lower case, joined by one space, as `fp_cues.words` holds them):
//! 1. Per cue: which query words it holds; where each held word first
//!    stands; the quoted phrases it holds (a phrase is held when its words
//!    stand together, in order, as whole words). In `all` mode a cue that
//!    lacks a quoted phrase does not match.
//! 2. Per query word, its idf: ln(1 + n / the matching cues holding it,
//!    at least 1) (in `any` mode, the word's rarity among the cues holding
//!    any query word; in `all` mode every word has the same).
//! 3. Per cue:
//!    - cover = idf of the query words the cue holds / idf of them all
//!      (1 in `all` mode);
//!    - proximity = matched words / span of their first occurrences (1
//!      when they stand together, in any order, or one word matched);
//!    - phrase = phrases found / phrases asked; with no quotes, 1 when the
//!      whole query (two words or more) stands in the cue as written;
//!      otherwise 0.8 x the larger of `order` (the share of the query's
//!      words standing at one offset from their place in the query: the
//!      query's order, gaps allowed; 1 for a one-word query) and `pairs`
//!      (the share of its adjacent word pairs standing in the cue);
//!    - score = cover x (0.7 + 0.3 x proximity) + 0.5 x phrase.
//! 4. Per item: its best cue's score + 0.1 x log2(its matching cues),
//!    rounded to 4 decimals; items by that, descending, ties to the lower
//!    media id; the first `top_k` kept, each with its 100 best cues (ties
//!    to the earlier start, then the lower cue number).
//!
//! A query of one word ([`rank_counts`]): every cue that holds it scores
//! the same, so step 4 needs each item's number of matching cues only, and
//! the statement sends those instead of the cues (it reads no `words`);
//! the items rank as above, and each keeps its 100 earliest matching cues,
//! which the statement reads itself. The answers are the same as from the
//! cues (tested).

use std::cmp::Ordering;

/// The cues kept per answered item.
pub const CUES_PER_ITEM: usize = 100;

/// Whether a cue must hold every query word or one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every word in one cue (and every quoted phrase).
    All,
    /// At least one word.
    Any,
}

/// The query, as the statement's scalar `q` cut it: its words in order
/// (quotes removed) and its quoted phrases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The query's words in order, repeats kept.
    pub sequence: Vec<String>,
    /// The quoted phrases, each its words.
    pub phrases: Vec<Vec<String>>,
    /// All or any.
    pub mode: Mode,
}

/// A matching cue: its key in `fp_cues` and its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// The media item.
    pub media_id: u64,
    /// Its start, ms.
    pub start_ms: u32,
    /// Its number in its item.
    pub item: u32,
    /// Lower-case words joined by one space.
    pub words: String,
}

/// A kept cue of an answered item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredCue {
    /// Its start, ms.
    pub start_ms: u32,
    /// Its number in its item.
    pub item: u32,
    /// Its score (step 3), not rounded.
    pub score: f64,
}

/// An answered item.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedItem {
    /// The media item.
    pub media_id: u64,
    /// Step 4's score, rounded to 4 decimals.
    pub score: f64,
    /// Its matching cues.
    pub matching: u64,
    /// Its best cues, best first, at most [`CUES_PER_ITEM`].
    pub cues: Vec<ScoredCue>,
}

/// What step 1 finds in one cue.
struct Features {
    holds: Vec<bool>,
    proximity: f64,
    phrase: f64,
}

/// ' ' + words joined by ' ' + ' ', as phrases are looked for in a cue.
fn spaced<S: AsRef<str>>(words: &[S]) -> String {
    let mut s = String::from(" ");
    for w in words {
        s.push_str(w.as_ref());
        s.push(' ');
    }
    s
}

/// Ranks `cues` for `query`: the best `top_k` items, best first.
pub fn rank(query: &Query, cues: &[Cue], top_k: usize) -> Vec<RankedItem> {
    // The distinct words, in the order they first stand in the query.
    let mut distinct: Vec<&str> = Vec::new();
    for w in &query.sequence {
        if !distinct.contains(&w.as_str()) {
            distinct.push(w);
        }
    }
    let phrases: Vec<String> = query.phrases.iter().map(|p| spaced(p)).collect();
    let whole = spaced(&query.sequence);
    let pairs: Vec<String> = query.sequence.windows(2).map(spaced).collect();

    // 1. What each cue holds; `all` mode drops a cue lacking a phrase.
    let mut kept: Vec<(&Cue, Features)> = Vec::with_capacity(cues.len());
    for cue in cues {
        let tokens: Vec<&str> = cue.words.split(' ').collect();
        let spaced_words = format!(" {} ", cue.words);
        let phrases_found = phrases
            .iter()
            .filter(|p| spaced_words.contains(p.as_str()))
            .count();
        if query.mode == Mode::All && phrases_found < phrases.len() {
            continue;
        }
        let firsts: Vec<usize> = distinct
            .iter()
            .filter_map(|w| tokens.iter().position(|t| t == w))
            .collect();
        let holds: Vec<bool> = distinct.iter().map(|w| tokens.contains(w)).collect();
        let proximity = match (firsts.iter().min(), firsts.iter().max()) {
            (Some(&lo), Some(&hi)) if firsts.len() > 1 => {
                firsts.len() as f64 / (hi - lo + 1) as f64
            }
            _ => 1.0,
        };
        let phrase = if !phrases.is_empty() {
            phrases_found as f64 / phrases.len() as f64
        } else if query.sequence.len() > 1 && spaced_words.contains(&whole) {
            1.0
        } else {
            let order = order_share(&query.sequence, &tokens);
            let pairs_share = if pairs.is_empty() {
                0.0
            } else {
                let found = pairs.iter().filter(|p| spaced_words.contains(p.as_str()));
                found.count() as f64 / pairs.len() as f64
            };
            0.8 * order.max(pairs_share)
        };
        kept.push((
            cue,
            Features {
                holds,
                proximity,
                phrase,
            },
        ));
    }

    // 2. Each word's idf over the matching cues.
    let n = kept.len() as f64;
    let idf: Vec<f64> = (0..distinct.len())
        .map(|i| {
            let holding = kept.iter().filter(|(_, f)| f.holds[i]).count();
            (1.0 + n / holding.max(1) as f64).ln()
        })
        .collect();
    let idf_sum: f64 = idf.iter().sum();

    // 3. Each cue's score; 4. per item.
    let mut items: Vec<RankedItem> = Vec::new();
    let mut best: Vec<f64> = Vec::new();
    let mut index: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    for (cue, f) in &kept {
        let cover = match query.mode {
            Mode::All => 1.0,
            Mode::Any => {
                let held: f64 = f
                    .holds
                    .iter()
                    .zip(&idf)
                    .map(|(&h, &w)| if h { w } else { 0.0 })
                    .sum();
                held / idf_sum
            }
        };
        let score = cover * (0.7 + 0.3 * f.proximity) + 0.5 * f.phrase;
        let i = *index.entry(cue.media_id).or_insert_with(|| {
            items.push(RankedItem {
                media_id: cue.media_id,
                score: 0.0,
                matching: 0,
                cues: Vec::new(),
            });
            best.push(f64::NEG_INFINITY);
            items.len() - 1
        });
        let item = &mut items[i];
        item.matching += 1;
        best[i] = best[i].max(score);
        item.cues.push(ScoredCue {
            start_ms: cue.start_ms,
            item: cue.item,
            score,
        });
    }
    for (item, best) in items.iter_mut().zip(best) {
        item.score = item_score(best, item.matching);
    }
    keep_best(&mut items, top_k);
    for item in &mut items {
        item.cues.sort_by(|a, b| {
            b.score
                .partial_cmp(&a.score)
                .unwrap_or(Ordering::Equal)
                .then(a.start_ms.cmp(&b.start_ms))
                .then(a.item.cmp(&b.item))
        });
        item.cues.truncate(CUES_PER_ITEM);
    }
    items
}

/// Ranks the items of a one-word query from their numbers of matching
/// cues alone: every cue that holds the one word scores the same (cover 1,
/// proximity 1, phrase 0.8 x `order` 1, or 1 for the word quoted), so the
/// statement sends each item's number of matching cues (`counts`: media
/// id, cues), not their words (a word in 12% of a million cues: 120,000
/// cues' words read and sent otherwise). Returns
/// that one cue score and the best `top_k` items, as [`rank`] would rank
/// the cues themselves (step 4), each with no cues: the statement takes
/// its 100 earliest matching cues (the ties' order). `None` for a query
/// that is not one word (repeats included), or when no cue of the word
/// would match.
pub fn rank_counts(
    query: &Query,
    counts: &[(u64, u64)],
    top_k: usize,
) -> Option<(f64, Vec<RankedItem>)> {
    let [word] = query.sequence.as_slice() else {
        return None;
    };
    // A cue of the word alone scores as every cue holding it.
    let lone = Cue {
        media_id: 0,
        start_ms: 0,
        item: 0,
        words: word.clone(),
    };
    let score = rank(query, &[lone], 1).first()?.cues.first()?.score;
    let mut items: Vec<RankedItem> = counts
        .iter()
        .filter(|&&(_, matching)| matching > 0)
        .map(|&(media_id, matching)| RankedItem {
            media_id,
            score: item_score(score, matching),
            matching,
            cues: Vec::new(),
        })
        .collect();
    keep_best(&mut items, top_k);
    Some((score, items))
}

/// An item's score: its best cue's, plus 0.1 x log2(its matching cues),
/// rounded to 4 decimals (step 4).
fn item_score(best: f64, matching: u64) -> f64 {
    round4(best + 0.1 * (matching as f64).log2())
}

/// Keeps the `top_k` best-scored items, ties to the lower media id.
fn keep_best(items: &mut Vec<RankedItem>, top_k: usize) {
    items.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(Ordering::Equal)
            .then(a.media_id.cmp(&b.media_id))
    });
    items.truncate(top_k);
}

/// `order`: the largest share of the query's positions whose word stands
/// in the cue at one offset (cue position - query position), 0 included;
/// 1 for a query of one word.
fn order_share(sequence: &[String], tokens: &[&str]) -> f64 {
    if sequence.len() <= 1 {
        return 1.0;
    }
    // Per query position, the offsets where its word stands.
    let offsets: Vec<Vec<i64>> = sequence
        .iter()
        .enumerate()
        .map(|(i, w)| {
            tokens
                .iter()
                .enumerate()
                .filter(|(_, t)| *t == w)
                .map(|(p, _)| p as i64 - i as i64)
                .collect()
        })
        .collect();
    let mut candidates: Vec<i64> = offsets.iter().flatten().copied().collect();
    candidates.push(0);
    let most = candidates
        .iter()
        .map(|o| offsets.iter().filter(|os| os.contains(o)).count())
        .max()
        .unwrap_or(0);
    most as f64 / sequence.len() as f64
}

/// Rounds to 4 decimals as ClickHouse's `round(x, 4)` does (half to even
/// on the scaled value).
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round_ties_even() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(text: &str, mode: Mode) -> Query {
        let sequence = text
            .replace('"', " ")
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let phrases = text
            .split('"')
            .enumerate()
            .filter(|(i, p)| i % 2 == 1 && !p.trim().is_empty())
            .map(|(_, p)| p.split_whitespace().map(str::to_owned).collect())
            .collect();
        Query {
            sequence,
            phrases,
            mode,
        }
    }

    fn cue(media_id: u64, start_ms: u32, words: &str) -> Cue {
        Cue {
            media_id,
            start_ms,
            item: start_ms / 1000,
            words: words.to_owned(),
        }
    }

    /// Scores of one cue per item, in the items' order.
    fn scores(q: &Query, cues: &[Cue]) -> Vec<(u64, f64)> {
        rank(q, cues, 10)
            .iter()
            .map(|i| (i.media_id, round4(i.cues[0].score)))
            .collect()
    }

    #[test]
    fn golden_scores_of_the_documented_steps() {
        // One word: cover 1, proximity 1, no phrase: order 1 -> 0.8 x 1.
        let q = query("door", Mode::All);
        assert_eq!(scores(&q, &[cue(1, 0, "open the door")]), [(1, 1.4)]);
        // Two words as written: phrase 1 -> 1 + 0.5.
        let q = query("the door", Mode::All);
        assert_eq!(scores(&q, &[cue(1, 0, "open the door")]), [(1, 1.5)]);
        // Reversed, apart: proximity 2/3, order 1/2, pairs 0:
        // 0.7 + 0.3 x 2/3 + 0.5 x 0.8 x 0.5 = 1.1.
        let q = query("door open", Mode::All);
        assert_eq!(scores(&q, &[cue(1, 0, "open the door")]), [(1, 1.1)]);
        // A quoted phrase lacking: no match in `all` mode.
        let q = query("\"door the\"", Mode::All);
        assert!(rank(&q, &[cue(1, 0, "open the door")], 10).is_empty());
        // `any`: n = 2; "door" in 2 cues (idf ln 2), "bell" in 1 (idf ln 3).
        let q = query("door bell", Mode::Any);
        let ranked = scores(&q, &[cue(1, 0, "the door"), cue(2, 0, "door bell")]);
        let cover = 2f64.ln() / (2f64.ln() + 3f64.ln());
        // The first: one word held, order 1/2 -> 0.8 x 0.5.
        let lone = round4(cover * 1.0 + 0.5 * 0.8 * 0.5);
        assert_eq!(ranked, [(2, 1.5), (1, lone)]);
    }

    #[test]
    fn items_rank_by_best_cue_then_count_then_lower_media_id() {
        let q = query("door", Mode::All);
        let cues = [
            cue(9, 0, "door"),
            cue(7, 0, "door"),
            cue(8, 0, "door"),
            cue(8, 5000, "a door"),
        ];
        let ranked = rank(&q, &cues, 2);
        let order: Vec<u64> = ranked.iter().map(|i| i.media_id).collect();
        assert_eq!(order, [8, 7], "two cues beat one; then the lower id");
        assert_eq!(ranked[0].score, 1.5, "1.4 + 0.1 x log2(2)");
        assert_eq!(ranked[0].matching, 2);
        let starts: Vec<u32> = ranked[0].cues.iter().map(|c| c.start_ms).collect();
        assert_eq!(starts, [0, 5000], "equal scores: the earlier first");
    }

    #[test]
    fn a_one_word_query_ranks_by_counts_as_by_its_cues() {
        // Item 3 has 3 cues of the word, 1 and 2 one each, 4 two.
        let words = ["a door", "door", "the door is open", "door door"];
        let cues: Vec<Cue> = [
            (3, 0),
            (1, 0),
            (3, 4000),
            (2, 0),
            (4, 0),
            (3, 9000),
            (4, 1000),
        ]
        .iter()
        .enumerate()
        .map(|(i, &(m, s))| cue(m, s, words[i % words.len()]))
        .collect();
        let counts = [(1, 1), (2, 1), (3, 3), (4, 2)];
        for (text, mode) in [
            ("door", Mode::All),
            ("\"door\"", Mode::All),
            ("door", Mode::Any),
        ] {
            let q = query(text, mode);
            for top_k in [1, 3, 10] {
                let by_cues = rank(&q, &cues, top_k);
                let (score, by_counts) = rank_counts(&q, &counts, top_k).unwrap();
                assert_eq!(by_counts.len(), by_cues.len(), "{text}");
                for (a, b) in by_counts.iter().zip(&by_cues) {
                    assert_eq!(
                        (a.media_id, a.score, a.matching),
                        (b.media_id, b.score, b.matching)
                    );
                    assert!(b.cues.iter().all(|c| c.score == score), "{text}: one score");
                    assert!(a.cues.is_empty());
                }
            }
        }
        assert!(rank_counts(&query("open door", Mode::All), &counts, 10).is_none());
        assert!(rank_counts(&query("door door", Mode::All), &counts, 10).is_none());
    }

    #[test]
    fn an_item_keeps_its_hundred_best_cues() {
        let q = query("a b", Mode::Any);
        let mut cues: Vec<Cue> = (0..150).map(|i| cue(1, i * 1000, "a x")).collect();
        cues.push(cue(1, 999_000, "a b"));
        let item = &rank(&q, &cues, 10)[0];
        assert_eq!(item.matching, 151);
        assert_eq!(item.cues.len(), CUES_PER_ITEM);
        assert_eq!(item.cues[0].start_ms, 999_000, "the best first");
        assert_eq!(item.cues[99].start_ms, 98_000, "then the earliest");
    }
}
