//! What every endpoint reads: the state the handlers share, the parts of
//! a request they look at (extracted once), its body (JSON only as
//! `application/json`), and the operators' token. Who else is calling, an
//! API key or the console's session, is `super::session`'s.

use std::sync::Arc;

use futures_util::StreamExt;
use warp::filters::BoxedFilter;
use warp::{Buf, Filter, Rejection};

use crate::clickhouse::Engine;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::store::PostgresStore;

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

/// The request parts handlers read, extracted once for every endpoint.
pub(super) struct Request {
    pub(super) method: warp::http::Method,
    pub(super) auth: Option<String>,
    pub(super) cookie: Option<String>,
    pub(super) accept: Option<String>,
    pub(super) content_type: Option<String>,
    /// Where the request was sent (`Host`), and where the page that sent it
    /// came from (`Origin`, `Sec-Fetch-Site`): see `super::guard::same_origin`.
    pub(super) host: Option<String>,
    pub(super) origin: Option<String>,
    pub(super) sec_fetch_site: Option<String>,
    /// `Idempotency-Key`: a retry with the same key gets the first answer.
    pub(super) idempotency_key: Option<String>,
    pub(super) query: String,
}

pub(super) fn request() -> impl Filter<Extract = (Request,), Error = Rejection> + Clone {
    let origin = warp::header::optional::<String>("host")
        .and(warp::header::optional::<String>("origin"))
        .and(warp::header::optional::<String>("sec-fetch-site"))
        .and(warp::header::optional::<String>("idempotency-key"));
    warp::method()
        .and(warp::header::optional::<String>("authorization"))
        .and(warp::header::optional::<String>("cookie"))
        .and(warp::header::optional::<String>("accept"))
        .and(warp::header::optional::<String>("content-type"))
        .and(origin)
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .map(
            |method,
             auth,
             cookie,
             accept,
             content_type,
             host,
             origin,
             sec_fetch_site,
             idempotency_key,
             query| {
                Request {
                    method,
                    auth,
                    cookie,
                    accept,
                    content_type,
                    host,
                    origin,
                    sec_fetch_site,
                    idempotency_key,
                    query,
                }
            },
        )
}

/// A request body: a stream of chunks, boxed so every route has one type.
pub(super) type BodyStream =
    Box<dyn warp::Stream<Item = Result<Box<dyn warp::Buf + Send>, warp::Error>> + Send + Unpin>;

fn boxed_stream<S, B>(stream: S) -> BodyStream
where
    S: warp::Stream<Item = Result<B, warp::Error>> + Send + Unpin + 'static,
    B: warp::Buf + Send + 'static,
{
    Box::new(stream.map(|chunk| chunk.map(|c| Box::new(c) as Box<dyn warp::Buf + Send>)))
}

pub(super) fn body() -> BoxedFilter<(BodyStream,)> {
    warp::body::stream().map(boxed_stream).boxed()
}

/// JSON bodies are at most this long.
const MAX_JSON: usize = 1 << 20;

/// A JSON body, at most `MAX_JSON` bytes, which must be sent as
/// `application/json` ([`json_content_type`]); an empty body is `{}`.
pub(super) async fn read_json<T: serde::de::DeserializeOwned>(
    req: &Request,
    mut body: BodyStream,
) -> Result<T> {
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        let mut chunk = chunk.map_err(|e| Error::BadRequest(format!("reading the body: {e}")))?;
        bytes.extend_from_slice(&chunk.copy_to_bytes(chunk.remaining()));
        if bytes.len() > MAX_JSON {
            return Err(Error::TooLarge(format!(
                "a JSON body is at most {MAX_JSON} bytes"
            )));
        }
    }
    let empty = bytes.iter().all(u8::is_ascii_whitespace);
    json_content_type(req, empty)?;
    if empty {
        bytes = b"{}".to_vec();
    }
    serde_json::from_slice(&bytes).map_err(|e| Error::BadRequest(format!("the JSON body: {e}")))
}

/// [`Error::UnsupportedMediaType`] unless a JSON body is declared as
/// `application/json`. A body-less request needs no type. A cross-origin
/// page can send `text/plain` without asking the service first, but not
/// `application/json` (see `super::guard`).
///
/// # Errors
/// As said.
fn json_content_type(req: &Request, body_is_empty: bool) -> Result<()> {
    let essence = req
        .content_type
        .as_deref()
        .map(|c| c.split(';').next().unwrap_or_default().trim());
    match essence {
        Some(c) if c.eq_ignore_ascii_case("application/json") => Ok(()),
        None if body_is_empty => Ok(()),
        other => Err(Error::UnsupportedMediaType(format!(
            "this endpoint takes a JSON body sent as Content-Type: application/json, not {}",
            other.map_or_else(|| "a body without a type".to_owned(), |c| format!("{c:?}"))
        ))),
    }
}

/// Compares a `Bearer` header with the token through their SHA-256 digests,
/// so the comparison's timing says nothing about the token.
pub(super) fn token_matches(header: Option<&str>, token: &str) -> bool {
    use sha2::{Digest, Sha256};
    let Some(given) = header.and_then(|h| h.strip_prefix("Bearer ")) else {
        return false;
    };
    Sha256::digest(given.trim().as_bytes()) == Sha256::digest(token.as_bytes())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use warp::http::Method;

    /// A request with these parts and no others.
    pub(in super::super) fn request(
        method: Method,
        host: &str,
        origin: Option<&str>,
        site: Option<&str>,
    ) -> Request {
        Request {
            method,
            auth: None,
            cookie: None,
            accept: None,
            content_type: None,
            host: Some(host.to_owned()),
            origin: origin.map(str::to_owned),
            sec_fetch_site: site.map(str::to_owned),
            idempotency_key: None,
            query: String::new(),
        }
    }

    #[test]
    fn json_is_taken_only_as_application_json() {
        let mut req = request(Method::POST, "h", None, None);
        assert!(json_content_type(&req, true).is_ok(), "no body, no type");
        assert!(
            json_content_type(&req, false).is_err(),
            "a body without a type"
        );
        req.content_type = Some("application/json; charset=utf-8".into());
        assert!(json_content_type(&req, false).is_ok());
        for other in ["text/plain", "application/x-www-form-urlencoded"] {
            req.content_type = Some(other.into());
            assert!(json_content_type(&req, false).is_err(), "{other}");
            assert!(json_content_type(&req, true).is_err(), "{other}, empty");
        }
    }
}
