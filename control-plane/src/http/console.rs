//! The web console (`/console/`): its static files, compiled into the
//! binary; the session cookie it signs in with; and the media files it
//! shows (`/v1/files/...`: originals with HTTP range requests, previews),
//! each checked against the caller's tenant before a byte is read.

use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::http::{StatusCode, header};
use warp::path::Peek;
use warp::{Filter, Reply};

use super::reply::{Response, error_reply, json};
use super::request::{AppState, BodyStream as Body, COOKIE, Request, api_key, read_json, request};
use crate::error::Error;
use crate::store::{media, tenants};

/// How long a console session lasts, seconds.
const SESSION_SECONDS: u32 = 12 * 3600;

/// The console's files: (name, content type, body).
const ASSETS: [(&str, &str, &str); 3] = [
    (
        "index.html",
        "text/html; charset=utf-8",
        include_str!("../../console/index.html"),
    ),
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_str!("../../console/console.js"),
    ),
    (
        "console.css",
        "text/css; charset=utf-8",
        include_str!("../../console/console.css"),
    ),
];

/// `/`, `/console` and `/console/` serve the console's page (its links
/// are absolute); `/console/<asset>` serves the rest.
pub fn assets() -> BoxedFilter<(warp::reply::Response,)> {
    let index = warp::path::end()
        .or(warp::path!("console"))
        .unify()
        .and(warp::get())
        .map(|| asset("index.html"));
    let file = warp::path!("console" / String)
        .and(warp::get())
        .map(|name: String| asset(&name));
    index.or(file).unify().boxed()
}

fn asset(name: &str) -> warp::reply::Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, kind, body)) => {
            let mut reply =
                warp::reply::with_header(*body, header::CONTENT_TYPE, *kind).into_response();
            // Small and changed only by a new binary: revalidate each time.
            reply
                .headers_mut()
                .insert(header::CACHE_CONTROL, "no-cache".parse().expect("a header"));
            reply
        }
        None => error_reply(&Error::NotFound(format!("no console file {name:?}"))),
    }
}

fn cookie(value: &str, max_age: u32) -> String {
    format!("{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}")
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionRequest {
    key: String,
}

/// Signs the console in: the key is checked, then kept in the cookie.
pub(super) async fn create_session(state: Arc<AppState>, _: Request, body: Body) -> Response {
    let request: SessionRequest = read_json(body).await?;
    let key = request.key.trim();
    let tenant = tenants::authenticate(state.postgres.pool(), Some(key)).await?;
    let mut reply = json(&tenant, StatusCode::OK);
    reply.headers_mut().insert(
        header::SET_COOKIE,
        cookie(key, SESSION_SECONDS)
            .parse()
            .map_err(|_| Error::Unauthorized("that key cannot be kept in a cookie".into()))?,
    );
    Ok(reply)
}

/// Who the session (or the key) is.
pub(super) async fn get_session(state: Arc<AppState>, req: Request, _: Body) -> Response {
    let tenant = tenants::authenticate(state.postgres.pool(), api_key(&req)).await?;
    Ok(json(&tenant, StatusCode::OK))
}

/// Signs the console out: the cookie is cleared.
pub(super) async fn delete_session(_: Arc<AppState>, _: Request, _: Body) -> Response {
    let mut reply = warp::reply::with_status(warp::reply(), StatusCode::NO_CONTENT).into_response();
    reply.headers_mut().insert(
        header::SET_COOKIE,
        cookie("", 0).parse().expect("a plain header value"),
    );
    Ok(reply)
}

/// A file request refused before the file is looked at.
#[derive(Debug)]
pub(super) struct Refused(pub Error);

impl warp::reject::Reject for Refused {}

/// `<tenant>/<id>` (the original) or `<tenant>/<id>.previews/<file>`.
fn parse_file_path(path: &str) -> Option<(i32, i64)> {
    let (tenant, rest) = path.split_once('/')?;
    let (id, preview) = match rest.split_once(".previews/") {
        Some((id, file)) => (id, Some(file)),
        None => (rest, None),
    };
    let plain_name = |f: &str| {
        let (stem, ext) = f.rsplit_once('.').unwrap_or((f, ""));
        !stem.is_empty()
            && stem.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && matches!(ext, "jpg" | "svg" | "json")
    };
    if preview.is_some_and(|f| !plain_name(f)) {
        return None;
    }
    Some((tenant.parse().ok()?, id.parse().ok()?))
}

async fn authorize(state: &AppState, path: &str, req: &Request) -> Result<(), Error> {
    let tenant = tenants::authenticate(state.postgres.pool(), api_key(req)).await?;
    let not_found = || Error::NotFound(format!("no file {path}"));
    let (owner, id) = parse_file_path(path).ok_or_else(not_found)?;
    // Another tenant's files are "not found", the same as missing ones.
    if owner != tenant.id || !media::has_live_files(state.postgres.pool(), tenant.id, id).await? {
        return Err(not_found());
    }
    Ok(())
}

/// `GET /v1/files/<tenant>/<id>` and `.../<id>.previews/<file>`: served by
/// warp's file filter (ranges, `Last-Modified`, content types) once the
/// caller is known to own the item.
pub(super) fn files(state: &Arc<AppState>) -> BoxedFilter<(warp::reply::Response,)> {
    let s = Arc::clone(state);
    let root = state.config.data_dir.join("media");
    warp::get()
        .and(warp::path!("v1" / "files" / ..))
        .and(warp::path::peek())
        .and(request())
        .and_then(move |path: Peek, req: Request| {
            let s = Arc::clone(&s);
            async move {
                authorize(&s, path.as_str(), &req)
                    .await
                    .map_err(|e| warp::reject::custom(Refused(e)))
            }
        })
        .untuple_one()
        .and(warp::fs::dir(root))
        .map(|file: warp::fs::File| {
            let mut reply = file.into_response();
            // Private to the signed-in browser; an id's files do not change.
            reply.headers_mut().insert(
                header::CACHE_CONTROL,
                "private, max-age=86400".parse().expect("a header"),
            );
            reply
        })
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_paths_are_an_original_or_a_plain_preview_name() {
        assert_eq!(parse_file_path("7/42"), Some((7, 42)));
        assert_eq!(parse_file_path("7/42.previews/thumb.jpg"), Some((7, 42)));
        assert_eq!(parse_file_path("7/42.previews/f003.jpg"), Some((7, 42)));
        for bad in [
            "7",
            "x/42",
            "7/42.previews/../../8/1",
            "7/42.previews/a.sh",
            "7/42.previews/.jpg",
            "7/42/extra",
            "7/42.part",
        ] {
            assert_eq!(parse_file_path(bad), None, "{bad}");
        }
    }
}
