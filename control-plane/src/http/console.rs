//! The web console (`/console/`): its static files, compiled into the
//! binary (it signs in with [`super::session`]); and the media files it
//! shows (`/v1/files/...`: originals with HTTP range requests, previews),
//! each checked against the caller's tenant before a byte is read.

use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::http::header;
use warp::path::Peek;
use warp::{Filter, Reply};

use super::guard;
use super::reply::error_reply;
use super::request::{AppState, Request, request};
use super::session::{self, Quota};
use crate::error::Error;
use crate::store::media;

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

/// The content type of a preview named `name`, `None` unless it is a
/// plain preview file name (letters, digits and `_`, then `.jpg`, `.svg`
/// or `.json`): no path, no dot file.
pub(super) fn preview_content_type(name: &str) -> Option<&'static str> {
    let (stem, ext) = name.rsplit_once('.')?;
    if stem.is_empty() || !stem.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    match ext {
        "jpg" => Some("image/jpeg"),
        "svg" => Some("image/svg+xml"),
        "json" => Some("application/json"),
        _ => None,
    }
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
    if preview.is_some_and(|f| preview_content_type(f).is_none()) {
        return None;
    }
    Some((tenant.parse().ok()?, id.parse().ok()?))
}

async fn authorize(state: &AppState, path: &str, req: &Request) -> Result<(), Error> {
    let tenant = session::tenant(state, req, Quota::FreeForSessions).await?;
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
            // Opened on its own, a file is inert.
            reply.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                header::HeaderValue::from_static(guard::FILE_CSP),
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
