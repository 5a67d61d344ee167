//! The warp HTTP API. Routes are built here; errors become HTTP statuses in
//! exactly one place, [`error_reply`].

use std::sync::Arc;

use serde::Deserialize;
use warp::http::StatusCode;
use warp::hyper::body::Bytes;
use warp::{Filter, Rejection, Reply};

use crate::engine::{Engine, QueryOutput};
use crate::error::Error;
use crate::health::Health;
use crate::store::PostgresStore;

/// The media type of an Arrow IPC stream.
pub const ARROW_STREAM: &str = "application/vnd.apache.arrow.stream";

/// What the HTTP handlers share.
#[derive(Debug)]
pub struct AppState {
    /// ClickHouse.
    pub engine: Engine,
    /// Postgres.
    pub postgres: PostgresStore,
    /// The local admin token (see [`crate::datadir`]).
    pub admin_token: String,
}

/// A statement for `POST /v1/admin/sql`.
#[derive(Debug, Deserialize)]
struct SqlRequest {
    query: String,
}

/// All routes.
pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (impl Reply,), Error = std::convert::Infallible> + Clone {
    let with_state = warp::any().map(move || Arc::clone(&state));

    let healthz = warp::path!("healthz")
        .and(warp::get())
        .and(with_state.clone())
        .then(|state: Arc<AppState>| async move {
            let health = Health::check(&state.engine, &state.postgres).await;
            let status = if health.is_ok() {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            warp::reply::with_status(warp::reply::json(&health), status).into_response()
        });

    let admin_sql =
        warp::path!("v1" / "admin" / "sql")
            .and(warp::post())
            .and(with_state)
            .and(warp::header::optional::<String>("authorization"))
            .and(warp::header::optional::<String>("accept"))
            .and(warp::body::content_length_limit(1024 * 1024))
            .and(warp::body::bytes())
            .then(
                |state: Arc<AppState>,
                 auth: Option<String>,
                 accept: Option<String>,
                 body: Bytes| async move {
                    if !token_matches(auth.as_deref(), &state.admin_token) {
                        return message(StatusCode::UNAUTHORIZED, "missing or wrong admin token");
                    }
                    let request: SqlRequest = match serde_json::from_slice(&body) {
                        Ok(r) => r,
                        Err(e) => {
                            return error_reply(&Error::BadRequest(format!("body: {e}")));
                        }
                    };
                    match state.engine.query(&request.query).await {
                        Ok(output) => output_reply(&output, accept.as_deref()),
                        Err(e) => error_reply(&e),
                    }
                },
            );

    healthz
        .or(admin_sql)
        .unify()
        .recover(|rejection: Rejection| async move {
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

/// A query result as Arrow IPC (when asked for) or JSON rows.
fn output_reply(output: &QueryOutput, accept: Option<&str>) -> warp::reply::Response {
    if accept.is_some_and(|a| a.contains(ARROW_STREAM)) {
        return match output.to_arrow_stream() {
            Ok(bytes) => {
                warp::reply::with_header(bytes, "content-type", ARROW_STREAM).into_response()
            }
            Err(e) => error_reply(&e),
        };
    }
    match output.to_json_rows() {
        Ok(rows) => warp::reply::json(&serde_json::json!({ "rows": rows })).into_response(),
        Err(e) => error_reply(&e),
    }
}

/// The one place an [`Error`] becomes an HTTP status.
pub fn error_reply(error: &Error) -> warp::reply::Response {
    let status = if error.is_caller_fault() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
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
