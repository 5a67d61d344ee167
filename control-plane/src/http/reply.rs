//! How answers are written: JSON, a query result as Arrow IPC or JSON
//! rows, and errors, which become HTTP statuses in one place,
//! [`error_reply`].

use clickprint_core::error_code::ErrorCode;
use warp::Reply;
use warp::http::StatusCode;

use crate::clickhouse::result_limits::{self, Budget};
use crate::clickhouse::{ARROW_STREAM, QueryOutput};
use crate::error::Error;

/// What a handler answers: a response, or the error that becomes one.
pub(super) type Response = Result<warp::reply::Response, Error>;

/// `value` as JSON with `status`.
pub(super) fn json(value: &impl serde::Serialize, status: StatusCode) -> warp::reply::Response {
    warp::reply::with_status(warp::reply::json(value), status).into_response()
}

/// An empty answer, `204 No Content`.
pub(super) fn no_content() -> warp::reply::Response {
    warp::reply::with_status(warp::reply(), StatusCode::NO_CONTENT).into_response()
}

/// A query result as Arrow IPC (when asked for) or JSON rows, the JSON
/// written straight to bytes and, with a budget (analysts'), stopped past
/// its bytes.
pub(super) fn output_reply(
    output: &QueryOutput,
    accept: Option<&str>,
    budget: Option<&Budget>,
) -> Result<warp::reply::Response, Error> {
    if accept.is_some_and(|a| a.contains(ARROW_STREAM)) {
        let bytes = output.to_arrow_stream()?;
        return Ok(warp::reply::with_header(bytes, "content-type", ARROW_STREAM).into_response());
    }
    let json = result_limits::json_rows(output, budget)?;
    Ok(warp::reply::with_header(json, "content-type", "application/json").into_response())
}

/// The one place an [`Error`] becomes an HTTP status.
pub(super) fn status_of(error: &Error) -> StatusCode {
    match error {
        Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Conflict(_) => StatusCode::CONFLICT,
        Error::QuotaExceeded(_) | Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Error::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::Media(_) | Error::LimitExceeded(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::Executable {
            code: ErrorCode::Transient,
            ..
        } => StatusCode::SERVICE_UNAVAILABLE,
        e if e.is_caller_fault() => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An [`Error`] as its answer: `{"error": words}` with its status (and
/// `Retry-After` for a request quota).
pub(super) fn error_reply(error: &Error) -> warp::reply::Response {
    let mut reply = message(status_of(error), &error.to_string());
    if let Error::RateLimited {
        retry_after_secs, ..
    } = error
    {
        reply.headers_mut().insert(
            "retry-after",
            warp::http::HeaderValue::from(*retry_after_secs),
        );
    }
    reply
}

pub(super) fn message(status: StatusCode, text: &str) -> warp::reply::Response {
    warp::reply::with_status(
        warp::reply::json(&serde_json::json!({ "error": text })),
        status,
    )
    .into_response()
}
