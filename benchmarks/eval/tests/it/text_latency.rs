//! The made-up dialogue the text-search latency is measured on: its rows
//! are what `fp_cues_mv` would write for the same text, and the text
//! search finds them, in their tenant only.

use clickprint::clickhouse::library::{self, TextQuery, WordsMode};
use clickprint_eval::{fixtures, text_latency};
use clickprint_tests::{binaries_dir, data_dir};

async fn number(engine: &clickprint::clickhouse::Engine, sql: &str) -> u64 {
    engine
        .query(&format!("SELECT toString(({sql}))"))
        .await
        .expect(sql)
        .first_string()
        .expect("an answer")
        .parse()
        .expect("a number")
}

#[tokio::test]
async fn made_up_cues_are_what_the_view_writes_and_the_text_search_finds_them() {
    let dir = data_dir("text-latency");
    let engine = fixtures::engine(dir.path(), &binaries_dir())
        .await
        .expect("the embedded engine");
    text_latency::add_synthetic_cues(&engine, 5, &[6], 0..3_000)
        .await
        .expect("made-up cues");
    assert_eq!(
        number(
            &engine,
            "SELECT count() FROM clickprint.fp_cues WHERE tenant_id = 5"
        )
        .await,
        3_000
    );
    // words and pieces as fp_cues_mv computes them from the text
    // (sql/clickhouse/schema.sql).
    let differ = number(
        &engine,
        "SELECT count() FROM clickprint.fp_cues WHERE \
         words != arrayStringConcat(extractAll(lowerUTF8(text), '[\\\\p{L}\\\\p{N}\\\\p{M}]+'), ' ') \
         OR pieces != extractAll(text, '[\\\\p{L}\\\\p{N}\\\\p{M}]+|[^\\\\p{L}\\\\p{N}\\\\p{M}]+') \
         OR end_ms <= start_ms",
    )
    .await;
    assert_eq!(differ, 0, "made-up rows unlike the view's");

    // Three words of a cue of tenant 5, quoted: the text search finds that
    // cue and highlights them; tenant 6's cues (other words, the same
    // vocabulary) never come back.
    let words = engine
        .query(
            "SELECT words FROM clickprint.fp_cues WHERE tenant_id = 5 \
             AND length(splitByChar(' ', words)) >= 6 ORDER BY media_id, start_ms LIMIT 1",
        )
        .await
        .unwrap()
        .first_string()
        .expect("a cue of 6 words or more");
    let tokens: Vec<&str> = words.split(' ').collect();
    let phrase = tokens[1..4].join(" ");
    let found = library::text_search(
        &engine,
        5,
        &TextQuery {
            text: format!("\"{phrase}\""),
            mode: WordsMode::All,
            language: String::new(),
            top_k: 10,
        },
    )
    .await
    .expect("text search");
    let cue = found
        .iter()
        .flat_map(|m| &m.cues)
        .find(|c| c.text == words)
        .unwrap_or_else(|| panic!("{words:?} not among {found:#?}"));
    let wrapped = tokens[1..4]
        .iter()
        .map(|t| format!("«{t}»"))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(cue.highlighted.contains(&wrapped), "{cue:?}");
    assert!(
        found
            .iter()
            .all(|m| m.media_id < 10_000_000 + 1_000_000_000),
        "another tenant's item in {found:#?}"
    );
    // The LIKE scan finds the same cue.
    let rows = engine
        .query_with_params(
            &text_latency::like_scan(&[phrase], true),
            &[("tenant", "5".to_owned())],
        )
        .await
        .unwrap();
    assert!(
        rows.batches.iter().any(|b| b.num_rows() > 0),
        "LIKE found nothing"
    );
}
