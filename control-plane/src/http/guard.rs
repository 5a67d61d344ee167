//! What keeps another site's page from acting as a signed-in console user,
//! and the headers that keep the console's pages from being framed or
//! sniffed.
//!
//! `SameSite=Strict` alone does not stop a page on another port of the same
//! host, or on a sibling subdomain: browsers count both as the same site and
//! send the cookie. So every state-changing request the session cookie
//! authenticates must come from the service's own origin (its `Origin`, or
//! failing that its `Sec-Fetch-Site`), and JSON endpoints take JSON only as
//! `application/json` (a cross-origin page can send `text/plain` without
//! asking, but not `application/json`). Requests with a Bearer key are not
//! origin-checked: browsers never add that header themselves, and
//! server-to-server clients send no `Origin`.

use warp::http::{HeaderValue, Method, header};

use super::request::Request;
use crate::error::{Error, Result};

/// The console's policy: its own scripts, styles and pictures only; no
/// inline script or style; never in a frame.
const CONSOLE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self'; media-src 'self'; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A media file opened on its own is inert: no script, no subresource,
/// sandboxed, never framed.
pub(super) const FILE_CSP: &str = "default-src 'none'; sandbox; frame-ancestors 'none'";

/// [`Error::Forbidden`] when a state-changing request does not come from
/// the service's own origin: `scheme://Host` (`https` when `behind_tls`).
/// A request without `Origin` passes only with `Sec-Fetch-Site:
/// same-origin`; one with neither is refused (every browser that keeps
/// cookies sends one of them).
///
/// # Errors
/// As said.
pub(super) fn same_origin(req: &Request, behind_tls: bool) -> Result<()> {
    if matches!(req.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let refused = |why: String| {
        Err(Error::Forbidden(format!(
            "a request signed in by the console's cookie must come from the console's own origin: {why}"
        )))
    };
    if let Some(origin) = req.origin.as_deref() {
        let scheme = if behind_tls { "https" } else { "http" };
        let Some(host) = req.host.as_deref() else {
            return refused("the request names no Host".into());
        };
        return match (
            url::Url::parse(origin),
            url::Url::parse(&format!("{scheme}://{host}")),
        ) {
            (Ok(from), Ok(to))
                if from.scheme() == to.scheme()
                    && from.host() == to.host()
                    && from.port_or_known_default() == to.port_or_known_default() =>
            {
                Ok(())
            }
            _ => refused(format!("it came from {origin:?}, not {scheme}://{host}")),
        };
    }
    match req.sec_fetch_site.as_deref() {
        Some("same-origin") => Ok(()),
        Some(site) => refused(format!("Sec-Fetch-Site is {site:?}")),
        None => refused("it says neither Origin nor Sec-Fetch-Site".into()),
    }
}

/// Adds the security headers a response lacks: a content security policy
/// (the console's; file responses set their own stricter one first),
/// `nosniff`, no referrer, no framing.
pub(super) fn security_headers(mut reply: warp::reply::Response) -> warp::reply::Response {
    let headers = reply.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONSOLE_CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::request::tests::request;

    #[test]
    fn only_the_services_own_origin_may_change_state() {
        let host = "127.0.0.1:7420";
        let ok = |origin, site| same_origin(&request(Method::POST, host, origin, site), false);
        assert!(ok(Some("http://127.0.0.1:7420"), None).is_ok());
        assert!(ok(None, Some("same-origin")).is_ok());
        for (origin, site) in [
            (Some("http://127.0.0.1:8080"), Some("same-site")),
            (Some("https://127.0.0.1:7420"), None),
            (Some("http://127.0.0.1"), None),
            (Some("null"), None),
            (None, Some("same-site")),
            (None, Some("cross-site")),
            (None, None),
        ] {
            assert!(ok(origin, site).is_err(), "{origin:?} {site:?}");
        }
        // A sibling subdomain is another origin.
        let sibling = request(
            Method::DELETE,
            "console.example.com",
            Some("https://evil.example.com"),
            None,
        );
        assert!(same_origin(&sibling, true).is_err());
        let own = request(
            Method::DELETE,
            "console.example.com",
            Some("https://console.example.com"),
            None,
        );
        assert!(same_origin(&own, true).is_ok());
        assert!(same_origin(&own, false).is_err(), "http is not https");
        // Reading changes nothing.
        assert!(same_origin(&request(Method::GET, host, Some("http://x"), None), false).is_ok());
    }
}
