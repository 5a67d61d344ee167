//! What every endpoint reads: the state the handlers share, the parts of
//! a request they look at (extracted once), its body, and who is calling
//! (an API key from the header or the console's session cookie, the
//! operators' token).

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
    pub(super) auth: Option<String>,
    pub(super) cookie: Option<String>,
    pub(super) accept: Option<String>,
    pub(super) content_type: Option<String>,
    pub(super) query: String,
}

pub(super) fn request() -> impl Filter<Extract = (Request,), Error = Rejection> + Clone {
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

/// A JSON body, at most `MAX_JSON` bytes; an empty body is `{}`.
pub(super) async fn read_json<T: serde::de::DeserializeOwned>(mut body: BodyStream) -> Result<T> {
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
    if bytes.iter().all(u8::is_ascii_whitespace) {
        bytes = b"{}".to_vec();
    }
    serde_json::from_slice(&bytes).map_err(|e| Error::BadRequest(format!("the JSON body: {e}")))
}

/// The cookie the console's session keeps the API key in: `HttpOnly` (no
/// script reads it), `SameSite=Strict` (no other site's page sends it).
pub(super) const COOKIE: &str = "clickprint_key";

/// The API key a request carries: `Authorization: Bearer`, else the
/// console's session cookie.
pub(super) fn api_key(req: &Request) -> Option<&str> {
    if let Some(bearer) = req.auth.as_deref().and_then(|h| h.strip_prefix("Bearer ")) {
        return Some(bearer);
    }
    req.cookie.as_deref()?.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE).then_some(value)
    })
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
