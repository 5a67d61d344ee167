//! The warp HTTP API. Every endpoint is a variant of [`Endpoint`]; the
//! router is built from [`Endpoint::ALL`], so the list, the router and the
//! OpenAPI document (`openapi.json`, checked against the list by a test)
//! cannot drift apart. Errors become HTTP statuses in one place
//! (`reply::error_reply`).
//!
//! Inside, from the bottom up: `request` (the shared state, the request's
//! parts and JSON body, the operators' token) and `reply` (answers and
//! errors); `input` (checks on request values) and [`upload`] (multipart
//! bodies); `guard` (the same-origin check and the security headers);
//! `session` (who is calling: an API key or the console's session, and
//! signing the console in and out); `handlers` (one function per endpoint)
//! and `console` (the web console's files); this module, the router over
//! them. [`server`] serves the router, with a header read timeout.
//! [`clickhouse_interface`] is ClickHouse's own HTTP interface, served on
//! a listener of its own.

pub mod clickhouse_interface;
mod console;
mod guard;
mod handlers;
mod input;
mod reply;
mod request;
pub mod server;
mod session;
pub mod upload;

pub use request::AppState;

use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use reply::{error_reply, message};
use request::{body, request};

use crate::error::Error;

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
    /// `POST /v1/search/batch`
    SearchBatch,
    /// `GET /v1/media/{id}/previews/{name}`
    MediaPreview,
    /// `GET /v1/media/{id}/previews`
    MediaPreviews,
    /// `POST /v1/media/{id}/subtitles`
    AddSubtitles,
    /// `DELETE /v1/media/{id}/subtitles`
    RemoveSubtitles,
    /// `POST /v1/matches/decisions`
    Decide,
    /// `GET /v1/matches/decisions`
    ListDecisions,
    /// `DELETE /v1/matches/decisions/{id}`
    RevokeDecision,
    /// `POST /v1/exclusions`
    Exclude,
    /// `GET /v1/exclusions`
    ListExclusions,
    /// `DELETE /v1/exclusions/{media_id}`
    RevokeExclusion,
    /// `POST /v1/webhooks`
    CreateWebhook,
    /// `GET /v1/webhooks`
    ListWebhooks,
    /// `DELETE /v1/webhooks/{id}`
    DeleteWebhook,
    /// `GET /v1/webhooks/{id}/deliveries`
    ListDeliveries,
    /// `POST /v1/webhooks/{id}/test`
    TestWebhook,
}

impl Endpoint {
    /// Every endpoint, in the order the router tries them.
    pub const ALL: [Endpoint; 43] = [
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
        Endpoint::SearchBatch,
        Endpoint::MediaPreview,
        Endpoint::MediaPreviews,
        Endpoint::AddSubtitles,
        Endpoint::RemoveSubtitles,
        Endpoint::Decide,
        Endpoint::ListDecisions,
        Endpoint::RevokeDecision,
        Endpoint::Exclude,
        Endpoint::ListExclusions,
        Endpoint::RevokeExclusion,
        Endpoint::CreateWebhook,
        Endpoint::ListWebhooks,
        Endpoint::DeleteWebhook,
        Endpoint::ListDeliveries,
        Endpoint::TestWebhook,
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
            Endpoint::SearchBatch => ("POST", "/v1/search/batch"),
            Endpoint::MediaPreview => ("GET", "/v1/media/{id}/previews/{name}"),
            Endpoint::MediaPreviews => ("GET", "/v1/media/{id}/previews"),
            Endpoint::AddSubtitles => ("POST", "/v1/media/{id}/subtitles"),
            Endpoint::RemoveSubtitles => ("DELETE", "/v1/media/{id}/subtitles"),
            Endpoint::Decide => ("POST", "/v1/matches/decisions"),
            Endpoint::ListDecisions => ("GET", "/v1/matches/decisions"),
            Endpoint::RevokeDecision => ("DELETE", "/v1/matches/decisions/{id}"),
            Endpoint::Exclude => ("POST", "/v1/exclusions"),
            Endpoint::ListExclusions => ("GET", "/v1/exclusions"),
            Endpoint::RevokeExclusion => ("DELETE", "/v1/exclusions/{media_id}"),
            Endpoint::CreateWebhook => ("POST", "/v1/webhooks"),
            Endpoint::ListWebhooks => ("GET", "/v1/webhooks"),
            Endpoint::DeleteWebhook => ("DELETE", "/v1/webhooks/{id}"),
            Endpoint::ListDeliveries => ("GET", "/v1/webhooks/{id}/deliveries"),
            Endpoint::TestWebhook => ("POST", "/v1/webhooks/{id}/test"),
        }
    }
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
            session::create_session
        ),
        Endpoint::GetSession => to!(
            warp::path!("v1" / "session"),
            warp::get(),
            session::get_session
        ),
        Endpoint::DeleteSession => to!(
            warp::path!("v1" / "session"),
            warp::delete(),
            session::delete_session
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
        Endpoint::SearchBatch => to!(
            warp::path!("v1" / "search" / "batch"),
            warp::post(),
            h::search_batch
        ),
        Endpoint::AddSubtitles => to!(
            warp::path!("v1" / "media" / i64 / "subtitles"),
            warp::post(),
            h::add_subtitles
        ),
        Endpoint::RemoveSubtitles => to!(
            warp::path!("v1" / "media" / i64 / "subtitles"),
            warp::delete(),
            h::remove_subtitles
        ),
        Endpoint::MediaPreviews => to!(
            warp::path!("v1" / "media" / i64 / "previews"),
            warp::get(),
            h::media_previews
        ),
        Endpoint::MediaPreview => to!(
            warp::path!("v1" / "media" / i64 / "previews" / String),
            warp::get(),
            h::media_preview
        ),
        Endpoint::Decide => to!(
            warp::path!("v1" / "matches" / "decisions"),
            warp::post(),
            h::decide
        ),
        Endpoint::ListDecisions => to!(
            warp::path!("v1" / "matches" / "decisions"),
            warp::get(),
            h::list_decisions
        ),
        Endpoint::RevokeDecision => to!(
            warp::path!("v1" / "matches" / "decisions" / i64),
            warp::delete(),
            h::revoke_decision
        ),
        Endpoint::Exclude => to!(warp::path!("v1" / "exclusions"), warp::post(), h::exclude),
        Endpoint::ListExclusions => to!(
            warp::path!("v1" / "exclusions"),
            warp::get(),
            h::list_exclusions
        ),
        Endpoint::RevokeExclusion => to!(
            warp::path!("v1" / "exclusions" / i64),
            warp::delete(),
            h::revoke_exclusion
        ),
        Endpoint::CreateWebhook => to!(
            warp::path!("v1" / "webhooks"),
            warp::post(),
            h::create_webhook
        ),
        Endpoint::ListWebhooks => to!(
            warp::path!("v1" / "webhooks"),
            warp::get(),
            h::list_webhooks
        ),
        Endpoint::DeleteWebhook => to!(
            warp::path!("v1" / "webhooks" / i64),
            warp::delete(),
            h::delete_webhook
        ),
        Endpoint::ListDeliveries => to!(
            warp::path!("v1" / "webhooks" / i64 / "deliveries"),
            warp::get(),
            h::list_deliveries
        ),
        Endpoint::TestWebhook => to!(
            warp::path!("v1" / "webhooks" / i64 / "test"),
            warp::post(),
            h::test_webhook
        ),
    }
}

fn respond(result: Result<warp::reply::Response, Error>) -> warp::reply::Response {
    result.unwrap_or_else(|e| error_reply(&e))
}

/// All routes, each response with the security headers.
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
    .unify()
    .map(guard::security_headers)
}

/// `GET /metrics` alone, without credentials, for the `metrics_listen`
/// address.
pub fn metrics_routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (impl Reply,), Error = std::convert::Infallible> + Clone {
    warp::path!("metrics")
        .and(warp::get())
        .then(move || handlers::metrics_text(Arc::clone(&state)))
        .recover(|_: Rejection| async {
            Ok::<_, std::convert::Infallible>(message(
                StatusCode::NOT_FOUND,
                "only /metrics is served here",
            ))
        })
        .unify()
}

#[cfg(test)]
mod tests {
    use super::handlers::OPENAPI;
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

    /// Issue 20: generated clients need an operationId and a tag on each
    /// operation, and the statuses every caller of a kind can get.
    #[test]
    fn every_operation_is_named_tagged_and_lists_the_common_statuses() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).unwrap();
        let tags: Vec<&str> = doc["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        let resolve = |response: &serde_json::Value| match response["$ref"].as_str() {
            Some(at) => {
                let name = at.trim_start_matches("#/components/responses/");
                doc["components"]["responses"][name].clone()
            }
            None => response.clone(),
        };
        let mut names = std::collections::BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let at = format!("{method} {path}");
                let name = op["operationId"].as_str().unwrap_or_else(|| panic!("{at}"));
                assert!(names.insert(name.to_owned()), "{at}: {name} twice");
                let tag = op["tags"][0].as_str().unwrap_or_else(|| panic!("{at}"));
                assert!(tags.contains(&tag), "{at}: tag {tag} not declared");
                let responses = &op["responses"];
                let schemes: Vec<&str> = op["security"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|s| s.as_object().unwrap().keys().map(String::as_str))
                    .collect();
                let mut needed = Vec::new();
                if schemes.contains(&"apiKey") {
                    needed.extend(["401", "403", "429"]);
                    let retry = resolve(&responses["429"]);
                    assert!(retry["headers"]["Retry-After"].is_object(), "{at}");
                }
                if schemes.contains(&"adminToken") {
                    needed.push("401");
                }
                let json_body = op["requestBody"]["content"]["application/json"].is_object();
                if json_body {
                    needed.extend(["400", "413", "415"]);
                }
                for status in needed {
                    assert!(
                        resolve(&responses[status])["description"].is_string(),
                        "{at} does not document {status}"
                    );
                }
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
