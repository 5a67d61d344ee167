//! Text-search latency on made-up dialogue: cues generated straight into
//! `fp_cues` (the columns `fp_cues_mv` writes, words drawn Zipf-like from a
//! vocabulary of 20,000), one tenant's library grown to each size with
//! other tenants' rows beside it, then the product's statement
//! ([`library::text_search`]) and a plain `LIKE` scan timed on the same
//! queries in the same run. Used by the evaluation (`speed.json`) and by
//! the `text_search_latency` binary (`benchmarks/text_search.sh`).

use std::time::Instant;

use clickprint::Result;
use clickprint::clickhouse::Engine;
use clickprint::clickhouse::library::{self, TextQuery, WordsMode};

/// Words of the made-up vocabulary (`w1` the most frequent, `wN` drawn
/// about N times less often).
pub const VOCABULARY: u32 = 20_000;

/// Media ids of made-up cues start here (far above the evaluation's).
const FIRST_MEDIA: u64 = 10_000_000;

/// Cues per made-up item.
const CUES_PER_ITEM: u64 = 200;

/// The SELECT of made-up cues numbered `rows` for `tenant`: 3 to 11 words
/// each, word rank `floor(VOCABULARY ^ u)` for uniform `u` (so rank r is
/// drawn about 1 / r as often: Zipf-like), 200 cues per item 3 s apart,
/// `text` = `words` (the made-up words have no case or punctuation) and
/// `pieces` the words with the spaces between. The same numbers give the
/// same cues.
pub fn synthetic_cues(tenant: u32, rows: std::ops::Range<u64>, salt: u64) -> String {
    format!(
        "SELECT {tenant} AS tenant_id, {FIRST_MEDIA} + {salt} * 1000000000 + intDiv(number, {CUES_PER_ITEM}) AS media_id, \
           toUInt32((number % {CUES_PER_ITEM}) * 3000) AS start_ms, toUInt32(number % {CUES_PER_ITEM}) AS item, \
           start_ms + 2000 AS end_ms, 'eng' AS language, words AS text, words, \
           arrayPopBack(arrayFlatten(arrayMap(w -> [w, ' '], tokens))) AS pieces \
         FROM (SELECT number, \
                 arrayMap(j -> concat('w', toString(toUInt32(floor(exp(log({VOCABULARY}) * \
                   ((cityHash64(number, {salt}, j) % 1000000) / 1000000.0)))))), \
                   range(3 + cityHash64(number, {salt}) % 9)) AS tokens, \
                 arrayStringConcat(tokens, ' ') AS words \
               FROM numbers({}, {}))",
        rows.start,
        rows.end - rows.start
    )
}

/// Adds the made-up cues numbered `rows` to `tenant`, and as many to each
/// of `others` (each its own cues), then merges the table's parts, as a
/// library at rest would be.
///
/// # Errors
/// The engine's message.
pub async fn add_synthetic_cues(
    engine: &Engine,
    tenant: u32,
    others: &[u32],
    rows: std::ops::Range<u64>,
) -> Result<()> {
    for (salt, t) in std::iter::once(tenant)
        .chain(others.iter().copied())
        .enumerate()
    {
        engine
            .query(&format!(
                "INSERT INTO clickprint.fp_cues (tenant_id, media_id, start_ms, item, end_ms, language, text, words, pieces) \
                 {} SETTINGS min_insert_block_size_rows = 10000000, min_insert_block_size_bytes = 1000000000",
                synthetic_cues(t, rows.clone(), salt as u64)
            ))
            .await?;
    }
    engine
        .query("OPTIMIZE TABLE clickprint.fp_cues FINAL")
        .await?;
    Ok(())
}

/// The plain scan a user writes without the text search: cues whose text
/// holds every (`all`) or any pattern, case-insensitively, in table order,
/// the first 10. `{tenant:UInt32}`; the patterns are inlined, escaped.
pub fn like_scan(patterns: &[String], all: bool) -> String {
    let escape = |p: &str| {
        p.replace('\\', "\\\\")
            .replace('\'', "\\'")
            .replace('%', "\\%")
            .replace('_', "\\_")
    };
    let conditions: Vec<String> = patterns
        .iter()
        .map(|p| format!("text ILIKE '%{}%'", escape(p)))
        .collect();
    format!(
        "SELECT media_id, start_ms, end_ms FROM clickprint.fp_cues \
         WHERE tenant_id = {{tenant:UInt32}} AND ({}) \
         ORDER BY media_id, start_ms LIMIT 10",
        conditions.join(if all { " AND " } else { " OR " })
    )
}

/// One kind of query timed at one library size.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TextLatency {
    /// Cues of the tenant searched.
    pub cues: u64,
    /// Cues of the other tenants in the same table.
    pub other_cues: u64,
    /// The query kind.
    pub kind: &'static str,
    /// `text search` (the product's statement) or `LIKE scan`.
    pub form: &'static str,
    /// Median ms over the runs (each run a different query of the kind).
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// Mean items (text search) or cues (LIKE, at most 10) answered.
    pub mean_answers: f64,
}

/// One query as both forms ask it.
struct Asked {
    text: TextQuery,
    like: String,
}

fn word(rank: u64) -> String {
    format!("w{rank}")
}

/// `runs` queries of each kind for a library of the made-up cues, taken
/// from `runs` cues of 6 words or more spread over the tenant's library:
/// its rarest word (ranks in the thousands: a few dozen cues in a
/// million), three of its words in a row, quoted, its first and last
/// words; a common word is one of ranks 2 to 12 (tens of thousands of
/// cues in a million); `any` pairs the rarest word with one of rank 900
/// and up.
async fn queries(
    engine: &Engine,
    tenant: u32,
    runs: usize,
) -> Result<Vec<(&'static str, Vec<Asked>)>> {
    let ask = |text: String, mode: WordsMode, patterns: Vec<String>| Asked {
        like: like_scan(&patterns, mode == WordsMode::All),
        text: TextQuery {
            text,
            mode,
            language: String::new(),
            top_k: 10,
        },
    };
    // Cues of 6 or more words, spread over the tenant's library.
    let output = engine
        .query(&format!(
            "SELECT words FROM clickprint.fp_cues WHERE tenant_id = {tenant} \
             AND length(splitByChar(' ', words)) >= 6 \
             ORDER BY cityHash64(media_id, item) LIMIT {runs}"
        ))
        .await?;
    let rows = output.to_json_rows()?;
    let cues: Vec<Vec<String>> = rows
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|r| r["words"].as_str())
                .map(|w| w.split(' ').map(str::to_owned).collect())
                .collect()
        })
        .unwrap_or_default();
    let n = runs as u64;
    // A cue's rarest word: rare, and held by at least that cue.
    let rarest = |c: &[String]| {
        c.iter()
            .max_by_key(|w| w[1..].parse::<u32>().unwrap_or(0))
            .cloned()
            .unwrap_or_default()
    };
    let rare: Vec<Asked> = cues
        .iter()
        .map(|c| {
            let w = rarest(c);
            ask(w.clone(), WordsMode::All, vec![w])
        })
        .collect();
    let common: Vec<Asked> = (0..n)
        .map(|i| {
            let w = word(2 + i % 11);
            ask(w.clone(), WordsMode::All, vec![w])
        })
        .collect();
    let phrase: Vec<Asked> = cues
        .iter()
        .map(|c| {
            let p = c[1..4].join(" ");
            ask(format!("\"{p}\""), WordsMode::All, vec![p])
        })
        .collect();
    let two_all: Vec<Asked> = cues
        .iter()
        .map(|c| {
            let (a, b) = (c[0].clone(), c[c.len() - 1].clone());
            ask(format!("{a} {b}"), WordsMode::All, vec![a, b])
        })
        .collect();
    let two_any: Vec<Asked> = cues
        .iter()
        .zip(0..n)
        .map(|(c, i)| {
            let (a, b) = (rarest(c), word(900 + 13 * i));
            ask(format!("{a} {b}"), WordsMode::Any, vec![a, b])
        })
        .collect();
    Ok(vec![
        ("rare word", rare),
        ("common word", common),
        ("quoted 3-word phrase", phrase),
        ("two words, all", two_all),
        ("two words, any", two_any),
    ])
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn count(engine: &Engine, sql: &str) -> Result<u64> {
    let answer = engine
        .query(&format!("SELECT toString(({sql}))"))
        .await?
        .first_string()
        .unwrap_or_default();
    Ok(answer.parse().unwrap_or(0))
}

/// Grows `tenant`'s made-up dialogue to each of `sizes` cues (with as
/// many for each of `others`) and times the text search and the `LIKE`
/// scan on `runs` queries of each kind (after one warm-up query each),
/// interleaved query by query so that a slow spell of a shared machine
/// falls on both.
///
/// # Errors
/// The engine's message.
pub async fn measure(
    engine: &Engine,
    tenant: u32,
    others: &[u32],
    sizes: &[u64],
    runs: usize,
    progress: &dyn Fn(&str),
) -> Result<Vec<TextLatency>> {
    let mut out = Vec::new();
    let mut made = 0;
    for &size in sizes {
        progress(&format!(
            "text search latency: {size} cues in tenant {tenant}, as many in each of {} other(s)",
            others.len()
        ));
        add_synthetic_cues(engine, tenant, others, made..size).await?;
        made = size;
        let cues = count(
            engine,
            &format!("SELECT count() FROM clickprint.fp_cues WHERE tenant_id = {tenant}"),
        )
        .await?;
        let total = count(engine, "SELECT count() FROM clickprint.fp_cues").await?;
        for (kind, asked) in queries(engine, tenant, runs + 1).await? {
            let (mut search_ms, mut like_ms) = (Vec::new(), Vec::new());
            let (mut search_answers, mut like_answers) = (0usize, 0usize);
            for (run, a) in asked.iter().enumerate() {
                let started = Instant::now();
                let found = library::text_search(engine, tenant, &a.text).await?;
                let search = started.elapsed().as_secs_f64() * 1000.0;
                let started = Instant::now();
                let rows = engine
                    .query_with_params(&a.like, &[("tenant", tenant.to_string())])
                    .await?;
                let like = started.elapsed().as_secs_f64() * 1000.0;
                if run > 0 {
                    search_ms.push(search);
                    like_ms.push(like);
                    search_answers += found.len();
                    like_answers += rows.batches.iter().map(|b| b.num_rows()).sum::<usize>();
                }
            }
            for (form, mut ms, answers) in [
                ("text search", search_ms, search_answers),
                ("LIKE scan", like_ms, like_answers),
            ] {
                ms.sort_by(f64::total_cmp);
                out.push(TextLatency {
                    cues,
                    other_cues: total - cues,
                    kind,
                    form,
                    p50_ms: percentile(&ms, 0.5),
                    p95_ms: percentile(&ms, 0.95),
                    mean_answers: answers as f64 / ms.len().max(1) as f64,
                });
            }
        }
    }
    Ok(out)
}

/// The figures as a Markdown table.
pub fn markdown(rows: &[TextLatency], build: &str) -> String {
    let mut out = format!(
        "### Text search latency ({build} build; made-up cues, one tenant, others beside it)\n\n\
         | tenant's cues | other tenants' cues | query | form | p50 ms | p95 ms | p50 / LIKE's p50 | answers (mean) |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |\n"
    );
    for r in rows {
        let like = rows
            .iter()
            .find(|l| l.cues == r.cues && l.kind == r.kind && l.form == "LIKE scan")
            .map_or(f64::NAN, |l| l.p50_ms);
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.1} | {:.1} | {:.2} | {:.1} |\n",
            r.cues,
            r.other_cues,
            r.kind,
            r.form,
            r.p50_ms,
            r.p95_ms,
            r.p50_ms / like,
            r.mean_answers
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_like_scan_escapes_its_patterns() {
        let sql = like_scan(&["50%_o'k".to_owned(), "two".to_owned()], false);
        assert!(
            sql.contains(r"text ILIKE '%50\%\_o\'k%' OR text ILIKE '%two%'"),
            "{sql}"
        );
        assert!(like_scan(&["a".into(), "b".into()], true).contains("'%a%' AND text"));
    }
}
