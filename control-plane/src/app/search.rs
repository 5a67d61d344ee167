//! The synchronous search: the query media made local (an upload, or a URL
//! downloaded under the fetch policy), decoded once by the query side of
//! the search (its modality must be enabled for the tenant), searched with
//! the one SQL statement given the query's fingerprint, and the matches
//! joined with the tenant's items in Postgres. Searches never wait on the
//! ingest queue, and their statements run in the scheduler's search lane,
//! counted against the tenant ([`crate::clickhouse::scheduler`]). A query
//! longer than `search_max_query_secs` (by the length its file declares)
//! is refused before it is decoded: decoding a 5.5-hour sound took
//! gigabytes.

use std::path::Path;
use std::time::Instant;

use clickprint_core::media::{Kind, duration_limit_words};
use deadpool_postgres::Pool;
use serde::Serialize;

use crate::clickhouse::scheduler::{self, Lane};
use crate::clickhouse::{Engine, extractors, library};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ids::TenantId;
use crate::store::media;
use crate::store::review::{self, Verdict};
use crate::store::tenants::Tenant;

/// One match, as the API and `clickprint search --json` give it.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// The library item.
    pub media_id: i64,
    /// Its external id.
    pub external_id: Option<String>,
    /// `image`, `audio` or `video`.
    pub modality: Option<String>,
    /// 0..1.
    pub score: f32,
    /// Matched span of the query, seconds; `null` when the query is a picture.
    pub query_range: Option<[f64; 2]>,
    /// The same span in the item, seconds; `null` when the item is a picture.
    pub reference_range: Option<[f64; 2]>,
    /// What decided: `audio`, `visual` (global hash), `local` (keypoints),
    /// `profile` (a picture's 1-D profile) or `extractor` (a plug-in
    /// extractor's keys).
    pub evidence: String,
    /// A reviewer's standing decision on this match (`confirmed`), `null`
    /// when there is none; false positives are never returned.
    pub decision: Option<Verdict>,
    /// Reference seconds per query second: 1 at the original speed, 0.95
    /// for a copy played 5% slow (`null` for pictures).
    pub speed: Option<f32>,
    /// Every stretch of the query copied from the item, in query order
    /// (two for a compilation that uses it twice); `query_range`,
    /// `reference_range` and `speed` are the best one's. Empty when the
    /// query or the item is a picture.
    pub segments: Vec<HitSegment>,
    /// Where in the query's pixels the evidence that won is (`x`, `y`,
    /// `width`, `height`): the whole picture or frame, or the rectangle of
    /// a copy found set inside it (an inset, a player's window); `null`
    /// for sound and plug-in evidence.
    pub query_box: Option<library::QueryBox>,
    /// The item's length, ms (`null` for pictures).
    pub duration_ms: Option<i64>,
    /// Where its original and previews are served (`GET {files}`,
    /// `GET {files}.previews/previews.json`); an exact duplicate's are its
    /// first copy's. A generated client uses `GET /v1/media/{id}/previews/{name}`.
    pub files: String,
    /// The item's key/value metadata, as it was given.
    pub metadata: serde_json::Value,
}

/// One stretch of the query copied from one stretch of the item, seconds.
#[derive(Debug, Clone, Serialize)]
pub struct HitSegment {
    /// Where it starts in the query.
    pub query_start: f64,
    /// Where it ends in the query.
    pub query_end: f64,
    /// Where it starts in the item.
    pub reference_start: f64,
    /// Where it ends in the item.
    pub reference_end: f64,
    /// Reference seconds per query second.
    pub speed: f32,
    /// 0..1, as the match's score but on this stretch of the query.
    pub score: f32,
}

/// A search's answer.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// Best first; only matches at or above the threshold.
    pub matches: Vec<Hit>,
    /// The query's modality.
    pub query_modality: String,
    /// The query's declared length, ms (0 for a picture).
    pub query_duration_ms: u64,
    /// Time in each stage, ms: `fetch` (URL queries), `query` (the query
    /// decoded and fingerprinted inside ClickHouse), `search` (lookup and
    /// rerank inside ClickHouse), `join`, `total`.
    pub timings_ms: serde_json::Map<String, serde_json::Value>,
    /// The query's content, SHA-256 in hex: what a reviewer's decision
    /// names (`POST /v1/matches/decisions`).
    pub query_sha256: String,
}

/// Matches asked of the search statement at most: it reranks 100
/// candidates (those whose key hits weigh most), and duplicates of an item
/// share its fingerprints, so 201 leaves none out.
const CANDIDATES: u32 = 201;

fn ms(since: Instant) -> serde_json::Value {
    serde_json::json!((since.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0)
}

/// What one search asks for.
#[derive(Debug)]
pub struct Query<'a> {
    /// The query media, a local file.
    pub file: &'a Path,
    /// At most this many matches, 1..=1000.
    pub top_k: u32,
    /// Only matches scoring this or more, 0..=1.
    pub min_score: f32,
    /// Stages done before the search (the download), ms.
    pub timings: serde_json::Map<String, serde_json::Value>,
    /// When the request began, for the `total` timing.
    pub started: Instant,
    /// A library item the query is (a search by item): never a match of
    /// itself.
    pub exclude: Option<i64>,
    /// Only items whose metadata has each of these keys with exactly this
    /// value (checked by [`check_filter`]).
    pub filter: Option<serde_json::Value>,
}

/// A search's `top_k` and `min_score`: the service's defaults where the
/// request does not say, checked.
///
/// # Errors
/// [`Error::BadRequest`] when `top_k` is outside 1..=1000 or `min_score`
/// outside 0..=1.
pub fn limits(top_k: Option<u32>, min_score: Option<f32>, config: &Config) -> Result<(u32, f32)> {
    let top_k = top_k.unwrap_or(config.search_top_k);
    let min_score = min_score.unwrap_or(config.search_min_score);
    if top_k == 0 || top_k > 1000 || !(0.0..=1.0).contains(&min_score) {
        return Err(Error::BadRequest(
            "top_k is 1..1000 and min_score 0..1".into(),
        ));
    }
    Ok((top_k, min_score))
}

/// Keys a metadata filter may name at most.
pub const MAX_FILTER_KEYS: usize = 32;

/// Checks a search's metadata filter: a JSON object of at most
/// [`MAX_FILTER_KEYS`] keys whose values are strings, numbers or booleans
/// (an exact match each; all must hold). An empty object is no filter.
///
/// # Errors
/// [`Error::BadRequest`] saying what is wrong.
pub fn check_filter(filter: Option<serde_json::Value>) -> Result<Option<serde_json::Value>> {
    let Some(filter) = filter else {
        return Ok(None);
    };
    let Some(pairs) = filter.as_object() else {
        return Err(Error::BadRequest(
            "`filter` is an object of metadata keys and the values they must have".into(),
        ));
    };
    if pairs.len() > MAX_FILTER_KEYS {
        return Err(Error::BadRequest(format!(
            "`filter` names at most {MAX_FILTER_KEYS} keys"
        )));
    }
    for (key, value) in pairs {
        if !(value.is_string() || value.is_number() || value.is_boolean()) {
            return Err(Error::BadRequest(format!(
                "`filter.{key}` must be a string, a number or a boolean (an exact match), not {value}"
            )));
        }
    }
    Ok((!pairs.is_empty()).then_some(filter))
}

impl<'a> Query<'a> {
    /// A query for `file`; `top_k` and `min_score` default to the
    /// service's settings and are checked here, for the API and the CLI
    /// alike.
    ///
    /// # Errors
    /// [`Error::BadRequest`] when `top_k` is outside 1..=1000 or
    /// `min_score` outside 0..=1.
    pub fn new(
        file: &'a Path,
        top_k: Option<u32>,
        min_score: Option<f32>,
        config: &Config,
    ) -> Result<Query<'a>> {
        let (top_k, min_score) = limits(top_k, min_score, config)?;
        Ok(Query {
            file,
            top_k,
            min_score,
            timings: serde_json::Map::new(),
            started: Instant::now(),
            exclude: None,
            filter: None,
        })
    }
}

/// The query of a search by a library item (`{"media_id": 12}`: "what
/// else copies item 12?"): the item's original, which the search decodes
/// as any query (a query's keys are not a library item's).
///
/// # Errors
/// [`Error::NotFound`] for an id the tenant has not; [`Error::Conflict`]
/// for an item that is not ready.
pub async fn item_query(
    pool: &Pool,
    config: &Config,
    tenant: &Tenant,
    id: i64,
) -> Result<std::path::PathBuf> {
    let item = media::get(pool, tenant.id, id).await?;
    if item.status != "ready" {
        return Err(Error::Conflict(format!(
            "media {id} is {}; search by an item once it is ready",
            item.status
        )));
    }
    // An exact duplicate keeps no file of its own: its first copy's serves.
    let owner = item.duplicate_of.unwrap_or(item.id);
    Ok(media::file_path(&config.data_dir, tenant.id, owner))
}

/// A search statement's failure as the caller should see it: the query's
/// extraction failed inside it, and its code says whose fault (the
/// uploaded media's, or a passing failure); a query refused for its
/// length names the setting that holds it.
fn query_error(e: Error, file: &Path, config: &Config) -> Error {
    let Error::ClickHouse(m) = e else {
        return e;
    };
    match Error::from_executable(&m) {
        Some(Error::Media(words)) => {
            let words = words.replace(&file.display().to_string(), "the uploaded file");
            let longest = config.search_max_query;
            let limit =
                duration_limit_words(u64::try_from(longest.as_millis()).unwrap_or(u64::MAX));
            if words.contains(&limit) {
                Error::LimitExceeded(format!(
                    "the query: {words} (setting `search_max_query_secs`): send the part to look for"
                ))
            } else {
                Error::Media(format!("the query: {words}"))
            }
        }
        Some(other) => other,
        None => Error::ClickHouse(m),
    }
}

/// Downloads a query URL under the fetch policy (the `fetch_*` settings)
/// into `sink`: the one way both the API (`{"url": ...}`) and `clickprint
/// search URL` get a query from the web.
///
/// # Errors
/// [`Error::BadRequest`] for what is not an http(s) URL; [`Error::Media`]
/// with the reason a download was refused or failed.
pub async fn fetch_query(
    config: &Config,
    url: &str,
    sink: &mut (impl tokio::io::AsyncWrite + Unpin),
) -> Result<()> {
    if !clickprint_fetch::is_url(url) {
        return Err(Error::BadRequest(format!(
            "`url` must be an http(s) URL, not {url:?}"
        )));
    }
    clickprint_fetch::fetch(url, &config.fetch, sink)
        .await
        .map_err(|e| Error::Media(format!("fetching {url}: {e}")))?;
    Ok(())
}

/// Searches `tenant`'s library for the media of `query`.
///
/// # Errors
/// [`Error::Media`] for a query the decoder refuses, [`Error::Forbidden`]
/// for a disabled modality, [`Error::LimitExceeded`] for a query longer
/// than `search_max_query_secs`, [`Error::ClickHouse`] / [`Error::Postgres`].
pub async fn run(
    pool: &Pool,
    engine: &Engine,
    config: &Config,
    tenant: &Tenant,
    query: Query<'_>,
) -> Result<Answer> {
    let id = TenantId(tenant.id).clickhouse()?;
    // The whole search runs in the search lane, counted against the tenant.
    scheduler::scope(Lane::Search, Some(id), async move {
        let Query {
            file,
            top_k,
            min_score,
            mut timings,
            started,
            exclude,
            filter,
        } = query;
        // The query is decoded once, by the query side of the search
        // (sql/clickhouse/query.sql): it says what the query is, and the
        // search statement then reads its fingerprint back instead of
        // decoding it again. Its length limit is the decoder's
        // (`search_max_query_secs`, which the UDF processes are started
        // with): a longer query is refused by the length it declares,
        // before it is decoded.
        let t = Instant::now();
        let side = library::query_side(engine, &file.display().to_string())
            .await
            .map_err(|e| query_error(e, file, config))?;
        tenant.require(side.modality.as_str())?;
        timings.insert("query".into(), ms(t));
        // Matches a reviewer marked as false positives for this content,
        // and excluded items, never come back: the search statement
        // leaves them out (it is given the content's SHA-256 with the
        // fingerprint). Confirmed ones are flagged below.
        let decisions = review::of_query(pool, tenant.id, &side.sha256).await?;

        let t = Instant::now();
        // Duplicates of an item share its fingerprints, so one fingerprint match
        // can be several items: ask for more and cut after the join. A
        // metadata filter runs in Postgres on the statement's answer, so
        // it asks for every candidate the statement reranks (at most
        // CANDIDATES): the top_k that pass the filter are then the best
        // that pass it among them, not among the first top_k only.
        let asked = if filter.is_some() {
            CANDIDATES
        } else {
            top_k.saturating_mul(2).saturating_add(1).min(CANDIDATES)
        };
        // The query's keys from every plug-in extractor with bands enabled
        // for the tenant and its modality: the search looks their bands up
        // beside ours, and no other plug-in band (sql/clickhouse/search.sql).
        // One without bands (the dialogue extractor) is not started.
        let mut extractor_keys = Vec::new();
        for extractor in config
            .extractors
            .iter()
            .filter(|e| e.searched(&tenant.name, side.modality.as_str()))
        {
            let keys = extractors::query_keys(
                engine,
                extractor,
                &file.display().to_string(),
                side.modality.as_str(),
            )
            .await
            .map_err(|e| query_error(e, file, config))?;
            extractor_keys.extend(keys);
        }
        let found = library::search_with_extractors(
            engine,
            TenantId(tenant.id).clickhouse()?,
            &side.search_query,
            &extractor_keys,
            asked,
            min_score,
        )
        .await
        .map_err(|e| query_error(e, file, config))?;
        timings.insert("search".into(), ms(t));

        let t = Instant::now();
        let ids: Vec<i64> = found
            .iter()
            .filter_map(|m| i64::try_from(m.media_id).ok())
            .collect();
        let items = media::sharing(pool, tenant.id, &ids, filter.as_ref()).await?;
        let seconds = |(a, b): (u32, u32)| [f64::from(a) / 1000.0, f64::from(b) / 1000.0];
        let query_is_picture = side.modality == Kind::Image;
        let mut matches = Vec::new();
        for m in &found {
            for (owner, item) in items.iter().filter(|(owner, item)| {
                u64::try_from(*owner).ok() == Some(m.media_id) && Some(item.id) != exclude
            }) {
                let item_is_picture = item.modality.as_deref() == Some("image");
                let segments = if query_is_picture || item_is_picture {
                    Vec::new()
                } else {
                    m.segments
                        .iter()
                        .map(|s| {
                            let [query_start, query_end] = seconds(s.query_range);
                            let [reference_start, reference_end] = seconds(s.reference_range);
                            HitSegment {
                                query_start,
                                query_end,
                                reference_start,
                                reference_end,
                                speed: s.speed,
                                score: s.score,
                            }
                        })
                        .collect()
                };
                matches.push(Hit {
                    media_id: item.id,
                    external_id: item.external_id.clone(),
                    modality: item.modality.clone(),
                    score: m.score,
                    query_range: (!query_is_picture).then(|| seconds(m.query_range)),
                    reference_range: (!item_is_picture).then(|| seconds(m.reference_range)),
                    evidence: m.evidence.clone(),
                    decision: decisions
                        .iter()
                        .find(|(id, _)| *id == item.id)
                        .map(|(_, verdict)| *verdict),
                    speed: (!query_is_picture && !item_is_picture).then_some(m.speed),
                    segments,
                    query_box: m.query_box,
                    duration_ms: item.duration_ms.filter(|_| !item_is_picture),
                    files: format!("/v1/files/{}/{owner}", tenant.id),
                    metadata: item.metadata.clone(),
                });
            }
        }
        matches.truncate(top_k as usize);
        timings.insert("join".into(), ms(t));
        timings.insert("total".into(), ms(started));
        Ok(Answer {
            matches,
            query_duration_ms: side.duration_ms,
            query_modality: side.modality.as_str().to_owned(),
            timings_ms: timings,
            query_sha256: side.sha256,
        })
    })
    .await
}

/// A subtitle language tag (`eng`, `pt-BR`), trimmed; empty for none.
///
/// # Errors
/// [`Error::BadRequest`] for one longer than a tag or with other than
/// letters, digits and `-`.
pub fn check_language(language: &str) -> Result<&str> {
    let language = language.trim();
    if language.len() > clickprint_core::cues::MAX_LANGUAGE
        || !language
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(Error::BadRequest(format!(
            "`language` is a subtitle language tag such as `eng`, not {language:?}"
        )));
    }
    Ok(language)
}

/// Subtitles given with an item: the cues of the subtitle file `file`
/// (SRT, WebVTT, ASS/SSA) become the item's, searched as its own streams'
/// are (`sql/clickhouse/subtitles.sql`). The item must be a ready video
/// or sound; an exact duplicate's cues are its first copy's (they share
/// fingerprints and cues). Returns the item's cues from files after it.
///
/// # Errors
/// [`Error::NotFound`] for an id the tenant has not; [`Error::Conflict`]
/// for an item not ready or a picture; [`Error::Media`] for a file with
/// no cue the decoder can read; [`Error::BadRequest`] for a bad language.
pub async fn add_subtitles(
    pool: &Pool,
    engine: &Engine,
    tenant: &Tenant,
    id: i64,
    file: &Path,
    language: &str,
) -> Result<u64> {
    let language = check_language(language)?;
    let item = media::get(pool, tenant.id, id).await?;
    if item.status != "ready" {
        return Err(Error::Conflict(format!(
            "media {id} is {}; give its subtitles once it is ready",
            item.status
        )));
    }
    if item.modality.as_deref() == Some("image") {
        return Err(Error::Conflict(format!(
            "media {id} is a picture: subtitles go with a video or a sound"
        )));
    }
    let owner = u64::try_from(item.duplicate_of.unwrap_or(item.id))
        .map_err(|_| Error::NotFound(format!("no media {id}")))?;
    let tenant_id = TenantId(tenant.id).clickhouse()?;
    store_subtitles(engine, tenant_id, owner, file, language).await
}

/// Removes the cues of every subtitle file given with the tenant's item
/// `id` (by `POST /v1/media/{id}/subtitles` or with the item), keeping
/// those of its own subtitle streams, and forgets the file given with it.
/// An exact duplicate shares its first copy's cues, so removing them from
/// one removes them from both.
///
/// # Errors
/// [`Error::NotFound`] for an id the tenant has not (or deleted);
/// [`Error::Conflict`] for an item not ready yet (its subtitle file may
/// still be read).
pub async fn remove_subtitles(
    pool: &Pool,
    engine: &Engine,
    tenant: &Tenant,
    id: i64,
) -> Result<()> {
    let item = media::get(pool, tenant.id, id).await?;
    match item.status.as_str() {
        "ready" => {}
        "deleted" => return Err(Error::NotFound(format!("no media {id}"))),
        other => {
            return Err(Error::Conflict(format!(
                "media {id} is {other}; remove its subtitles once it is ready"
            )));
        }
    }
    let owner = u64::try_from(item.duplicate_of.unwrap_or(item.id))
        .map_err(|_| Error::NotFound(format!("no media {id}")))?;
    let tenant_id = TenantId(tenant.id).clickhouse()?;
    scheduler::scope(Lane::Ingest, Some(tenant_id), async {
        library::remove_subtitles(engine, tenant_id, owner).await
    })
    .await?;
    media::forget_subtitles(pool, item.id).await
}

/// Largest subtitle file read, bytes: a film's SRT is about 100 KB, a
/// 10,000-cue file about 600 KB.
pub const MAX_SUBTITLE_BYTES: u64 = 16 << 20;

/// Stores the cues of the subtitle file `file` as item `owner`'s (its
/// ClickHouse ids), in the tenant's ingest lane; the item's cues from
/// files after it. The caller has checked the item and the language.
///
/// # Errors
/// [`Error::Media`] for a file with no cue the decoder can read (its
/// words, the file not named); [`Error::ClickHouse`] otherwise.
pub async fn store_subtitles(
    engine: &Engine,
    tenant_id: u32,
    owner: u64,
    file: &Path,
    language: &str,
) -> Result<u64> {
    scheduler::scope(Lane::Ingest, Some(tenant_id), async {
        library::add_subtitles(
            engine,
            tenant_id,
            owner,
            &file.display().to_string(),
            language,
        )
        .await
        .map_err(|e| match e {
            Error::ClickHouse(m) => match Error::from_executable(&m) {
                Some(Error::Media(words)) => Error::Media(format!(
                    "the subtitle file: {}",
                    words.replace(&file.display().to_string(), "the uploaded file")
                )),
                Some(other) => other,
                None => Error::ClickHouse(m),
            },
            other => other,
        })
    })
    .await
}

/// Longest text query accepted, bytes.
pub const MAX_TEXT_QUERY: usize = 1_000;

/// What a text search asks for, checked ([`TextSearch::new`]).
#[derive(Debug, Clone)]
pub struct TextSearch {
    /// The statement's parameters.
    pub query: library::TextQuery,
    /// When the request began, for the `total` timing.
    pub started: Instant,
    /// Only items whose metadata has each of these keys with exactly this
    /// value ([`check_filter`]), as a media search's filter.
    pub filter: Option<serde_json::Value>,
}

impl TextSearch {
    /// A text search for `text` (words and "quoted phrases") in `mode`,
    /// in cues of `language` (any when `None` or empty), answering at most
    /// `top_k` items (the service's default when `None`).
    ///
    /// # Errors
    /// [`Error::BadRequest`] for a text with no word or longer than
    /// [`MAX_TEXT_QUERY`], a `top_k` outside 1..=1000, a language tag that
    /// is not a short code of letters, digits and `-`.
    pub fn new(
        text: &str,
        mode: Option<library::WordsMode>,
        language: Option<&str>,
        top_k: Option<u32>,
        config: &Config,
    ) -> Result<TextSearch> {
        let (top_k, _) = limits(top_k, None, config)?;
        if text.len() > MAX_TEXT_QUERY {
            return Err(Error::BadRequest(format!(
                "`text` is at most {MAX_TEXT_QUERY} bytes"
            )));
        }
        if !text.chars().any(char::is_alphanumeric) {
            return Err(Error::BadRequest(
                "`text` holds no word to search for".into(),
            ));
        }
        let language = check_language(language.unwrap_or(""))?;
        Ok(TextSearch {
            query: library::TextQuery {
                text: text.to_owned(),
                mode: mode.unwrap_or_default(),
                language: language.to_owned(),
                top_k,
            },
            started: Instant::now(),
            filter: None,
        })
    }
}

/// One item a text search found, as the API and `clickprint search --text
/// --json` give it.
#[derive(Debug, Clone, Serialize)]
pub struct TextHit {
    /// The library item.
    pub media_id: i64,
    /// Its external id.
    pub external_id: Option<String>,
    /// `video` or `audio`.
    pub modality: Option<String>,
    /// Its best cue's score plus 0.1 x log2(its matching cues): 1.5 for a
    /// cue that holds the whole query as written, about 1 for one holding
    /// every word apart (sql/README.md, "Dialogue").
    pub score: f64,
    /// How many of its cues matched.
    pub matching_cues: u64,
    /// Its 100 best-scored matching cues (ties to the earlier), by time,
    /// each with its range in seconds, its text, and the text with the
    /// query's words in « ».
    pub cues: Vec<TextCue>,
    /// Where its original and previews are served, as [`Hit::files`].
    pub files: String,
    /// The item's key/value metadata, as it was given.
    pub metadata: serde_json::Value,
}

/// One cue of a [`TextHit`].
#[derive(Debug, Clone, Serialize)]
pub struct TextCue {
    /// When it appears, seconds.
    pub start: f64,
    /// When it goes, seconds.
    pub end: f64,
    /// Its stream's language tag (empty when none).
    pub language: String,
    /// What it says.
    pub text: String,
    /// The text with each query word wrapped in « and ».
    pub highlighted: String,
    /// The cue's own score.
    pub score: f64,
}

/// A text search's answer.
#[derive(Debug, Clone, Serialize)]
pub struct TextAnswer {
    /// Best first.
    pub matches: Vec<TextHit>,
    /// `all` or `any`.
    pub mode: library::WordsMode,
    /// Time in each stage, ms: `search` (the statement), `join`, `total`.
    pub timings_ms: serde_json::Map<String, serde_json::Value>,
}

/// Searches `tenant`'s dialogue (the cues of its items' subtitle streams)
/// with one statement, `sql/clickhouse/text_search.sql`, in the search
/// lane; the items are joined with Postgres as a media search's are (an
/// exact duplicate shares its first copy's cues).
///
/// # Errors
/// [`Error::ClickHouse`] / [`Error::Postgres`].
pub async fn run_text(
    pool: &Pool,
    engine: &Engine,
    tenant: &Tenant,
    search: TextSearch,
) -> Result<TextAnswer> {
    let id = TenantId(tenant.id).clickhouse()?;
    scheduler::scope(Lane::Search, Some(id), async move {
        let TextSearch {
            mut query,
            started,
            filter,
        } = search;
        // A filter runs in Postgres on the statement's answer, so the
        // statement is asked for every candidate it may give (as a media
        // search with a filter is), and the answer cut after.
        let top_k = query.top_k;
        if filter.is_some() {
            query.top_k = query.top_k.max(CANDIDATES);
        }
        let mut timings = serde_json::Map::new();
        let t = Instant::now();
        let found = library::text_search(engine, id, &query).await?;
        timings.insert("search".into(), ms(t));
        let t = Instant::now();
        let ids: Vec<i64> = found
            .iter()
            .filter_map(|m| i64::try_from(m.media_id).ok())
            .collect();
        let items = media::sharing(pool, tenant.id, &ids, filter.as_ref()).await?;
        let seconds = |t: u32| f64::from(t) / 1000.0;
        let mut matches = Vec::new();
        for m in &found {
            for (owner, item) in items
                .iter()
                .filter(|(owner, _)| u64::try_from(*owner).ok() == Some(m.media_id))
            {
                matches.push(TextHit {
                    media_id: item.id,
                    external_id: item.external_id.clone(),
                    modality: item.modality.clone(),
                    score: m.score,
                    matching_cues: m.matching_cues,
                    cues: m
                        .cues
                        .iter()
                        .map(|c| TextCue {
                            start: seconds(c.start_ms),
                            end: seconds(c.end_ms),
                            language: c.language.clone(),
                            text: c.text.clone(),
                            highlighted: c.highlighted.clone(),
                            score: c.score,
                        })
                        .collect(),
                    files: format!("/v1/files/{}/{owner}", tenant.id),
                    metadata: item.metadata.clone(),
                });
            }
        }
        matches.truncate(top_k as usize);
        timings.insert("join".into(), ms(t));
        timings.insert("total".into(), ms(started));
        Ok(TextAnswer {
            matches,
            mode: query.mode,
            timings_ms: timings,
        })
    })
    .await
}
