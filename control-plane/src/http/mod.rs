//! The warp HTTP API. Every endpoint is a variant of [`Endpoint`]; the
//! router is built from [`Endpoint::ALL`], so the list, the router and the
//! OpenAPI document (`openapi.json`, checked against the list by a test)
//! cannot drift apart. Errors become HTTP statuses in one place,
//! [`error_reply`].

mod console;
mod handlers;
pub mod upload;

use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use crate::config::Config;
use crate::engine::{Engine, QueryOutput};
use crate::error::Error;
use crate::metrics::Metrics;
use crate::store::PostgresStore;

/// The media type of an Arrow IPC stream.
pub const ARROW_STREAM: &str = "application/vnd.apache.arrow.stream";

/// The OpenAPI 3 document served at `GET /v1/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");

/// What the HTTP handlers share.
#[derive(Debug)]
pub struct AppState {
    /// ClickHouse.
    pub engine: Engine,
    /// Postgres.
    pub postgres: PostgresStore,
    /// The operators' token (configured, else the data directory's local one).
    pub admin_token: String,
    /// The service's configuration.
    pub config: Config,
    /// Counters and histograms for `GET /metrics`.
    pub metrics: Arc<Metrics>,
}

/// Every endpoint of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET /healthz`
    Healthz,
    /// `GET /metrics`
    Metrics,
    /// `GET /v1/openapi.json`
    OpenApi,
    /// `POST /v1/admin/sql`
    AdminSql,
    /// `POST /v1/admin/tenants`
    CreateTenant,
    /// `GET /v1/admin/tenants`
    ListTenants,
    /// `PATCH /v1/admin/tenants/{id}`
    ChangeTenant,
    /// `POST /v1/admin/tenants/{id}/keys`
    IssueKey,
    /// `GET /v1/admin/tenants/{id}/keys`
    ListKeys,
    /// `DELETE /v1/admin/tenants/{id}/keys/{key_id}`
    RevokeKey,
    /// `POST /v1/media`
    CreateMedia,
    /// `GET /v1/media`
    ListMedia,
    /// `GET /v1/media/{id}`
    GetMedia,
    /// `DELETE /v1/media/{id}`
    DeleteMedia,
    /// `POST /v1/jobs`
    CreateJob,
    /// `GET /v1/jobs/{id}`
    GetJob,
    /// `DELETE /v1/jobs/{id}`
    CancelJob,
    /// `POST /v1/search`
    Search,
    /// `POST /v1/sql`
    TenantSql,
    /// `GET /v1/stats`
    Stats,
    /// `GET /v1/jobs`
    ListJobs,
    /// `POST /v1/session`
    CreateSession,
    /// `GET /v1/session`
    GetSession,
    /// `DELETE /v1/session`
    DeleteSession,
    /// `GET /v1/files/{tenant}/{path}`
    Files,
    /// `POST /v1/admin/tenants/{id}/analysts`
    IssueAnalyst,
    /// `DELETE /v1/admin/tenants/{id}/analysts/{user}`
    RevokeAnalyst,
}

impl Endpoint {
    /// Every endpoint, in the order the router tries them.
    pub const ALL: [Endpoint; 27] = [
        Endpoint::Healthz,
        Endpoint::Metrics,
        Endpoint::OpenApi,
        Endpoint::AdminSql,
        Endpoint::CreateTenant,
        Endpoint::ListTenants,
        Endpoint::ChangeTenant,
        Endpoint::IssueKey,
        Endpoint::ListKeys,
        Endpoint::RevokeKey,
        Endpoint::CreateMedia,
        Endpoint::ListMedia,
        Endpoint::GetMedia,
        Endpoint::DeleteMedia,
        Endpoint::CreateJob,
        Endpoint::GetJob,
        Endpoint::CancelJob,
        Endpoint::Search,
        Endpoint::TenantSql,
        Endpoint::Stats,
        Endpoint::ListJobs,
        Endpoint::CreateSession,
        Endpoint::GetSession,
        Endpoint::DeleteSession,
        Endpoint::Files,
        Endpoint::IssueAnalyst,
        Endpoint::RevokeAnalyst,
    ];

    /// The method and the path, as the OpenAPI document writes them.
    pub fn method_path(self) -> (&'static str, &'static str) {
        match self {
            Endpoint::Healthz => ("GET", "/healthz"),
            Endpoint::Metrics => ("GET", "/metrics"),
            Endpoint::OpenApi => ("GET", "/v1/openapi.json"),
            Endpoint::AdminSql => ("POST", "/v1/admin/sql"),
            Endpoint::CreateTenant => ("POST", "/v1/admin/tenants"),
            Endpoint::ListTenants => ("GET", "/v1/admin/tenants"),
            Endpoint::ChangeTenant => ("PATCH", "/v1/admin/tenants/{id}"),
            Endpoint::IssueKey => ("POST", "/v1/admin/tenants/{id}/keys"),
            Endpoint::ListKeys => ("GET", "/v1/admin/tenants/{id}/keys"),
            Endpoint::RevokeKey => ("DELETE", "/v1/admin/tenants/{id}/keys/{key_id}"),
            Endpoint::CreateMedia => ("POST", "/v1/media"),
            Endpoint::ListMedia => ("GET", "/v1/media"),
            Endpoint::GetMedia => ("GET", "/v1/media/{id}"),
            Endpoint::DeleteMedia => ("DELETE", "/v1/media/{id}"),
            Endpoint::CreateJob => ("POST", "/v1/jobs"),
            Endpoint::GetJob => ("GET", "/v1/jobs/{id}"),
            Endpoint::CancelJob => ("DELETE", "/v1/jobs/{id}"),
            Endpoint::Search => ("POST", "/v1/search"),
            Endpoint::TenantSql => ("POST", "/v1/sql"),
            Endpoint::Stats => ("GET", "/v1/stats"),
            Endpoint::ListJobs => ("GET", "/v1/jobs"),
            Endpoint::CreateSession => ("POST", "/v1/session"),
            Endpoint::GetSession => ("GET", "/v1/session"),
            Endpoint::DeleteSession => ("DELETE", "/v1/session"),
            Endpoint::Files => ("GET", "/v1/files/{tenant}/{path}"),
            Endpoint::IssueAnalyst => ("POST", "/v1/admin/tenants/{id}/analysts"),
            Endpoint::RevokeAnalyst => ("DELETE", "/v1/admin/tenants/{id}/analysts/{user}"),
        }
    }
}

/// The request parts handlers read, extracted once for every endpoint.
struct Request {
    auth: Option<String>,
    cookie: Option<String>,
    accept: Option<String>,
    content_type: Option<String>,
    query: String,
}

fn request() -> impl Filter<Extract = (Request,), Error = Rejection> + Clone {
    warp::header::optional::<String>("authorization")
        .and(warp::header::optional::<String>("cookie"))
        .and(warp::header::optional::<String>("accept"))
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .map(|auth, cookie, accept, content_type, query| Request {
            auth,
            cookie,
            accept,
            content_type,
            query,
        })
}

/// A request body: a stream of chunks, boxed so every route has one type.
pub type BodyStream =
    Box<dyn warp::Stream<Item = Result<Box<dyn warp::Buf + Send>, warp::Error>> + Send + Unpin>;

fn boxed_stream<S, B>(stream: S) -> BodyStream
where
    S: warp::Stream<Item = Result<B, warp::Error>> + Send + Unpin + 'static,
    B: warp::Buf + Send + 'static,
{
    use futures_util::StreamExt;
    Box::new(stream.map(|chunk| chunk.map(|c| Box::new(c) as Box<dyn warp::Buf + Send>)))
}

fn body() -> BoxedFilter<(BodyStream,)> {
    warp::body::stream().map(boxed_stream).boxed()
}

/// The filter serving one endpoint.
fn route(endpoint: Endpoint, state: &Arc<AppState>) -> BoxedFilter<(warp::reply::Response,)> {
    use handlers as h;
    let s = Arc::clone(state);
    let with_state = warp::any().map(move || Arc::clone(&s));
    let base = with_state.and(request());
    macro_rules! to {
        ($filter:expr, $method:expr, $handler:expr) => {
            $filter
                .and($method)
                .and(base.clone())
                .and(body())
                .then($handler)
                .map(respond)
                .boxed()
        };
    }
    match endpoint {
        Endpoint::Healthz => to!(warp::path!("healthz"), warp::get(), h::healthz),
        Endpoint::Metrics => to!(warp::path!("metrics"), warp::get(), h::metrics),
        Endpoint::OpenApi => to!(warp::path!("v1" / "openapi.json"), warp::get(), h::openapi),
        Endpoint::AdminSql => to!(
            warp::path!("v1" / "admin" / "sql"),
            warp::post(),
            h::admin_sql
        ),
        Endpoint::CreateTenant => to!(
            warp::path!("v1" / "admin" / "tenants"),
            warp::post(),
            h::create_tenant
        ),
        Endpoint::ListTenants => to!(
            warp::path!("v1" / "admin" / "tenants"),
            warp::get(),
            h::list_tenants
        ),
        Endpoint::ChangeTenant => to!(
            warp::path!("v1" / "admin" / "tenants" / i32),
            warp::patch(),
            h::change_tenant
        ),
        Endpoint::IssueKey => to!(
            warp::path!("v1" / "admin" / "tenants" / i32 / "keys"),
            warp::post(),
            h::issue_key
        ),
        Endpoint::ListKeys => to!(
            warp::path!("v1" / "admin" / "tenants" / i32 / "keys"),
            warp::get(),
            h::list_keys
        ),
        Endpoint::RevokeKey => to!(
            warp::path!("v1" / "admin" / "tenants" / i32 / "keys" / i32),
            warp::delete(),
            h::revoke_key
        ),
        Endpoint::CreateMedia => to!(warp::path!("v1" / "media"), warp::post(), h::create_media),
        Endpoint::ListMedia => to!(warp::path!("v1" / "media"), warp::get(), h::list_media),
        Endpoint::GetMedia => to!(warp::path!("v1" / "media" / i64), warp::get(), h::get_media),
        Endpoint::DeleteMedia => to!(
            warp::path!("v1" / "media" / i64),
            warp::delete(),
            h::delete_media
        ),
        Endpoint::CreateJob => to!(warp::path!("v1" / "jobs"), warp::post(), h::create_job),
        Endpoint::GetJob => to!(warp::path!("v1" / "jobs" / i64), warp::get(), h::get_job),
        Endpoint::CancelJob => to!(
            warp::path!("v1" / "jobs" / i64),
            warp::delete(),
            h::cancel_job
        ),
        Endpoint::Search => to!(warp::path!("v1" / "search"), warp::post(), h::search),
        Endpoint::TenantSql => to!(warp::path!("v1" / "sql"), warp::post(), h::tenant_sql),
        Endpoint::Stats => to!(warp::path!("v1" / "stats"), warp::get(), h::stats),
        Endpoint::ListJobs => to!(warp::path!("v1" / "jobs"), warp::get(), h::list_jobs),
        Endpoint::CreateSession => to!(
            warp::path!("v1" / "session"),
            warp::post(),
            console::create_session
        ),
        Endpoint::GetSession => to!(
            warp::path!("v1" / "session"),
            warp::get(),
            console::get_session
        ),
        Endpoint::DeleteSession => to!(
            warp::path!("v1" / "session"),
            warp::delete(),
            console::delete_session
        ),
        Endpoint::Files => console::files(state),
        Endpoint::IssueAnalyst => to!(
            warp::path!("v1" / "admin" / "tenants" / i32 / "analysts"),
            warp::post(),
            h::issue_analyst
        ),
        Endpoint::RevokeAnalyst => to!(
            warp::path!("v1" / "admin" / "tenants" / i32 / "analysts" / String),
            warp::delete(),
            h::revoke_analyst
        ),
    }
}

fn respond(result: Result<warp::reply::Response, Error>) -> warp::reply::Response {
    result.unwrap_or_else(|e| error_reply(&e))
}

/// All routes.
pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (impl Reply,), Error = std::convert::Infallible> + Clone {
    let mut all = console::assets();
    for endpoint in &Endpoint::ALL {
        all = all.or(route(*endpoint, &state)).unify().boxed();
    }
    all.recover(|rejection: Rejection| async move {
        if let Some(console::Refused(e)) = rejection.find() {
            return Ok::<_, std::convert::Infallible>(error_reply(e));
        }
        let (status, text) = if rejection.is_not_found() {
            (StatusCode::NOT_FOUND, "no such endpoint".to_owned())
        } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
            (
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed on this endpoint".to_owned(),
            )
        } else if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body too large".to_owned(),
            )
        } else {
            (
                StatusCode::BAD_REQUEST,
                format!("bad request: {rejection:?}"),
            )
        };
        Ok::<_, std::convert::Infallible>(message(status, &text))
    })
}

/// A query result as Arrow IPC (when asked for) or JSON rows, the JSON
/// written straight to bytes and, with a budget (analysts'), stopped past
/// its bytes.
fn output_reply(
    output: &QueryOutput,
    accept: Option<&str>,
    budget: Option<&crate::result_limits::Budget>,
) -> Result<warp::reply::Response, Error> {
    if accept.is_some_and(|a| a.contains(ARROW_STREAM)) {
        let bytes = output.to_arrow_stream()?;
        return Ok(warp::reply::with_header(bytes, "content-type", ARROW_STREAM).into_response());
    }
    let json = crate::result_limits::json_rows(output, budget)?;
    Ok(warp::reply::with_header(json, "content-type", "application/json").into_response())
}

/// The one place an [`Error`] becomes an HTTP status.
pub fn error_reply(error: &Error) -> warp::reply::Response {
    let status = match error {
        Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Conflict(_) => StatusCode::CONFLICT,
        Error::QuotaExceeded(_) => StatusCode::TOO_MANY_REQUESTS,
        Error::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        Error::Media(_) | Error::LimitExceeded(_) => StatusCode::UNPROCESSABLE_ENTITY,
        e if e.is_caller_fault() => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    message(status, &error.to_string())
}

fn message(status: StatusCode, text: &str) -> warp::reply::Response {
    warp::reply::with_status(
        warp::reply::json(&serde_json::json!({ "error": text })),
        status,
    )
    .into_response()
}

/// Compares a `Bearer` header with the token through their SHA-256 digests,
/// so the comparison's timing says nothing about the token.
fn token_matches(header: Option<&str>, token: &str) -> bool {
    use sha2::{Digest, Sha256};
    let Some(given) = header.and_then(|h| h.strip_prefix("Bearer ")) else {
        return false;
    };
    Sha256::digest(given.trim().as_bytes()) == Sha256::digest(token.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_openapi_document_is_openapi_3_and_its_references_resolve() {
        let doc: openapiv3::OpenAPI = serde_json::from_str(OPENAPI).unwrap();
        assert!(doc.openapi.starts_with("3.0"));
        let components = doc.components.as_ref().unwrap();
        // Every $ref names a schema that exists.
        for (at, _) in OPENAPI.match_indices("#/components/schemas/") {
            let rest = &OPENAPI[at + "#/components/schemas/".len()..];
            let name = &rest[..rest.find('"').unwrap()];
            assert!(components.schemas.contains_key(name), "{name}");
        }
        // Every operation says what it answers, and those that need a key
        // say which.
        for (path, item) in doc.paths.iter() {
            let item = item.as_item().unwrap();
            for (method, op) in item.iter() {
                assert!(!op.responses.responses.is_empty(), "{method} {path}");
                assert!(op.security.is_some(), "{method} {path} names no security");
            }
        }
    }

    #[test]
    fn the_openapi_document_lists_exactly_the_endpoints() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let mut documented: Vec<(String, String)> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .unwrap()
                    .keys()
                    .filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
                    .map(|m| (m.to_uppercase(), path.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut routed: Vec<(String, String)> = Endpoint::ALL
            .iter()
            .map(|e| {
                let (m, p) = e.method_path();
                (m.to_owned(), p.to_owned())
            })
            .collect();
        documented.sort();
        routed.sort();
        assert_eq!(documented, routed);
    }
}
