//! Webhooks as a tenant's receiver sees them: a receiver on loopback (a
//! thread in the test, allowed by `webhook_allow_private`) gets signed
//! deliveries of `job.finished`, `media.failed`, `media.matched` and tests,
//! is retried after a 500, never holds a sender past its deadline, and
//! tenants never see each other's webhooks or deliveries.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use clickprint_tests::{
    Api, Service, admin_token, data_dir, file_server, picture_and_crop, wait_until,
};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// What the receiver does with a request.
#[derive(Debug, Clone, Copy)]
enum Reply {
    /// Answers this status.
    Status(u16),
    /// Reads the request, then answers nothing for a minute.
    Hang,
}

/// A request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    /// `Clickprint-Signature`.
    signature: String,
    /// The body, as bytes on the wire.
    body: Vec<u8>,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// A webhook receiver on loopback: answers each request with the next of
/// `script` (the last one again when it runs out), and keeps what it got.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start(script: Vec<Reply>) -> Receiver {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let got = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&got);
        std::thread::spawn(move || {
            let mut n = 0;
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let reply = script[n.min(script.len() - 1)];
                n += 1;
                let kept = Arc::clone(&kept);
                std::thread::spawn(move || {
                    let Some(request) = read_request(&mut stream) else {
                        return;
                    };
                    kept.lock().expect("the receiver's log").push(request);
                    match reply {
                        Reply::Status(status) => {
                            let _ = write!(
                                stream,
                                "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                            );
                        }
                        Reply::Hang => std::thread::sleep(Duration::from_secs(60)),
                    }
                });
            }
        });
        Receiver { url, got }
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().expect("the receiver's log").clone()
    }

    /// Waits until a request whose body's `type` is `event` arrives.
    fn wait_for(&self, event: &str) -> Received {
        let mut found = None;
        let arrived = wait_until(Duration::from_secs(240), || {
            found = self.got().into_iter().find(|r| r.json()["type"] == event);
            found.is_some()
        });
        assert!(arrived, "no {event} among {:?}", self.got());
        found.expect("found")
    }
}

/// A request's `Clickprint-Signature` and body, `None` if the client left.
fn read_request(stream: &mut std::net::TcpStream) -> Option<Received> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| v.trim().to_owned())
            })
            .unwrap_or_default()
    };
    let length: usize = header("content-length").parse().unwrap_or(0);
    while data.len() < head_end + length {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    Some(Received {
        signature: header("clickprint-signature"),
        body: data[head_end..head_end + length].to_vec(),
    })
}

/// Checks a delivery's signature as a receiver does: HMAC-SHA256 of
/// `t + "." + body` under the secret, and `t` no older than five minutes.
fn verify(secret: &str, received: &Received) {
    let parts: Vec<(&str, &str)> = received
        .signature
        .split(',')
        .filter_map(|p| p.split_once('='))
        .collect();
    let field = |k: &str| parts.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
    let t = field("t").unwrap_or_else(|| panic!("no t in {:?}", received.signature));
    let v1 = field("v1").unwrap_or_else(|| panic!("no v1 in {:?}", received.signature));
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(&received.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v1, expected, "the signature does not verify");
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let t: u64 = t.parse().expect("t is a number");
    assert!(now.abs_diff(t) < 300, "t={t} is not now ({now})");
}

/// Checks a delivery with the README's Python snippet, as written: what a
/// receiver copies must verify what the service sends.
fn verify_with_readme(secret: &str, received: &Received) {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .expect("README.md");
    let section = &readme[readme.find("### Webhooks").expect("a Webhooks section")..];
    let start = section.find("```python\n").expect("a Python block") + "```python\n".len();
    let snippet = &section[start..start + section[start..].find("```").expect("its end")];
    let dir = tempfile::tempdir().expect("a temporary folder");
    let body = dir.path().join("body");
    std::fs::write(&body, &received.body).expect("the body written");
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(format!(
            "{snippet}\nimport sys\nsys.exit(0 if verified(sys.argv[1], sys.argv[2], open(sys.argv[3], 'rb').read()) else 1)"
        ))
        .args([secret, &received.signature, body.to_str().expect("a UTF-8 path")])
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "the README's snippet refused the delivery: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A service whose webhooks may go to loopback, retried after 1 s twice
/// (then given up), with a 2 s deadline, and media URLs on loopback.
fn service(dir: &Path, extra: &[(&str, &str)]) -> (Service, Api) {
    let mut env = vec![
        ("CLICKPRINT_FETCH_ALLOW_PRIVATE", "true"),
        ("CLICKPRINT_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("CLICKPRINT_WEBHOOK_RETRY_SECS", "1,1"),
        ("CLICKPRINT_WEBHOOK_TIMEOUT_SECS", "2"),
    ];
    env.extend_from_slice(extra);
    let service = Service::start_with(dir, &env);
    let admin = Api::new(&service.url, Some(&admin_token(dir)));
    (service, admin)
}

/// Registers a webhook; its id and secret.
fn webhook(api: &Api, body: &Value) -> (i64, String) {
    let (status, made) = api.post_json("/v1/webhooks", body);
    assert_eq!(status, 201, "{made}");
    (
        made["id"].as_i64().expect("an id"),
        made["secret"].as_str().expect("a secret").to_owned(),
    )
}

/// A webhook's deliveries, newest first.
fn deliveries(api: &Api, webhook: i64) -> Vec<Value> {
    let (status, page) = api.get(&format!("/v1/webhooks/{webhook}/deliveries"));
    assert_eq!(status, 200, "{page}");
    page["deliveries"].as_array().expect("deliveries").clone()
}

#[test]
fn a_delivery_is_signed_retried_after_two_500s_and_every_attempt_logged() {
    let dir = data_dir("webhooks-retry");
    let (_service, admin) = service(dir.path(), &[]);
    let (_, api) = admin.create_tenant(&json!({"name": "acme"}));
    let receiver = Receiver::start(vec![
        Reply::Status(500),
        Reply::Status(500),
        Reply::Status(200),
    ]);
    let (id, secret) = webhook(
        &api,
        &json!({"url": receiver.url, "events": ["job.finished"]}),
    );
    let (status, test) = api.post_json(&format!("/v1/webhooks/{id}/test"), &json!({}));
    assert_eq!(status, 202, "{test}");
    let mut delivery = Value::Null;
    let delivered = wait_until(Duration::from_secs(60), || {
        delivery = deliveries(&api, id)[0].clone();
        delivery["state"] == "delivered"
    });
    assert!(delivered, "not delivered: {delivery}");
    let log: Vec<(i64, Value)> = delivery["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["attempt"].as_i64().unwrap(), a["status"].clone()))
        .collect();
    assert_eq!(
        log,
        [(1, json!(500)), (2, json!(500)), (3, json!(200))],
        "{delivery}"
    );
    assert_eq!(delivery["attempts"], 3, "{delivery}");
    // Three requests, each signed, all the same event.
    let got = receiver.got();
    assert_eq!(got.len(), 3, "{got:?}");
    for request in &got {
        verify(&secret, request);
        verify_with_readme(&secret, request);
        assert_eq!(request.json()["id"], test["event_id"], "{:?}", request);
        assert_eq!(request.json()["type"], "webhook.test");
    }
    // A signature made with another secret does not verify.
    let forged = std::panic::catch_unwind(|| verify("whsec_other", &got[0]));
    assert!(forged.is_err(), "a wrong secret verified");
}

#[test]
fn a_delivery_failing_every_time_is_given_up_after_its_retries() {
    let dir = data_dir("webhooks-give-up");
    let (_service, admin) = service(dir.path(), &[]);
    let (_, api) = admin.create_tenant(&json!({"name": "acme"}));
    let receiver = Receiver::start(vec![Reply::Status(503)]);
    let (id, _) = webhook(
        &api,
        &json!({"url": receiver.url, "events": ["media.failed"]}),
    );
    api.post_json(&format!("/v1/webhooks/{id}/test"), &json!({}));
    let mut delivery = Value::Null;
    let given_up = wait_until(Duration::from_secs(60), || {
        delivery = deliveries(&api, id)[0].clone();
        delivery["state"] == "failed"
    });
    assert!(given_up, "{delivery}");
    // The first attempt and the two retries of `webhook_retry_secs`.
    assert_eq!(delivery["log"].as_array().unwrap().len(), 3, "{delivery}");
    assert_eq!(delivery["last_status"], 503, "{delivery}");
    assert_eq!(receiver.got().len(), 3);
}

#[test]
fn a_hanging_receiver_holds_no_sender_past_its_deadline_nor_other_tenants() {
    let dir = data_dir("webhooks-hang");
    // Two senders, one per tenant at most: a tenant whose receiver hangs
    // holds one; the other tenant's deliveries take the other.
    let (_service, admin) = service(
        dir.path(),
        &[
            ("CLICKPRINT_WEBHOOK_SENDERS", "2"),
            ("CLICKPRINT_WEBHOOK_TENANT_IN_FLIGHT", "1"),
        ],
    );
    let (_, slow) = admin.create_tenant(&json!({"name": "slow"}));
    let (_, quick) = admin.create_tenant(&json!({"name": "quick"}));
    let hanging = Receiver::start(vec![Reply::Hang]);
    let answering = Receiver::start(vec![Reply::Status(204)]);
    let (slow_hook, _) = webhook(
        &slow,
        &json!({"url": hanging.url, "events": ["job.finished"]}),
    );
    let (quick_hook, _) = webhook(
        &quick,
        &json!({"url": answering.url, "events": ["job.finished"]}),
    );
    for _ in 0..4 {
        slow.post_json(&format!("/v1/webhooks/{slow_hook}/test"), &json!({}));
    }
    for _ in 0..3 {
        quick.post_json(&format!("/v1/webhooks/{quick_hook}/test"), &json!({}));
    }
    let all_delivered = wait_until(Duration::from_secs(60), || {
        let quick_ones = deliveries(&quick, quick_hook);
        quick_ones.len() == 3 && quick_ones.iter().all(|d| d["state"] == "delivered")
    });
    assert!(
        all_delivered,
        "the quick tenant's deliveries waited: {:?}",
        deliveries(&quick, quick_hook)
    );
    // The hanging receiver's attempts end at the 2 s deadline, logged as such.
    let mut attempts = Vec::new();
    let ended = wait_until(Duration::from_secs(60), || {
        attempts = deliveries(&slow, slow_hook)
            .iter()
            .flat_map(|d| d["log"].as_array().cloned().unwrap_or_default())
            .collect();
        attempts.len() >= 2
    });
    assert!(ended, "no attempt of the slow tenant ended: {attempts:?}");
    for attempt in &attempts {
        let error = attempt["error"].as_str().unwrap_or_default();
        assert!(error.contains("no complete answer within 2s"), "{attempt}");
        assert!(attempt["status"].is_null(), "{attempt}");
        // The deadline, not the receiver's minute (a bound, not a speed).
        assert!(
            attempt["duration_ms"].as_i64().unwrap() < 20_000,
            "{attempt}"
        );
    }
}

#[test]
fn tenants_never_see_each_others_webhooks_or_deliveries() {
    let dir = data_dir("webhooks-tenants");
    let (_service, admin) = service(dir.path(), &[("CLICKPRINT_WORKERS", "0")]);
    let (_, acme) = admin.create_tenant(&json!({"name": "acme"}));
    let (_, other) = admin.create_tenant(&json!({"name": "other"}));
    let receiver = Receiver::start(vec![Reply::Status(200)]);
    let (id, _) = webhook(
        &acme,
        &json!({"url": receiver.url, "events": ["media.failed"]}),
    );
    acme.post_json(&format!("/v1/webhooks/{id}/test"), &json!({}));
    assert!(wait_until(Duration::from_secs(60), || {
        deliveries(&acme, id)[0]["state"] == "delivered"
    }));
    let (status, listed) = other.get("/v1/webhooks");
    assert_eq!((status, &listed["webhooks"]), (200, &json!([])), "{listed}");
    for (status, body) in [
        other.get(&format!("/v1/webhooks/{id}/deliveries")),
        other.post_json(&format!("/v1/webhooks/{id}/test"), &json!({})),
        other.delete(&format!("/v1/webhooks/{id}")),
    ] {
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["error"], format!("no webhook {id}"));
    }
    // Still acme's, and only one delivery: the other tenant's test made none.
    assert_eq!(acme.get("/v1/webhooks").1["webhooks"][0]["id"], id);
    assert_eq!(deliveries(&acme, id).len(), 1);
    assert_eq!(receiver.got().len(), 1);
    // Deleted: no more deliveries, the log stays.
    let (status, deleted) = acme.delete(&format!("/v1/webhooks/{id}"));
    assert_eq!(status, 200, "{deleted}");
    assert!(deleted["disabled_at"].is_string(), "{deleted}");
    let (status, _) = acme.post_json(&format!("/v1/webhooks/{id}/test"), &json!({}));
    assert_eq!(status, 409);
    assert_eq!(deliveries(&acme, id).len(), 1);
}

#[test]
fn webhook_urls_and_events_are_checked_and_capped_per_tenant() {
    let dir = data_dir("webhooks-checks");
    let (_service, admin) = service(
        dir.path(),
        &[
            ("CLICKPRINT_WORKERS", "0"),
            ("CLICKPRINT_WEBHOOKS_PER_TENANT", "2"),
        ],
    );
    let (_, api) = admin.create_tenant(&json!({"name": "acme"}));
    for (body, words) in [
        (
            json!({"url": "ftp://example.com/x", "events": ["job.finished"]}),
            "ftp://",
        ),
        (
            json!({"url": "https://example.com/x", "events": ["media.created"]}),
            "`events`",
        ),
        (
            json!({"url": "https://example.com/x", "events": []}),
            "`events`",
        ),
        (
            json!({"url": "https://example.com/x", "events": ["media.matched"], "min_score": 1.5}),
            "min_score",
        ),
    ] {
        let (status, answer) = api.post_json("/v1/webhooks", &body);
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(
            answer["error"].as_str().unwrap_or_default().contains(words),
            "{body}: {answer}"
        );
    }
    for _ in 0..2 {
        webhook(
            &api,
            &json!({"url": "https://example.com/x", "events": ["job.finished"]}),
        );
    }
    let (status, answer) = api.post_json(
        "/v1/webhooks",
        &json!({"url": "https://example.com/y", "events": ["job.finished"]}),
    );
    assert_eq!(status, 429, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("webhooks_per_tenant"),
        "{answer}"
    );
}

#[test]
fn a_failed_item_and_its_finished_job_are_delivered() {
    let dir = data_dir("webhooks-events");
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let served = file_server(&files);
    let (_service, admin) = service(dir.path(), &[]);
    let (_, api) = admin.create_tenant(&json!({"name": "acme"}));
    let receiver = Receiver::start(vec![Reply::Status(200)]);
    let (_, secret) = webhook(
        &api,
        &json!({"url": receiver.url, "events": ["job.finished", "media.failed"]}),
    );
    // Two rows whose URLs answer 404: both items fail, then the job ends.
    let csv = format!("url,external_id\n{served}/gone-1.jpg,one\n{served}/gone-2.jpg,two\n");
    let (status, job) = api.post_body("/v1/jobs", "text/csv", csv.into_bytes());
    assert_eq!(status, 202, "{job}");
    let finished = receiver.wait_for("job.finished");
    verify(&secret, &finished);
    let data = finished.json()["data"].clone();
    assert_eq!(data["job_id"], job["id"], "{data}");
    assert_eq!(
        (&data["total"], &data["failed"]),
        (&json!(2), &json!(2)),
        "{data}"
    );
    let failed: Vec<Value> = receiver
        .got()
        .iter()
        .map(Received::json)
        .filter(|b| b["type"] == "media.failed")
        .collect();
    let mut external: Vec<&str> = failed
        .iter()
        .map(|b| b["data"]["external_id"].as_str().unwrap())
        .collect();
    external.sort_unstable();
    assert_eq!(external, ["one", "two"], "{failed:?}");
    assert!(
        failed[0]["data"]["error"].as_str().unwrap().contains("404"),
        "{failed:?}"
    );
    // One job.finished, however many workers ended its items.
    let count = receiver
        .got()
        .iter()
        .filter(|r| r.json()["type"] == "job.finished")
        .count();
    assert_eq!(count, 1);
}

#[test]
fn media_matched_fires_for_a_new_copy_of_a_library_picture() {
    let dir = data_dir("webhooks-matched");
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let (_service, admin) = service(dir.path(), &[]);
    let (_, api) = admin.create_tenant(&json!({"name": "acme"}));
    let receiver = Receiver::start(vec![Reply::Status(200)]);
    let (_, secret) = webhook(
        &api,
        &json!({"url": receiver.url, "events": ["media.matched"], "min_score": 0.3}),
    );
    let (original, copy) = picture_and_crop(&files, "copy.jpg");
    let mut ids = Vec::new();
    for file in [&original, &copy] {
        let (status, item) = api.post_file("/v1/media", file, &[("external_id", "x")]);
        assert_eq!(status, 202, "{item}");
        let id = item["id"].as_i64().unwrap();
        let ready = wait_until(Duration::from_secs(240), || {
            api.get(&format!("/v1/media/{id}")).1["status"] == "ready"
        });
        assert!(ready, "media {id} not ready");
        ids.push(id);
    }
    let matched = receiver.wait_for("media.matched");
    verify(&secret, &matched);
    let data = matched.json()["data"].clone();
    assert_eq!(data["media_id"], ids[1], "{data}");
    let found: Vec<i64> = data["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["media_id"].as_i64().unwrap())
        .collect();
    assert_eq!(found, [ids[0]], "{data}");
    // One event for the copy, however the item search is retried.
    let events: Vec<Value> = receiver.got().iter().map(Received::json).collect();
    let copies = events
        .iter()
        .filter(|e| e["data"]["media_id"] == ids[1])
        .count();
    assert_eq!(copies, 1, "{events:?}");
}
