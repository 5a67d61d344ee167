//! The dialogue set of the evaluation, without the engine: a public-domain
//! text cut into timed cues, written as SRT and WebVTT; the queries made
//! from it (exact phrases, a phrase with one word changed or missing, a
//! single rare word), each with the item and cue it came from; and the
//! figures an answer is judged by (recall at 1, the top cue's time-range
//! IoU). The run itself (videos, ingest, the two methods) is the
//! evaluation binary's `dialogue_run` module; `benchmarks/README.md`,
//! "Dialogue", says how the set is made and why.

use std::collections::{HashMap, HashSet};

/// One subtitle cue: when it shows and what it says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Cue {
    /// When it appears, ms from the start of its item.
    pub start_ms: u32,
    /// When it goes, ms.
    pub end_ms: u32,
    /// What it says, one line.
    pub text: String,
}

/// A cue's words as `fp_cues.words` holds them (sql/clickhouse/schema.sql):
/// lower case, runs of letters and digits, punctuation dropped.
pub fn words(text: &str) -> Vec<String> {
    word_spans(text)
        .into_iter()
        .map(|(a, b)| text[a..b].to_lowercase())
        .collect()
}

/// Byte ranges of the words of `text` (runs of alphanumeric characters).
pub fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

/// Cue texts from running prose: clauses (cut after `.`, `;`, `:`, `?`,
/// `!`), long ones split into near-equal runs of at most `max_words`
/// words, short ones (under 3 words) joined to the next when they fit.
pub fn cue_texts(prose: &str, max_words: usize) -> Vec<String> {
    let mut clauses: Vec<Vec<&str>> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for token in prose.split_whitespace() {
        current.push(token);
        if token.ends_with(['.', ';', ':', '?', '!']) {
            clauses.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        clauses.push(current);
    }
    let mut pieces: Vec<Vec<&str>> = Vec::new();
    for clause in clauses {
        let parts = clause.len().div_ceil(max_words.max(1));
        let size = clause.len().div_ceil(parts.max(1));
        pieces.extend(clause.chunks(size.max(1)).map(<[&str]>::to_vec));
    }
    // A short piece joins the next when they fit, else the one before.
    let mut out: Vec<Vec<&str>> = Vec::new();
    let mut pending: Vec<&str> = Vec::new();
    for mut piece in pieces {
        if !pending.is_empty() {
            if pending.len() + piece.len() <= max_words {
                pending.extend(piece);
                piece = std::mem::take(&mut pending);
            } else {
                settle(&mut out, std::mem::take(&mut pending), max_words);
            }
        }
        if piece.len() < 3 {
            pending = piece;
        } else {
            out.push(piece);
        }
    }
    if !pending.is_empty() {
        settle(&mut out, pending, max_words);
    }
    out.into_iter().map(|p| p.join(" ")).collect()
}

/// A short piece into the cue before it when they fit, else a cue of its
/// own.
fn settle<'a>(out: &mut Vec<Vec<&'a str>>, short: Vec<&'a str>, max_words: usize) {
    match out.last_mut() {
        Some(last) if last.len() + short.len() <= max_words => last.extend(short),
        _ => out.push(short),
    }
}

/// Cues for `texts` one after another from `offset_ms`: 300 ms a word,
/// each between 1 and 4 s, 250 ms apart.
pub fn timed(texts: &[String], offset_ms: u32) -> Vec<Cue> {
    let mut at = offset_ms;
    texts
        .iter()
        .map(|text| {
            let n = u32::try_from(words(text).len()).unwrap_or(u32::MAX);
            let length = n.saturating_mul(300).clamp(1_000, 4_000);
            let cue = Cue {
                start_ms: at,
                end_ms: at + length,
                text: text.clone(),
            };
            at += length + 250;
            cue
        })
        .collect()
}

fn clock(ms: u32, separator: char) -> String {
    format!(
        "{:02}:{:02}:{:02}{separator}{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1_000 % 60,
        ms % 1_000
    )
}

/// The cues as a SubRip file.
pub fn srt(cues: &[Cue]) -> String {
    cues.iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "{}\n{} --> {}\n{}\n\n",
                i + 1,
                clock(c.start_ms, ','),
                clock(c.end_ms, ','),
                c.text
            )
        })
        .collect()
}

/// The cues as a WebVTT file.
pub fn webvtt(cues: &[Cue]) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for c in cues {
        out.push_str(&format!(
            "{} --> {}\n{}\n\n",
            clock(c.start_ms, '.'),
            clock(c.end_ms, '.'),
            c.text
        ));
    }
    out
}

/// A small deterministic generator (SplitMix64): the same seed makes the
/// same queries on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator started at `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `range` (which must not be empty).
    pub fn below(&mut self, range: std::ops::Range<usize>) -> usize {
        let span = (range.end - range.start).max(1) as u64;
        range.start + (self.next_u64() % span) as usize
    }
}

/// What a query asks, as a user would type it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A phrase of a cue as written, in double quotes.
    ExactQuoted,
    /// The same, without quotes.
    ExactUnquoted,
    /// A phrase with one of its words replaced by another word of the
    /// library (misremembered).
    OneWordChanged,
    /// A phrase with one of its inner words left out.
    OneWordMissing,
    /// One word that occurs in exactly one cue of the library.
    RareWord,
}

impl Kind {
    /// Every kind, in the order of the tables.
    pub const ALL: [Kind; 5] = [
        Kind::ExactQuoted,
        Kind::ExactUnquoted,
        Kind::OneWordChanged,
        Kind::OneWordMissing,
        Kind::RareWord,
    ];

    /// Its name in the tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Kind::ExactQuoted => "exact phrase, quoted",
            Kind::ExactUnquoted => "exact phrase, unquoted",
            Kind::OneWordChanged => "one word changed",
            Kind::OneWordMissing => "one word missing",
            Kind::RareWord => "rare word",
        }
    }
}

/// One query and its truth.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Query {
    /// What it asks.
    pub kind: Kind,
    /// What the user types.
    pub text: String,
    /// The phrase of the cue it was made from, as written there.
    pub source: String,
    /// The item it came from (index into the library).
    pub item: usize,
    /// The cue it came from (index into the item's cues).
    pub cue: usize,
    /// That cue's range, ms.
    pub truth: (u32, u32),
}

/// Every item's cues, and where each word sequence stands: what the
/// queries are made from and checked against.
#[derive(Debug)]
pub struct Library<'a> {
    items: &'a [Vec<Cue>],
    /// Each cue's words, in the order of `items`.
    words: Vec<Vec<Vec<String>>>,
    /// word -> the cues (item, cue) that hold it.
    postings: HashMap<String, Vec<(usize, usize)>>,
}

impl<'a> Library<'a> {
    /// Indexes `items` (every item of the library, distractors too).
    pub fn new(items: &'a [Vec<Cue>]) -> Self {
        let words: Vec<Vec<Vec<String>>> = items
            .iter()
            .map(|cues| cues.iter().map(|c| self::words(&c.text)).collect())
            .collect();
        let mut postings: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for (i, cues) in words.iter().enumerate() {
            for (c, ws) in cues.iter().enumerate() {
                let distinct: HashSet<&String> = ws.iter().collect();
                for w in distinct {
                    postings.entry(w.clone()).or_default().push((i, c));
                }
            }
        }
        Self {
            items,
            words,
            postings,
        }
    }

    /// The cues (item, cue) whose words hold `sequence` word for word, in
    /// order.
    pub fn cues_with(&self, sequence: &[String]) -> Vec<(usize, usize)> {
        let Some(rarest) = sequence
            .iter()
            .min_by_key(|w| self.postings.get(*w).map_or(0, Vec::len))
        else {
            return Vec::new();
        };
        self.postings
            .get(rarest)
            .map(|cues| {
                cues.iter()
                    .copied()
                    .filter(|&(i, c)| {
                        self.words[i][c]
                            .windows(sequence.len())
                            .any(|w| w == sequence)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How many cues hold `word`.
    pub fn cue_frequency(&self, word: &str) -> usize {
        self.postings.get(word).map_or(0, Vec::len)
    }

    /// Every word of the library, sorted (for drawing replacements).
    pub fn vocabulary(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self.postings.keys().map(String::as_str).collect();
        all.sort_unstable();
        all
    }

    /// Up to `per_kind` queries of each kind from each of the items
    /// `queried`, each from a different cue of its item, drawn with
    /// `rng`. Phrases are 4 to 8 words (at least 5 for a missing word)
    /// that stand in no other cue of the library; a changed phrase stands
    /// in no cue at all; a rare word is in exactly one cue.
    pub fn queries(
        &self,
        queried: std::ops::Range<usize>,
        per_kind: usize,
        rng: &mut Rng,
    ) -> Vec<Query> {
        let vocabulary: Vec<&str> = self
            .vocabulary()
            .into_iter()
            .filter(|w| w.len() >= 3 && w.chars().all(char::is_alphabetic))
            .collect();
        let mut out = Vec::new();
        for item in queried {
            let cues = &self.items[item];
            if cues.is_empty() {
                continue;
            }
            let mut used: HashSet<usize> = HashSet::new();
            for kind in Kind::ALL {
                let mut made = 0;
                for _attempt in 0..200 {
                    if made == per_kind {
                        break;
                    }
                    let cue = rng.below(0..cues.len());
                    if used.contains(&cue) {
                        continue;
                    }
                    if let Some(query) = self.query(kind, item, cue, &vocabulary, rng) {
                        used.insert(cue);
                        out.push(query);
                        made += 1;
                    }
                }
            }
        }
        out
    }

    /// One query of `kind` from cue `cue` of item `item`, if that cue
    /// allows one.
    fn query(
        &self,
        kind: Kind,
        item: usize,
        cue: usize,
        vocabulary: &[&str],
        rng: &mut Rng,
    ) -> Option<Query> {
        let text = &self.items[item][cue].text;
        let spans = word_spans(text);
        let ws = &self.words[item][cue];
        let truth = (self.items[item][cue].start_ms, self.items[item][cue].end_ms);
        let make = |query: String, source: &str| Query {
            kind,
            text: query,
            source: source.to_owned(),
            item,
            cue,
            truth,
        };
        if kind == Kind::RareWord {
            let rare: Vec<usize> = (0..ws.len())
                .filter(|&k| {
                    ws[k].len() >= 4
                        && ws[k].chars().all(char::is_alphabetic)
                        && self.cue_frequency(&ws[k]) == 1
                })
                .collect();
            if rare.is_empty() {
                return None;
            }
            let k = rare[rng.below(0..rare.len())];
            let word = &text[spans[k].0..spans[k].1];
            return Some(make(word.to_owned(), word));
        }
        let least = if kind == Kind::OneWordMissing { 5 } else { 4 };
        if ws.len() < least {
            return None;
        }
        let length = rng.below(least..ws.len().min(8) + 1);
        let first = rng.below(0..ws.len() - length + 1);
        let phrase = &ws[first..first + length];
        if self.cues_with(phrase) != [(item, cue)] {
            return None;
        }
        let spans = &spans[first..first + length];
        let slice = &text[spans[0].0..spans[length - 1].1];
        let at = |k: usize| (spans[k].0 - spans[0].0, spans[k].1 - spans[0].0);
        match kind {
            Kind::ExactQuoted => Some(make(format!("\"{slice}\""), slice)),
            Kind::ExactUnquoted => Some(make(slice.to_owned(), slice)),
            Kind::OneWordChanged => {
                let k = rng.below(0..length);
                let (a, b) = at(k);
                let mut changed = phrase.to_vec();
                for _ in 0..20 {
                    let replacement = vocabulary[rng.below(0..vocabulary.len())];
                    if phrase.iter().any(|w| w == replacement) {
                        continue;
                    }
                    replacement.clone_into(&mut changed[k]);
                    if self.cues_with(&changed).is_empty() {
                        let query = format!("{}{replacement}{}", &slice[..a], &slice[b..]);
                        return Some(make(query, slice));
                    }
                }
                None
            }
            Kind::OneWordMissing => {
                // An inner word, and the separator before it.
                let k = rng.below(1..length - 1);
                let query = format!("{}{}", &slice[..at(k - 1).1], &slice[at(k).1..]);
                Some(make(query, slice))
            }
            Kind::RareWord => None,
        }
    }
}

/// Intersection over union of two time ranges (0 when either is empty
/// and they do not coincide).
pub fn iou(a: (u32, u32), b: (u32, u32)) -> f64 {
    let inter = a.1.min(b.1).saturating_sub(a.0.max(b.0));
    let union = a.1.max(b.1) - a.0.min(b.0);
    if union == 0 {
        return if a == b { 1.0 } else { 0.0 };
    }
    f64::from(inter) / f64::from(union)
}

/// A method's first answer to a query: the item it ranks first and the
/// cue of that item it points at (the best-scored one).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TopAnswer {
    /// The item, as an index into the library.
    pub item: usize,
    /// The cue's range, ms.
    pub range: (u32, u32),
}

/// The cue a ranked item points at: the highest score, the earliest on a
/// tie. `cues` are (start, end, score).
pub fn best_cue(cues: &[(u32, u32, f64)]) -> Option<(u32, u32)> {
    cues.iter()
        .copied()
        .reduce(|best, c| {
            if c.2 > best.2 || (c.2 == best.2 && c.0 < best.0) {
                c
            } else {
                best
            }
        })
        .map(|(a, b, _)| (a, b))
}

/// One method's figures on one kind of query.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    /// The query kind's name.
    pub kind: &'static str,
    /// The method's name.
    pub method: &'static str,
    /// Queries of the kind.
    pub queries: usize,
    /// Share whose first answer is the right item and its best cue the
    /// query's cue.
    pub recall_at_1: f64,
    /// Share whose first answer is the right item, whatever the cue.
    pub item_at_1: f64,
    /// Mean IoU of the first answer's cue with the true range (0 for a
    /// wrong item or none).
    pub mean_iou: f64,
    /// Queries whose first answer's cue range is the true one exactly.
    pub exact_ranges: usize,
    /// Queries answered with a wrong item or cue first.
    pub wrong: usize,
    /// Queries answered with nothing.
    pub unanswered: usize,
    /// Median time per query, ms.
    pub p50_ms: f64,
}

/// The figures of `answers` (per query, the first answer if any, and the
/// ms it took) for the queries of `kind`.
pub fn row(
    kind: Kind,
    method: &'static str,
    queries: &[Query],
    answers: &[(Option<TopAnswer>, f64)],
) -> Row {
    let mut n = 0;
    let (mut right, mut item_right, mut exact, mut wrong, mut none) = (0, 0, 0, 0, 0);
    let mut iou_sum = 0.0;
    let mut ms = Vec::new();
    for (q, (answer, time)) in queries.iter().zip(answers).filter(|(q, _)| q.kind == kind) {
        n += 1;
        ms.push(*time);
        match answer {
            None => none += 1,
            Some(a) if a.item == q.item => {
                item_right += 1;
                iou_sum += iou(a.range, q.truth);
                if a.range == q.truth {
                    exact += 1;
                    right += 1;
                } else {
                    wrong += 1;
                }
            }
            Some(_) => wrong += 1,
        }
    }
    ms.sort_by(f64::total_cmp);
    let share = |k: usize| if n == 0 { 0.0 } else { k as f64 / n as f64 };
    Row {
        kind: kind.name(),
        method,
        queries: n,
        recall_at_1: share(right),
        item_at_1: share(item_right),
        mean_iou: if n == 0 { 0.0 } else { iou_sum / n as f64 },
        exact_ranges: exact,
        wrong,
        unanswered: none,
        p50_ms: ms.get(ms.len() / 2).copied().unwrap_or(f64::NAN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(start_ms: u32, end_ms: u32, text: &str) -> Cue {
        Cue {
            start_ms,
            end_ms,
            text: text.to_owned(),
        }
    }

    #[test]
    fn words_are_what_fp_cues_words_holds() {
        assert_eq!(
            words("And God said, Let there be light: and there was LIGHT."),
            [
                "and", "god", "said", "let", "there", "be", "light", "and", "there", "was", "light"
            ]
        );
        assert_eq!(words("LORD's ¿Qué tal?"), ["lord", "s", "qué", "tal"]);
    }

    #[test]
    fn iou_of_ranges() {
        assert_eq!(iou((1000, 2000), (1000, 2000)), 1.0);
        assert_eq!(iou((1000, 2000), (2000, 3000)), 0.0);
        assert_eq!(iou((1000, 3000), (2000, 4000)), 1.0 / 3.0);
        assert_eq!(iou((0, 4000), (1000, 2000)), 0.25);
        assert_eq!(iou((5, 5), (5, 5)), 1.0);
    }

    #[test]
    fn cues_are_clauses_of_3_to_12_words_and_1_to_4_seconds() {
        let prose = "In the beginning God created the heaven and the earth. And the earth was \
                     without form, and void; and darkness was upon the face of the deep. Amen. \
                     And the Spirit of God moved upon the face of the waters, and it was very \
                     good in every way that a thing can be good.";
        let texts = cue_texts(prose, 12);
        for t in &texts {
            let n = words(t).len();
            assert!((2..=12).contains(&n), "{n} words in {t:?} of {texts:?}");
        }
        assert_eq!(
            texts[0],
            "In the beginning God created the heaven and the earth."
        );
        // "Amen." (one word) joins the next cue.
        assert!(
            texts.iter().any(|t| t.starts_with("Amen. And")),
            "{texts:?}"
        );
        assert_eq!(
            texts.join(" "),
            prose.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        let cues = timed(&texts, 500);
        assert_eq!(cues[0].start_ms, 500);
        for pair in cues.windows(2) {
            let length = pair[0].end_ms - pair[0].start_ms;
            assert!((1_000..=4_000).contains(&length), "{pair:?}");
            assert_eq!(pair[1].start_ms, pair[0].end_ms + 250);
        }
    }

    #[test]
    fn srt_and_webvtt_carry_the_ranges_to_the_millisecond() {
        let cues = [
            cue(500, 2_750, "One, two."),
            cue(3_723_004, 3_725_000, "Three"),
        ];
        assert_eq!(
            srt(&cues),
            "1\n00:00:00,500 --> 00:00:02,750\nOne, two.\n\n\
             2\n01:02:03,004 --> 01:02:05,000\nThree\n\n"
        );
        assert_eq!(
            webvtt(&cues),
            "WEBVTT\n\n00:00:00.500 --> 00:00:02.750\nOne, two.\n\n\
             01:02:03.004 --> 01:02:05.000\nThree\n\n"
        );
    }

    fn library() -> Vec<Vec<Cue>> {
        let text = |i: usize| {
            [
                "the quick brown fox jumps over the lazy dog tonight",
                "a slow green turtle walks under the busy bridge again",
                "seven silver fish swim past the old wooden harbour wall",
                "the quick brown fox sleeps beside the warm kitchen fire",
                "every morning the baker sells bread to hungry sailors",
                "zebras whisper quietly at midnight near the river bank",
            ][i % 6]
                .to_owned()
        };
        (0..4)
            .map(|item| {
                (0..6)
                    .map(|c| {
                        let start = (c as u32) * 4_000;
                        // A last word of its own, so that some phrases are unique.
                        let own = format!(
                            "zz{}{}",
                            char::from(b'a' + item as u8),
                            char::from(b'a' + c as u8)
                        );
                        cue(start, start + 3_000, &format!("{} {own}", text(item + c)))
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn each_query_comes_from_its_truth_cue_and_differs_as_its_kind_says() {
        let items = library();
        let lib = Library::new(&items);
        let queries = lib.queries(0..4, 1, &mut Rng::new(7));
        for kind in Kind::ALL {
            assert!(
                queries.iter().any(|q| q.kind == kind),
                "no {kind:?} query in {queries:#?}"
            );
        }
        for q in &queries {
            let cue = &items[q.item][q.cue];
            assert_eq!(q.truth, (cue.start_ms, cue.end_ms));
            assert!(cue.text.contains(&q.source), "{q:?} not from {cue:?}");
            let source = words(&q.source);
            let asked = words(&q.text);
            match q.kind {
                Kind::ExactQuoted => {
                    assert_eq!(q.text, format!("\"{}\"", q.source));
                    assert_eq!(lib.cues_with(&source), [(q.item, q.cue)], "{q:?}");
                }
                Kind::ExactUnquoted => {
                    assert_eq!(q.text, q.source);
                    assert_eq!(lib.cues_with(&source), [(q.item, q.cue)], "{q:?}");
                }
                Kind::OneWordChanged => {
                    assert_eq!(asked.len(), source.len(), "{q:?}");
                    let differ = asked.iter().zip(&source).filter(|(a, b)| a != b).count();
                    assert_eq!(differ, 1, "{q:?}");
                    assert!(lib.cues_with(&asked).is_empty(), "{q:?} stands somewhere");
                }
                Kind::OneWordMissing => {
                    assert_eq!(asked.len() + 1, source.len(), "{q:?}");
                    assert_eq!(asked.first(), source.first(), "{q:?}");
                    assert_eq!(asked.last(), source.last(), "{q:?}");
                    let k = (0..asked.len())
                        .find(|&k| asked[k] != source[k])
                        .expect("a missing word");
                    assert_eq!(asked[k..], source[k + 1..], "{q:?}");
                }
                Kind::RareWord => {
                    assert_eq!(asked.len(), 1, "{q:?}");
                    assert_eq!(lib.cues_with(&asked), [(q.item, q.cue)], "{q:?}");
                }
            }
        }
    }

    #[test]
    fn a_phrase_found_in_two_cues_makes_no_exact_query() {
        // Every cue says the same: no phrase is unique, no word rare.
        let items: Vec<Vec<Cue>> = (0..2)
            .map(|_| vec![cue(0, 2_000, "one two three four five six"); 3])
            .collect();
        let lib = Library::new(&items);
        let queries = lib.queries(0..2, 3, &mut Rng::new(1));
        assert!(queries.is_empty(), "{queries:#?}");
    }

    #[test]
    fn the_best_cue_is_the_highest_scored_then_the_earliest() {
        assert_eq!(
            best_cue(&[(5, 6, 1.0), (1, 2, 1.5), (3, 4, 1.5)]),
            Some((1, 2))
        );
        assert_eq!(best_cue(&[]), None);
    }

    #[test]
    fn recall_needs_the_right_item_and_the_right_cue() {
        let q = |kind, item, truth| Query {
            kind,
            text: String::new(),
            source: String::new(),
            item,
            cue: 0,
            truth,
        };
        let queries = [
            q(Kind::RareWord, 1, (1000, 2000)),
            q(Kind::RareWord, 1, (1000, 2000)),
            q(Kind::RareWord, 2, (1000, 2000)),
            q(Kind::RareWord, 3, (1000, 2000)),
            q(Kind::ExactQuoted, 3, (0, 10)),
        ];
        let answers = [
            (
                Some(TopAnswer {
                    item: 1,
                    range: (1000, 2000),
                }),
                1.0,
            ),
            (
                Some(TopAnswer {
                    item: 1,
                    range: (1500, 2000),
                }),
                2.0,
            ),
            (
                Some(TopAnswer {
                    item: 0,
                    range: (1000, 2000),
                }),
                3.0,
            ),
            (None, 4.0),
            (None, 5.0),
        ];
        let r = row(Kind::RareWord, "m", &queries, &answers);
        assert_eq!(r.queries, 4);
        assert_eq!(r.recall_at_1, 0.25);
        assert_eq!(r.item_at_1, 0.5);
        assert_eq!(r.mean_iou, (1.0 + 0.5) / 4.0);
        assert_eq!((r.exact_ranges, r.wrong, r.unanswered), (1, 2, 1));
        assert_eq!(r.p50_ms, 3.0);
    }
}
