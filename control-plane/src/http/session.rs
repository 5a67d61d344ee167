//! Who a request is: a tenant's API key (`Authorization: Bearer`), or the
//! web console's session cookie; and the console's sign-in and sign-out
//! (`/v1/session`).
//!
//! The cookie holds an opaque random session id, never the key: Postgres
//! keeps only the id's SHA-256 ([`crate::store::sessions`]), bound to the
//! tenant and the key it signed in with. A session ends when it
//! expires, when the console signs out, when its key is revoked or its
//! tenant disabled. Requests it authenticates pass [`guard::same_origin`]
//! before anything else.

use std::sync::Arc;

use warp::http::{StatusCode, header};

use super::guard;
use super::reply::{Response, json, no_content};
use super::request::{AppState, BodyStream as Body, Request, read_json};
use crate::error::{Error, Result};
use crate::store::sessions;
use crate::store::tenants::{self, Tenant};

/// The session cookie: `HttpOnly` (no script reads it), `SameSite=Strict`,
/// `Secure` behind TLS.
const COOKIE: &str = "clickprint_session";

/// How long a console session lasts, seconds.
const SESSION_SECONDS: u32 = 12 * 3600;

/// Whether a request counts against the tenant's `requests_per_minute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Quota {
    /// An API request: counted.
    Count,
    /// A file the console shows (thumbnails, previews, players): not
    /// counted when a console session asks, so a page of thumbnails does
    /// not use up a tenant's quota; counted when an API key asks.
    FreeForSessions,
}

/// What a request authenticates with.
enum Credential<'a> {
    Key(&'a str),
    Session(&'a str),
    Nothing,
}

fn credential(req: &Request) -> Credential<'_> {
    if let Some(key) = req.auth.as_deref().and_then(|h| h.strip_prefix("Bearer ")) {
        return Credential::Key(key);
    }
    let session = req.cookie.as_deref().and_then(|cookies| {
        cookies.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE && !value.is_empty()).then_some(value)
        })
    });
    session.map_or(Credential::Nothing, Credential::Session)
}

/// The tenant a request acts for.
///
/// # Errors
/// [`Error::Unauthorized`] without a valid key or live session;
/// [`Error::Forbidden`] for a disabled tenant or a cross-origin request
/// signed in by the cookie; [`Error::QuotaExceeded`] past the request quota.
pub(super) async fn tenant(state: &AppState, req: &Request, quota: Quota) -> Result<Tenant> {
    let pool = state.postgres.pool();
    match credential(req) {
        Credential::Key(key) => tenants::authenticate(pool, Some(key)).await,
        Credential::Nothing => tenants::authenticate(pool, None).await,
        Credential::Session(id) => {
            guard::same_origin(req, state.config.behind_tls)?;
            let tenant_id = sessions::tenant(pool, id).await?.ok_or_else(|| {
                Error::Unauthorized("the console session ended; sign in again".into())
            })?;
            let tenant = tenants::find(pool, &tenant_id.to_string()).await?;
            tenants::require_enabled(&tenant)?;
            if quota == Quota::Count {
                let client = pool.get().await?;
                tenants::count_request(&client, &tenant).await?;
            }
            Ok(tenant)
        }
    }
}

fn cookie(behind_tls: bool, value: &str, max_age: u32) -> Result<header::HeaderValue> {
    let secure = if behind_tls { "; Secure" } else { "" };
    format!("{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}")
        .parse()
        .map_err(|_| Error::BadRequest("a session id that is not a header value".into()))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionRequest {
    key: String,
}

/// Signs the console in: the key is checked, and a new session, bound to
/// it and its tenant, is kept in the cookie. The sign-in page is the
/// service's own, so a sign-in from elsewhere is refused too (it would sign
/// the browser into someone else's tenant).
pub(super) async fn create_session(state: Arc<AppState>, req: Request, body: Body) -> Response {
    guard::same_origin(&req, state.config.behind_tls)?;
    let request: SessionRequest = read_json(&req, body).await?;
    let key = request.key.trim();
    let tenant = tenants::authenticate(state.postgres.pool(), Some(key)).await?;
    let id = crate::random_hex(32)?;
    if !sessions::start(state.postgres.pool(), &id, key, tenant.id, SESSION_SECONDS).await? {
        return Err(Error::Unauthorized("that key was revoked just now".into()));
    }
    let mut reply = json(&tenant, StatusCode::OK);
    reply.headers_mut().insert(
        header::SET_COOKIE,
        cookie(state.config.behind_tls, &id, SESSION_SECONDS)?,
    );
    Ok(reply)
}

/// Who the session (or the key) is.
pub(super) async fn get_session(state: Arc<AppState>, req: Request, _: Body) -> Response {
    let tenant = tenant(&state, &req, Quota::Count).await?;
    Ok(json(&tenant, StatusCode::OK))
}

/// Signs the console out: the session ends on the server, and the cookie
/// is cleared.
pub(super) async fn delete_session(state: Arc<AppState>, req: Request, _: Body) -> Response {
    if let Credential::Session(id) = credential(&req) {
        guard::same_origin(&req, state.config.behind_tls)?;
        sessions::end(state.postgres.pool(), id).await?;
    }
    let mut reply = no_content();
    reply
        .headers_mut()
        .insert(header::SET_COOKIE, cookie(state.config.behind_tls, "", 0)?);
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_secure_behind_tls() {
        let plain = cookie(false, "abc", 60).unwrap();
        assert_eq!(
            plain,
            "clickprint_session=abc; HttpOnly; SameSite=Strict; Path=/; Max-Age=60"
        );
        let secure = cookie(true, "abc", 60).unwrap();
        assert!(secure.to_str().unwrap().ends_with("; Secure"), "{secure:?}");
    }
}
