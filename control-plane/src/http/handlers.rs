//! One function per endpoint of the API. Each gets the shared state, the
//! request's headers and query, and its body as a stream; it answers a
//! response or an [`Error`] (turned into a status by `error_reply`).

use std::sync::Arc;
use std::time::Instant;

use serde::Deserialize;
use warp::Reply;
use warp::http::StatusCode;

use super::input;
use super::reply::{Response, json, no_content, output_reply, status_of};
use super::request::{AppState, BodyStream as Body, Request, read_json, token_matches};
use super::session::{self, Quota};
use super::upload::{self, Received};
use crate::app::health::Health;
use crate::app::search::MAX_SUBTITLE_BYTES;
use crate::app::{self, jobs, search as searching};
use crate::clickhouse::library::WordsMode;
use crate::clickhouse::{access, analyst, library};
use crate::error::{Error, Result};
use crate::ids::{MediaId, TenantId};
use crate::store::media::NewMedia;
use crate::store::tenants::{self, NewTenant, Tenant, TenantChange};
use crate::store::{self, media};

/// The OpenAPI 3 document served at `GET /v1/openapi.json`.
pub(super) const OPENAPI: &str = include_str!("openapi.json");

fn admin(state: &AppState, req: &Request) -> Result<()> {
    if token_matches(req.auth.as_deref(), &state.admin_token) {
        Ok(())
    } else {
        Err(Error::Unauthorized("missing or wrong admin token".into()))
    }
}

async fn tenant(state: &AppState, req: &Request) -> Result<Tenant> {
    session::tenant(state, req, Quota::Count).await
}

/// The query string, percent-decoded, as a map.
fn query_params(req: &Request) -> std::collections::HashMap<String, String> {
    url::form_urlencoded::parse(req.query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The query parameter `name` as a whole number, when it is given.
fn number_param(
    params: &std::collections::HashMap<String, String>,
    name: &str,
) -> Result<Option<i64>> {
    params
        .get(name)
        .map(|v| {
            v.parse()
                .map_err(|_| Error::BadRequest(format!("`{name}` must be a number")))
        })
        .transpose()
}

/// The query parameter `name` as `true` or `false` (absent: false).
fn bool_param(params: &std::collections::HashMap<String, String>, name: &str) -> Result<bool> {
    match params.get(name).map(String::as_str) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(Error::BadRequest(format!(
            "`{name}` is `true` or `false`, not {other:?}"
        ))),
    }
}

fn is_multipart(req: &Request) -> bool {
    req.content_type
        .as_deref()
        .is_some_and(|c| c.starts_with("multipart/form-data"))
}

fn uploads(state: &AppState) -> std::path::PathBuf {
    state.config.data_dir.join("uploads")
}

pub(super) async fn healthz(state: Arc<AppState>, _: Request, _: Body) -> Response {
    let health = Health::check(&state.engine, &state.postgres).await;
    let status = if health.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Ok(json(&health, status))
}

/// `GET /metrics` on the main address: operators only.
pub(super) async fn metrics(state: Arc<AppState>, req: Request, _: Body) -> Response {
    admin(&state, &req)?;
    Ok(metrics_text(state).await)
}

/// The metrics in Prometheus' text format.
pub(super) async fn metrics_text(state: Arc<AppState>) -> warp::reply::Response {
    let depth = crate::store::queue::depth(state.postgres.pool())
        .await
        .unwrap_or(-1);
    warp::reply::with_header(
        state.metrics.render(depth),
        "content-type",
        "text/plain; version=0.0.4",
    )
    .into_response()
}

pub(super) async fn openapi(_: Arc<AppState>, _: Request, _: Body) -> Response {
    Ok(warp::reply::with_header(OPENAPI, "content-type", "application/json").into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SqlRequest {
    query: String,
    /// ClickHouse query parameters (`{name:Type}` in the statement).
    #[serde(default)]
    params: std::collections::BTreeMap<String, String>,
    /// Run it as this tenant's analyst (`clickprint sql --tenant`).
    #[serde(default)]
    tenant: Option<u32>,
}

pub(super) async fn admin_sql(state: Arc<AppState>, req: Request, body: Body) -> Response {
    admin(&state, &req)?;
    let request: SqlRequest = read_json(&req, body).await?;
    let params = pairs(&request.params);
    if let Some(tenant) = request.tenant {
        tenants::find(state.postgres.pool(), &tenant.to_string()).await?;
        let limits = &state.config.analyst;
        let output =
            analyst::run_with_params(&state.engine, tenant, &request.query, &params, limits)
                .await?;
        return output_reply(&output, req.accept.as_deref(), Some(&limits.budget()));
    }
    let output = crate::service::operator_query(&state.engine, &request.query, &params).await?;
    output_reply(&output, req.accept.as_deref(), None)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantSqlRequest {
    query: String,
    /// ClickHouse query parameters (`{name:Type}` in the statement).
    #[serde(default)]
    params: std::collections::BTreeMap<String, String>,
}

/// Query parameters as the engine takes them.
fn pairs(params: &std::collections::BTreeMap<String, String>) -> Vec<(&str, String)> {
    params
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect()
}

/// An analyst's statement over the caller's own fingerprint rows
/// ([`crate::clickhouse::analyst`]): checked, read-only, limited.
pub(super) async fn tenant_sql(state: Arc<AppState>, req: Request, body: Body) -> Response {
    let tenant = tenant(&state, &req).await?;
    let request: TenantSqlRequest = read_json(&req, body).await?;
    let limits = &state.config.analyst;
    let output = analyst::run_with_params(
        &state.engine,
        TenantId(tenant.id).clickhouse()?,
        &request.query,
        &pairs(&request.params),
        limits,
    )
    .await?;
    output_reply(&output, req.accept.as_deref(), Some(&limits.budget()))
}

pub(super) async fn create_tenant(state: Arc<AppState>, req: Request, body: Body) -> Response {
    admin(&state, &req)?;
    let new: NewTenant = read_json(&req, body).await?;
    input::text("name", &new.name)?;
    input::quotas(new.max_assets, new.max_bytes, new.requests_per_minute)?;
    let tenant = tenants::create(state.postgres.pool(), &new).await?;
    Ok(json(&tenant, StatusCode::CREATED))
}

pub(super) async fn list_tenants(state: Arc<AppState>, req: Request, _: Body) -> Response {
    admin(&state, &req)?;
    let all = tenants::list(state.postgres.pool()).await?;
    Ok(json(&serde_json::json!({ "tenants": all }), StatusCode::OK))
}

pub(super) async fn change_tenant(
    id: i32,
    state: Arc<AppState>,
    req: Request,
    body: Body,
) -> Response {
    admin(&state, &req)?;
    let change: TenantChange = read_json(&req, body).await?;
    input::quotas(
        change.max_assets.flatten(),
        change.max_bytes.flatten(),
        change.requests_per_minute.flatten(),
    )?;
    let tenant = tenants::change(state.postgres.pool(), id, &change).await?;
    if tenant.disabled {
        store::sessions::end_for_tenant(state.postgres.pool(), id).await?;
    }
    Ok(json(&tenant, StatusCode::OK))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyRequest {
    #[serde(default)]
    name: String,
}

pub(super) async fn issue_key(id: i32, state: Arc<AppState>, req: Request, body: Body) -> Response {
    admin(&state, &req)?;
    let request: KeyRequest = read_json(&req, body).await?;
    input::text("name", &request.name)?;
    let key = tenants::issue_key(state.postgres.pool(), id, &request.name).await?;
    Ok(json(&key, StatusCode::CREATED))
}

pub(super) async fn list_keys(id: i32, state: Arc<AppState>, req: Request, _: Body) -> Response {
    admin(&state, &req)?;
    tenants::find(state.postgres.pool(), &id.to_string()).await?;
    let keys = tenants::keys(state.postgres.pool(), id).await?;
    Ok(json(&serde_json::json!({ "keys": keys }), StatusCode::OK))
}

pub(super) async fn revoke_key(
    id: i32,
    key_id: i32,
    state: Arc<AppState>,
    req: Request,
    _: Body,
) -> Response {
    admin(&state, &req)?;
    tenants::revoke_key(state.postgres.pool(), id, key_id).await?;
    store::sessions::end_for_key(state.postgres.pool(), key_id).await?;
    Ok(no_content())
}

/// The caller's ingest statistics, from Postgres.
pub(super) async fn stats(state: Arc<AppState>, req: Request, _: Body) -> Response {
    let tenant = tenant(&state, &req).await?;
    let stats = media::stats(state.postgres.pool(), tenant.id).await?;
    Ok(json(&stats, StatusCode::OK))
}

/// The ClickHouse id of the tenant `id`, once it is known to exist.
async fn clickhouse_tenant(state: &AppState, id: i32) -> Result<u32> {
    tenants::find(state.postgres.pool(), &id.to_string()).await?;
    TenantId(id).clickhouse()
}

/// A ClickHouse user for one of the tenant's analysts (server engine only).
pub(super) async fn issue_analyst(
    id: i32,
    state: Arc<AppState>,
    req: Request,
    _: Body,
) -> Response {
    admin(&state, &req)?;
    let tenant = clickhouse_tenant(&state, id).await?;
    let credential = access::issue(&state.engine, tenant).await?;
    Ok(json(&credential, StatusCode::CREATED))
}

pub(super) async fn revoke_analyst(
    id: i32,
    user: String,
    state: Arc<AppState>,
    req: Request,
    _: Body,
) -> Response {
    admin(&state, &req)?;
    let tenant = clickhouse_tenant(&state, id).await?;
    access::revoke(&state.engine, tenant, &user).await?;
    Ok(no_content())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MediaRequest {
    url: String,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    metadata: serde_json::Value,
    #[serde(default)]
    subtitles_url: Option<String>,
    #[serde(default)]
    subtitles_language: Option<String>,
}

/// The subtitle file given with a new item, checked: a received file
/// (`upload`, at most [`MAX_SUBTITLE_BYTES`]) or a URL, and a language
/// tag for a file that names none.
///
/// # Errors
/// [`Error::BadRequest`] for both or a URL that is not http(s), or a bad
/// language; [`Error::TooLarge`] for a file past the limit.
fn new_subtitles(
    upload: Option<upload::Received>,
    url: Option<&str>,
    language: Option<&str>,
) -> Result<(Option<media::NewSubtitles>, Option<upload::Received>)> {
    let language = searching::check_language(language.unwrap_or_default())?.to_owned();
    let source = match (&upload, url.map(str::trim)) {
        (Some(_), Some(_)) => {
            return Err(Error::BadRequest(
                "give the subtitles as a `subtitles` part or a `subtitles_url`, not both".into(),
            ));
        }
        (Some(file), None) => {
            if file.bytes > MAX_SUBTITLE_BYTES {
                return Err(Error::TooLarge(format!(
                    "the subtitle file is larger than the {MAX_SUBTITLE_BYTES}-byte limit"
                )));
            }
            let name = file.filename.as_deref().unwrap_or("subtitles");
            input::text("subtitles file name", name)?;
            format!("upload:{name}")
        }
        (None, Some(url)) => {
            if !clickprint_fetch::is_url(url) {
                return Err(Error::BadRequest(format!(
                    "`subtitles_url` must be an http(s) URL, not {url:?}"
                )));
            }
            input::text("subtitles_url", url)?;
            url.to_owned()
        }
        (None, None) if !language.is_empty() => {
            return Err(Error::BadRequest(
                "`subtitles_language` goes with a `subtitles` part or a `subtitles_url`".into(),
            ));
        }
        (None, None) => return Ok((None, None)),
    };
    let new = media::NewSubtitles {
        source,
        language,
        upload: upload.as_ref().map(|f| f.path.clone()),
    };
    Ok((Some(new), upload))
}

fn metadata_field(form: &upload::Form) -> Result<serde_json::Value> {
    match form.fields.get("metadata") {
        None => Ok(serde_json::Value::Null),
        Some(text) => serde_json::from_str(text)
            .map_err(|e| Error::BadRequest(format!("the `metadata` field is not JSON: {e}"))),
    }
}

pub(super) async fn create_media(state: Arc<AppState>, req: Request, body: Body) -> Response {
    let tenant = tenant(&state, &req).await?;
    let pool = state.postgres.pool();
    let data_dir = &state.config.data_dir;
    let new = if is_multipart(&req) {
        let mut form = upload::form(
            &uploads(&state),
            req.content_type.as_deref().unwrap_or_default(),
            body,
            state.config.max_upload_bytes,
        )
        .await?;
        let metadata = metadata_field(&form)?;
        let (subtitles, subtitles_file) = new_subtitles(
            form.side_file("subtitles"),
            form.fields.get("subtitles_url").map(String::as_str),
            form.fields.get("subtitles_language").map(String::as_str),
        )?;
        let Some(file) = form.file() else {
            return Err(Error::BadRequest(
                "a multipart upload needs a `file` part".into(),
            ));
        };
        // The modality is known at once for an upload: refuse a disabled
        // one now. Media the probe cannot read is accepted and fails in
        // its task with the decoder's reason.
        if let Ok(probed) = crate::probe::probe(
            &state.config.udf,
            &file.path,
            std::time::Duration::from_secs(30),
        )
        .await
        {
            tenant.require(probed.modality.as_str())?;
        }
        let name = file.filename.clone().unwrap_or_else(|| "upload".into());
        (
            NewMedia {
                source: format!("upload:{name}"),
                external_id: form.fields.get("external_id").cloned().or(Some(name)),
                metadata,
                upload: Some(file.path.clone()),
                job: None,
                idempotency_key: idempotency_key(&req)?,
                subtitles,
            },
            // Kept until the item is made: removed on drop if it was not.
            (Some(file), subtitles_file),
        )
    } else {
        let request: MediaRequest = read_json(&req, body).await?;
        if !clickprint_fetch::is_url(&request.url) {
            return Err(Error::BadRequest(format!(
                "`url` must be an http(s) URL, not {:?}",
                request.url
            )));
        }
        let (subtitles, _) = new_subtitles(
            None,
            request.subtitles_url.as_deref(),
            request.subtitles_language.as_deref(),
        )?;
        (
            NewMedia {
                source: request.url.trim().to_owned(),
                external_id: request.external_id,
                metadata: request.metadata,
                upload: None,
                job: None,
                idempotency_key: idempotency_key(&req)?,
                subtitles,
            },
            (None, None),
        )
    };
    let (new, _received) = new;
    let source = if new.upload.is_some() {
        "filename"
    } else {
        "url"
    };
    input::text(source, &new.source)?;
    if let Some(external_id) = &new.external_id {
        input::text("external_id", external_id)?;
    }
    input::json("metadata", &new.metadata)?;
    let media = media::create(pool, data_dir, &tenant, new).await?;
    Ok(json(&media, StatusCode::ACCEPTED))
}

pub(super) async fn list_media(state: Arc<AppState>, req: Request, _: Body) -> Response {
    let tenant = tenant(&state, &req).await?;
    let params = query_params(&req);
    let number = |name: &str| number_param(&params, name);
    let (items, next) = media::list(
        state.postgres.pool(),
        tenant.id,
        params.get("status").map(String::as_str),
        number("cursor")?,
        number("limit")?.unwrap_or(100),
    )
    .await?;
    Ok(json(
        &serde_json::json!({ "media": items, "next_cursor": next }),
        StatusCode::OK,
    ))
}

pub(super) async fn get_media(id: i64, state: Arc<AppState>, req: Request, _: Body) -> Response {
    let tenant = tenant(&state, &req).await?;
    let item = media::get(state.postgres.pool(), tenant.id, id).await?;
    Ok(json(&item, StatusCode::OK))
}

pub(super) async fn delete_media(id: i64, state: Arc<AppState>, req: Request, _: Body) -> Response {
    let tenant = tenant(&state, &req).await?;
    let pool = state.postgres.pool();
    let data_dir = &state.config.data_dir;
    let unused = media::delete(pool, tenant.id, id).await?;
    // Its files go, unless a live exact duplicate shows them; and the
    // files of the item whose fingerprints it used, if it was their last
    // user.
    if !media::has_live_files(pool, tenant.id, id).await? {
        media::remove_files(data_dir, tenant.id, id).await?;
    }
    if let Some(fingerprints) = unused {
        media::remove_files(data_dir, tenant.id, fingerprints).await?;
        library::delete(
            &state.engine,
            TenantId(tenant.id).clickhouse()?,
            MediaId(fingerprints).clickhouse()?,
        )
        .await?;
    }
    Ok(no_content())
}

/// The request's `Idempotency-Key`: at most 255 characters a Postgres
/// text can hold.
fn idempotency_key(req: &Request) -> Result<Option<String>> {
    let Some(key) = req.idempotency_key.as_deref().map(str::trim) else {
        return Ok(None);
    };
    if key.is_empty() || key.len() > 255 {
        return Err(Error::BadRequest(
            "`Idempotency-Key` must be 1 to 255 characters".into(),
        ));
    }
    input::text("Idempotency-Key", key)?;
    Ok(Some(key.to_owned()))
}

pub(super) async fn create_job(state: Arc<AppState>, req: Request, body: Body) -> Response {
    let tenant = tenant(&state, &req).await?;
    // A retry of a job already made gets it back without sending it again
    // through the checks.
    let key = idempotency_key(&req)?;
    if let Some(key) = &key
        && let Some(job) = store::jobs::by_key(state.postgres.pool(), tenant.id, key).await?
    {
        return Ok(json(&job, StatusCode::ACCEPTED));
    }
    let limit = state.config.max_upload_bytes;
    let content_type = req.content_type.clone().unwrap_or_default();
    let (file, kind) = if is_multipart(&req) {
        let mut form = upload::form(&uploads(&state), &content_type, body, limit).await?;
        let file = form
            .file()
            .ok_or_else(|| Error::BadRequest("a multipart job needs a `file` part".into()))?;
        let name = file
            .filename
            .clone()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let kind = if name.ends_with(".zip") { "zip" } else { "csv" };
        (file, kind)
    } else {
        let kind = if content_type.starts_with("text/csv") {
            "csv"
        } else if content_type.starts_with("application/zip") {
            "zip"
        } else {
            return Err(Error::BadRequest(format!(
                "send a job as text/csv, application/zip or a multipart `file`, not {content_type:?}"
            )));
        };
        (
            upload::body_to_file(&uploads(&state), body, limit).await?,
            kind,
        )
    };
    let job = jobs::create(
        state.postgres.pool(),
        &state.config.data_dir,
        &tenant,
        jobs::JobFile {
            kind,
            path: &file.path,
            idempotency_key: key.as_deref(),
        },
        limit,
        state.config.job_max_extract_bytes,
    )
    .await?;
    Ok(json(&job, StatusCode::ACCEPTED))
}

pub(super) async fn list_jobs(state: Arc<AppState>, req: Request, _: Body) -> Response {
    let tenant = tenant(&state, &req).await?;
    let all = store::jobs::list(state.postgres.pool(), tenant.id, 50).await?;
    Ok(json(&serde_json::json!({ "jobs": all }), StatusCode::OK))
}

pub(super) async fn get_job(id: i64, state: Arc<AppState>, req: Request, _: Body) -> Response {
    let tenant = tenant(&state, &req).await?;
    let job = store::jobs::get(state.postgres.pool(), tenant.id, id).await?;
    Ok(json(&job, StatusCode::OK))
}

pub(super) async fn cancel_job(id: i64, state: Arc<AppState>, req: Request, _: Body) -> Response {
    let tenant = tenant(&state, &req).await?;
    let job =
        store::jobs::cancel(state.postgres.pool(), &state.config.data_dir, tenant.id, id).await?;
    Ok(json(&job, StatusCode::OK))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchRequest {
    /// The query media's URL, or
    #[serde(default)]
    url: Option<String>,
    /// a library item's id: "what else copies item 12?".
    #[serde(default)]
    media_id: Option<i64>,
    #[serde(default)]
    top_k: Option<u32>,
    #[serde(default)]
    min_score: Option<f32>,
    #[serde(default)]
    filter: Option<serde_json::Value>,
    /// Or words to find in the library's dialogue (subtitle cues), with
    /// "double-quoted phrases": a text search.
    #[serde(default)]
    text: Option<String>,
    /// A text search's `all` (the default) or `any`.
    #[serde(default)]
    mode: Option<WordsMode>,
    /// A text search's subtitle language tag (`eng`); any when absent.
    #[serde(default)]
    language: Option<String>,
    /// With both a media query and `text`: how much each searcher's
    /// ranking counts in the merged answer.
    #[serde(default)]
    weights: Option<app::gateway::Weights>,
}

/// What every query of a search (or of a batch) is held to.
#[derive(Debug, Default)]
struct SearchOptions {
    top_k: Option<u32>,
    min_score: Option<f32>,
    /// Metadata every match must have: `{"key": "value", ...}`.
    filter: Option<serde_json::Value>,
}

impl SearchOptions {
    /// From a multipart form's text fields (`top_k`, `min_score`, and
    /// `filter` as JSON text).
    fn from_form(form: &upload::Form) -> Result<SearchOptions> {
        let number = |name: &str| -> Result<Option<f64>> {
            form.fields
                .get(name)
                .map(|v| {
                    v.trim()
                        .parse()
                        .map_err(|_| Error::BadRequest(format!("`{name}` must be a number")))
                })
                .transpose()
        };
        let filter = form
            .fields
            .get("filter")
            .map(|text| {
                serde_json::from_str(text)
                    .map_err(|e| Error::BadRequest(format!("the `filter` field is not JSON: {e}")))
            })
            .transpose()?;
        Ok(SearchOptions {
            top_k: number("top_k")?.map(|v| v as u32),
            min_score: number("min_score")?.map(|v| v as f32),
            filter,
        })
    }
}

/// Where one query's media comes from.
enum QuerySource {
    /// An upload, removed when the search ends.
    Upload(Received),
    /// A URL, downloaded under the fetch policy when its turn comes.
    Url(String),
    /// A library item: its own original, kept (the item is no match of
    /// itself).
    Item(i64),
}

impl QuerySource {
    /// A JSON query: `url` or `media_id`, one of the two.
    fn named(url: Option<String>, media_id: Option<i64>) -> Result<QuerySource> {
        match (url, media_id) {
            (Some(url), None) => Ok(QuerySource::Url(url)),
            (None, Some(id)) => Ok(QuerySource::Item(id)),
            _ => Err(Error::BadRequest(
                "a search names its query by `url` or by `media_id` (a library item), \
                 one of the two"
                    .into(),
            )),
        }
    }

    /// How a batch's answer names it: the URL, `media:ID` or the upload's
    /// file name.
    fn label(&self) -> String {
        match self {
            QuerySource::Upload(file) => file.filename.clone().unwrap_or_else(|| "upload".into()),
            QuerySource::Url(url) => url.clone(),
            QuerySource::Item(id) => format!("media:{id}"),
        }
    }
}

pub(super) async fn search(state: Arc<AppState>, req: Request, body: Body) -> Response {
    let started = Instant::now();
    let result = search_inner(&state, &req, body, started).await;
    state
        .metrics
        .search(started.elapsed().as_secs_f64(), result.is_ok());
    result
}

async fn search_inner(state: &AppState, req: &Request, body: Body, started: Instant) -> Response {
    let tenant = tenant(state, req).await?;
    let t = Instant::now();
    let mut timings = serde_json::Map::new();
    let (source, options) = if is_multipart(req) {
        let mut form = upload::form(
            &uploads(state),
            req.content_type.as_deref().unwrap_or_default(),
            body,
            state.config.max_upload_bytes,
        )
        .await?;
        let options = SearchOptions::from_form(&form)?;
        let words = match form.fields.get("text") {
            Some(text) => Some(Words {
                text: text.clone(),
                mode: form
                    .fields
                    .get("mode")
                    .map(|m| {
                        serde_json::from_value(serde_json::json!(m)).map_err(|_| {
                            Error::BadRequest(format!("`mode` is `all` or `any`, not {m:?}"))
                        })
                    })
                    .transpose()?,
                language: form.fields.get("language").cloned(),
                weights: None,
            }),
            None => None,
        };
        let weights: Option<app::gateway::Weights> = form
            .fields
            .get("weights")
            .map(|text| {
                serde_json::from_str(text).map_err(|e| {
                    Error::BadRequest(format!("the `weights` field is not weights JSON: {e}"))
                })
            })
            .transpose()?;
        let file = form
            .file()
            .ok_or_else(|| Error::BadRequest("a multipart search needs a `file` part".into()))?;
        timings.insert("upload".into(), serde_json::json!(t.elapsed().as_millis()));
        if let Some(words) = words {
            let source = QuerySource::Upload(file);
            let words = Words { weights, ..words };
            return mixed_search(state, &tenant, source, &options, words, timings, started).await;
        }
        if weights.is_some() {
            return Err(Error::BadRequest(
                "`weights` merge a media search with a text search: give `text` too".into(),
            ));
        }
        (QuerySource::Upload(file), options)
    } else {
        let request: SearchRequest = read_json(req, body).await?;
        if request.text.is_some() && (request.url.is_some() || request.media_id.is_some()) {
            let options = SearchOptions {
                top_k: request.top_k,
                min_score: request.min_score,
                filter: request.filter,
            };
            let source = QuerySource::named(request.url, request.media_id)?;
            let words = Words {
                text: request.text.unwrap_or_default(),
                mode: request.mode,
                language: request.language,
                weights: request.weights,
            };
            return mixed_search(state, &tenant, source, &options, words, timings, started).await;
        }
        if request.text.is_some() {
            return text_search(state, &tenant, request, started).await;
        }
        if request.weights.is_some() {
            return Err(Error::BadRequest(
                "`weights` merge a media search with a text search: give `text` too".into(),
            ));
        }
        if request.mode.is_some() || request.language.is_some() {
            return Err(Error::BadRequest(
                "`mode` and `language` belong to a text search (`text`)".into(),
            ));
        }
        let options = SearchOptions {
            top_k: request.top_k,
            min_score: request.min_score,
            filter: request.filter,
        };
        (QuerySource::named(request.url, request.media_id)?, options)
    };
    let filter = searching::check_filter(options.filter.clone())?;
    let answer = search_one(state, &tenant, source, &options, filter, timings, started).await?;
    Ok(json(&answer, StatusCode::OK))
}

/// A text search (`{"text": ...}`): [`searching::run_text`]. A text
/// search alone has no `min_score` (its scores are not a media match's)
/// nor `weights` (nothing to merge).
async fn text_search(
    state: &AppState,
    tenant: &Tenant,
    request: SearchRequest,
    started: Instant,
) -> Response {
    if request.min_score.is_some() || request.weights.is_some() {
        return Err(Error::BadRequest(
            "a text search takes `text`, `mode`, `language`, `top_k` and `filter`: \
             `min_score` and `weights` belong to a media search (`url`, `media_id`, \
             or an upload) beside it"
                .into(),
        ));
    }
    let mut search = searching::TextSearch::new(
        request.text.as_deref().unwrap_or_default(),
        request.mode,
        request.language.as_deref(),
        request.top_k,
        &state.config,
    )?;
    search.started = started;
    search.filter = searching::check_filter(request.filter)?;
    let answer = searching::run_text(state.postgres.pool(), &state.engine, tenant, search).await?;
    Ok(json(&answer, StatusCode::OK))
}

/// Runs one query: its file made local (a URL downloaded, an item's
/// original found), then [`searching::run`] in the tenant's search lane.
async fn search_one(
    state: &AppState,
    tenant: &Tenant,
    source: QuerySource,
    options: &SearchOptions,
    filter: Option<serde_json::Value>,
    mut timings: serde_json::Map<String, serde_json::Value>,
    started: Instant,
) -> Result<searching::Answer> {
    // `_received`: an upload or a download, removed when the search ends.
    let (path, _received, exclude) = local_query(state, tenant, source, &mut timings).await?;
    let mut query = searching::Query::new(&path, options.top_k, options.min_score, &state.config)?;
    query.timings = timings;
    query.started = started;
    query.exclude = exclude;
    query.filter = filter;
    searching::run(
        state.postgres.pool(),
        &state.engine,
        &state.config,
        tenant,
        query,
    )
    .await
}

/// A query's file, local: an upload as it is, a URL downloaded (timed as
/// `fetch`), an item's original found (the item, never a match of
/// itself, is the third value). The upload or download, second, is
/// removed when dropped.
async fn local_query(
    state: &AppState,
    tenant: &Tenant,
    source: QuerySource,
    timings: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<(std::path::PathBuf, Option<Received>, Option<i64>)> {
    let t = Instant::now();
    Ok(match source {
        QuerySource::Upload(file) => (file.path.clone(), Some(file), None),
        QuerySource::Url(url) => {
            let file = fetch_query(state, &url).await?;
            timings.insert("fetch".into(), serde_json::json!(t.elapsed().as_millis()));
            (file.path.clone(), Some(file), None)
        }
        QuerySource::Item(id) => {
            let path =
                searching::item_query(state.postgres.pool(), &state.config, tenant, id).await?;
            (path, None, Some(id))
        }
    })
}

/// The dialogue side of a merged search: `text`, `mode`, `language`, and
/// the searchers' `weights` (the tenant's when not given).
struct Words {
    text: String,
    mode: Option<WordsMode>,
    language: Option<String>,
    weights: Option<app::gateway::Weights>,
}

/// A media query and a line of dialogue searched at once, their answers
/// merged ([`app::gateway`]).
async fn mixed_search(
    state: &AppState,
    tenant: &Tenant,
    source: QuerySource,
    options: &SearchOptions,
    words: Words,
    mut timings: serde_json::Map<String, serde_json::Value>,
    started: Instant,
) -> Response {
    let weights = words.weights.unwrap_or(tenant.search_weights).checked()?;
    let filter = searching::check_filter(options.filter.clone())?;
    let mut text = searching::TextSearch::new(
        &words.text,
        words.mode,
        words.language.as_deref(),
        options.top_k,
        &state.config,
    )?;
    text.started = started;
    text.filter = filter.clone();
    let (path, _received, exclude) = local_query(state, tenant, source, &mut timings).await?;
    let mut query = searching::Query::new(&path, options.top_k, options.min_score, &state.config)?;
    query.timings = timings;
    query.started = started;
    query.exclude = exclude;
    query.filter = filter;
    let answer = app::gateway::run(
        state.postgres.pool(),
        &state.engine,
        &state.config,
        tenant,
        query,
        text,
        weights,
    )
    .await?;
    Ok(json(&answer, StatusCode::OK))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchRequest {
    /// Each `{"url": ...}` or `{"media_id": N}`.
    queries: Vec<BatchQuery>,
    #[serde(default)]
    top_k: Option<u32>,
    #[serde(default)]
    min_score: Option<f32>,
    #[serde(default)]
    filter: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchQuery {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    media_id: Option<i64>,
}

/// One query's outcome in a batch's answer: its answer, or its error with
/// the status it would have had alone.
#[derive(Debug, serde::Serialize)]
struct BatchResult {
    /// The URL, `media:ID`, or the uploaded file's name.
    query: String,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    answer: Option<searching::Answer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// `POST /v1/search/batch`: many queries in one request (JSON `queries`,
/// or several `file` parts), answered in order, each with its own answer
/// or error. They run one after another, each in the tenant's search lane
/// as a search of its own, so a batch holds one of the tenant's search
/// slots at a time and other tenants' searches go between its queries;
/// each query after the first counts against the request quota.
pub(super) async fn search_batch(state: Arc<AppState>, req: Request, body: Body) -> Response {
    let tenant = tenant(&state, &req).await?;
    let most = state.config.search_batch_max_queries;
    let (sources, options) = if is_multipart(&req) {
        let form = upload::files_form(
            &uploads(&state),
            req.content_type.as_deref().unwrap_or_default(),
            body,
            state.config.max_upload_bytes,
            most,
        )
        .await?;
        let options = SearchOptions::from_form(&form)?;
        let sources: Vec<QuerySource> = form.files.into_iter().map(QuerySource::Upload).collect();
        (sources, options)
    } else {
        let request: BatchRequest = read_json(&req, body).await?;
        if request.queries.len() > most {
            return Err(Error::BadRequest(format!(
                "a batch holds at most {most} queries (setting `search_batch_max_queries`), \
                 not {}",
                request.queries.len()
            )));
        }
        let sources = request
            .queries
            .into_iter()
            .map(|q| QuerySource::named(q.url, q.media_id))
            .collect::<Result<Vec<_>>>()?;
        let options = SearchOptions {
            top_k: request.top_k,
            min_score: request.min_score,
            filter: request.filter,
        };
        (sources, options)
    };
    if sources.is_empty() {
        return Err(Error::BadRequest(
            "a batch needs at least one query: `queries`, or `file` parts".into(),
        ));
    }
    // Checked once for all: a bad option is the request's fault, not a
    // query's.
    let filter = searching::check_filter(options.filter.clone())?;
    searching::limits(options.top_k, options.min_score, &state.config)?;
    let mut results = Vec::with_capacity(sources.len());
    for (i, source) in sources.into_iter().enumerate() {
        let query = source.label();
        let started = Instant::now();
        let outcome = async {
            if i > 0 {
                let client = state.postgres.pool().get().await?;
                tenants::count_request(&client, &tenant).await?;
            }
            search_one(
                &state,
                &tenant,
                source,
                &options,
                filter.clone(),
                serde_json::Map::new(),
                started,
            )
            .await
        }
        .await;
        state
            .metrics
            .search(started.elapsed().as_secs_f64(), outcome.is_ok());
        results.push(match outcome {
            Ok(answer) => BatchResult {
                query,
                status: 200,
                answer: Some(answer),
                error: None,
            },
            Err(e) => BatchResult {
                query,
                status: status_of(&e).as_u16(),
                answer: None,
                error: Some(e.to_string()),
            },
        });
    }
    Ok(json(
        &serde_json::json!({ "results": results }),
        StatusCode::OK,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionRequest {
    /// The query by the library item it was (a search by item), or
    #[serde(default)]
    query_media_id: Option<i64>,
    /// by its content (`query_sha256` of the search's answer).
    #[serde(default)]
    query_sha256: Option<String>,
    /// The match.
    media_id: i64,
    /// `false_positive` or `confirmed`.
    decision: store::review::Verdict,
    /// The reviewer's words.
    #[serde(default)]
    note: String,
}

/// A decision's query content, from the request.
async fn query_content(
    state: &AppState,
    tenant: &Tenant,
    request: &DecisionRequest,
) -> Result<String> {
    match (&request.query_sha256, request.query_media_id) {
        (Some(sha), None) => store::review::sha256_hex(sha),
        (None, Some(id)) => {
            let item = media::get(state.postgres.pool(), tenant.id, id).await?;
            item.sha256.ok_or_else(|| {
                Error::Conflict(format!(
                    "media {id} is {}: its content is known once it is fetched",
                    item.status
                ))
            })
        }
        _ => Err(Error::BadRequest(
            "name the query by `query_sha256` (a search answer's) or by `query_media_id`, \
             one of the two"
                .into(),
        )),
    }
}

/// `POST /v1/matches/decisions`: a reviewer marks a match as a
/// `false_positive` (no later search of the same content, an exact
/// re-upload or a search by the item, returns that item again) or as
/// `confirmed` (later searches flag it); deciding a pair again replaces
/// its decision.
pub(super) async fn decide(state: Arc<AppState>, req: Request, body: Body) -> Response {
    let tenant = tenant(&state, &req).await?;
    let request: DecisionRequest = read_json(&req, body).await?;
    let sha = query_content(&state, &tenant, &request).await?;
    let decision = app::review::decide(
        state.postgres.pool(),
        &state.engine,
        tenant.id,
        &sha,
        request.media_id,
        request.decision,
        &request.note,
    )
    .await?;
    Ok(json(&decision, StatusCode::OK))
}

/// `GET /v1/matches/decisions`: the tenant's decisions, newest first, a
/// page at a time (`cursor`, `limit`), of one query content
/// (`query_sha256`), one item (`media_id`) or one verdict (`decision`)
/// when asked; revoked ones too with `revoked=true`.
pub(super) async fn list_decisions(state: Arc<AppState>, req: Request, _: Body) -> Response {
    let tenant = tenant(&state, &req).await?;
    let params = query_params(&req);
    let number = |name: &str| number_param(&params, name);
    let sha = params
        .get("query_sha256")
        .map(|s| store::review::sha256_hex(s))
        .transpose()?;
    let verdict = params
        .get("decision")
        .map(|v| {
            serde_json::from_value::<store::review::Verdict>(serde_json::json!(v)).map_err(|_| {
                Error::BadRequest(format!(
                    "`decision` is `false_positive` or `confirmed`, not {v:?}"
                ))
            })
        })
        .transpose()?;
    let selection = store::review::Selection {
        query_sha256: sha.as_deref(),
        media_id: number("media_id")?,
        verdict,
        revoked: bool_param(&params, "revoked")?,
        cursor: number("cursor")?,
        limit: number("limit")?.unwrap_or(100),
    };
    let (page, next) = store::review::list(state.postgres.pool(), tenant.id, &selection).await?;
    Ok(json(
        &serde_json::json!({ "decisions": page, "next_cursor": next }),
        StatusCode::OK,
    ))
}

/// `DELETE /v1/matches/decisions/{id}`: a decision revoked; later
/// searches treat the pair as never decided.
pub(super) async fn revoke_decision(
    id: i64,
    state: Arc<AppState>,
    req: Request,
    _: Body,
) -> Response {
    let tenant = tenant(&state, &req).await?;
    let decision = app::review::revoke(state.postgres.pool(), &state.engine, tenant.id, id).await?;
    Ok(json(&decision, StatusCode::OK))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExclusionRequest {
    /// The item no search may return.
    media_id: i64,
    /// Why.
    #[serde(default)]
    note: String,
}

/// `POST /v1/exclusions`: an item of the library that no search of the
/// tenant returns while excluded (a logo, a test card).
pub(super) async fn exclude(state: Arc<AppState>, req: Request, body: Body) -> Response {
    let tenant = tenant(&state, &req).await?;
    let request: ExclusionRequest = read_json(&req, body).await?;
    let exclusion = app::review::exclude(
        state.postgres.pool(),
        &state.engine,
        tenant.id,
        request.media_id,
        &request.note,
    )
    .await?;
    Ok(json(&exclusion, StatusCode::OK))
}

/// `GET /v1/exclusions`: the tenant's exclusions, newest first, a page at
/// a time (`cursor`, `limit`); revoked ones too with `revoked=true`.
pub(super) async fn list_exclusions(state: Arc<AppState>, req: Request, _: Body) -> Response {
    let tenant = tenant(&state, &req).await?;
    let params = query_params(&req);
    let (page, next) = store::review::exclusions(
        state.postgres.pool(),
        tenant.id,
        bool_param(&params, "revoked")?,
        number_param(&params, "cursor")?,
        number_param(&params, "limit")?.unwrap_or(100),
    )
    .await?;
    Ok(json(
        &serde_json::json!({ "exclusions": page, "next_cursor": next }),
        StatusCode::OK,
    ))
}

/// `DELETE /v1/exclusions/{media_id}`: the item may be matched again.
pub(super) async fn revoke_exclusion(
    media_id: i64,
    state: Arc<AppState>,
    req: Request,
    _: Body,
) -> Response {
    let tenant = tenant(&state, &req).await?;
    let exclusion =
        app::review::include(state.postgres.pool(), &state.engine, tenant.id, media_id).await?;
    Ok(json(&exclusion, StatusCode::OK))
}

/// `GET /v1/media/{id}/previews/{name}`: one of an item's previews
/// (`previews.json`, `thumb.jpg`, `fNNN.jpg`, `waveform.svg`), by item id
/// and a file name with no slash, so a generated client reaches it.
pub(super) async fn media_preview(
    id: i64,
    name: String,
    state: Arc<AppState>,
    req: Request,
    _: Body,
) -> Response {
    preview_file(&state, &req, id, &name).await
}

/// `GET /v1/media/{id}/previews`: what previews an item has
/// (`previews.json`), on a route of its own so a generated client reads
/// it as JSON and the files as bytes.
pub(super) async fn media_previews(
    id: i64,
    state: Arc<AppState>,
    req: Request,
    _: Body,
) -> Response {
    preview_file(&state, &req, id, "previews.json").await
}

/// `POST /v1/media/{id}/subtitles`: a subtitle file (SRT, WebVTT, ASS/SSA;
/// a multipart `file` part, and `language` for a file that names none)
/// whose cues become the item's dialogue ([`searching::add_subtitles`]).
pub(super) async fn add_subtitles(
    id: i64,
    state: Arc<AppState>,
    req: Request,
    body: Body,
) -> Response {
    let tenant = tenant(&state, &req).await?;
    if !is_multipart(&req) {
        return Err(Error::BadRequest(
            "send the subtitle file as a multipart `file` part (and a `language` field)".into(),
        ));
    }
    let mut form = upload::form(
        &uploads(&state),
        req.content_type.as_deref().unwrap_or_default(),
        body,
        MAX_SUBTITLE_BYTES,
    )
    .await?;
    let file = form
        .file()
        .ok_or_else(|| Error::BadRequest("a subtitle upload needs a `file` part".into()))?;
    let language = form.fields.get("language").map_or("", String::as_str);
    let cues = searching::add_subtitles(
        state.postgres.pool(),
        &state.engine,
        &tenant,
        id,
        &file.path,
        language,
    )
    .await?;
    Ok(json(
        &serde_json::json!({ "media_id": id, "cues": cues }),
        StatusCode::OK,
    ))
}

/// `DELETE /v1/media/{id}/subtitles`: the cues of every subtitle file
/// given with the item removed ([`searching::remove_subtitles`]).
pub(super) async fn remove_subtitles(
    id: i64,
    state: Arc<AppState>,
    req: Request,
    _: Body,
) -> Response {
    let tenant = tenant(&state, &req).await?;
    searching::remove_subtitles(state.postgres.pool(), &state.engine, &tenant, id).await?;
    Ok(no_content())
}

/// One file of the previews folder of the tenant's item `id`.
async fn preview_file(state: &AppState, req: &Request, id: i64, name: &str) -> Response {
    let tenant = tenant(state, req).await?;
    let not_found = || Error::NotFound(format!("no preview {name:?} of media {id}"));
    let content_type = super::console::preview_content_type(name).ok_or_else(not_found)?;
    let item = media::get(state.postgres.pool(), tenant.id, id).await?;
    if item.status == "deleted" {
        return Err(Error::NotFound(format!("no media {id}")));
    }
    // An exact duplicate's previews are its first copy's.
    let owner = item.duplicate_of.unwrap_or(item.id);
    let path = media::previews_dir(&state.config.data_dir, tenant.id, owner).join(name);
    let bytes = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(not_found()),
        Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
    };
    let mut reply = warp::reply::with_header(bytes, "content-type", content_type).into_response();
    reply.headers_mut().insert(
        warp::http::header::CACHE_CONTROL,
        warp::http::HeaderValue::from_static("private, max-age=86400"),
    );
    reply.headers_mut().insert(
        warp::http::header::CONTENT_SECURITY_POLICY,
        warp::http::HeaderValue::from_static(super::guard::FILE_CSP),
    );
    Ok(reply)
}

/// Downloads a query URL under the fetch policy into the uploads folder.
async fn fetch_query(state: &AppState, url: &str) -> Result<Received> {
    // Removed when dropped, like an upload.
    let (target, mut file) = Received::create(&uploads(state), None).await?;
    searching::fetch_query(&state.config, url, &mut file).await?;
    Ok(target)
}

/// `POST /v1/webhooks`: a webhook made.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookRequest {
    /// Where deliveries go: `https://`, or `http://` and private
    /// addresses when `webhook_allow_private` is on.
    url: String,
    /// Some of `job.finished`, `media.failed`, `media.matched`.
    events: Vec<String>,
    /// `media.matched` fires for matches scoring this or more.
    #[serde(default)]
    min_score: Option<f32>,
}

/// The score a `media.matched` webhook asks for when it does not say.
const WEBHOOK_MIN_SCORE: f32 = 0.5;

/// `POST /v1/webhooks`: a webhook of the tenant, with its signing secret
/// (shown this once).
pub(super) async fn create_webhook(state: Arc<AppState>, req: Request, body: Body) -> Response {
    let tenant = tenant(&state, &req).await?;
    let request: WebhookRequest = read_json(&req, body).await?;
    let settings = &state.config.webhooks;
    input::webhook_url(&request.url, settings.policy.allow_private)?;
    let mut events = request.events.clone();
    events.sort();
    events.dedup();
    if events.is_empty()
        || events
            .iter()
            .any(|e| !store::webhooks::EVENTS.contains(&e.as_str()))
    {
        return Err(Error::BadRequest(format!(
            "`events` lists some of {:?}",
            store::webhooks::EVENTS
        )));
    }
    let min_score = request.min_score.unwrap_or(WEBHOOK_MIN_SCORE);
    if !(0.0..=1.0).contains(&min_score) {
        return Err(Error::BadRequest("`min_score` is between 0 and 1".into()));
    }
    let secret = format!("whsec_{}", crate::random_hex(24)?);
    let made = store::webhooks::create(
        state.postgres.pool(),
        tenant.id,
        settings.per_tenant,
        &store::webhooks::NewWebhook {
            url: request.url.trim(),
            events: &events,
            min_score,
            secret: &secret,
        },
    )
    .await?;
    let mut answer = serde_json::to_value(&made).map_err(|e| Error::BadRequest(e.to_string()))?;
    answer["secret"] = serde_json::Value::String(secret);
    Ok(json(&answer, StatusCode::CREATED))
}

/// `GET /v1/webhooks`: the tenant's webhooks, deleted ones included.
pub(super) async fn list_webhooks(state: Arc<AppState>, req: Request, _: Body) -> Response {
    let tenant = tenant(&state, &req).await?;
    let webhooks = store::webhooks::list(state.postgres.pool(), tenant.id).await?;
    Ok(json(
        &serde_json::json!({ "webhooks": webhooks }),
        StatusCode::OK,
    ))
}

/// `DELETE /v1/webhooks/{id}`: no more deliveries; the log stays.
pub(super) async fn delete_webhook(
    id: i64,
    state: Arc<AppState>,
    req: Request,
    _: Body,
) -> Response {
    let tenant = tenant(&state, &req).await?;
    let webhook = store::webhooks::disable(state.postgres.pool(), tenant.id, id).await?;
    Ok(json(&webhook, StatusCode::OK))
}

/// `GET /v1/webhooks/{id}/deliveries`: the webhook's deliveries with
/// every attempt, newest first, a page at a time (`cursor`, `limit`).
pub(super) async fn list_deliveries(
    id: i64,
    state: Arc<AppState>,
    req: Request,
    _: Body,
) -> Response {
    let tenant = tenant(&state, &req).await?;
    let params = query_params(&req);
    let deliveries = store::webhooks::deliveries(
        state.postgres.pool(),
        tenant.id,
        id,
        number_param(&params, "cursor")?,
        number_param(&params, "limit")?.unwrap_or(100),
    )
    .await?;
    let next_cursor = deliveries.last().map(|d| d.id);
    Ok(json(
        &serde_json::json!({ "deliveries": deliveries, "next_cursor": next_cursor }),
        StatusCode::OK,
    ))
}

/// `POST /v1/webhooks/{id}/test`: a `webhook.test` delivery to this
/// webhook alone, sent as any other.
pub(super) async fn test_webhook(id: i64, state: Arc<AppState>, req: Request, _: Body) -> Response {
    let tenant = tenant(&state, &req).await?;
    let pool = state.postgres.pool();
    let webhook = store::webhooks::get(pool, tenant.id, id).await?;
    if webhook.disabled_at.is_some() {
        return Err(Error::Conflict(format!("webhook {id} was deleted")));
    }
    let event_id = format!("webhook.test:{}", crate::random_hex(8)?);
    let client = pool.get().await?;
    store::webhooks::enqueue(
        &client,
        tenant.id,
        "webhook.test",
        &event_id,
        &serde_json::json!({ "webhook_id": id }),
        Some(id),
    )
    .await?;
    Ok(json(
        &serde_json::json!({ "event_id": event_id, "webhook_id": id }),
        StatusCode::ACCEPTED,
    ))
}
