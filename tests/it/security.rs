//! The HTTP front against a hostile browser page or client (issue 18,
//! items 9 and 10): the console's session cookie, requests forged from
//! another origin, security headers, slow headers, `/metrics`, input
//! Postgres cannot store, and the request quota for the console's files.
//! Each test is named after the defect it guards against.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use clickprint_tests::{Api, Service, admin_token, data_dir, ffmpeg, image_source, wait_until};
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::{Value, json};

/// A service without workers (nothing here needs media fingerprinted)
/// and an operator's client.
fn service(dir: &Path, env: &[(&str, &str)]) -> (Service, Api) {
    let mut all = vec![("CLICKPRINT_WORKERS", "0")];
    all.extend_from_slice(env);
    let service = Service::start_with(dir, &all);
    let admin = Api::new(&service.url, Some(&admin_token(dir)));
    (service, admin)
}

/// A new tenant and a key for it: (tenant id, key id, key).
fn tenant_key(admin: &Api, body: Value) -> (i64, i64, String) {
    let (status, tenant) = admin.post_json("/v1/admin/tenants", &body);
    assert_eq!(status, 201, "{tenant}");
    let id = tenant["id"].as_i64().expect("a tenant id");
    let (key_id, key) = new_key(admin, id);
    (id, key_id, key)
}

fn new_key(admin: &Api, tenant: i64) -> (i64, String) {
    let (status, key) = admin.post_json(&format!("/v1/admin/tenants/{tenant}/keys"), &json!({}));
    assert_eq!(status, 201, "{key}");
    (
        key["id"].as_i64().expect("a key id"),
        key["key"].as_str().expect("a key").to_owned(),
    )
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

/// Signs in as the console does (from its own page); the whole
/// `Set-Cookie` header and the `name=value` pair to send back.
fn sign_in(url: &str, key: &str) -> (String, String) {
    let response = client()
        .post(format!("{url}/v1/session"))
        .header("origin", url)
        .json(&json!({ "key": key }))
        .send()
        .expect("POST /v1/session");
    assert_eq!(response.status(), 200, "signing in");
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("a text header")
        .to_owned();
    let pair = set_cookie.split(';').next().unwrap_or_default().to_owned();
    (set_cookie, pair)
}

fn status(request: RequestBuilder) -> u16 {
    request.send().expect("a response").status().as_u16()
}

fn whoami(url: &str, cookie: &str) -> u16 {
    status(
        client()
            .get(format!("{url}/v1/session"))
            .header("cookie", cookie),
    )
}

#[test]
fn the_cookie_holds_no_api_key() {
    let dir = data_dir("cookie-holds-no-key");
    let (service, admin) = service(dir.path(), &[]);
    let url = &service.url;
    let (tenant, key_id, key) = tenant_key(&admin, json!({ "name": "acme" }));

    let (set_cookie, cookie) = sign_in(url, &key);
    let (name, value) = cookie.split_once('=').expect("name=value");
    let secret = key.rsplit('_').next().unwrap();
    assert!(
        !set_cookie.contains(&key) && !set_cookie.contains(secret) && !value.contains(&key[..16]),
        "the cookie carries the key {key}: {set_cookie}"
    );
    assert_eq!(name, "clickprint_session", "{set_cookie}");
    assert!(value.len() >= 64, "an id of 32 random bytes: {value:?}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(
            set_cookie.contains(attribute),
            "{attribute} in {set_cookie}"
        );
    }
    assert!(
        !set_cookie.contains("Secure"),
        "plain HTTP without behind_tls: {set_cookie}"
    );
    assert_eq!(whoami(url, &cookie), 200, "the session works");

    // Signing out ends the session on the server: the old cookie, kept by
    // whoever copied it, is useless.
    let signed_out = client()
        .delete(format!("{url}/v1/session"))
        .header("cookie", &cookie)
        .header("origin", url)
        .send()
        .unwrap();
    assert_eq!(signed_out.status(), 204);
    assert!(
        signed_out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(whoami(url, &cookie), 401, "a signed-out session");

    // Revoking the key ends the sessions it signed in.
    let (_, cookie) = sign_in(url, &key);
    let (status, body) = admin.delete(&format!("/v1/admin/tenants/{tenant}/keys/{key_id}"));
    assert_eq!(status, 204, "{body}");
    assert_eq!(whoami(url, &cookie), 401, "a session of a revoked key");

    // Disabling the tenant ends its sessions, for good.
    let (_, key) = new_key(&admin, tenant);
    let (_, cookie) = sign_in(url, &key);
    let path = format!("/v1/admin/tenants/{tenant}");
    assert_eq!(admin.patch_json(&path, &json!({ "disabled": true })).0, 200);
    assert_ne!(whoami(url, &cookie), 200, "a session of a disabled tenant");
    assert_eq!(
        admin.patch_json(&path, &json!({ "disabled": false })).0,
        200
    );
    assert_eq!(
        whoami(url, &cookie),
        401,
        "enabled again, the session stays ended"
    );
}

#[test]
fn a_cross_origin_post_is_refused() {
    let dir = data_dir("cross-origin-post");
    let (service, admin) = service(dir.path(), &[]);
    let url = &service.url;
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    let (_, _, key) = tenant_key(&admin, json!({ "name": "acme" }));
    let (_, cookie) = sign_in(url, &key);
    let media = format!("{url}/v1/media");
    let item = json!({ "url": "http://127.0.0.1:9/a.jpg" });
    let as_cookie = |request: RequestBuilder| request.header("cookie", &cookie);

    // A page on another port of the same host, or on another name for it,
    // is the same site: the browser sends the cookie. It is refused.
    let other_port = format!("http://127.0.0.1:{}", port.wrapping_add(1));
    let other_name = format!("http://localhost:{port}");
    for origin in [&other_port, &other_name, "null"] {
        let request = as_cookie(client().post(&media))
            .header("origin", origin)
            .json(&item);
        assert_eq!(status(request), 403, "POST from {origin}");
    }
    // Without Origin, Sec-Fetch-Site must say the page is the console's;
    // with neither, nothing says where the request comes from.
    for site in [Some("same-site"), Some("cross-site"), None] {
        let mut request = as_cookie(client().post(&media)).json(&item);
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        assert_eq!(status(request), 403, "POST with Sec-Fetch-Site {site:?}");
    }
    // An upload, a deletion, a sign-out and a sign-in from there too.
    // With half a megabyte of file the service refuses before the body has
    // arrived: the client must still get the 403 (hyper closed the
    // connection on the unread body and the client got a broken pipe).
    let form = reqwest::blocking::multipart::Form::new()
        .text("external_id", "x")
        .part(
            "file",
            reqwest::blocking::multipart::Part::bytes(vec![7u8; 512 << 10]).file_name("a.jpg"),
        );
    let upload = as_cookie(client().post(&media))
        .header("origin", &other_port)
        .multipart(form);
    assert_eq!(status(upload), 403, "multipart upload from {other_port}");
    let delete =
        as_cookie(client().delete(format!("{url}/v1/media/1"))).header("origin", &other_port);
    assert_eq!(status(delete), 403, "DELETE from {other_port}");
    let sign_out =
        as_cookie(client().delete(format!("{url}/v1/session"))).header("origin", &other_port);
    assert_eq!(status(sign_out), 403, "sign-out from {other_port}");
    let sign_in_there = client()
        .post(format!("{url}/v1/session"))
        .header("origin", &other_port)
        .json(&json!({ "key": key }));
    assert_eq!(status(sign_in_there), 403, "sign-in from {other_port}");

    // JSON sent as text/plain (which a page may send without asking) is
    // refused, whoever signs the request.
    let plain = |request: RequestBuilder| {
        request
            .header("content-type", "text/plain")
            .body(item.to_string())
    };
    let own = plain(as_cookie(client().post(&media)).header("origin", url));
    assert_eq!(status(own), 415, "text/plain from the console's own page");
    assert_eq!(
        status(plain(client().post(&media).bearer_auth(&key))),
        415,
        "text/plain with a key"
    );
    let sql = client()
        .post(format!("{url}/v1/sql"))
        .bearer_auth(&key)
        .header("content-type", "text/plain")
        .body(json!({ "query": "SELECT 1" }).to_string());
    assert_eq!(status(sql), 415, "text/plain SQL");

    // The console's own page, and a server-to-server client (a key, no
    // Origin), are served.
    let own = as_cookie(client().post(&media))
        .header("origin", url)
        .json(&item);
    assert_eq!(status(own), 202, "POST from the console's own origin");
    let fetch_metadata = as_cookie(client().post(&media))
        .header("sec-fetch-site", "same-origin")
        .json(&item);
    assert_eq!(status(fetch_metadata), 202, "Sec-Fetch-Site: same-origin");
    assert_eq!(
        status(client().post(&media).bearer_auth(&key).json(&item)),
        202
    );
    assert_eq!(whoami(url, &cookie), 200, "the session survived it all");
}

/// The headers every console page and file response must carry.
fn assert_security_headers(response: &Response, what: &str) {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().expect("a text header").to_owned())
            .unwrap_or_else(|| panic!("{what}: no {name} header in {:?}", response.headers()))
    };
    let csp = header("content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("x-frame-options"), "DENY", "{what}");
    assert_eq!(header("referrer-policy"), "no-referrer", "{what}");
}

#[test]
fn the_console_sends_no_security_headers_and_can_be_framed() {
    let dir = data_dir("console-security-headers");
    let (service, _) = service(dir.path(), &[]);
    for path in ["/", "/console/", "/console/console.js", "/v1/files/1/1"] {
        let response = client()
            .get(format!("{}{path}", service.url))
            .send()
            .unwrap();
        assert_security_headers(&response, path);
        if response.status() == 200 {
            let csp = response.headers()["content-security-policy"]
                .to_str()
                .unwrap();
            assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        }
    }
}

#[test]
fn thumbnails_count_against_the_request_quota() {
    let dir = data_dir("thumbnail-quota");
    let service = Service::start(dir.path());
    let admin = Api::new(&service.url, Some(&admin_token(dir.path())));
    let url = &service.url;
    let (tenant, _, key) = tenant_key(&admin, json!({ "name": "acme" }));
    let api = admin.with_token(&key);
    let picture = ffmpeg(
        &["-f", "lavfi", "-i", &image_source(3), "-frames:v", "1"],
        &dir.path().join("picture.png"),
    );
    let (status, item) = api.post_file("/v1/media", &picture, &[]);
    assert_eq!(status, 202, "{item}");
    let id = item["id"].as_i64().unwrap();
    let ready = wait_until(Duration::from_secs(240), || {
        api.get(&format!("/v1/media/{id}")).1["status"] == "ready"
    });
    assert!(
        ready,
        "the picture was not fingerprinted:\n{}",
        service.log()
    );

    // The console signs in; the tenant gets a small quota (used up already
    // by the polling above, this minute); the console shows a page of
    // thumbnails, each fetched more often than the quota allows.
    let (_, cookie) = sign_in(url, &key);
    let path = format!("/v1/admin/tenants/{tenant}");
    let (status, body) = admin.patch_json(&path, &json!({ "requests_per_minute": 3 }));
    assert_eq!(status, 200, "{body}");
    let thumb = format!("{url}/v1/files/{tenant}/{id}.previews/thumb.jpg");
    for i in 0..10 {
        let response = client()
            .get(&thumb)
            .header("cookie", &cookie)
            .send()
            .unwrap();
        assert_eq!(response.status(), 200, "thumbnail fetch {i}");
        assert_eq!(response.headers()["content-type"], "image/jpeg");
    }
    // A file opened on its own is inert.
    let response = client()
        .get(&thumb)
        .header("cookie", &cookie)
        .send()
        .unwrap();
    assert_security_headers(&response, "a thumbnail");
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.contains("sandbox"), "{csp}");
}

#[test]
fn slow_headers_are_cut_off() {
    let dir = data_dir("slow-headers");
    let (service, _) = service(dir.path(), &[("CLICKPRINT_HEADER_READ_TIMEOUT_SECS", "1")]);
    let address = service.url.trim_start_matches("http://").to_owned();
    // Half a request line, then nothing: the server hangs up.
    let mut stream = TcpStream::connect(&address).unwrap();
    stream.write_all(b"GET /healthz HT").unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    let closed = match stream.read(&mut buf) {
        Ok(0) => true,
        Ok(n) => panic!(
            "an answer to half a request: {}",
            String::from_utf8_lossy(&buf[..n])
        ),
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    };
    let waited = started.elapsed();
    assert!(
        closed && waited < Duration::from_secs(10),
        "the half-sent request was held for {waited:?}"
    );
    // A whole request is still served.
    assert_eq!(service.get_json("/healthz").0, 200);
}

#[test]
fn metrics_need_the_admin_token() {
    let dir = data_dir("metrics-credentials");
    // A free port for the separate metrics address.
    let metrics_at = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let (service, admin) = service(dir.path(), &[("CLICKPRINT_METRICS_LISTEN", &metrics_at)]);
    let (_, _, key) = tenant_key(&admin, json!({ "name": "acme" }));
    let metrics = format!("{}/metrics", service.url);
    assert_eq!(status(client().get(&metrics)), 401, "no credentials");
    assert_eq!(
        status(client().get(&metrics).bearer_auth(&key)),
        401,
        "a tenant's key"
    );
    let (_, cookie) = sign_in(&service.url, &key);
    assert_eq!(
        status(client().get(&metrics).header("cookie", &cookie)),
        401,
        "a console session"
    );
    let text = client()
        .get(&metrics)
        .bearer_auth(admin_token(dir.path()))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(text.contains("clickprint_queue_depth"), "{text}");
    // The separate address serves them to a scraper without credentials,
    // and nothing else.
    let scraped = client()
        .get(format!("http://{metrics_at}/metrics"))
        .send()
        .unwrap();
    assert_eq!(scraped.status(), 200);
    assert!(scraped.text().unwrap().contains("clickprint_queue_depth"));
    let other = client()
        .get(format!("http://{metrics_at}/v1/session"))
        .bearer_auth(&key);
    assert_eq!(status(other), 404);
}

#[test]
fn nul_bytes_and_negative_quotas_give_500_with_postgres_text() {
    let dir = data_dir("nul-and-quotas");
    let (_service, admin) = service(dir.path(), &[]);
    let (tenant, _, key) = tenant_key(&admin, json!({ "name": "acme" }));
    let api = admin.with_token(&key);
    let refused = |(status, body): (u16, Value), expected: u16, field: &str| {
        assert_eq!(status, expected, "{field}: {body}");
        let error = body["error"].as_str().unwrap_or_default();
        assert!(error.contains(field), "the error names {field}: {body}");
        assert!(!error.contains("postgres"), "Postgres' own words: {body}");
    };

    let nul = "a\u{0}b";
    refused(
        admin.post_json(
            &format!("/v1/admin/tenants/{tenant}/keys"),
            &json!({ "name": nul }),
        ),
        400,
        "name",
    );
    refused(
        api.post_json(
            "/v1/media",
            &json!({ "url": "http://127.0.0.1:9/a.jpg", "external_id": nul }),
        ),
        400,
        "external_id",
    );
    refused(
        api.post_json(
            "/v1/media",
            &json!({ "url": "http://127.0.0.1:9/a.jpg", "metadata": { "k": nul } }),
        ),
        400,
        "metadata",
    );
    refused(
        api.post_json(
            "/v1/media",
            &json!({ "url": "http://127.0.0.1:9/a.jpg", "metadata": { nul: 1 } }),
        ),
        400,
        "metadata",
    );

    let path = format!("/v1/admin/tenants/{tenant}");
    refused(
        admin.patch_json(&path, &json!({ "max_assets": -1 })),
        422,
        "max_assets",
    );
    for n in [-5, 0] {
        refused(
            admin.patch_json(&path, &json!({ "requests_per_minute": n })),
            422,
            "requests_per_minute",
        );
    }
    refused(
        admin.post_json(
            "/v1/admin/tenants",
            &json!({ "name": "other", "requests_per_minute": -1 }),
        ),
        422,
        "requests_per_minute",
    );
    // A quota of no assets at all is a quota.
    let (status, body) = admin.patch_json(&path, &json!({ "max_assets": 0 }));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["max_assets"], 0);
    // null_removes_a_quota: it was read as "no change", so a quota once
    // set could never be lifted. A field left out still changes nothing.
    let (status, body) = admin.patch_json(&path, &json!({ "max_assets": null }));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["max_assets"], serde_json::Value::Null, "{body}");
    let (_, body) = admin.patch_json(&path, &json!({ "max_bytes": 5 }));
    let (status, body2) = admin.patch_json(&path, &json!({ "disabled": false }));
    assert_eq!(status, 200, "{body2}");
    assert_eq!(
        (&body["max_bytes"], &body2["max_bytes"]),
        (&json!(5), &json!(5))
    );
}
