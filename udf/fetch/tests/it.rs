//! Fetches against a small HTTP server on loopback that misbehaves on
//! request: redirect chains, oversized and endless bodies, slow drips,
//! error statuses.

use std::time::Duration;

use clickprint_fetch::{Error, Policy, fetch, fetch_to_file, non_public, post};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Serves each connection on its own task until the test ends. Paths:
/// `/ok/N` N bytes; `/redirect/N` a chain of N redirects ending at
/// `/ok/5`; `/to-ftp` a redirect to ftp; `/huge` a declared 1 GB body;
/// `/endless` a body without length that never ends; `/drip` one byte a
/// second; `/missing` 404.
async fn server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(answer(stream));
        }
    });
    format!("http://{addr}")
}

async fn answer(mut stream: TcpStream) {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&request);
    let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let _ = match segments.as_slice() {
        ["ok", n] => {
            let n: usize = n.parse().unwrap_or(0);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {n}\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await.ok();
            stream.write_all(&vec![7u8; n]).await
        }
        ["redirect", n] => {
            let n: usize = n.parse().unwrap_or(0);
            let next = if n == 0 {
                "/ok/5".to_owned()
            } else {
                format!("/redirect/{}", n - 1)
            };
            let head = format!(
                "HTTP/1.1 302 Found\r\nLocation: {next}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await
        }
        ["to-ftp"] => {
            stream
                .write_all(b"HTTP/1.1 302 Found\r\nLocation: ftp://example.com/x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .await
        }
        ["huge"] => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\nConnection: close\r\n\r\n")
                .await
        }
        ["endless"] => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
                .await
                .ok();
            let chunk = vec![1u8; 64 << 10];
            // Bounded: stops on its own after 64 MiB even if nobody hangs up.
            for _ in 0..1024 {
                if stream.write_all(&chunk).await.is_err() {
                    break;
                }
            }
            Ok(())
        }
        ["drip"] => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n")
                .await
                .ok();
            for _ in 0..100 {
                tokio::time::sleep(Duration::from_millis(500)).await;
                if stream.write_all(b"x").await.is_err() {
                    break;
                }
            }
            Ok(())
        }
        _ => {
            stream
                .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .await
        }
    };
}

fn loopback_allowed() -> Policy {
    Policy {
        allow_private: true,
        ..Policy::default()
    }
}

async fn get(url: &str, policy: &Policy) -> Result<Vec<u8>, Error> {
    let mut body = Vec::new();
    fetch(url, policy, &mut body).await.map(|_| body)
}

#[tokio::test]
async fn a_body_arrives_whole_with_its_type() {
    let base = server().await;
    let mut body = Vec::new();
    let fetched = fetch(&format!("{base}/ok/100000"), &loopback_allowed(), &mut body)
        .await
        .unwrap();
    assert_eq!(fetched.bytes, 100_000);
    assert_eq!(body.len(), 100_000);
    assert_eq!(fetched.content_type.as_deref(), Some("image/png"));
}

#[tokio::test]
async fn redirects_are_followed_up_to_the_limit() {
    let base = server().await;
    let policy = Policy {
        max_redirects: 3,
        ..loopback_allowed()
    };
    let mut body = Vec::new();
    let fetched = fetch(&format!("{base}/redirect/2"), &policy, &mut body)
        .await
        .unwrap();
    assert_eq!(body, vec![7u8; 5]);
    assert!(
        fetched.final_url.ends_with("/ok/5"),
        "{}",
        fetched.final_url
    );
    // /redirect/3 is four hops to the body: one too many.
    let e = get(&format!("{base}/redirect/3"), &policy)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::TooManyRedirects(3)), "{e}");
    assert_eq!(e.to_string(), "more than 3 redirects");
}

#[tokio::test]
async fn a_redirect_to_another_scheme_is_refused() {
    let base = server().await;
    let e = get(&format!("{base}/to-ftp"), &loopback_allowed())
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Scheme(s) if s == "ftp"), "{e}");
}

#[tokio::test]
async fn loopback_is_refused_by_default_by_address_and_by_name() {
    let base = server().await;
    let port = base.rsplit(':').next().unwrap();
    let e = get(&format!("{base}/ok/5"), &Policy::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Private {
                what: "loopback",
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string().contains("CLICKPRINT_FETCH_ALLOW_PRIVATE"),
        "{e}"
    );
    // A name is checked on what it resolves to.
    let e = get(&format!("http://localhost:{port}/ok/5"), &Policy::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Private { host, .. } if host == "localhost"),
        "{e}"
    );
}

/// Issue 18: the deprecated site-local block `fec0::/10` was classed as
/// public, so a URL at such an address was fetched.
#[tokio::test]
async fn fec0_site_local_is_not_classed_as_public() {
    for addr in ["fec0::1", "feff:ffff::1"] {
        let ip: std::net::IpAddr = addr.parse().unwrap();
        assert_eq!(non_public(ip), Some("site-local"), "{addr}");
    }
    let e = get("http://[fec0::1]/x", &Policy::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Private {
                what: "site-local",
                ..
            }
        ),
        "{e}"
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused_declared_or_not() {
    let base = server().await;
    let policy = Policy {
        max_bytes: 1 << 20,
        ..loopback_allowed()
    };
    let e = get(&format!("{base}/huge"), &policy).await.unwrap_err();
    assert!(
        matches!(e, Error::TooLarge { limit } if limit == 1 << 20),
        "{e}"
    );
    let mut body = Vec::new();
    let e = fetch(&format!("{base}/endless"), &policy, &mut body)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::TooLarge { .. }), "{e}");
    assert!(
        body.len() <= 1 << 20,
        "kept {} bytes past the limit",
        body.len()
    );
}

/// A webhook's POST: a redirect is an answer (the receiver is where it was
/// registered), loopback is refused unless allowed, and the deadline
/// holds as for a fetch.
#[tokio::test]
async fn a_post_follows_no_redirect_and_keeps_the_address_policy_and_deadline() {
    let base = server().await;
    let json = [("content-type", "application/json".to_owned())];
    let moved = post(
        &format!("{base}/redirect/1"),
        &loopback_allowed(),
        &json,
        b"{}".to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(moved.status, 302);
    let ok = post(
        &format!("{base}/ok/3"),
        &loopback_allowed(),
        &json,
        b"{}".to_vec(),
    )
    .await
    .unwrap();
    assert_eq!((ok.status, ok.body.len()), (200, 3));
    let e = post(
        &format!("{base}/ok/3"),
        &Policy::default(),
        &json,
        b"{}".to_vec(),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, Error::Private { .. }), "{e}");
    let policy = Policy {
        timeout: Duration::from_secs(2),
        ..loopback_allowed()
    };
    let e = post(&format!("{base}/drip"), &policy, &json, b"{}".to_vec())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Timeout(_)), "{e}");
}

#[tokio::test]
async fn a_slow_server_meets_the_deadline() {
    let base = server().await;
    let policy = Policy {
        timeout: Duration::from_secs(2),
        ..loopback_allowed()
    };
    let started = std::time::Instant::now();
    let e = get(&format!("{base}/drip"), &policy).await.unwrap_err();
    assert!(matches!(e, Error::Timeout(_)), "{e}");
    // The deadline is the whole fetch, not each read: it ends near 2 s,
    // well before the 50 s the drip would take.
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[tokio::test]
async fn errors_say_what_happened() {
    let base = server().await;
    let e = get(&format!("{base}/missing"), &loopback_allowed())
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "the server answered 404");
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let e = get(&format!("http://127.0.0.1:{port}/x"), &loopback_allowed())
        .await
        .unwrap_err();
    assert!(e.to_string().to_lowercase().contains("refused"), "{e}");
    let e = get("not a url", &loopback_allowed()).await.unwrap_err();
    assert!(matches!(e, Error::Url(_)), "{e}");
}

#[test]
fn fetch_to_file_runs_without_a_runtime() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let base = runtime.block_on(server());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("media");
    let fetched = fetch_to_file(&format!("{base}/ok/4096"), &loopback_allowed(), &path).unwrap();
    assert_eq!(fetched.bytes, 4096);
    assert_eq!(std::fs::read(&path).unwrap(), vec![7u8; 4096]);
}
