//! The embedded engine: chDB through ADBC, tables on disk, UDFs from
//! `clickhouse-config/`.

use arrow::array::AsArray;
use arrow::datatypes::UInt64Type;
use clickprint::Error;
use clickprint::clickhouse::{EmbeddedEngine, Engine};
use clickprint::config::ClickHouseConfig;
use clickprint::config::EmbeddedOptions;

use crate::common::embedded_config;
use clickprint_tests::data_dir;

fn embedded_options(config: &clickprint::config::Config) -> EmbeddedOptions {
    match &config.clickhouse {
        ClickHouseConfig::Embedded(options) => options.clone(),
        other => panic!("expected the embedded engine, got {other:?}"),
    }
}

#[tokio::test]
async fn mergetree_table_round_trip() {
    let dir = data_dir("mergetree");
    let engine = Engine::open(&embedded_config(dir.path()).clickhouse).unwrap();
    engine
        .query("CREATE DATABASE mergetree_table_round_trip")
        .await
        .unwrap();
    engine
        .query(
            "CREATE TABLE mergetree_table_round_trip.t (tenant_id UInt32, key UInt64, note String) \
             ENGINE = MergeTree ORDER BY (tenant_id, key)",
        )
        .await
        .unwrap();
    engine
        .query(
            "INSERT INTO mergetree_table_round_trip.t \
             SELECT number % 3, number, concat('n', toString(number)) FROM numbers(1000)",
        )
        .await
        .unwrap();
    let output = engine
        .query(
            "SELECT tenant_id, count() AS n, sum(key) AS total FROM mergetree_table_round_trip.t \
             GROUP BY tenant_id ORDER BY tenant_id",
        )
        .await
        .unwrap();
    assert_eq!(output.num_rows(), 3);
    let batch = &output.batches[0];
    let counts = batch.column(1).as_primitive::<UInt64Type>();
    let totals = batch.column(2).as_primitive::<UInt64Type>();
    assert_eq!(counts.values().to_vec(), vec![334, 333, 333]);
    // Keys 0..1000 split by key % 3: 0+3+..+999, 1+4+..+997, 2+5+..+998.
    assert_eq!(totals.values().to_vec(), vec![166_833, 166_167, 166_500]);
    // The table is on disk in the data directory.
    assert!(
        dir.path().join("clickhouse").join("store").is_dir()
            || dir.path().join("clickhouse").join("data").is_dir()
    );
}

#[tokio::test]
async fn version_is_clickhouse_26_9() {
    let dir = data_dir("version");
    let engine = Engine::open(&embedded_config(dir.path()).clickhouse).unwrap();
    let version = engine.version().await.unwrap();
    assert!(version.starts_with("26.9."), "version {version}");
}

#[tokio::test]
async fn udf_from_clickhouse_config_answers_every_row() {
    let dir = data_dir("udf");
    let engine = Engine::open(&embedded_config(dir.path()).clickhouse).unwrap();
    // Many rows, so ClickHouse sends several blocks to the pooled process.
    let output = engine
        .query(
            "SELECT count() AS n, uniqExact(v) AS distinct_values, any(v) AS sample \
             FROM (SELECT clickprint_version(toString(number)) AS v FROM numbers(200000))",
        )
        .await
        .unwrap();
    let batch = &output.batches[0];
    assert_eq!(
        batch.column(0).as_primitive::<UInt64Type>().value(0),
        200_000
    );
    assert_eq!(batch.column(1).as_primitive::<UInt64Type>().value(0), 1);
    let v = batch.column(2).as_string::<i32>();
    assert_eq!(v.value(0), env!("CARGO_PKG_VERSION"));
    assert_eq!(
        engine.udf_version().await.unwrap(),
        env!("CARGO_PKG_VERSION")
    );
}

#[tokio::test]
async fn statements_run_concurrently_on_the_pool() {
    let dir = data_dir("concurrent");
    let engine = Engine::open(&embedded_config(dir.path()).clickhouse).unwrap();
    let mut tasks = Vec::new();
    for i in 0..12u64 {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            let output = engine
                .query(&format!("SELECT sum(number) FROM numbers({})", 100_000 + i))
                .await
                .unwrap();
            let column = output.batches[0]
                .column(0)
                .as_primitive::<UInt64Type>()
                .clone();
            (i, column.value(0))
        }));
    }
    for task in tasks {
        let (i, sum) = task.await.unwrap();
        let n = 100_000 + i;
        assert_eq!(sum, n * (n - 1) / 2, "statement {i}");
    }
}

#[tokio::test]
async fn a_bad_statement_is_an_error_with_the_engines_message() {
    let dir = data_dir("bad-statement");
    let engine = Engine::open(&embedded_config(dir.path()).clickhouse).unwrap();
    let err = engine
        .query("SELECT * FROM no_such_table")
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::ClickHouse(_)), "{text}");
    assert!(
        text.contains("no_such_table") && text.contains("UNKNOWN_TABLE"),
        "{text}"
    );
    assert!(!text.contains("Stack trace"), "{text}");
    // The engine keeps serving after an error.
    assert!(engine.version().await.unwrap().starts_with("26.9."));
}

#[tokio::test]
async fn a_second_storage_path_in_one_process_is_refused() {
    let first = data_dir("first-path");
    let second = data_dir("second-path");
    let options = embedded_options(&embedded_config(first.path()));
    let engine = EmbeddedEngine::open(&options).unwrap();
    // Same path: the same engine.
    let again = EmbeddedEngine::open(&options).unwrap();
    assert_eq!(again.path(), engine.path());
    let other = embedded_options(&embedded_config(second.path()));
    let err = EmbeddedEngine::open(&other).unwrap_err().to_string();
    assert!(err.contains("one storage path per process"), "{err}");
}

#[test]
fn missing_chdb_library_names_the_setup_command() {
    let dir = data_dir("missing-chdb");
    let mut options = embedded_options(&embedded_config(dir.path()));
    options.chdb_library = dir.path().join("no").join("_chdb.abi3.so");
    let err = EmbeddedEngine::open(&options).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::MissingDependency { .. }), "{text}");
    assert!(
        text.contains("chDB") && text.contains("scripts/setup.sh"),
        "{text}"
    );
}

#[test]
fn missing_libpython_names_the_setup_command() {
    let dir = data_dir("missing-python");
    let mut options = embedded_options(&embedded_config(dir.path()));
    options.libpython = dir.path().join("libpython3.11.so");
    let err = EmbeddedEngine::open(&options).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("libpython") && text.contains("scripts/setup.sh"),
        "{text}"
    );
}

#[test]
fn a_library_that_is_not_chdb_is_a_clear_error() {
    let dir = data_dir("not-chdb");
    let mut options = embedded_options(&embedded_config(dir.path()));
    let fake = dir.path().join("_chdb.abi3.so");
    std::fs::write(&fake, b"not a shared library").unwrap();
    options.chdb_library = fake;
    let text = EmbeddedEngine::open(&options).unwrap_err().to_string();
    assert!(
        text.contains("did not load") && text.contains("scripts/setup.sh"),
        "{text}"
    );
}

/// A database made before the dialogue extractor became a plug-in (issue
/// 21, item 3): its `fp_cues` had no `extractor` column and its records
/// view took a plug-in's cue rows. Applying the schema gives it the
/// column (the streams' cues of then read as the dialogue extractor's, a
/// given file's as `''`), the view's new query and the cue view; applying
/// it again changes nothing. Its cues' words (`fp_cue_words`, which came
/// later still) are filled once, from its cues.
#[tokio::test]
async fn a_database_from_before_the_dialogue_extractor_takes_the_schema() {
    use clickprint::clickhouse::library::{SCHEMA, apply_schema, statements};
    let dir = data_dir("schema-before-dialogue");
    let engine = Engine::open(&embedded_config(dir.path()).clickhouse).unwrap();
    let column = "extractor LowCardinality(String) DEFAULT if(item >= 16777216, '', 'dialogue')";
    let new_where = "WHERE kind NOT IN ('end', 'cue') AND record != ''";
    assert!(SCHEMA.contains(&format!("    {column},\n")) && SCHEMA.contains(new_where));
    // The schema as it was: no column, the view's old query, no cue view,
    // no cue words.
    let before = SCHEMA
        .replace(&format!("    {column},\n"), "")
        .replace(new_where, "WHERE kind != 'end' AND record != ''");
    for statement in statements(&before).filter(|s| {
        let s = code(s);
        !s.contains("ADD COLUMN IF NOT EXISTS extractor")
            && !s.contains("MODIFY QUERY")
            && !s.contains("fp_extractor_cues_mv")
            && !s.contains("fp_cue_words")
            && !s.contains("schema_backfills")
    }) {
        engine.query(statement).await.unwrap();
    }
    engine
        .query(
            "INSERT INTO clickprint.fp_ingest (tenant_id, media_id, kind, time_ms, item, record, keys) VALUES \
             (1, 7, 'cue', 1000, 1, '2000\teng\tOld stream line', []), \
             (1, 7, 'cue', 1000, 16777216, '2000\tspa\tUna línea', [])",
        )
        .await
        .unwrap();

    apply_schema(&engine).await.unwrap();
    // Merges stopped, so that a second fill's rows would not fold away.
    engine
        .query("SYSTEM STOP MERGES clickprint.fp_cue_words")
        .await
        .unwrap();
    apply_schema(&engine).await.unwrap();
    assert_eq!(
        rows(
            &engine,
            "SELECT item, extractor FROM clickprint.fp_cues ORDER BY item"
        )
        .await,
        serde_json::json!([{"item": 1, "extractor": "dialogue"}, {"item": 16777216, "extractor": ""}])
    );
    // Each word of the cues stored before, once (the schema was applied
    // twice; words in byte order), with its cue's language, extractor and
    // words.
    assert_eq!(
        rows(
            &engine,
            "SELECT word, item, language, extractor, words FROM clickprint.fp_cue_words ORDER BY word"
        )
        .await,
        serde_json::json!([
            {"word": "line", "item": 1, "language": "eng", "extractor": "dialogue", "words": "old stream line"},
            {"word": "línea", "item": 16777216, "language": "spa", "extractor": "", "words": "una línea"},
            {"word": "old", "item": 1, "language": "eng", "extractor": "dialogue", "words": "old stream line"},
            {"word": "stream", "item": 1, "language": "eng", "extractor": "dialogue", "words": "old stream line"},
            {"word": "una", "item": 16777216, "language": "spa", "extractor": "", "words": "una línea"},
        ])
    );
    // A plug-in's cue row now goes to fp_cues under its name, not to its
    // records; its other rows as before.
    engine
        .query(
            "INSERT INTO clickprint.fp_extractor_ingest \
             (tenant_id, media_id, extractor, version, modality, kind, time_ms, item, record, keys) VALUES \
             (1, 8, 'dialogue', '1', 'video', 'cue', 500, 1, '900\teng\tNew line', []), \
             (1, 8, 'dialogue', '1', 'video', 'note', 0, 0, 'kept', [])",
        )
        .await
        .unwrap();
    assert_eq!(
        rows(
            &engine,
            "SELECT item, extractor, words FROM clickprint.fp_cues WHERE media_id = 8"
        )
        .await,
        serde_json::json!([{"item": 1, "extractor": "dialogue", "words": "new line"}])
    );
    // Its words by the view on fp_cues, as it is stored.
    assert_eq!(
        rows(
            &engine,
            "SELECT word, extractor FROM clickprint.fp_cue_words WHERE media_id = 8 ORDER BY word"
        )
        .await,
        serde_json::json!([{"word": "line", "extractor": "dialogue"}, {"word": "new", "extractor": "dialogue"}])
    );
    assert_eq!(
        rows(
            &engine,
            "SELECT kind, record FROM clickprint.fp_extractor_records"
        )
        .await,
        serde_json::json!([{"kind": "note", "record": "kept"}])
    );
}

/// A library made on 2026-12-04, whose cues' words (`fp_cue_words`) had
/// no `words` column yet: applying the schema gives the table the column
/// and its view the new query, writes its cues' word rows again with
/// their words and deletes the rows from before (fill
/// `fp_cue_words.words`), so that every search counts each cue once.
#[tokio::test]
async fn cue_words_from_before_their_words_column_are_written_again() {
    use clickprint::clickhouse::library::{
        SCHEMA, TextQuery, WordsMode, apply_schema, statements, text_search,
    };
    let dir = data_dir("cue-words-from-before-their-words-column");
    let engine = Engine::open(&embedded_config(dir.path()).clickhouse).unwrap();
    for statement in statements(SCHEMA).filter(|s| {
        let s = code(s);
        !s.contains("fp_cue_words") && !s.contains("schema_backfills")
    }) {
        engine.query(statement).await.unwrap();
    }
    // The table, its view and its fill's record as they were made then; a
    // cue; and a word row whose cue is gone (no rewrite of it would fold
    // it away: only the delete removes it).
    for statement in [
        "CREATE TABLE clickprint.fp_cue_words (tenant_id UInt32, word String, media_id UInt64, \
         start_ms UInt32, item UInt32, language LowCardinality(String), extractor LowCardinality(String)) \
         ENGINE = ReplacingMergeTree ORDER BY (tenant_id, word, media_id, start_ms, item)",
        "CREATE MATERIALIZED VIEW clickprint.fp_cue_words_mv TO clickprint.fp_cue_words AS \
         SELECT tenant_id, word, media_id, start_ms, item, language, extractor FROM clickprint.fp_cues \
         ARRAY JOIN arrayDistinct(splitByNonAlpha(words)) AS word",
        "CREATE TABLE clickprint.schema_backfills (name String, filled_at DateTime DEFAULT now()) \
         ENGINE = ReplacingMergeTree ORDER BY name",
        "INSERT INTO clickprint.schema_backfills (name) VALUES ('fp_cue_words')",
        "INSERT INTO clickprint.fp_ingest (tenant_id, media_id, kind, time_ms, item, record, keys) VALUES \
         (1, 7, 'cue', 1000, 1, '2000\teng\tAn old line, an old song', [])",
        "INSERT INTO clickprint.fp_cue_words (tenant_id, word, media_id, start_ms, item, language, extractor) \
         VALUES (1, 'gone', 9, 0, 1, 'eng', 'dialogue')",
    ] {
        engine
            .query(statement)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    apply_schema(&engine).await.unwrap();
    apply_schema(&engine).await.unwrap();
    // The fill's delete ran once: not sent again once the fill was
    // recorded (its own condition would make it delete nothing, unseen).
    assert_eq!(
        rows(
            &engine,
            "SELECT count() AS n FROM system.mutations \
             WHERE database = 'clickprint' AND table = 'fp_cue_words' AND command LIKE '%_row_exists = 0%'"
        )
        .await,
        serde_json::json!([{"n": 1}])
    );
    // Each word of the cue once, with its words; the row from before whose
    // cue is gone, deleted (which no merge would fold away: the rows of the
    // cue itself may have folded already).
    let words = "SELECT word, arraySort(groupArray(words)) AS words \
                 FROM clickprint.fp_cue_words GROUP BY word ORDER BY word";
    let once = |w: &str| serde_json::json!({"word": w, "words": ["an old line an old song"]});
    assert_eq!(
        rows(&engine, words).await,
        serde_json::json!(["an", "line", "old", "song"].map(once))
    );
    let search = |text: &str, mode: WordsMode| TextQuery {
        text: text.to_owned(),
        mode,
        language: String::new(),
        top_k: 10,
    };
    // Every kind of search counts the cue once. `any`: the cue lies in the
    // row of the first query word it holds, whichever that is.
    for (text, mode) in [
        ("old", WordsMode::All),
        ("old song", WordsMode::All),
        ("song old", WordsMode::Any),
        ("missing song", WordsMode::Any),
        ("missing old song", WordsMode::Any),
        ("line missing", WordsMode::Any),
        ("\"old line\"", WordsMode::All),
    ] {
        let found = text_search(&engine, 1, &search(text, mode)).await.unwrap();
        let found: Vec<(u64, u64, &str)> = found
            .iter()
            .map(|m| (m.media_id, m.matching_cues, m.cues[0].highlighted.as_str()))
            .collect();
        let highlighted = match text {
            "line missing" => "An old «line», an old song",
            "\"old line\"" => "An «old» «line», an «old» song",
            "old" => "An «old» line, an «old» song",
            "missing song" => "An old line, an old «song»",
            _ => "An «old» line, an «old» «song»",
        };
        assert_eq!(found, [(7, 1, highlighted)], "{text}");
    }
    let found = text_search(&engine, 1, &search("old missing", WordsMode::All))
        .await
        .unwrap();
    assert_eq!(found, []);
    // A cue stored now has its words written by the view's new query.
    engine
        .query(
            "INSERT INTO clickprint.fp_ingest (tenant_id, media_id, kind, time_ms, item, record, keys) VALUES \
             (1, 8, 'cue', 0, 1, '500\teng\tA new song', [])",
        )
        .await
        .unwrap();
    assert_eq!(
        rows(
            &engine,
            "SELECT word, words FROM clickprint.fp_cue_words WHERE media_id = 8 ORDER BY word"
        )
        .await,
        serde_json::json!([
            {"word": "a", "words": "a new song"},
            {"word": "new", "words": "a new song"},
            {"word": "song", "words": "a new song"},
        ])
    );
    let found = text_search(&engine, 1, &search("new song", WordsMode::All))
        .await
        .unwrap();
    assert_eq!(found.iter().map(|m| m.media_id).collect::<Vec<_>>(), [8]);
}

/// A library whose soft pictures' layouts were stored before layouts had
/// lookup keys (before session 33): applying the schema writes their blob
/// keys (band 26) once (fill `fp_keys.blobs`), the same keys an ingest
/// writes, and a second start writes none again; the search still finds
/// a crop of the picture.
#[tokio::test]
async fn blob_keys_of_layouts_stored_before_them_are_written_once() {
    use clickprint::clickhouse::library::{self, apply_schema};
    use clickprint_tests::{SOFT_SOURCES, ffmpeg};
    let dir = data_dir("blob-keys-from-before");
    let engine = crate::search::open(dir.path()).await;
    let original = ffmpeg(
        &["-f", "lavfi", "-i", SOFT_SOURCES[0].1, "-frames:v", "1"],
        &dir.path().join("soft.png"),
    );
    library::ingest(&engine, 7, 1, original.to_str().unwrap())
        .await
        .unwrap();
    let keys = "SELECT count() AS n, uniqExact(band, key, media_id, time_ms, item) AS distinct, \
                groupArraySorted(1000)((band, key, media_id, time_ms, item)) AS keys \
                FROM clickprint.fp_keys WHERE band = 26";
    let ingested = rows(&engine, keys).await;
    assert!(
        ingested[0]["n"].as_u64().is_some_and(|n| n > 0),
        "{ingested}"
    );
    // The library as it was: no band-26 row, the fill not recorded.
    for statement in [
        "DELETE FROM clickprint.fp_keys WHERE band = 26",
        "DELETE FROM clickprint.schema_backfills WHERE name = 'fp_keys.blobs'",
    ] {
        engine
            .query(statement)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    assert_eq!(
        rows(
            &engine,
            "SELECT count() AS n FROM clickprint.fp_keys WHERE band = 26"
        )
        .await,
        serde_json::json!([{"n": 0}])
    );
    apply_schema(&engine).await.unwrap();
    apply_schema(&engine).await.unwrap();
    // The same keys, each once.
    assert_eq!(rows(&engine, keys).await, ingested);
    let copy = ffmpeg(
        &[
            "-i",
            original.to_str().unwrap(),
            "-vf",
            "crop=iw*0.7:ih*0.7:iw*0.2:ih*0.1",
        ],
        &dir.path().join("crop.jpg"),
    );
    let found = library::search(&engine, 7, copy.to_str().unwrap(), 5, 0.3)
        .await
        .unwrap();
    assert_eq!(found.first().map(|m| m.media_id), Some(1), "{found:?}");
}

/// A statement's lines that are not comments.
fn code(statement: &str) -> String {
    statement
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect()
}

/// A statement's rows as JSON.
async fn rows(engine: &Engine, sql: &str) -> serde_json::Value {
    engine
        .query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .to_json_rows()
        .expect("rows as JSON")
}
