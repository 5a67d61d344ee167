//! ClickHouse's own HTTP interface over the embedded engine, on a listener
//! of its own (`serve --clickhouse-http ADDR`, setting
//! `clickhouse_http_listen`; off by default), so ClickHouse clients
//! (clickhouse-connect, @clickhouse/client, the `clickhouse` crate, curl,
//! BI tools) can talk to a service whose ClickHouse listens on nothing.
//!
//! Who connects: HTTP basic auth, `X-ClickHouse-User`/`X-ClickHouse-Key`
//! or the `user`/`password` parameters. A tenant's name with one of its API
//! keys is that tenant's analyst: every statement goes through
//! [`analyst::run_with_params`], the same scoping, checks, limits and lane
//! as `POST /v1/sql`. `admin` with the admin token is the operator, in the
//! `clickprint` database. Neither reaches the clickprint functions that
//! read media, unless the operator is allowed them
//! (`clickhouse_http_operator_media`): then another clickprint can use this
//! service as its ClickHouse server, ingest and search included.
//!
//! What is read as ClickHouse reads it: the statement in `query` and the
//! body (concatenated with a line feed), `database`, `default_format` and a
//! trailing `FORMAT` clause, `param_<name>` parameters, output format
//! settings as parameters; `/ping` and `GET /` answer `Ok.`. Results are
//! written by the engine in the asked format ([`formats`]); errors are
//! ClickHouse's text (`Code: N. DB::Exception: ...`) with its
//! `X-ClickHouse-Exception-Code` header and HTTP status, so clients raise
//! their usual exceptions. With `enable_http_compression=1` and
//! `Accept-Encoding: gzip` the answer is gzip-compressed.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use futures_util::StreamExt;
use warp::Filter;
use warp::http::{HeaderMap, HeaderValue, StatusCode};

use super::request::{AppState, BodyStream, body, token_matches};
use crate::clickhouse::{Engine, QueryOutput, analyst, formats};
use crate::error::{Error, Result};
use crate::store::tenants;

/// The longest request body taken (an operator's statement with its data;
/// an analyst's statement is limited to [`analyst::MAX_STATEMENT`]).
const MAX_BODY: usize = 16 << 20;

/// The operator's user name.
const ADMIN: &str = "admin";

/// Parameters that are the HTTP interface's own, not settings: read here
/// or without meaning for this service (sessions, progress headers).
const TRANSPORT: [&str; 20] = [
    "query",
    "database",
    "default_format",
    "user",
    "password",
    "query_id",
    "session_id",
    "session_timeout",
    "session_check",
    "compress",
    "decompress",
    "enable_http_compression",
    "http_zlib_compression_level",
    "wait_end_of_query",
    "send_progress_in_http_headers",
    "http_headers_progress_interval_ms",
    "cancel_http_readonly_queries_on_client_close",
    "buffer_size",
    "client_protocol_version",
    "quota_key",
];

/// The routes of the interface; every answer, errors too, in ClickHouse's
/// form. Results a stopped service left half-written are removed first.
pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = std::convert::Infallible> + Clone {
    let _ = std::fs::remove_dir_all(formats::scratch_dir(&state.config.data_dir));
    warp::path::full()
        .and(warp::method())
        .and(warp::header::headers_cloned())
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .and(body())
        .then(
            move |path: warp::path::FullPath,
                  method: warp::http::Method,
                  headers: HeaderMap,
                  query: String,
                  body: BodyStream| {
                let state = Arc::clone(&state);
                async move {
                    let body = read_body(body).await;
                    answer(&state, path.as_str(), &method, &headers, &query, body).await
                }
            },
        )
        .recover(|rejection: warp::Rejection| async move {
            let error = Error::BadRequest(format!("the request could not be read: {rejection:?}"));
            Ok::<_, std::convert::Infallible>(exception_reply(error.into(), ""))
        })
        .unify()
}

/// Who is connecting.
enum Caller {
    Analyst(u32),
    Operator,
}

/// A request as read, with ClickHouse's parameters sorted out.
struct Query {
    sql: String,
    database: Option<String>,
    format: &'static str,
    content_type: &'static str,
    params: Vec<(String, String)>,
    format_settings: Vec<(String, String)>,
    other_settings: Vec<(String, String)>,
    gzip: bool,
}

async fn read_body(mut body: BodyStream) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        let mut chunk = chunk.map_err(|e| Error::BadRequest(format!("reading the body: {e}")))?;
        bytes.extend_from_slice(&chunk.copy_to_bytes(chunk.remaining()));
        if bytes.len() > MAX_BODY {
            return Err(Error::TooLarge(format!(
                "a request body is at most {MAX_BODY} bytes here"
            )));
        }
    }
    Ok(bytes)
}

async fn answer(
    state: &AppState,
    path: &str,
    method: &warp::http::Method,
    headers: &HeaderMap,
    query: &str,
    body: Result<Vec<u8>>,
) -> warp::reply::Response {
    let started = Instant::now();
    let params: BTreeMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let query_id = params
        .get("query_id")
        .cloned()
        .unwrap_or_else(|| new_query_id().unwrap_or_default());
    let (version, timezone) = server_facts(&state.engine).await;
    let mut reply = match path {
        "/ping" => plain("Ok.\n"),
        "/" if method == warp::http::Method::GET && !params.contains_key("query") => plain("Ok.\n"),
        "/" => match run(state, method, headers, &params, body).await {
            Ok((query, bytes, rows)) => result_reply(&query, bytes, rows, started),
            Err(e) => exception_reply(e, &version),
        },
        _ => exception_reply(
            Error::NotFound(format!("there is no handler for {path}; use / or /ping")).into(),
            &version,
        ),
    };
    let headers = reply.headers_mut();
    for (name, value) in [
        ("x-clickhouse-query-id", query_id.as_str()),
        ("x-clickhouse-timezone", timezone.as_str()),
        ("x-clickhouse-server-display-name", "clickprint"),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    reply
}

/// Runs the request's statement for its caller; the query as read, the
/// answer's bytes and its rows.
async fn run(
    state: &AppState,
    method: &warp::http::Method,
    headers: &HeaderMap,
    params: &BTreeMap<String, String>,
    body: Result<Vec<u8>>,
) -> std::result::Result<(Query, Vec<u8>, usize), Exception> {
    let caller = caller(state, headers, params).await?;
    let mut body = decoded_body(headers, body?)?;
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut params = params.clone();
    if content_type.starts_with("multipart/form-data") {
        for (name, value) in form_fields(content_type, std::mem::take(&mut body)).await? {
            params.entry(name).or_insert(value);
        }
    }
    let params = &params;
    let query = read_query(method, headers, params, &body)?;
    if !matches!(state.engine, Engine::Embedded(_)) {
        return Err(Error::Conflict(
            "ClickHouse's HTTP interface is served here over the embedded engine; with \
             a clickhouse-server (CLICKHOUSE_URL), connect to that server"
                .into(),
        )
        .into());
    }
    let params: Vec<(&str, String)> = query
        .params
        .iter()
        .map(|(n, v)| (n.as_str(), v.clone()))
        .collect();
    let format_settings: Vec<(&str, String)> = query
        .format_settings
        .iter()
        .map(|(n, v)| (n.as_str(), v.clone()))
        .collect();
    let dir = formats::scratch_dir(&state.config.data_dir);
    let (output, columns, budget) = match caller {
        Caller::Analyst(tenant) => {
            if let Some((name, _)) = query.other_settings.first() {
                return Err(readonly_setting(name));
            }
            if let Some(database) = &query.database {
                let own = analyst::database(tenant);
                if !["default", "clickprint", own.as_str()].contains(&database.as_str()) {
                    return Err(Error::Forbidden(format!(
                        "statement refused: the database `{database}` is not yours: your \
                         tables are in `{own}` (also reached as `default`)"
                    ))
                    .into());
                }
            }
            let limits = &state.config.analyst;
            let output =
                analyst::run_with_params(&state.engine, tenant, &query.sql, &params, limits)
                    .await?;
            let columns = analyst::describe(&state.engine, tenant, &query.sql, &params, limits)
                .await
                .ok();
            (output, columns, Some(limits.budget()))
        }
        Caller::Operator => {
            if !state.config.clickhouse_http_operator_media {
                analyst::refuse_media_functions(&state.engine, &query.sql, &params).await?;
            }
            let database = query.database.as_deref().unwrap_or("clickprint");
            let settings: Vec<(&str, String)> = query
                .other_settings
                .iter()
                .map(|(n, v)| (n.as_str(), v.clone()))
                .collect();
            let output = state
                .engine
                .query_scoped(&query.sql, database, &params, &settings, None)
                .await?;
            let columns = if output.schema.fields().is_empty() {
                None
            } else {
                state
                    .engine
                    .query_scoped(
                        &format!("DESCRIBE TABLE ({})", query.sql.trim()),
                        database,
                        &params,
                        &[("readonly", "1".into())],
                        None,
                    )
                    .await
                    .ok()
                    .map(|described| name_type_pairs(&described))
            };
            (output, columns, None)
        }
    };
    let rows = output.num_rows();
    let bytes = formats::write(
        &state.engine,
        &dir,
        &output,
        columns.as_deref(),
        query.format,
        &format_settings,
        budget.as_ref(),
    )
    .await?;
    Ok((query, bytes, rows))
}

/// The (name, type) rows of a `DESCRIBE` result.
fn name_type_pairs(described: &QueryOutput) -> Vec<(String, String)> {
    let Ok(value) = described.to_json_rows() else {
        return Vec::new();
    };
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|row| {
            Some((
                row.get("name")?.as_str()?.to_owned(),
                row.get("type")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// The caller, from basic auth, `X-ClickHouse-User`/`-Key` or the
/// `user`/`password` parameters.
async fn caller(
    state: &AppState,
    headers: &HeaderMap,
    params: &BTreeMap<String, String>,
) -> Result<Caller> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let basic = header("authorization")
        .and_then(|h| h.strip_prefix("Basic ").map(str::to_owned))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|text| {
            text.split_once(':')
                .map(|(u, p)| (u.to_owned(), p.to_owned()))
        });
    let (user, password) = match basic {
        Some(pair) => pair,
        None => (
            header("x-clickhouse-user")
                .or_else(|| params.get("user").cloned())
                .unwrap_or_else(|| "default".into()),
            header("x-clickhouse-key")
                .or_else(|| params.get("password").cloned())
                .unwrap_or_default(),
        ),
    };
    let failed = || {
        Error::Unauthorized(format!(
            "{user}: Authentication failed: password is incorrect, or there is no user \
             with such name (a tenant's name with one of its API keys, or `admin` with \
             the admin token)"
        ))
    };
    if user == ADMIN && token_matches(Some(&format!("Bearer {password}")), &state.admin_token) {
        return Ok(Caller::Operator);
    }
    let tenant = match tenants::authenticate(state.postgres.pool(), Some(&password)).await {
        Ok(tenant) => tenant,
        Err(Error::Unauthorized(_)) => return Err(failed()),
        Err(e) => return Err(e),
    };
    if tenant.name != user {
        return Err(failed());
    }
    Ok(Caller::Analyst(
        crate::ids::TenantId(tenant.id).clickhouse()?,
    ))
}

/// The fields of a `multipart/form-data` body, which ClickHouse reads as
/// it reads the URL's parameters (`query`, `param_<name>`, settings): the
/// `clickhouse` crate sends a statement with parameters so.
async fn form_fields(content_type: &str, body: Vec<u8>) -> Result<Vec<(String, String)>> {
    let malformed = |e: multer::Error| Error::BadRequest(format!("the multipart body: {e}"));
    let boundary = multer::parse_boundary(content_type).map_err(malformed)?;
    let body = warp::hyper::body::Bytes::from(body);
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut fields = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        fields.push((name, field.text().await.map_err(malformed)?));
    }
    Ok(fields)
}

/// The body, uncompressed when sent with `Content-Encoding: gzip`.
fn decoded_body(headers: &HeaderMap, body: Vec<u8>) -> Result<Vec<u8>> {
    let encoding = headers
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match encoding {
        "" | "identity" => Ok(body),
        "gzip" => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(body.as_slice())
                .take(MAX_BODY as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| Error::BadRequest(format!("the gzip body: {e}")))?;
            if out.len() > MAX_BODY {
                return Err(Error::TooLarge(format!(
                    "a request body is at most {MAX_BODY} bytes here"
                )));
            }
            Ok(out)
        }
        other => Err(Error::BadRequest(format!(
            "Content-Encoding {other} is not taken here; send gzip or nothing"
        ))),
    }
}

/// The statement and its parameters, settings and format.
fn read_query(
    method: &warp::http::Method,
    headers: &HeaderMap,
    params: &BTreeMap<String, String>,
    body: &[u8],
) -> Result<Query> {
    for native in ["compress", "decompress"] {
        if params.get(native).is_some_and(|v| v == "1") {
            return Err(Error::BadRequest(format!(
                "{native}=1 (ClickHouse's native block compression) is not served here; \
                 use HTTP compression (enable_http_compression=1 with Accept-Encoding: gzip)"
            )));
        }
    }
    let mut sql = params.get("query").cloned().unwrap_or_default();
    if method == warp::http::Method::POST && !body.is_empty() {
        if !sql.is_empty() {
            sql.push('\n');
        }
        sql.push_str(
            std::str::from_utf8(body)
                .map_err(|_| Error::BadRequest("the statement is not UTF-8".into()))?,
        );
    }
    if sql.trim().is_empty() {
        return Err(Error::BadRequest("Empty query".into()));
    }
    let (sql, clause) = split_format(&sql);
    let name = clause
        .or_else(|| params.get("default_format").cloned())
        .unwrap_or_else(|| "TabSeparated".into());
    let (format, content_type) = formats::format(&name)
        .ok_or_else(|| Error::BadRequest(format!("Unknown format {name} (UNKNOWN_FORMAT)")))?;
    let mut query = Query {
        sql,
        database: params
            .get("database")
            .filter(|d| !d.is_empty())
            .cloned()
            .or_else(|| {
                headers
                    .get("x-clickhouse-database")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            }),
        format,
        content_type,
        params: Vec::new(),
        format_settings: Vec::new(),
        other_settings: Vec::new(),
        gzip: params
            .get("enable_http_compression")
            .is_some_and(|v| v == "1")
            && headers
                .get("accept-encoding")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip"))),
    };
    for (name, value) in params {
        if let Some(param) = name.strip_prefix("param_") {
            query.params.push((param.to_owned(), value.clone()));
        } else if formats::format_setting(name) {
            query.format_settings.push((name.clone(), value.clone()));
        } else if !TRANSPORT.contains(&name.as_str()) {
            query.other_settings.push((name.clone(), value.clone()));
        }
    }
    Ok(query)
}

/// The statement without a trailing `FORMAT <name>` clause (and `;`), and
/// that name. What is left is checked as any statement is: a clause this
/// misreads leaves a statement the checks refuse, never one they miss.
fn split_format(sql: &str) -> (String, Option<String>) {
    let trimmed = sql.trim_end().trim_end_matches(';').trim_end();
    let name_start = trimmed
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let name = &trimmed[name_start..];
    let before = trimmed[..name_start].trim_end();
    let keyword_start = before.len().saturating_sub("FORMAT".len());
    let keyword = before.get(keyword_start..).unwrap_or_default();
    let separated = before[..keyword_start]
        .chars()
        .last()
        .is_none_or(|c| c.is_whitespace() || c == ')');
    if name.is_empty()
        || before.len() == trimmed[..name_start].len()
        || !keyword.eq_ignore_ascii_case("FORMAT")
        || !separated
        || keyword_start == 0
    {
        return (sql.to_owned(), None);
    }
    (
        before[..keyword_start].trim_end().to_owned(),
        Some(name.to_owned()),
    )
}

/// A ClickHouse-style query id (a random UUID's form).
fn new_query_id() -> Result<String> {
    let hex = crate::random_hex(16)?;
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// The engine's version and time zone, asked once.
async fn server_facts(engine: &Engine) -> (String, String) {
    static FACTS: tokio::sync::OnceCell<(String, String)> = tokio::sync::OnceCell::const_new();
    FACTS
        .get_or_try_init(|| async {
            let output = engine
                .query("SELECT version() AS version, timezone() AS timezone")
                .await?;
            let row = output.to_json_rows()?;
            let text = |key: &str| row[0][key].as_str().unwrap_or_default().to_owned();
            Ok::<_, Error>((text("version"), text("timezone")))
        })
        .await
        .cloned()
        .unwrap_or_else(|_| (String::new(), "UTC".into()))
}

fn plain(text: &'static str) -> warp::reply::Response {
    let mut reply = warp::reply::Response::new(text.into());
    reply.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("text/plain; charset=UTF-8"),
    );
    reply
}

fn result_reply(
    query: &Query,
    bytes: Vec<u8>,
    rows: usize,
    started: Instant,
) -> warp::reply::Response {
    let summary = serde_json::json!({
        "result_rows": rows.to_string(),
        "result_bytes": bytes.len().to_string(),
        "elapsed_ns": started.elapsed().as_nanos().to_string(),
    })
    .to_string();
    let (body, gzip) = if query.gzip {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        match encoder.write_all(&bytes).and_then(|()| encoder.finish()) {
            Ok(compressed) => (compressed, true),
            Err(_) => (bytes, false),
        }
    } else {
        (bytes, false)
    };
    let mut reply = warp::reply::Response::new(body.into());
    let headers = reply.headers_mut();
    headers.insert("content-type", HeaderValue::from_static(query.content_type));
    headers.insert(
        "x-clickhouse-format",
        HeaderValue::from_static(query.format),
    );
    if let Ok(summary) = HeaderValue::from_str(&summary) {
        headers.insert("x-clickhouse-summary", summary);
    }
    if gzip {
        headers.insert("content-encoding", HeaderValue::from_static("gzip"));
    }
    reply
}

/// An error as ClickHouse reports it: code, name (empty when `words`
/// quote the engine's own exception), HTTP status and words.
struct Exception {
    code: u32,
    name: &'static str,
    status: StatusCode,
    words: String,
}

impl From<Error> for Exception {
    fn from(error: Error) -> Self {
        let (code, name, status, words) = exception(&error);
        Exception {
            code,
            name,
            status,
            words,
        }
    }
}

/// ClickHouse's code, name and HTTP status for an error, and its words.
fn exception(error: &Error) -> (u32, &'static str, StatusCode, String) {
    let words = error.to_string();
    match error {
        Error::Unauthorized(_) => (516, "AUTHENTICATION_FAILED", StatusCode::FORBIDDEN, words),
        // A refused statement, whatever the engine said of it (one that
        // does not parse is the caller's mistake: its engine code, 400).
        Error::Forbidden(_) => (497, "ACCESS_DENIED", StatusCode::FORBIDDEN, words),
        Error::QuotaExceeded(_) | Error::RateLimited { .. } => {
            (201, "QUOTA_EXCEEDED", StatusCode::TOO_MANY_REQUESTS, words)
        }
        Error::LimitExceeded(_) if crate::clickhouse::exception_code(&words).is_none() => (
            396,
            "TOO_MANY_ROWS_OR_BYTES",
            StatusCode::INTERNAL_SERVER_ERROR,
            words,
        ),
        Error::TooLarge(_) => (36, "BAD_ARGUMENTS", StatusCode::PAYLOAD_TOO_LARGE, words),
        Error::NotFound(_) => (36, "BAD_ARGUMENTS", StatusCode::NOT_FOUND, words),
        Error::Conflict(_) => (48, "NOT_IMPLEMENTED", StatusCode::NOT_IMPLEMENTED, words),
        _ => match crate::clickhouse::exception_code(&words) {
            Some(code) => (code, "", status_of(code), words),
            None if matches!(error, Error::BadRequest(_)) => {
                (36, "BAD_ARGUMENTS", StatusCode::BAD_REQUEST, words)
            }
            None => (
                1001,
                "STD_EXCEPTION",
                StatusCode::INTERNAL_SERVER_ERROR,
                words,
            ),
        },
    }
}

/// The HTTP status ClickHouse answers an exception code with.
fn status_of(code: u32) -> StatusCode {
    match code {
        // READONLY, ACCESS_DENIED, the authentication failures.
        164 | 497 | 192 | 193 | 516 => StatusCode::FORBIDDEN,
        // UNKNOWN_FUNCTION, UNKNOWN_IDENTIFIER, UNKNOWN_TYPE, UNKNOWN_TABLE,
        // UNKNOWN_DATABASE.
        46 | 47 | 50 | 60 | 81 => StatusCode::NOT_FOUND,
        // CANNOT_PARSE_*, SYNTAX_ERROR, UNKNOWN_FORMAT, BAD_ARGUMENTS,
        // TYPE_MISMATCH, UNKNOWN_QUERY_PARAMETER, and the like.
        6 | 26 | 27 | 36 | 38 | 53 | 62 | 73 | 115 | 456 | 457 => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An error as ClickHouse writes it: `Code: N. DB::Exception: words.
/// (NAME) (version V)`, or the engine's own text when it quotes one.
fn exception_reply(error: Exception, version: &str) -> warp::reply::Response {
    let Exception {
        code,
        name,
        status,
        words,
    } = error;
    let text = match words.find("Code: ") {
        Some(at) if name.is_empty() => format!("{}\n", &words[at..]),
        _ => format!(
            "Code: {code}. DB::Exception: {}. ({name}) (version {version})\n",
            words.trim_end_matches('.')
        ),
    };
    let mut reply = warp::reply::Response::new(text.into());
    *reply.status_mut() = status;
    let headers = reply.headers_mut();
    headers.insert(
        "content-type",
        HeaderValue::from_static("text/plain; charset=UTF-8"),
    );
    headers.insert("x-clickhouse-exception-code", HeaderValue::from(code));
    reply
}

/// A setting an analyst may not change (all but the output formats').
fn readonly_setting(name: &str) -> Exception {
    Exception {
        code: 164,
        name: "READONLY",
        status: StatusCode::FORBIDDEN,
        words: format!(
            "Cannot modify '{name}' setting in readonly mode: an analyst's limits and \
             settings are fixed by the service"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trailing_format_clause_is_taken_off_the_statement() {
        let split = |sql: &str| split_format(sql);
        assert_eq!(
            split("SELECT 1 FORMAT JSONEachRow"),
            ("SELECT 1".to_owned(), Some("JSONEachRow".to_owned()))
        );
        assert_eq!(
            split("SELECT 1\nformat Native;\n"),
            ("SELECT 1".to_owned(), Some("Native".to_owned()))
        );
        assert_eq!(
            split("SELECT (1)FORMAT CSV"),
            ("SELECT (1)".to_owned(), Some("CSV".to_owned()))
        );
        for whole in [
            "SELECT 1",
            "SELECT 'FORMAT JSON'",
            "SELECT myFORMAT JSON",
            "FORMAT JSON",
        ] {
            assert_eq!(split(whole), (whole.to_owned(), None), "{whole}");
        }
    }

    #[test]
    fn errors_carry_clickhouses_codes_and_statuses() {
        let (code, name, status, _) = exception(&Error::Unauthorized("x".into()));
        assert_eq!(
            (code, name, status),
            (516, "AUTHENTICATION_FAILED", StatusCode::FORBIDDEN)
        );
        let (code, _, status, _) = exception(&Error::Forbidden(
            "statement refused: `clickprint.fp_keys`".into(),
        ));
        assert_eq!((code, status), (497, StatusCode::FORBIDDEN));
        let engine = Error::BadRequest(
            "the statement failed: Code: 47. DB::Exception: Unknown identifier (UNKNOWN_IDENTIFIER)"
                .into(),
        );
        let (code, _, status, _) = exception(&engine);
        assert_eq!((code, status), (47, StatusCode::NOT_FOUND));
        let reply = exception_reply(engine.into(), "26.9.2.1");
        assert_eq!(reply.headers()["x-clickhouse-exception-code"], "47");
        let reply = exception_reply(readonly_setting("max_result_rows"), "26.9.2.1");
        assert_eq!(reply.headers()["x-clickhouse-exception-code"], "164");
        assert_eq!(reply.status(), StatusCode::FORBIDDEN);
    }
}
