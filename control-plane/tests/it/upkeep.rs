//! The library's upkeep (issue 23): stop lists recounted and honoured by
//! the search, deleted media's rows purged, and the schedule that runs
//! both inside `clickprint serve`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clickprint::app::upkeep;
use clickprint::clickhouse::upkeep::{purge, refresh_stop_list};
use clickprint::clickhouse::{Engine, library};
use clickprint::config::Upkeep;
use clickprint::metrics::Metrics;
use clickprint_tests::{data_dir, ffmpeg, image_source};

use crate::search::{open, rows_of};

fn picture(dir: &Path, i: u64) -> PathBuf {
    ffmpeg(
        &["-f", "lavfi", "-i", &image_source(i), "-frames:v", "1"],
        &dir.join(format!("p{i}.png")),
    )
}

async fn found(engine: &Engine, tenant: u32, query: &Path) -> Vec<u64> {
    let query = query.to_str().expect("a UTF-8 path");
    library::search(engine, tenant, query, 10, 0.3)
        .await
        .expect("the search answers")
        .iter()
        .map(|m| m.media_id)
        .collect()
}

#[tokio::test]
async fn the_stop_list_is_refreshed_and_honoured_per_tenant() {
    let dir = data_dir("upkeep-stop-list");
    let engine = open(dir.path()).await;
    let common = picture(dir.path(), 1);
    let other = picture(dir.path(), 2);
    // Tenant 7 holds one picture four times (every key of it 4 times) and
    // another once; tenant 8 holds the first picture once.
    for media in 1..=4 {
        library::ingest(&engine, 7, media, common.to_str().unwrap())
            .await
            .unwrap();
    }
    library::ingest(&engine, 7, 5, other.to_str().unwrap())
        .await
        .unwrap();
    library::ingest(&engine, 8, 1, common.to_str().unwrap())
        .await
        .unwrap();
    let before = found(&engine, 7, &common).await;
    assert_eq!(before.len(), 4, "{before:?}");

    // Keys held more than twice: the common picture's, not the other's.
    let keys = refresh_stop_list(&engine, 7, 2).await.unwrap();
    assert!(keys > 0);
    let after = found(&engine, 7, &common).await;
    assert!(
        after.is_empty(),
        "stop-listed keys were looked up: {after:?}"
    );
    assert_eq!(found(&engine, 7, &other).await, vec![5]);
    // Another tenant's list is its own.
    assert_eq!(found(&engine, 8, &common).await, vec![1]);

    // A recount forgets keys that are no longer common: with a bound of
    // four rows, no key of tenant 7 passes it.
    assert_eq!(refresh_stop_list(&engine, 7, 4).await.unwrap(), 0);
    assert_eq!(found(&engine, 7, &common).await.len(), 4);
}

#[tokio::test]
async fn purged_rows_are_gone_and_a_deleted_item_never_returns() {
    let dir = data_dir("upkeep-purge");
    let engine = open(dir.path()).await;
    let kept = picture(dir.path(), 3);
    let deleted = picture(dir.path(), 4);
    library::ingest(&engine, 7, 1, kept.to_str().unwrap())
        .await
        .unwrap();
    library::ingest(&engine, 7, 2, deleted.to_str().unwrap())
        .await
        .unwrap();
    // A line of dialogue for each item, as a subtitle file's cue.
    engine
        .query(
            "INSERT INTO clickprint.fp_ingest (tenant_id, media_id, kind, time_ms, item, record, keys) VALUES \
             (7, 1, 'cue', 0, 16777216, '900\teng\tKept words', []), \
             (7, 2, 'cue', 0, 16777216, '900\teng\tGone words', [])",
        )
        .await
        .unwrap();
    let (keys, records) = (
        rows_of(&engine, "fp_keys", 2).await,
        rows_of(&engine, "fp_media", 2).await,
    );
    assert!(keys > 0 && records > 0);
    assert_eq!(rows_of(&engine, "fp_cue_words", 2).await, 2);
    // And a plug-in extractor's record of each.
    engine
        .query(
            "INSERT INTO clickprint.fp_extractor_ingest \
             (tenant_id, media_id, extractor, version, modality, kind, time_ms, item, record, keys) VALUES \
             (7, 1, 'notes', '1', 'image', 'note', 0, 0, 'kept', []), \
             (7, 2, 'notes', '1', 'image', 'note', 0, 0, 'gone', [])",
        )
        .await
        .unwrap();
    assert_eq!(rows_of(&engine, "fp_extractor_records", 2).await, 1);
    library::delete(&engine, 7, 2).await.unwrap();
    assert!(found(&engine, 7, &deleted).await.is_empty());
    // Nor does a text search find its dialogue, of one word (counted in
    // fp_cue_words) or two (their cues and words read there).
    for (text, want) in [("words", vec![1]), ("gone", vec![]), ("gone words", vec![])] {
        assert_eq!(said(&engine, text).await, want, "{text}");
    }
    // Its rows are still there until the purge.
    assert_eq!(rows_of(&engine, "fp_keys", 2).await, keys);

    let purged = purge(&engine, 1000).await.unwrap();
    assert_eq!(
        (purged.media, purged.key_rows, purged.record_rows),
        (1, keys, records)
    );
    assert_eq!(rows_of(&engine, "fp_keys", 2).await, 0);
    assert_eq!(rows_of(&engine, "fp_media", 2).await, 0);
    assert_eq!(rows_of(&engine, "fp_cues", 2).await, 0);
    assert_eq!(rows_of(&engine, "fp_cue_words", 2).await, 0);
    assert_eq!(rows_of(&engine, "fp_extractor_records", 2).await, 0);
    assert!(found(&engine, 7, &deleted).await.is_empty());
    // The kept item is whole and found.
    assert!(rows_of(&engine, "fp_keys", 1).await > 0);
    assert_eq!(rows_of(&engine, "fp_cues", 1).await, 1);
    assert_eq!(rows_of(&engine, "fp_cue_words", 1).await, 2);
    assert_eq!(rows_of(&engine, "fp_extractor_records", 1).await, 1);
    assert_eq!(found(&engine, 7, &kept).await, vec![1]);
    assert_eq!(said(&engine, "words").await, vec![1]);
    // Nothing is left to purge: a second purge rewrites nothing.
    assert_eq!(purge(&engine, 1000).await.unwrap().media, 0);
}

/// The items of tenant 7 whose dialogue a text search (`text_search.sql`)
/// finds saying `text`, best first.
async fn said(engine: &Engine, text: &str) -> Vec<u64> {
    let query = library::TextQuery {
        text: text.to_owned(),
        mode: library::WordsMode::All,
        language: String::new(),
        top_k: 10,
    };
    library::text_search(engine, 7, &query)
        .await
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .iter()
        .map(|m| m.media_id)
        .collect()
}

#[tokio::test]
async fn the_schedule_recounts_changed_libraries_and_purges() {
    let dir = data_dir("upkeep-schedule");
    let engine = open(dir.path()).await;
    let common = picture(dir.path(), 5);
    for media in 1..=3 {
        library::ingest(&engine, 7, media, common.to_str().unwrap())
            .await
            .unwrap();
    }
    let metrics = Arc::new(Metrics::new());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let schedule = upkeep::start(
        engine.clone(),
        Upkeep {
            stop_list_every: Some(Duration::from_millis(200)),
            stop_list_max_rows: 2,
            purge_every: Some(Duration::from_secs(2)),
        },
        Arc::clone(&metrics),
        stopped,
    );
    let until = |what: &'static str, done: Box<dyn Fn(&str) -> bool>| {
        let metrics = Arc::clone(&metrics);
        async move {
            let start = Instant::now();
            loop {
                let text = metrics.render(0);
                if done(&text) {
                    return text;
                }
                assert!(
                    start.elapsed() < Duration::from_secs(120),
                    "no {what}:\n{text}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    // The first round counts tenant 7's list: the picture's keys, 3 times.
    until(
        "stop list",
        Box::new(|t| !t.contains("clickprint_stop_listed_keys 0")),
    )
    .await;
    assert!(found(&engine, 7, &common).await.is_empty());
    // Deleting two of the three copies changes the library: a recount
    // follows at once (purges are further apart), while the rows are still
    // there, so the list stays. The purge then removes the rows, and the
    // round after it recounts the tenant whose rows went, so its keys, now
    // held once, leave the list.
    let recounts = |t: &str| {
        t.lines()
            .find_map(|l| l.strip_prefix("clickprint_stop_list_recounts_total "))
            .and_then(|n| n.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let before = recounts(&metrics.render(0));
    library::delete(&engine, 7, 1).await.unwrap();
    library::delete(&engine, 7, 2).await.unwrap();
    until(
        "recount after the delete",
        Box::new(move |t| recounts(t) > before),
    )
    .await;
    until(
        "purge",
        Box::new(|t| t.contains("clickprint_purged_media_total 2")),
    )
    .await;
    assert_eq!(rows_of(&engine, "fp_keys", 1).await, 0);
    until(
        "recount after the purge",
        Box::new(|t| t.contains("clickprint_stop_listed_keys 0")),
    )
    .await;
    assert_eq!(found(&engine, 7, &common).await, vec![3]);
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(30), schedule)
        .await
        .expect("the schedule ends when told")
        .unwrap();
}
