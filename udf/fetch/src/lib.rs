//! Fetching media by URL under the limits hostile input needs.
//!
//! Used by the UDF executables (a query or ingest naming an `http(s)://`
//! URL) and by the control plane's ingest workers, so both refuse the same
//! things with the same words:
//!
//! - only `http` and `https`, on the first request and on every redirect;
//! - at most [`Policy::max_redirects`] redirects;
//! - at most [`Policy::max_bytes`] of body: a larger `Content-Length` is
//!   refused before reading, and a body without one is cut off when it passes
//!   the limit;
//! - one deadline for the whole fetch, connection and body included, so a
//!   server that drips a byte at a time is stopped too;
//! - addresses that are not public (loopback, private ranges, link-local
//!   such as cloud metadata at 169.254.169.254, carrier-grade NAT,
//!   unique-local IPv6, IPv4 inside IPv6) are refused unless
//!   [`Policy::allow_private`] is set. The check runs on the addresses the
//!   name resolves to and the connection goes to the checked addresses
//!   only, so a name that answers differently the second time (DNS
//!   rebinding) gains nothing. Proxies from the environment are not used:
//!   they would take the connection out of that check.
//!
//! [`post`] sends under the same rules (the control plane's webhooks: a
//! tenant names the URL, so it is as hostile as a media URL), and follows
//! no redirect: a receiver is where it was registered.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{Url, redirect};
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// What a fetch may cost and where it may go.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Largest body accepted, bytes.
    pub max_bytes: u64,
    /// Wall-clock time for the whole fetch.
    pub timeout: Duration,
    /// Redirects followed at most.
    pub max_redirects: usize,
    /// Whether loopback, private and link-local addresses may be fetched.
    pub allow_private: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_bytes: 2 << 30,
            timeout: Duration::from_secs(300),
            max_redirects: 5,
            allow_private: false,
        }
    }
}

/// The environment variables [`Policy::from_env`] reads.
pub const ENV_MAX_BYTES: &str = "CLICKPRINT_FETCH_MAX_BYTES";
/// See [`ENV_MAX_BYTES`].
pub const ENV_TIMEOUT_SECS: &str = "CLICKPRINT_FETCH_TIMEOUT_SECS";
/// See [`ENV_MAX_BYTES`].
pub const ENV_MAX_REDIRECTS: &str = "CLICKPRINT_FETCH_MAX_REDIRECTS";
/// See [`ENV_MAX_BYTES`].
pub const ENV_ALLOW_PRIVATE: &str = "CLICKPRINT_FETCH_ALLOW_PRIVATE";

impl Policy {
    /// The default policy with any of `CLICKPRINT_FETCH_MAX_BYTES`,
    /// `CLICKPRINT_FETCH_TIMEOUT_SECS`, `CLICKPRINT_FETCH_MAX_REDIRECTS` and
    /// `CLICKPRINT_FETCH_ALLOW_PRIVATE` (`true`/`false`) applied. The UDF
    /// executables read their policy this way: ClickHouse starts them with
    /// its own environment.
    ///
    /// # Errors
    /// A variable that is set but does not parse, named in the message.
    pub fn from_env() -> Result<Policy, Error> {
        Policy::from_vars(|name| std::env::var(name).ok())
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Policy, Error> {
        fn parse<T: std::str::FromStr>(
            name: &str,
            value: Option<String>,
        ) -> Result<Option<T>, Error> {
            value
                .map(|v| {
                    v.trim()
                        .parse()
                        .map_err(|_| Error::Config(format!("{name}={v:?} is not a valid value")))
                })
                .transpose()
        }
        let mut policy = Policy::default();
        if let Some(v) = parse(ENV_MAX_BYTES, var(ENV_MAX_BYTES))? {
            policy.max_bytes = v;
        }
        if let Some(v) = parse(ENV_TIMEOUT_SECS, var(ENV_TIMEOUT_SECS))? {
            policy.timeout = Duration::from_secs(v);
        }
        if let Some(v) = parse(ENV_MAX_REDIRECTS, var(ENV_MAX_REDIRECTS))? {
            policy.max_redirects = v;
        }
        if let Some(v) = parse(ENV_ALLOW_PRIVATE, var(ENV_ALLOW_PRIVATE))? {
            policy.allow_private = v;
        }
        Ok(policy)
    }
}

/// Why a fetch was refused or failed. The messages are meant for the user
/// who gave the URL.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Not a URL at all.
    #[error("not a valid URL: {0}")]
    Url(String),
    /// A scheme other than http or https (first request or redirect).
    #[error("scheme `{0}` is not fetched; use http or https")]
    Scheme(String),
    /// The host is, or resolves only to, a non-public address.
    #[error(
        "{host} is a {what} address ({addr}); fetching it is refused \
         (set CLICKPRINT_FETCH_ALLOW_PRIVATE=true to allow private addresses)"
    )]
    Private {
        /// The host named in the URL.
        host: String,
        /// One refused address.
        addr: IpAddr,
        /// Which kind of address it is.
        what: &'static str,
    },
    /// More redirects than the policy allows.
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    /// Larger than the policy allows.
    #[error("larger than the {limit}-byte limit")]
    TooLarge {
        /// The policy's limit.
        limit: u64,
    },
    /// The deadline passed.
    #[error("no complete answer within {0:?}")]
    Timeout(Duration),
    /// The server answered with an error status.
    #[error("the server answered {status}")]
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// No connection, a broken transfer, a TLS failure, a name that does
    /// not resolve.
    #[error("{0}")]
    Transfer(String),
    /// Writing what was fetched.
    #[error("writing the download: {0}")]
    Io(#[from] std::io::Error),
    /// A policy setting that does not parse.
    #[error("{0}")]
    Config(String),
}

/// What a finished fetch got.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Body bytes written.
    pub bytes: u64,
    /// The `Content-Type` the server gave, if any.
    pub content_type: Option<String>,
    /// The URL the body came from, after redirects.
    pub final_url: String,
}

/// A URL error with the URL in front, for messages such as
/// `fetching https://x/y: the server answered 404`.
#[derive(Debug)]
pub struct Failed {
    /// The URL as given.
    pub url: String,
    /// Why.
    pub error: Error,
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fetching {}: {}", self.url, self.error)
    }
}

impl std::error::Error for Failed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Whether a string names something [`fetch`] reads (an `http://` or
/// `https://` URL, any case).
#[must_use]
pub fn is_url(reference: &str) -> bool {
    let lower = reference
        .trim_start()
        .get(..8)
        .unwrap_or("")
        .to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Fetches `url` into `sink` under `policy`.
///
/// # Errors
/// Every refusal and failure in [`Error`]; `sink` may hold a partial body
/// then.
pub async fn fetch(
    url: &str,
    policy: &Policy,
    sink: &mut (impl AsyncWrite + Unpin),
) -> Result<Fetched, Error> {
    match tokio::time::timeout(policy.timeout, fetch_inner(url, policy, sink)).await {
        Ok(result) => result,
        Err(_) => Err(Error::Timeout(policy.timeout)),
    }
}

/// [`fetch`] into a file, on a runtime of its own: for callers without
/// one (the UDF executables).
///
/// # Errors
/// As [`fetch`], and creating the file.
pub fn fetch_to_file(url: &str, policy: &Policy, path: &Path) -> Result<Fetched, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut file = tokio::fs::File::create(path).await?;
        let fetched = fetch(url, policy, &mut file).await?;
        file.sync_all().await?;
        Ok(fetched)
    })
}

async fn fetch_inner(
    url: &str,
    policy: &Policy,
    sink: &mut (impl AsyncWrite + Unpin),
) -> Result<Fetched, Error> {
    let parsed = Url::parse(url.trim()).map_err(|e| Error::Url(format!("{url:?}: {e}")))?;
    check_url(&parsed, policy.allow_private)?;
    let refused = Refused::default();
    let client = client(policy, &refused, true)?;
    let mut response = client
        .get(parsed)
        .send()
        .await
        .map_err(|e| refused.take().unwrap_or_else(|| transfer(&e, policy)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(Error::Status {
            status: status.as_u16(),
        });
    }
    if response
        .content_length()
        .is_some_and(|n| n > policy.max_bytes)
    {
        return Err(Error::TooLarge {
            limit: policy.max_bytes,
        });
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let final_url = response.url().to_string();
    let mut bytes = 0u64;
    while let Some(chunk) = response.chunk().await.map_err(|e| transfer(&e, policy))? {
        bytes += chunk.len() as u64;
        if bytes > policy.max_bytes {
            return Err(Error::TooLarge {
                limit: policy.max_bytes,
            });
        }
        sink.write_all(&chunk).await?;
    }
    sink.flush().await?;
    Ok(Fetched {
        bytes,
        content_type,
        final_url,
    })
}

/// What a receiver answered a [`post`].
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status, whatever it is (a redirect too: it is not followed).
    pub status: u16,
    /// The start of the answer's body, at most `max_bytes` of it, as text.
    pub body: String,
}

/// Posts `body` to `url` under `policy` with `headers`: the same refusals
/// as [`fetch`] (schemes, non-public addresses unless allowed, one
/// deadline for connection, request and answer), no redirect followed,
/// and at most [`Policy::max_bytes`] of the answer read (the rest is not
/// waited for).
///
/// # Errors
/// Every refusal and failure of [`Error`] but [`Error::Status`]: any
/// status is an [`Answer`].
pub async fn post(
    url: &str,
    policy: &Policy,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Result<Answer, Error> {
    let exchange = async {
        let parsed = Url::parse(url.trim()).map_err(|e| Error::Url(format!("{url:?}: {e}")))?;
        check_url(&parsed, policy.allow_private)?;
        let refused = Refused::default();
        let client = client(policy, &refused, false)?;
        let mut request = client.post(parsed).body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| refused.take().unwrap_or_else(|| transfer(&e, policy)))?;
        let status = response.status().as_u16();
        let mut start = Vec::new();
        let limit = usize::try_from(policy.max_bytes).unwrap_or(usize::MAX);
        while start.len() < limit {
            match response.chunk().await.map_err(|e| transfer(&e, policy))? {
                Some(chunk) => start.extend_from_slice(&chunk),
                None => break,
            }
        }
        start.truncate(limit);
        Ok(Answer {
            status,
            body: String::from_utf8_lossy(&start).into_owned(),
        })
    };
    match tokio::time::timeout(policy.timeout, exchange).await {
        Ok(result) => result,
        Err(_) => Err(Error::Timeout(policy.timeout)),
    }
}

fn client(policy: &Policy, refused: &Refused, follow: bool) -> Result<reqwest::Client, Error> {
    let allow_private = policy.allow_private;
    let max_redirects = policy.max_redirects;
    let redirects = if follow {
        redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max_redirects {
                return attempt.error(Error::TooManyRedirects(max_redirects));
            }
            match check_url(attempt.url(), allow_private) {
                Ok(()) => attempt.follow(),
                Err(e) => attempt.error(e),
            }
        })
    } else {
        redirect::Policy::none()
    };
    reqwest::Client::builder()
        .no_proxy()
        .redirect(redirects)
        .dns_resolver(Arc::new(PublicOnly {
            allow_private,
            refused: refused.clone(),
        }))
        .timeout(policy.timeout)
        .connect_timeout(policy.timeout.min(Duration::from_secs(30)))
        .user_agent(concat!("clickprint/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Transfer(format!("building the HTTP client: {e}")))
}

/// The scheme and, for an address literal, the address of a URL.
fn check_url(url: &Url, allow_private: bool) -> Result<(), Error> {
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(Error::Scheme(other.to_owned())),
    }
    let addr = match url.host() {
        None => return Err(Error::Url(format!("{url}: no host"))),
        Some(url::Host::Domain(_)) => return Ok(()),
        Some(url::Host::Ipv4(a)) => IpAddr::V4(a),
        Some(url::Host::Ipv6(a)) => IpAddr::V6(a),
    };
    match (allow_private, non_public(addr)) {
        (false, Some(what)) => Err(Error::Private {
            host: url.host_str().unwrap_or_default().to_owned(),
            addr,
            what,
        }),
        _ => Ok(()),
    }
}

/// Resolves names and keeps only the addresses the policy allows; the
/// connection is made to those, so what was checked is what is reached.
#[derive(Debug)]
struct PublicOnly {
    allow_private: bool,
    refused: Refused,
}

/// A refusal by the resolver, kept aside: reqwest hands resolver errors
/// back wrapped in layers that hide their type.
#[derive(Debug, Clone, Default)]
struct Refused(Arc<Mutex<Option<Error>>>);

impl Refused {
    fn set(&self, error: Error) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(error);
        }
    }

    fn take(&self) -> Option<Error> {
        self.0.lock().ok()?.take()
    }
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let refused_slot = self.refused.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| Box::new(Error::Transfer(format!("resolving {host}: {e}"))))?
                .collect();
            let refused = found
                .iter()
                .find_map(|a| non_public(a.ip()).map(|what| (a.ip(), what)));
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow_private || non_public(a.ip()).is_none())
                .collect();
            match (allowed.is_empty(), refused) {
                (true, Some((addr, what))) => {
                    let message = format!("{host} is not a public address");
                    refused_slot.set(Error::Private { host, addr, what });
                    Err(message.into())
                }
                (true, None) => {
                    Err(Box::new(Error::Transfer(format!("{host} has no address"))).into())
                }
                (false, _) => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}

/// Our own error inside reqwest's, or reqwest's in plain words.
fn transfer(e: &reqwest::Error, policy: &Policy) -> Error {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(ours) = s.downcast_ref::<Error>() {
            return match ours {
                Error::Scheme(s) => Error::Scheme(s.clone()),
                Error::TooManyRedirects(n) => Error::TooManyRedirects(*n),
                other => Error::Transfer(other.to_string()),
            };
        }
        source = s.source();
    }
    if e.is_timeout() {
        return Error::Timeout(policy.timeout);
    }
    // reqwest's own message is terse ("error sending request for url");
    // the innermost cause says what happened (refused, reset, TLS).
    let mut words = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        words = c.to_string();
        cause = c.source();
    }
    Error::Transfer(words)
}

/// What kind of non-public address `addr` is, or `None` for a public one.
#[must_use]
pub fn non_public(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(a) => non_public_v4(a),
        IpAddr::V6(a) => non_public_v6(a),
    }
}

fn non_public_v4(a: Ipv4Addr) -> Option<&'static str> {
    let [b0, b1, ..] = a.octets();
    if a.is_loopback() {
        Some("loopback")
    } else if a.is_private() {
        Some("private")
    } else if a.is_link_local() {
        Some("link-local")
    } else if b0 == 100 && (64..128).contains(&b1) {
        Some("carrier-grade NAT")
    } else if b0 == 0 || a.is_unspecified() {
        Some("unspecified")
    } else if a.is_broadcast()
        || a.is_multicast()
        || b0 >= 240
        || a.is_documentation()
        || (b0 == 198 && (b1 == 18 || b1 == 19))
    {
        Some("reserved")
    } else {
        None
    }
}

fn non_public_v6(a: Ipv6Addr) -> Option<&'static str> {
    let s = a.segments();
    if a.is_loopback() {
        Some("loopback")
    } else if a.is_unspecified() {
        Some("unspecified")
    } else if let Some(v4) = a.to_ipv4_mapped() {
        non_public_v4(v4).or(Some("IPv4-mapped"))
    } else if s[0] & 0xfe00 == 0xfc00 {
        Some("unique-local")
    } else if s[0] & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if s[0] & 0xffc0 == 0xfec0 {
        // Deprecated (RFC 3879) but still routed inside some networks.
        Some("site-local")
    } else if s[0] & 0xff00 == 0xff00 {
        Some("multicast")
    } else if s[0] == 0x64 && s[1] == 0xff9b {
        Some("NAT64")
    } else if s[..6] == [0; 6] {
        Some("IPv4-compatible")
    } else if s[0] == 0x2002 || s[0] == 0x2001 && s[1] == 0 {
        Some("tunnel")
    } else if s[0] == 0x2001 && s[1] == 0xdb8 {
        Some("documentation")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_classified() {
        for (addr, what) in [
            ("127.0.0.1", Some("loopback")),
            ("10.1.2.3", Some("private")),
            ("172.16.0.1", Some("private")),
            ("192.168.1.1", Some("private")),
            ("169.254.169.254", Some("link-local")),
            ("100.64.0.1", Some("carrier-grade NAT")),
            ("0.0.0.0", Some("unspecified")),
            ("255.255.255.255", Some("reserved")),
            ("::1", Some("loopback")),
            ("fd00::1", Some("unique-local")),
            ("fe80::1", Some("link-local")),
            ("fec0::1", Some("site-local")),
            ("::ffff:10.0.0.1", Some("private")),
            ("::ffff:8.8.8.8", Some("IPv4-mapped")),
            ("64:ff9b::a00:1", Some("NAT64")),
            ("8.8.8.8", None),
            ("1.1.1.1", None),
            ("172.32.0.1", None),
            ("2606:4700::1111", None),
        ] {
            let ip: IpAddr = addr.parse().unwrap();
            assert_eq!(non_public(ip), what, "{addr}");
        }
    }

    #[test]
    fn urls_are_checked_before_any_connection() {
        let check = |u: &str, allow| check_url(&Url::parse(u).unwrap(), allow);
        assert!(matches!(check("ftp://example.com/x", true), Err(Error::Scheme(s)) if s == "ftp"));
        assert!(matches!(
            check("file:///etc/passwd", true),
            Err(Error::Scheme(_))
        ));
        assert!(matches!(
            check("http://169.254.169.254/latest/meta-data", false),
            Err(Error::Private {
                what: "link-local",
                ..
            })
        ));
        assert!(matches!(
            check("http://[::1]:8080/", false),
            Err(Error::Private { .. })
        ));
        assert!(check("http://127.0.0.1/", true).is_ok());
        assert!(check("https://example.com/a.jpg", false).is_ok());
    }

    #[test]
    fn policy_reads_the_environment() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let p = Policy::from_vars(vars(&[
            (ENV_MAX_BYTES, "1000"),
            (ENV_TIMEOUT_SECS, "7"),
            (ENV_MAX_REDIRECTS, "0"),
            (ENV_ALLOW_PRIVATE, "true"),
        ]))
        .unwrap();
        assert_eq!(p.max_bytes, 1000);
        assert_eq!(p.timeout, Duration::from_secs(7));
        assert_eq!(p.max_redirects, 0);
        assert!(p.allow_private);
        let e = Policy::from_vars(vars(&[(ENV_ALLOW_PRIVATE, "yes please")])).unwrap_err();
        assert!(e.to_string().contains(ENV_ALLOW_PRIVATE), "{e}");
        assert!(!Policy::from_vars(vars(&[])).unwrap().allow_private);
    }

    #[test]
    fn only_http_urls_are_urls() {
        assert!(is_url("http://a/b"));
        assert!(is_url("HTTPS://a/b"));
        assert!(!is_url("file:///a"));
        assert!(!is_url("/tmp/http://x"));
        assert!(!is_url("fp:00"));
    }
}
