//! A tenant's fingerprint library in ClickHouse: the schema, and the
//! statements of `sql/clickhouse/` (ingest, query, search, delete) run
//! with their parameters. The SQL files are the product; this module only
//! carries them (compiled in, unchanged) and reads their answers.

use arrow::array::{Array, AsArray, StructArray};
use arrow::datatypes::{Float32Type, UInt32Type, UInt64Type};
use clickprint_core::media::Kind;
use clickprint_core::rows::MatchSegment;

use crate::clickhouse::{Engine, QueryOutput};
use crate::config::ClickHouseConfig;
use crate::error::{Error, Result};

/// `sql/clickhouse/schema.sql`.
pub const SCHEMA: &str = include_str!("../../../sql/clickhouse/schema.sql");
/// `sql/clickhouse/cluster/schema.sql`: [`SCHEMA`] as shards of replicas
/// behind Distributed tables. The operator applies it once on a cluster;
/// [`SCHEMA`] applied afterwards changes nothing.
pub const CLUSTER_SCHEMA: &str = include_str!("../../../sql/clickhouse/cluster/schema.sql");
/// `sql/clickhouse/ingest.sql`.
pub const INGEST: &str = include_str!("../../../sql/clickhouse/ingest.sql");
/// `sql/clickhouse/search.sql`.
pub const SEARCH: &str = include_str!("../../../sql/clickhouse/search.sql");
/// `sql/clickhouse/query.sql`.
pub const QUERY: &str = include_str!("../../../sql/clickhouse/query.sql");
/// `sql/clickhouse/delete.sql`.
pub const DELETE: &str = include_str!("../../../sql/clickhouse/delete.sql");
/// `sql/clickhouse/subtitles.sql`: a subtitle file's cues stored, then
/// counted.
pub const SUBTITLES: &str = include_str!("../../../sql/clickhouse/subtitles.sql");
/// `sql/clickhouse/subtitles_remove.sql`: the cues of an item's subtitle
/// files removed.
pub const SUBTITLES_REMOVE: &str = include_str!("../../../sql/clickhouse/subtitles_remove.sql");
/// `sql/clickhouse/cluster/subtitles_remove.sql`: [`SUBTITLES_REMOVE`] on
/// a cluster.
pub const CLUSTER_SUBTITLES_REMOVE: &str =
    include_str!("../../../sql/clickhouse/cluster/subtitles_remove.sql");
/// `sql/clickhouse/text_search.sql`.
pub const TEXT_SEARCH: &str = include_str!("../../../sql/clickhouse/text_search.sql");
/// The database [`TEXT_SEARCH`] runs in (its tables are unqualified, so
/// that a tenant's analysts run it as written in their database of views).
pub const DATABASE: &str = "clickprint";

/// One match of a search.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Match {
    /// The matched library item.
    pub media_id: u64,
    /// 0..=1.
    pub score: f32,
    /// Matched span of the query, ms.
    pub query_range: (u32, u32),
    /// The same span in the reference, ms.
    pub reference_range: (u32, u32),
    /// Which fingerprint decided: `audio`, `visual`, `local`, `profile`, or
    /// `extractor` (a plug-in's keys).
    pub evidence: String,
    /// Reference seconds per query second (1 unless the speed-invariant
    /// audio keys decided).
    pub speed: f32,
    /// Every stretch of the query copied from the item, in query order
    /// (the ranges and speed above are the best one's); empty for pictures.
    pub segments: Vec<MatchSegment>,
    /// Where in the query's pixels the evidence that won is: the whole
    /// picture (frame), or the found inset whose local features matched;
    /// `None` for sound and plug-in evidence.
    pub query_box: Option<QueryBox>,
    /// Distinct key hits that made it a candidate.
    pub votes: u64,
}

/// A rectangle of the query, in its pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct QueryBox {
    /// Left column.
    pub x: u32,
    /// Top row.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// The statements of a multi-statement SQL file: split after each `;` that
/// ends a line (the files are written that way).
pub fn statements(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(";\n").map(str::trim).filter(|s| {
        s.lines()
            .any(|l| !l.trim().is_empty() && !l.trim().starts_with("--"))
    })
}

/// Opens the configured ClickHouse ([`Engine::open`]) and creates the
/// database and tables when missing.
///
/// # Errors
/// As [`Engine::open`] and [`apply_schema`].
pub async fn open(config: &ClickHouseConfig) -> Result<Engine> {
    let engine = Engine::open(config)?;
    apply_schema(&engine).await?;
    Ok(engine)
}

/// Creates the database and tables when missing.
///
/// The statements of a one-time fill of a table or column added after the
/// rows it derives from (each fill recorded in `schema_backfills`) run
/// only while it is unrecorded, each with a log line before and after, as
/// they may read a large library.
///
/// On a cluster (`clickhouse_cluster`) the tables are made by
/// `sql/clickhouse/cluster/schema.sql`, as shards behind Distributed
/// tables; this schema would make a table it lacks as a plain table of the
/// node it reaches, and its fills' deletes do not run on a Distributed
/// table. So there every table and view the schema names, every column it
/// adds to a table made before (on this node's shard tables) and every
/// one-time fill must exist or be recorded first, or nothing is applied.
///
/// # Errors
/// The engine's message for the first statement that fails; on a cluster,
/// [`Error::Config`] naming the tables, the shards' columns or the fills
/// the cluster's schema has not made.
pub async fn apply_schema(engine: &Engine) -> Result<()> {
    if engine.is_cluster() {
        // Each check names what the cluster's schema has not made, and
        // says how to run it.
        let refuse = |problem: String, run: &str| {
            Err(Error::Config(format!(
                "{problem}: run sql/clickhouse/cluster/schema.sql {run} \
                 (clickhouse-config/cluster/README.md, \"Upgrades\")"
            )))
        };
        let present = string_list(
            engine,
            "SELECT groupArray(name) AS list FROM system.tables WHERE database = 'clickprint'",
        )
        .await?;
        let missing = missing_from(SCHEMA, &present);
        if !missing.is_empty() {
            return refuse(
                format!("the cluster lacks {}", missing.join(", ")),
                "on any node first",
            );
        }
        // A column added after its table was made: this node's shard
        // tables must hold it too (the cluster's schema adds it there), or
        // every insert that writes it fails. The sharded tables are those
        // behind a Distributed table.
        let sharded = string_list(
            engine,
            "SELECT groupArray(name) AS list FROM system.tables \
             WHERE database = 'clickprint' AND engine = 'Distributed'",
        )
        .await?;
        let columns = string_list(
            engine,
            "SELECT groupArray(concat(table, '.', name)) AS list FROM system.columns \
             WHERE database = 'clickprint_shard'",
        )
        .await?;
        let lacking = columns_lacking(SCHEMA, &sharded, &columns);
        if !lacking.is_empty() {
            return refuse(
                format!(
                    "this node's shard tables lack the columns {}",
                    lacking.join(", ")
                ),
                "on any node first",
            );
        }
        // The cluster's schema runs its one-time fills itself (a fill's
        // delete only on the shards' tables, which a Distributed table
        // does not take): one unrecorded means it stopped before its end.
        let recorded = string_list(
            engine,
            "SELECT groupArray(name) AS list FROM clickprint.schema_backfills",
        )
        .await?;
        let unrecorded = fills_unrecorded(SCHEMA, &recorded);
        if !unrecorded.is_empty() {
            return refuse(
                format!(
                    "the cluster's one-time fills {} are not recorded",
                    unrecorded.join(", ")
                ),
                "again, to its end",
            );
        }
    }
    for statement in statements(SCHEMA) {
        // A fill's statements, the one recording it too, are not sent once
        // it is recorded: a record's condition may read the tables the fill
        // wrote (`fp_keys.blobs`), which is start-up work for nothing then.
        if let Some(name) = fill_of(statement) {
            let done = engine
                .query_with_params(
                    "SELECT count() AS n FROM clickprint.schema_backfills WHERE name = {n:String}",
                    &[("n", name)],
                )
                .await?
                .to_json_rows()?;
            // Skipped only when known to be done: the statement holds the
            // same condition, so an answer not understood runs it.
            if done[0]["n"].as_u64().is_some_and(|n| n > 0) {
                continue;
            }
        }
        let fill = one_time_fill(statement);
        let started = std::time::Instant::now();
        if let Some((name, step)) = &fill {
            tracing::info!(
                fill = name,
                step,
                "one-time fill {name}: {step} (after an upgrade: it reads the rows stored \
                 before; on a new library there are none)"
            );
        }
        engine.query(statement).await?;
        if let Some((name, step)) = &fill {
            tracing::info!(
                fill = name,
                step,
                seconds = started.elapsed().as_secs_f64(),
                "one-time fill {name}: done {step}"
            );
        }
    }
    Ok(())
}

/// The strings of the one row's `list` that `sql` answers.
async fn string_list(engine: &Engine, sql: &str) -> Result<Vec<String>> {
    let rows = engine.query(sql).await?.to_json_rows()?;
    Ok(rows[0]["list"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// The fill a statement of the schema belongs to, by name, and what the
/// statement does (`INSERT INTO clickprint.<table>`, `DELETE FROM
/// clickprint.<table>`): a statement of a fill holds `schema_backfills
/// WHERE name = '<name>'` in its condition, and the statement recording
/// the fill, into `schema_backfills` itself, is not one.
fn one_time_fill(statement: &str) -> Option<(String, String)> {
    let step = ["INSERT INTO clickprint.", "DELETE FROM clickprint."]
        .iter()
        .find_map(|prefix| {
            table_after(statement, &[prefix]).map(|table| format!("{prefix}{table}"))
        })
        .filter(|step| step != "INSERT INTO clickprint.schema_backfills")?;
    Some((fill_of(statement)?, step))
}

/// The one-time fill a statement of the schema belongs to, by the name in
/// its condition `schema_backfills WHERE name = '<name>'`: a fill's steps,
/// and the statement recording it.
fn fill_of(statement: &str) -> Option<String> {
    let code = code_of(statement);
    let (_, rest) = code.split_once("schema_backfills WHERE name = '")?;
    Some(rest.split('\'').next()?.to_owned())
}

/// The tables and views of database `clickprint` that `schema` creates
/// and `present` does not hold, in the schema's order.
fn missing_from(schema: &str, present: &[String]) -> Vec<String> {
    statements(schema)
        .filter_map(|statement| {
            table_after(
                statement,
                &[
                    "CREATE TABLE IF NOT EXISTS clickprint.",
                    "CREATE MATERIALIZED VIEW IF NOT EXISTS clickprint.",
                ],
            )
        })
        .filter(|name| !present.contains(name))
        .collect()
}

/// The columns `schema` adds to tables made before them (`ALTER TABLE
/// clickprint.<table> ADD COLUMN IF NOT EXISTS <column>`) that the shards'
/// tables of a cluster lack, as `clickprint_shard.<table>.<column>`: of
/// the `sharded` tables only, `columns` listing the shards' columns as
/// `<table>.<column>`.
fn columns_lacking(schema: &str, sharded: &[String], columns: &[String]) -> Vec<String> {
    statements(schema)
        .filter_map(|statement| {
            let code = code_of(statement);
            let (table, change) = code
                .trim_start()
                .strip_prefix("ALTER TABLE clickprint.")?
                .split_once(' ')?;
            let column = change
                .trim_start()
                .strip_prefix("ADD COLUMN IF NOT EXISTS ")?
                .split_whitespace()
                .next()?;
            (sharded.iter().any(|t| t == table) && !columns.contains(&format!("{table}.{column}")))
                .then(|| format!("clickprint_shard.{table}.{column}"))
        })
        .collect()
}

/// The names of `schema`'s one-time fills that `recorded` does not list,
/// each once, in the schema's order.
fn fills_unrecorded(schema: &str, recorded: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (name, _) in statements(schema).filter_map(one_time_fill) {
        if !recorded.contains(&name) && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// A statement's code: its lines that are not comments, joined by spaces.
fn code_of(statement: &str) -> String {
    statement
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The name that follows the first of `prefixes` a statement starts with,
/// its comment lines left out.
fn table_after(statement: &str, prefixes: &[&str]) -> Option<String> {
    let code = code_of(statement);
    let rest = prefixes
        .iter()
        .find_map(|prefix| code.trim_start().strip_prefix(prefix))?;
    rest.split(|c: char| c.is_whitespace() || c == '(')
        .next()
        .map(str::to_owned)
}

/// Fingerprints one media file inside ClickHouse and stores it.
///
/// # Errors
/// The engine's message, which carries the UDF's for bad media.
pub async fn ingest(engine: &Engine, tenant: u32, media_id: u64, source: &str) -> Result<()> {
    engine
        .query_with_params(
            INGEST,
            &[
                ("tenant", tenant.to_string()),
                ("media_id", media_id.to_string()),
                ("source", source.to_owned()),
            ],
        )
        .await?;
    Ok(())
}

/// Searches a tenant's library. `query` is a media reference or `fp:` and
/// a packed fingerprint in hex.
///
/// # Errors
/// The engine's message, which carries the UDF's for bad media.
pub async fn search(
    engine: &Engine,
    tenant: u32,
    query: &str,
    top_k: u32,
    min_score: f32,
) -> Result<Vec<Match>> {
    search_with(SEARCH, engine, tenant, query, top_k, min_score).await
}

/// [`search`] with the query's keys from the enabled plug-in extractors
/// (`{extractor_keys}`; [`crate::clickhouse::extractors::query_keys`]):
/// items holding them are candidates, scored by the share they hold when
/// that beats our own rerank's score (evidence `extractor`).
///
/// # Errors
/// The engine's message, which carries the UDF's for bad media.
pub async fn search_with_extractors(
    engine: &Engine,
    tenant: u32,
    query: &str,
    extractor_keys: &[(u8, u32)],
    top_k: u32,
    min_score: f32,
) -> Result<Vec<Match>> {
    let output = engine
        .query_with_params(
            SEARCH,
            &[
                ("tenant", tenant.to_string()),
                ("query", query.to_owned()),
                ("top_k", top_k.to_string()),
                ("min_score", min_score.to_string()),
                (
                    "extractor_keys",
                    crate::clickhouse::extractors::keys_literal(extractor_keys),
                ),
            ],
        )
        .await?;
    matches(&output)
}

/// [`search`] with another form of the search statement (the same
/// parameters and columns), such as the benchmarks' variants of it.
///
/// # Errors
/// The engine's message.
pub async fn search_with(
    statement: &str,
    engine: &Engine,
    tenant: u32,
    query: &str,
    top_k: u32,
    min_score: f32,
) -> Result<Vec<Match>> {
    let output = engine
        .query_with_params(
            statement,
            &[
                ("tenant", tenant.to_string()),
                ("query", query.to_owned()),
                ("top_k", top_k.to_string()),
                ("min_score", min_score.to_string()),
                ("extractor_keys", "[]".to_owned()),
            ],
        )
        .await?;
    matches(&output)
}

/// What a search's query is, from its one decode (`sql/clickhouse/query.sql`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuerySide {
    /// Image, audio or video.
    pub modality: Kind,
    /// Declared duration, or decoded when longer, ms (0 for a picture).
    pub duration_ms: u64,
    /// Picture width (0 without pictures).
    pub width: u32,
    /// Picture height (0 without pictures).
    pub height: u32,
    /// The query file's SHA-256 in lowercase hex: the content a
    /// reviewer's decisions name (empty for an `fp:HEX` query).
    pub sha256: String,
    /// The `{query}` of a search for it that decodes nothing again:
    /// `fp:`, the packed fingerprint in hex, `:` and [`Self::sha256`].
    pub search_query: String,
}

/// Decodes a search's query once (the `clickprint_query` pool) and says
/// what it is, with the text [`search`] takes to search for it.
///
/// # Errors
/// The engine's message (the decoder's, coded, for media it refuses).
pub async fn query_side(engine: &Engine, query: &str) -> Result<QuerySide> {
    let output = engine
        .query_with_params(QUERY, &[("query", query.to_owned())])
        .await?;
    let wrong = |what: &str| Error::ClickHouse(format!("the query side answered {what}"));
    let batch = output
        .batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .ok_or_else(|| wrong("no row"))?;
    let column = |name: &str| {
        batch
            .column_by_name(name)
            .ok_or_else(|| wrong(&format!("without `{name}`")))
    };
    let u32_at = |name: &str| -> Result<u32> {
        Ok(column(name)?
            .as_primitive_opt::<UInt32Type>()
            .ok_or_else(|| wrong(&format!("{name} not UInt32")))?
            .value(0))
    };
    let modality = string_at(column("modality")?.as_ref(), 0);
    Ok(QuerySide {
        modality: Kind::parse(&modality).ok_or_else(|| wrong(&format!("modality {modality:?}")))?,
        duration_ms: column("duration_ms")?
            .as_primitive_opt::<UInt64Type>()
            .ok_or_else(|| wrong("duration_ms not UInt64"))?
            .value(0),
        width: u32_at("width")?,
        height: u32_at("height")?,
        sha256: string_at(column("sha256")?.as_ref(), 0),
        search_query: string_at(column("search_query")?.as_ref(), 0),
    })
}

/// How a text search's words must occur in a cue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WordsMode {
    /// Every word (and every quoted phrase) in one cue.
    #[default]
    All,
    /// At least one word; cues with more of them rank higher.
    Any,
}

impl WordsMode {
    /// `all` or `any`, as `{mode:String}` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            WordsMode::All => "all",
            WordsMode::Any => "any",
        }
    }
}

/// What a text search asks for (`sql/clickhouse/text_search.sql`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextQuery {
    /// Words, with "double-quoted phrases".
    pub text: String,
    /// Every word, or any.
    pub mode: WordsMode,
    /// A subtitle language tag (`eng`), or empty for any.
    pub language: String,
    /// Items answered at most.
    pub top_k: u32,
}

/// One item a text search found, best first.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TextMatch {
    /// The item whose cues matched.
    pub media_id: u64,
    /// Its best cue's score plus 0.1 x log2(its matching cues)
    /// (sql/README.md, "Dialogue").
    pub score: f64,
    /// Its cues that matched (the 100 best-scored are in `cues`).
    pub matching_cues: u64,
    /// Its matching cues, by time.
    pub cues: Vec<CueMatch>,
}

/// One cue that matched a text search.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CueMatch {
    /// When the cue appears, ms.
    pub start_ms: u32,
    /// When it goes, ms.
    pub end_ms: u32,
    /// Its stream's language tag (empty when none).
    pub language: String,
    /// What it says.
    pub text: String,
    /// The text with each query word wrapped in « and ».
    pub highlighted: String,
    /// The cue's own score.
    pub score: f64,
}

/// Searches a tenant's dialogue: its items whose subtitle cues hold the
/// words of `query`, best first, with every matching cue.
///
/// # Errors
/// The engine's message; [`Error::ClickHouse`] for an answer of another
/// shape.
pub async fn text_search(
    engine: &Engine,
    tenant: u32,
    query: &TextQuery,
) -> Result<Vec<TextMatch>> {
    let params = [
        ("tenant", tenant.to_string()),
        ("text", query.text.clone()),
        ("mode", query.mode.as_str().to_owned()),
        ("language", query.language.clone()),
        ("top_k", query.top_k.to_string()),
    ];
    // Through a running service, its operator's statements already run in
    // the fingerprint tables' database.
    let output = match engine {
        Engine::Remote(_) => engine.query_with_params(TEXT_SEARCH, &params).await?,
        _ => {
            engine
                .query_scoped(TEXT_SEARCH, DATABASE, &params, &[], None)
                .await?
        }
    };
    serde_json::from_value(output.to_json_rows()?).map_err(|e| {
        Error::ClickHouse(format!(
            "the text search answered rows of another shape: {e}"
        ))
    })
}

/// Hides a media item from every search from now on.
///
/// # Errors
/// The engine's message.
pub async fn delete(engine: &Engine, tenant: u32, media_id: u64) -> Result<()> {
    engine
        .query_with_params(
            DELETE,
            &[
                ("tenant", tenant.to_string()),
                ("media_id", media_id.to_string()),
            ],
        )
        .await?;
    Ok(())
}

/// Removes the cues of every subtitle file given with `media_id` (its own
/// streams' stay), and waits until no search finds them
/// (`sql/clickhouse/subtitles_remove.sql`).
///
/// # Errors
/// The engine's message.
pub async fn remove_subtitles(engine: &Engine, tenant: u32, media_id: u64) -> Result<()> {
    let file = if engine.is_cluster() {
        CLUSTER_SUBTITLES_REMOVE
    } else {
        SUBTITLES_REMOVE
    };
    let params = [
        ("tenant", tenant.to_string()),
        ("media_id", media_id.to_string()),
    ];
    // The cues' words, then the cues.
    for statement in statements(file) {
        engine.query_with_params(statement, &params).await?;
    }
    Ok(())
}

/// Stores the cues of the subtitle file `source` (local to the engine)
/// as `media_id`'s, with `language` for streams that name none
/// (`sql/clickhouse/subtitles.sql`); the item's cues from files after it.
///
/// # Errors
/// The engine's message (the decoder's, coded, for a file it refuses).
pub async fn add_subtitles(
    engine: &Engine,
    tenant: u32,
    media_id: u64,
    source: &str,
    language: &str,
) -> Result<u64> {
    let params = [
        ("tenant", tenant.to_string()),
        ("media_id", media_id.to_string()),
        ("source", source.to_owned()),
        ("language", language.to_owned()),
    ];
    let mut answer = None;
    for statement in statements(SUBTITLES) {
        answer = Some(engine.query_with_params(statement, &params).await?);
    }
    answer
        .and_then(|output| {
            output
                .batches
                .iter()
                .find(|b| b.num_rows() > 0)
                .and_then(|b| {
                    b.column_by_name("cues")?
                        .as_primitive_opt::<UInt64Type>()
                        .map(|c| c.value(0))
                })
        })
        .ok_or_else(|| Error::ClickHouse("the subtitles' count came back empty".into()))
}

fn matches(output: &QueryOutput) -> Result<Vec<Match>> {
    let mut out = Vec::new();
    for batch in &output.batches {
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .ok_or_else(|| Error::ClickHouse(format!("search answered without `{name}`")))
        };
        let media = column("media_id")?;
        let media = media
            .as_primitive_opt::<UInt64Type>()
            .ok_or_else(|| Error::ClickHouse("media_id is not UInt64".into()))?;
        let score = column("score")?;
        let score = score
            .as_primitive_opt::<Float32Type>()
            .ok_or_else(|| Error::ClickHouse("score is not Float32".into()))?;
        let u32s = |name: &str| -> Result<Vec<u32>> {
            let c = column(name)?;
            let c = c
                .as_primitive_opt::<UInt32Type>()
                .ok_or_else(|| Error::ClickHouse(format!("{name} is not UInt32")))?;
            Ok(c.values().to_vec())
        };
        let (qs, qe, rs, re) = (
            u32s("query_start_ms")?,
            u32s("query_end_ms")?,
            u32s("reference_start_ms")?,
            u32s("reference_end_ms")?,
        );
        let evidence = column("evidence")?;
        let speed = column("speed")?;
        let speed = speed
            .as_primitive_opt::<Float32Type>()
            .ok_or_else(|| Error::ClickHouse("speed is not Float32".into()))?;
        let segments = column("segments")?;
        let segments = segments.as_list_opt::<i32>().ok_or_else(|| {
            Error::ClickHouse(format!(
                "segments is {}, not an array",
                segments.data_type()
            ))
        })?;
        let query_box = column("query_box")?;
        let query_box = query_boxes(query_box.as_ref())?;
        let votes = column("votes")?;
        let votes = votes
            .as_primitive_opt::<UInt64Type>()
            .ok_or_else(|| Error::ClickHouse("votes is not UInt64".into()))?;
        for i in 0..batch.num_rows() {
            out.push(Match {
                media_id: media.value(i),
                score: score.value(i),
                query_range: (qs[i], qe[i]),
                reference_range: (rs[i], re[i]),
                evidence: string_at(evidence.as_ref(), i),
                speed: speed.value(i),
                segments: match_segments(segments.value(i).as_ref())?,
                query_box: query_box[i],
                votes: votes.value(i),
            });
        }
    }
    Ok(out)
}

/// The `query_box` column: tuples of four UInt32 (x, y, width, height),
/// read by position; a zero width is none.
fn query_boxes(array: &dyn Array) -> Result<Vec<Option<QueryBox>>> {
    let wrong = || Error::ClickHouse(format!("query_box is {}", array.data_type()));
    let tuples: &StructArray = array.as_struct_opt().ok_or_else(wrong)?;
    if tuples.num_columns() != 4 {
        return Err(wrong());
    }
    let c = |i: usize| {
        tuples
            .column(i)
            .as_primitive_opt::<UInt32Type>()
            .ok_or_else(wrong)
    };
    let (x, y, width, height) = (c(0)?, c(1)?, c(2)?, c(3)?);
    Ok((0..tuples.len())
        .map(|i| {
            (width.value(i) > 0 && height.value(i) > 0).then(|| QueryBox {
                x: x.value(i),
                y: y.value(i),
                width: width.value(i),
                height: height.value(i),
            })
        })
        .collect())
}

/// One match's `segments`: tuples of four UInt32 (ms) and two Float32
/// (speed, score), read by position.
fn match_segments(array: &dyn Array) -> Result<Vec<MatchSegment>> {
    let wrong = || Error::ClickHouse(format!("segments hold {}", array.data_type()));
    let tuples: &StructArray = array.as_struct_opt().ok_or_else(wrong)?;
    if tuples.num_columns() != 6 {
        return Err(wrong());
    }
    let ms = |c: usize| {
        tuples
            .column(c)
            .as_primitive_opt::<UInt32Type>()
            .ok_or_else(wrong)
    };
    let f32s = |c: usize| {
        tuples
            .column(c)
            .as_primitive_opt::<Float32Type>()
            .ok_or_else(wrong)
    };
    let (qs, qe, rs, re) = (ms(0)?, ms(1)?, ms(2)?, ms(3)?);
    let (speed, score) = (f32s(4)?, f32s(5)?);
    Ok((0..tuples.len())
        .map(|i| MatchSegment {
            query_range: (qs.value(i), qe.value(i)),
            reference_range: (rs.value(i), re.value(i)),
            speed: speed.value(i),
            score: score.value(i),
        })
        .collect())
}

fn string_at(array: &dyn Array, i: usize) -> String {
    if let Some(a) = array.as_string_opt::<i32>() {
        a.value(i).to_owned()
    } else if let Some(a) = array.as_binary_opt::<i32>() {
        String::from_utf8_lossy(a.value(i)).into_owned()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Owned strings, as the engine's lists come.
    fn owned(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_cluster_missing_a_table_of_the_schema_is_named() {
        let all: Vec<String> = missing_from(SCHEMA, &[]);
        assert!(all.contains(&"fp_cue_words".to_owned()), "{all:?}");
        assert!(all.contains(&"fp_cue_words_mv".to_owned()), "{all:?}");
        assert!(all.contains(&"schema_backfills".to_owned()), "{all:?}");
        assert_eq!(all.first().map(String::as_str), Some("fp_keys"));
        let without_words: Vec<String> = all
            .iter()
            .filter(|t| !t.starts_with("fp_cue_words"))
            .cloned()
            .collect();
        assert_eq!(
            missing_from(SCHEMA, &without_words),
            ["fp_cue_words", "fp_cue_words_mv"]
        );
        assert!(missing_from(SCHEMA, &all).is_empty());
    }

    #[test]
    fn a_cluster_whose_shards_lack_an_added_column_is_named() {
        let sharded = owned(&["fp_cues", "fp_cue_words"]);
        // Shard tables of 2026-12-03: neither added column.
        assert_eq!(
            columns_lacking(
                SCHEMA,
                &sharded,
                &owned(&["fp_cues.tenant_id", "fp_cue_words.word"])
            ),
            [
                "clickprint_shard.fp_cues.extractor",
                "clickprint_shard.fp_cue_words.words"
            ]
        );
        // Both; and no shard columns seen at all.
        assert_eq!(
            columns_lacking(
                SCHEMA,
                &sharded,
                &owned(&["fp_cues.extractor", "fp_cue_words.words"])
            ),
            Vec::<String>::new()
        );
        assert_eq!(
            columns_lacking(SCHEMA, &sharded, &[]),
            [
                "clickprint_shard.fp_cues.extractor",
                "clickprint_shard.fp_cue_words.words"
            ]
        );
        // A table not sharded is not checked.
        assert_eq!(
            columns_lacking(SCHEMA, &owned(&["fp_cue_words"]), &[]),
            ["clickprint_shard.fp_cue_words.words"]
        );
    }

    #[test]
    fn a_cluster_whose_fills_are_unrecorded_is_named() {
        assert_eq!(
            fills_unrecorded(SCHEMA, &[]),
            ["fp_cue_words.words", "fp_keys.blobs"]
        );
        assert_eq!(
            fills_unrecorded(SCHEMA, &owned(&["fp_cue_words", "fp_keys.blobs"])),
            ["fp_cue_words.words"]
        );
        assert_eq!(
            fills_unrecorded(SCHEMA, &owned(&["fp_cue_words.words", "fp_keys.blobs"])),
            Vec::<String>::new()
        );
    }

    #[test]
    fn the_schemas_one_time_fills_are_found_by_their_name_and_step() {
        let fills: Vec<(String, String)> = statements(SCHEMA).filter_map(one_time_fill).collect();
        let fill = |name: &str, step: &str| (name.to_owned(), step.to_owned());
        assert_eq!(
            fills,
            [
                fill("fp_cue_words.words", "INSERT INTO clickprint.fp_cue_words"),
                fill("fp_cue_words.words", "DELETE FROM clickprint.fp_cue_words"),
                fill("fp_keys.blobs", "INSERT INTO clickprint.fp_keys")
            ]
        );
        // Each is recorded under its name in schema_backfills, by a
        // statement that belongs to the fill too (not sent once recorded).
        let records: Vec<String> = statements(SCHEMA)
            .filter(|s| {
                code_of(s)
                    .trim_start()
                    .starts_with("INSERT INTO clickprint.schema_backfills")
            })
            .map(|s| fill_of(s).expect("a record names its fill"))
            .collect();
        assert_eq!(records, ["fp_cue_words.words", "fp_keys.blobs"]);
        for (name, _) in &fills {
            assert!(
                SCHEMA.contains(&format!("SELECT '{name}'\nWHERE")),
                "{name}"
            );
        }
        // Every statement that writes or deletes rows, but the record of
        // fills itself, is a fill's: none runs again at every start.
        let writes: Vec<String> = statements(SCHEMA)
            .map(code_of)
            .filter(|c| {
                let c = c.trim_start();
                (c.starts_with("INSERT") || c.starts_with("DELETE"))
                    && !c.starts_with("INSERT INTO clickprint.schema_backfills")
            })
            .collect();
        assert_eq!(writes.len(), fills.len(), "{writes:#?}");
    }

    #[test]
    fn schema_splits_into_its_statements() {
        let all: Vec<&str> = statements(SCHEMA).collect();
        assert_eq!(all.len(), 37, "{all:#?}");
        assert!(all[0].ends_with("CREATE DATABASE IF NOT EXISTS clickprint"));
    }
}
