//! The HTTP API as applications use it: operators make tenants and keys;
//! tenants ingest by URL, upload, CSV and ZIP, watch jobs, search, delete;
//! hostile input gets a clear 4xx; tenants never see each other.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clickprint_tests::{
    Api, Service, admin_token, data_dir, ffmpeg, file_server, image_source, melody_source,
    picture_and_crop, wait_until, zip_of,
};
use serde_json::{Value, json};
use sha2::Digest;

/// A service allowed to fetch from loopback (where the test's file server is).
fn service(dir: &Path, extra: &[(&str, &str)]) -> (Service, Api) {
    let mut env = vec![("CLICKPRINT_FETCH_ALLOW_PRIVATE", "true")];
    env.extend_from_slice(extra);
    let service = Service::start_with(dir, &env);
    let admin = Api::new(&service.url, Some(&admin_token(dir)));
    (service, admin)
}

/// Creates a tenant and a key for it; the tenant's client.
fn tenant(admin: &Api, body: Value) -> (i64, Api) {
    admin.create_tenant(&body)
}

/// Waits until media `id` leaves pending/processing; its final state.
fn settled(api: &Api, id: i64) -> Value {
    let mut last = Value::Null;
    let done = wait_until(Duration::from_secs(240), || {
        let (status, item) = api.get(&format!("/v1/media/{id}"));
        assert_eq!(status, 200, "{item}");
        last = item;
        !matches!(last["status"].as_str(), Some("pending" | "processing"))
    });
    assert!(done, "media {id} did not settle: {last}");
    last
}

fn image(dir: &Path, name: &str, seed: u32) -> PathBuf {
    let source = image_source(u64::from(seed));
    ffmpeg(
        &["-f", "lavfi", "-i", &source, "-frames:v", "1"],
        &dir.join(name),
    )
}

fn melody(dir: &Path, name: &str, seed: u32, seconds: u32) -> PathBuf {
    let source = melody_source(u64::from(seed), seconds);
    ffmpeg(
        &["-f", "lavfi", "-i", &source, "-b:a", "128k"],
        &dir.join(name),
    )
}

fn video(dir: &Path, name: &str, seed: u32) -> PathBuf {
    ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            &format!("life=s=160x120:seed={seed}:ratio=0.25:rate=25,scale=320:240"),
            "-f",
            "lavfi",
            "-i",
            &melody_source(u64::from(seed), 12),
            "-t",
            "12",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
        ],
        &dir.join(name),
    )
}

#[test]
fn operators_manage_tenants_and_keys() {
    let dir = data_dir("api-operators");
    let (service, admin) = service(dir.path(), &[]);
    let anonymous = Api::new(&service.url, None);
    assert_eq!(anonymous.get("/v1/admin/tenants").0, 401);
    assert_eq!(admin.with_token("wrong").get("/v1/admin/tenants").0, 401);
    let (status, body) = admin.post_json("/v1/admin/tenants", &json!({"name": "Bad Name!"}));
    assert_eq!(status, 400, "{body}");
    let (id, acme) = tenant(&admin, json!({"name": "acme"}));
    let (status, body) = admin.post_json("/v1/admin/tenants", &json!({"name": "acme"}));
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (409, "a tenant named acme exists already")
    );
    let (status, body) = admin.post_json(
        "/v1/admin/tenants",
        &json!({"name": "x", "modalities": ["image", "smell"]}),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("smell"), "{body}");

    // Keys are listed by prefix, never whole; a key works until revoked.
    let (status, keys) = admin.get(&format!("/v1/admin/tenants/{id}/keys"));
    assert_eq!(status, 200);
    let key = &keys["keys"][0];
    assert!(key["prefix"].as_str().unwrap().starts_with("cpk_"));
    assert!(key.get("key").is_none() && !keys.to_string().contains("secret"));
    assert_eq!(acme.get("/v1/media").0, 200);
    let key_id = key["id"].as_i64().unwrap();
    assert_eq!(
        admin
            .delete(&format!("/v1/admin/tenants/{id}/keys/{key_id}"))
            .0,
        204
    );
    let (status, body) = acme.get("/v1/media");
    assert_eq!(status, 401, "{body}");

    // A disabled tenant's keys are refused with 403, and work again once enabled.
    let (beta_id, beta) = tenant(&admin, json!({"name": "beta"}));
    let (status, t) = admin.patch_json(
        &format!("/v1/admin/tenants/{beta_id}"),
        &json!({"disabled": true}),
    );
    assert_eq!((status, &t["disabled"]), (200, &json!(true)), "{t}");
    let (status, body) = beta.get("/v1/media");
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (403, "tenant beta is disabled")
    );
    admin.patch_json(
        &format!("/v1/admin/tenants/{beta_id}"),
        &json!({"disabled": false}),
    );
    assert_eq!(beta.get("/v1/media").0, 200);
    assert_eq!(
        admin
            .patch_json("/v1/admin/tenants/99", &json!({"disabled": true}))
            .0,
        404
    );

    // Analyst credentials are ClickHouse users: the embedded engine has none
    // and says where analysts go instead.
    let (status, body) = admin.post_json(&format!("/v1/admin/tenants/{id}/analysts"), &json!({}));
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("POST /v1/sql"),
        "{body}"
    );
    assert_eq!(
        admin
            .post_json("/v1/admin/tenants/99/analysts", &json!({}))
            .0,
        404
    );
    assert_eq!(
        anonymous
            .post_json(&format!("/v1/admin/tenants/{id}/analysts"), &json!({}))
            .0,
        401
    );

    // The OpenAPI document is served and every route it lists exists.
    let (status, doc) = anonymous.get("/v1/openapi.json");
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let concrete = path
                .replace("{id}", "1")
                .replace("{key_id}", "1")
                .replace("{media_id}", "1")
                .replace("{user}", "analyst_t1_00000000")
                .replace("{tenant}", "1")
                .replace("{path}", "1");
            let response = reqwest::blocking::Client::new()
                .request(
                    method.to_uppercase().parse().unwrap(),
                    format!("{}{concrete}", service.url),
                )
                .send()
                .unwrap();
            let status = response.status().as_u16();
            let text = response.text().unwrap();
            assert!(
                !(status == 404 && text.contains("no such endpoint")) && status != 405,
                "{method} {path}: {status} {text}"
            );
        }
    }
}

#[test]
fn a_library_ingested_every_way_finds_its_copies() {
    let dir = data_dir("api-library");
    let media = dir.path().join("media-files");
    std::fs::create_dir_all(&media).unwrap();
    let served = file_server(&media);
    let (_service, admin) = service(dir.path(), &[]);
    let (_, api) = tenant(&admin, json!({"name": "acme"}));

    // 84 pictures, 12 tracks, 6 videos: 102 items.
    let pictures: Vec<PathBuf> = (0..84)
        .map(|i| image(&media, &format!("p{i:03}.png"), i + 1))
        .collect();
    let tracks: Vec<PathBuf> = (0..12)
        .map(|i| melody(&media, &format!("t{i:02}.mp3"), i + 1, 20))
        .collect();
    let videos: Vec<PathBuf> = (0..6)
        .map(|i| video(&media, &format!("v{i}.mp4"), i + 40))
        .collect();
    let name = |p: &PathBuf| p.file_name().unwrap().to_str().unwrap().to_owned();
    let mut ids: std::collections::HashMap<String, i64> = Default::default();

    // By URL: 30 pictures and the tracks.
    for p in pictures[..30].iter().chain(&tracks) {
        let (status, item) = api.post_json(
            "/v1/media",
            &json!({"url": format!("{served}/{}", name(p)), "external_id": name(p), "metadata": {"kind": "url"}}),
        );
        assert_eq!(
            (status, item["status"].as_str()),
            (202, Some("pending")),
            "{item}"
        );
        ids.insert(name(p), item["id"].as_i64().unwrap());
    }
    // By upload: 24 pictures and the videos.
    for p in pictures[30..54].iter().chain(&videos) {
        let (status, item) =
            api.post_file("/v1/media", p, &[("metadata", r#"{"kind": "upload"}"#)]);
        assert_eq!(status, 202, "{item}");
        assert_eq!(item["external_id"], name(p));
        ids.insert(name(p), item["id"].as_i64().unwrap());
    }
    // By CSV: 15 pictures.
    let mut csv = String::from("url,external_id,batch\n");
    for p in &pictures[54..69] {
        csv.push_str(&format!("{served}/{},{},csv\n", name(p), name(p)));
    }
    let (status, csv_job) = api.post_body("/v1/jobs", "text/csv", csv.into_bytes());
    assert_eq!((status, &csv_job["total"]), (202, &json!(15)), "{csv_job}");
    // By ZIP: 15 pictures and a manifest.
    let mut manifest = String::from("file,external_id\n");
    let files: Vec<(String, Vec<u8>)> = pictures[69..84]
        .iter()
        .map(|p| (format!("pics/{}", name(p)), std::fs::read(p).unwrap()))
        .collect();
    for (path, _) in &files {
        manifest.push_str(&format!("{path},{}\n", path.trim_start_matches("pics/")));
    }
    let mut entries: Vec<(&str, &[u8])> = vec![("manifest.csv", manifest.as_bytes())];
    entries.extend(files.iter().map(|(n, d)| (n.as_str(), d.as_slice())));
    let zip = zip_of(&dir.path().join("job.zip"), &entries);
    let (status, zip_job) = api.post_body("/v1/jobs", "application/zip", zip);
    assert_eq!((status, &zip_job["total"]), (202, &json!(15)), "{zip_job}");

    // Job counters move to their totals.
    for job in [&csv_job, &zip_job] {
        let id = job["id"].as_i64().unwrap();
        let mut last = Value::Null;
        assert!(
            wait_until(Duration::from_secs(300), || {
                last = api.get(&format!("/v1/jobs/{id}")).1;
                last["status"] == "done"
            }),
            "job {id}: {last}"
        );
        assert_eq!(
            (&last["completed"], &last["failed"]),
            (&json!(15), &json!(0)),
            "{last}"
        );
    }
    for id in ids.values() {
        let item = settled(&api, *id);
        assert_eq!(item["status"], "ready", "{item}");
    }
    let (_, page) = api.get("/v1/media?status=ready&limit=1000");
    assert_eq!(page["media"].as_array().unwrap().len(), 102);

    // Ingest statistics from Postgres agree with what was sent.
    let (status, stats) = api.get("/v1/stats");
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["by_status"], json!({"ready": 102}), "{stats}");
    for (modality, items) in [("image", 84), ("audio", 12), ("video", 6)] {
        assert_eq!(stats["ready"][modality]["items"], items, "{stats}");
        assert!(stats["ready"][modality]["bytes"].as_i64().unwrap() > 0);
    }
    assert!(stats["ready"]["audio"]["duration_ms"].as_i64().unwrap() > 12 * 1000);
    let days = stats["per_day"].as_array().unwrap();
    let added: i64 = days.iter().map(|d| d["added"].as_i64().unwrap()).sum();
    let ready: i64 = days.iter().map(|d| d["ready"].as_i64().unwrap()).sum();
    assert_eq!((added, ready), (102, 102), "{stats}");
    assert_eq!(
        stats["jobs"],
        json!({"jobs": 2, "rows": 30, "failed_rows": 0, "cancelled": 0}),
        "{stats}"
    );
    assert_eq!(stats["failures"], json!([]), "{stats}");

    // Copies find their originals first.
    let search = |file: &Path| {
        let (status, answer) = api.post_file("/v1/search", file, &[]);
        assert_eq!(status, 200, "{answer}");
        answer
    };
    let work = dir.path().join("queries");
    std::fs::create_dir_all(&work).unwrap();
    // Blurred boards (odd seeds): a board of flat squares repeats one
    // corner pattern everywhere, which the keypoint check cannot place
    // under a crop (udf/core/README.md, "Known limits").
    for (i, p) in [&pictures[2], &pictures[40], &pictures[60], &pictures[80]]
        .iter()
        .enumerate()
    {
        let crop = ffmpeg(
            &[
                "-i",
                p.to_str().unwrap(),
                "-vf",
                "crop=iw*0.9:ih*0.9",
                "-q:v",
                "4",
            ],
            &work.join(format!("crop{i}.jpg")),
        );
        let answer = search(&crop);
        assert_eq!(answer["matches"][0]["external_id"], name(p), "{answer}");
        assert_eq!(answer["matches"][0]["query_range"], Value::Null);
        assert_eq!(answer["matches"][0]["segments"], json!([]), "{answer}");
    }
    // An audio excerpt from 6 s: aligned within a second.
    let excerpt = ffmpeg(
        &[
            "-ss",
            "6",
            "-t",
            "6",
            "-i",
            tracks[4].to_str().unwrap(),
            "-b:a",
            "64k",
        ],
        &work.join("excerpt.mp3"),
    );
    let answer = search(&excerpt);
    let top = &answer["matches"][0];
    assert_eq!(top["external_id"], name(&tracks[4]), "{answer}");
    let offset =
        top["reference_range"][0].as_f64().unwrap() - top["query_range"][0].as_f64().unwrap();
    assert!((offset - 6.0).abs() < 1.0, "{answer}");
    // A trimmed, re-encoded video from 3 s.
    let trimmed = ffmpeg(
        &[
            "-ss",
            "3",
            "-t",
            "6",
            "-i",
            videos[2].to_str().unwrap(),
            "-c:v",
            "libx264",
            "-crf",
            "35",
            "-preset",
            "ultrafast",
        ],
        &work.join("trim.mp4"),
    );
    let answer = search(&trimmed);
    let top = &answer["matches"][0];
    assert_eq!(top["external_id"], name(&videos[2]), "{answer}");
    let offset =
        top["reference_range"][0].as_f64().unwrap() - top["query_range"][0].as_f64().unwrap();
    assert!((offset - 3.0).abs() < 1.0, "{answer}");
    for stage in ["query", "search", "total"] {
        assert!(answer["timings_ms"][stage].as_f64().is_some(), "{answer}");
    }
    // By URL too; and an unrelated picture finds nothing.
    let (status, answer) = api.post_json(
        "/v1/search",
        &json!({"url": format!("{served}/{}", name(&pictures[7]))}),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["matches"][0]["external_id"], name(&pictures[7]));
    let unrelated = ffmpeg(
        &["-f", "lavfi", "-i", "testsrc2=s=640x480", "-frames:v", "1"],
        &work.join("unrelated.png"),
    );
    assert_eq!(search(&unrelated)["matches"], json!([]));

    // Deleting removes an item from results at once.
    let victim = ids[&name(&pictures[40])];
    assert_eq!(api.delete(&format!("/v1/media/{victim}")).0, 204);
    let answer = search(&work.join("crop1.jpg"));
    assert!(
        answer["matches"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["media_id"] != victim),
        "{answer}"
    );
    assert_eq!(
        api.get(&format!("/v1/media/{victim}")).1["status"],
        "deleted"
    );

    // Metrics saw it all.
    // The operators' token opens them.
    let (status, metrics) = admin.get("/metrics");
    assert_eq!(status, 200, "{metrics}");
    let metrics = metrics.as_str().unwrap_or_default();
    for needle in [
        "clickprint_queue_depth 0",
        "clickprint_task_duration_seconds_count{outcome=\"done\"} 102",
        "clickprint_search_duration_seconds_count{outcome=\"ok\"}",
    ] {
        assert!(metrics.contains(needle), "{needle} in\n{metrics}");
    }
}

#[test]
fn tenants_never_see_each_other() {
    let dir = data_dir("api-isolation");
    let media = dir.path().join("files");
    std::fs::create_dir_all(&media).unwrap();
    let (_service, admin) = service(dir.path(), &[]);
    let (_, a) = tenant(&admin, json!({"name": "a"}));
    let (_, b) = tenant(&admin, json!({"name": "b"}));
    let picture = image(&media, "shared.png", 4);
    let (_, item) = b.post_file("/v1/media", &picture, &[]);
    let b_id = item["id"].as_i64().unwrap();
    assert_eq!(settled(&b, b_id)["status"], "ready");
    // A cannot see, list, search or delete B's item; the answer is the
    // same as for an id nobody has.
    let (status, body) = a.get(&format!("/v1/media/{b_id}"));
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (404, format!("no media {b_id}").as_str())
    );
    assert_eq!(a.get("/v1/media/999999").1["error"], "no media 999999");
    assert_eq!(a.delete(&format!("/v1/media/{b_id}")).0, 404);
    assert_eq!(a.get("/v1/media").1["media"], json!([]));
    let (status, answer) = a.post_file("/v1/search", &picture, &[]);
    assert_eq!((status, &answer["matches"]), (200, &json!([])), "{answer}");
    // B still has it, and finds it.
    assert_eq!(b.get(&format!("/v1/media/{b_id}")).1["status"], "ready");
    let (_, answer) = b.post_file("/v1/search", &picture, &[]);
    assert_eq!(answer["matches"][0]["media_id"], b_id, "{answer}");
    // A's job ids are not B's either.
    let (_, job) = b.post_body(
        "/v1/jobs",
        "text/csv",
        b"url\nhttp://127.0.0.1:9/x.png\n".to_vec(),
    );
    let job = job["id"].as_i64().unwrap();
    assert_eq!(a.get(&format!("/v1/jobs/{job}")).0, 404);
    assert_eq!(a.delete(&format!("/v1/jobs/{job}")).0, 404);

    // Analysts' SQL (POST /v1/sql) sees the caller's rows only.
    let count = json!({"query": "SELECT count() AS n FROM fp_keys"});
    assert_eq!(
        a.post_json("/v1/sql", &count),
        (200, json!({"rows": [{"n": 0}]}))
    );
    let (status, rows) = b.post_json("/v1/sql", &count);
    assert_eq!(status, 200, "{rows}");
    assert!(rows["rows"][0]["n"].as_u64().unwrap() > 0, "{rows}");
    for attempt in [
        "SELECT count() AS n FROM clickprint.fp_keys",
        "SELECT count() AS n FROM fp_keys /* */ UNION ALL SELECT count() FROM clickprint.fp_keys",
        "DROP TABLE fp_keys",
    ] {
        let (status, body) = a.post_json("/v1/sql", &json!({ "query": attempt }));
        assert_eq!(status, 403, "{attempt}: {body}");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .starts_with("statement refused"),
            "{body}"
        );
    }
    // Two statements do not parse as one (400, the engine's words).
    let two = json!({"query": "SELECT 1; SELECT count() FROM clickprint.fp_keys"});
    let (status, body) = a.post_json("/v1/sql", &two);
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("Multi-statements are not allowed"),
        "{body}"
    );
    let (status, _) = a.post_json("/v1/sql", &json!({"query": "SELECT 1", "tenant": 2}));
    assert_eq!(status, 400, "unknown fields are refused");
    let (status, _) = Api::new(&a.url, None).post_json("/v1/sql", &count);
    assert_eq!(status, 401);
}

#[test]
fn hostile_input_gets_a_clear_refusal() {
    let dir = data_dir("api-hostile");
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    // Loopback URLs are refused here: the default policy.
    let service = Service::start_with(dir.path(), &[("CLICKPRINT_MAX_UPLOAD_BYTES", "3000000")]);
    let admin = Api::new(&service.url, Some(&admin_token(dir.path())));
    let (_, api) = tenant(
        &admin,
        json!({"name": "acme", "modalities": ["image"], "max_assets": 6}),
    );
    let anonymous = Api::new(&service.url, None);

    // No key, a malformed key, an unknown key.
    for client in [
        anonymous.clone(),
        api.with_token("nonsense"),
        api.with_token("cpk_000000000000_00"),
    ] {
        let (status, body) = client.get("/v1/media");
        assert_eq!(status, 401, "{body}");
        assert!(
            body["error"].as_str().unwrap().contains("API key"),
            "{body}"
        );
    }
    // A disabled modality: refused on upload and on search.
    let track = melody(&files, "t.mp3", 1, 5);
    let (status, body) = api.post_file("/v1/media", &track, &[]);
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["error"],
        "audio is not enabled for tenant acme (enabled: image)"
    );
    assert_eq!(api.post_file("/v1/search", &track, &[]).0, 403);
    // A loopback URL: accepted, then failed with the reason.
    let (_, item) = api.post_json("/v1/media", &json!({"url": "http://127.0.0.1:9/a.png"}));
    let failed = settled(&api, item["id"].as_i64().unwrap());
    assert_eq!(failed["status"], "failed");
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("loopback address"),
        "{failed}"
    );
    assert_eq!(
        api.post_json("/v1/media", &json!({"url": "file:///etc/passwd"}))
            .0,
        400
    );
    // Unsupported media: the item fails with the decoder's reason.
    let junk = files.join("junk.png");
    std::fs::write(&junk, b"this is not a picture, whatever its name says").unwrap();
    let (status, item) = api.post_file("/v1/media", &junk, &[]);
    assert_eq!(status, 202, "{item}");
    let failed = settled(&api, item["id"].as_i64().unwrap());
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("not an image, audio or video file"),
        "{failed}"
    );
    // Both failures are counted, each with its reason.
    let (_, stats) = api.get("/v1/stats");
    assert_eq!(stats["by_status"]["failed"], 2, "{stats}");
    let reasons = stats["failures"].as_array().unwrap();
    assert_eq!(reasons.len(), 2, "{stats}");
    assert!(
        reasons
            .iter()
            .any(|r| r["reason"].as_str().unwrap().contains("loopback address")),
        "{stats}"
    );
    // A search with a query that is not media, or a URL that cannot be
    // fetched: 422 with the reason.
    let (status, body) = api.post_file("/v1/search", &junk, &[]);
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("not an image, audio or video file"),
        "{body}"
    );
    let (status, body) = api.post_json("/v1/search", &json!({"url": "http://127.0.0.1:9/q.png"}));
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("loopback address"),
        "{body}"
    );
    // An oversized upload: 413.
    let big = files.join("big.png");
    std::fs::write(&big, vec![0u8; 3_500_000]).unwrap();
    let (status, body) = api.post_file("/v1/media", &big, &[]);
    assert_eq!(status, 413, "{body}");
    let (status, _) = api.post_body("/v1/jobs", "text/csv", vec![b'x'; 3_500_000]);
    assert_eq!(status, 413);

    // Malformed CSV rows become failed rows; the job goes on.
    let csv = "url,external_id\nnot a url,one\n,two\nhttp://127.0.0.1:9/three.png,three,extra\n";
    let (status, job) = api.post_body("/v1/jobs", "text/csv", csv.as_bytes().to_vec());
    assert_eq!(
        (status, &job["total"], &job["failed"]),
        (202, &json!(3), &json!(3)),
        "{job}"
    );
    let reasons: Vec<&str> = job["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons[0].contains("not an http(s) URL") && reasons[1] == "no `url`",
        "{job}"
    );
    assert!(reasons[2].contains("3 fields"), "{job}");
    assert_eq!(
        api.post_body("/v1/jobs", "text/csv", b"link\nx\n".to_vec())
            .0,
        400
    );

    // stats_count_a_jobs_failed_items_and_group_their_reasons: a job whose
    // rows all became items that failed counted failed_rows 0, and each
    // reason named its URL, so no two grouped.
    let csv = "url\nhttp://127.0.0.1:9/four.png\nhttp://127.0.0.1:9/five.png\n";
    let (status, job) = api.post_body("/v1/jobs", "text/csv", csv.as_bytes().to_vec());
    assert_eq!(status, 202, "{job}");
    let mut stats = Value::Null;
    assert!(
        wait_until(Duration::from_secs(240), || {
            stats = api.get("/v1/stats").1;
            stats["by_status"]["failed"] == 4
        }),
        "{stats}"
    );
    assert_eq!(stats["jobs"]["failed_rows"], 3 + 2, "{stats}");
    let loopback: Vec<&Value> = stats["failures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["reason"].as_str().unwrap().contains("loopback address"))
        .collect();
    assert_eq!(loopback.len(), 1, "{stats}");
    assert_eq!(loopback[0]["items"], 3, "{stats}");
    assert!(
        !loopback[0]["reason"]
            .as_str()
            .unwrap()
            .contains("127.0.0.1:9/"),
        "{stats}"
    );

    // Hostile archives are refused whole, with the reason.
    let picture = std::fs::read(image(&files, "p.png", 2)).unwrap();
    let manifest = b"file\np.png\n".as_slice();
    let zeros = vec![0u8; 2_000_000];
    for (entries, reason) in [
        (
            vec![("manifest.csv", manifest), ("../p.png", picture.as_slice())],
            "points outside the archive",
        ),
        (
            vec![
                ("manifest.csv", manifest),
                ("/etc/p.png", picture.as_slice()),
            ],
            "absolute path",
        ),
        (
            vec![
                ("manifest.csv", manifest),
                ("inner.zip", picture.as_slice()),
            ],
            "archive inside the archive",
        ),
        (
            vec![("manifest.csv", manifest), ("p.png", zeros.as_slice())],
            "compression bomb",
        ),
        (vec![("p.png", picture.as_slice())], "no manifest.csv"),
    ] {
        let zip = zip_of(&dir.path().join("hostile.zip"), &entries);
        let (status, body) = api.post_body("/v1/jobs", "application/zip", zip);
        assert_eq!(status, 400, "{reason}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(reason),
            "{reason}: {body}"
        );
    }
    // A symbolic link inside.
    {
        let path = dir.path().join("link.zip");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("manifest.csv", options).unwrap();
        zip.write_all(b"file\np.png\n").unwrap();
        zip.add_symlink("p.png", "/etc/passwd", options).unwrap();
        zip.finish().unwrap();
        let (status, body) =
            api.post_body("/v1/jobs", "application/zip", std::fs::read(&path).unwrap());
        assert_eq!(status, 400, "{body}");
        assert!(
            body["error"].as_str().unwrap().contains("symbolic link"),
            "{body}"
        );
    }
    // A manifest naming a missing file: that row fails, the others go on.
    let zip = zip_of(
        &dir.path().join("missing.zip"),
        &[
            ("manifest.csv", b"file\np.png\ngone.png\n"),
            ("p.png", picture.as_slice()),
        ],
    );
    let (status, job) = api.post_body("/v1/jobs", "application/zip", zip);
    assert_eq!(
        (status, &job["total"], &job["failed"]),
        (202, &json!(2), &json!(1)),
        "{job}"
    );
    assert!(
        job["failures"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("gone.png"),
        "{job}"
    );

    // The asset quota (6: two failed items do not count; p.png is one).
    let mut accepted = 0;
    let mut refused = None;
    for i in 0..8 {
        let (status, body) = api.post_file(
            "/v1/media",
            &image(&files, &format!("q{i}.png"), 10 + i),
            &[],
        );
        match status {
            202 => accepted += 1,
            429 => {
                refused = Some(body);
                break;
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!(accepted, 5);
    assert!(
        refused.unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("of its 6 assets")
    );
    // The request quota.
    let (id, limited) = tenant(&admin, json!({"name": "slow", "requests_per_minute": 3}));
    let statuses: Vec<u16> = (0..5).map(|_| limited.get("/v1/media").0).collect();
    assert_eq!(statuses, [200, 200, 200, 429, 429], "tenant {id}");
    // a_429_says_when_to_retry: it had no Retry-After, so clients could
    // only guess; it is the seconds left in the quota's minute.
    let refused = limited.get_response("/v1/media");
    assert_eq!(refused.status().as_u16(), 429);
    let after: u32 = refused
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=60).contains(&after), "{after}");
    // The quota removed (null): requests are counted no more.
    let (status, body) = admin.patch_json(
        &format!("/v1/admin/tenants/{id}"),
        &json!({"requests_per_minute": null}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["requests_per_minute"], Value::Null, "{body}");
    assert_eq!(limited.get("/v1/media").0, 200);
}

#[test]
fn a_cancelled_job_leaves_nothing_to_do() {
    let dir = data_dir("api-cancel");
    // No workers: nothing starts, so everything can be cancelled.
    let (_service, admin) = service(dir.path(), &[("CLICKPRINT_WORKERS", "0")]);
    let (_, api) = tenant(&admin, json!({"name": "acme"}));
    let csv = "url\nhttp://127.0.0.1:9/a.png\nhttp://127.0.0.1:9/b.png\nhttp://127.0.0.1:9/c.png\n";
    let (status, job) = api.post_body("/v1/jobs", "text/csv", csv.as_bytes().to_vec());
    assert_eq!((status, &job["pending"]), (202, &json!(3)), "{job}");
    let id = job["id"].as_i64().unwrap();
    let (status, job) = api.delete(&format!("/v1/jobs/{id}"));
    assert_eq!(status, 200, "{job}");
    assert_eq!(
        (&job["status"], &job["cancelled"], &job["pending"]),
        (&json!("cancelled"), &json!(3), &json!(0)),
        "{job}"
    );
    let (_, page) = api.get("/v1/media?status=cancelled");
    assert_eq!(page["media"].as_array().unwrap().len(), 3, "{page}");
    // The metrics' queue depth counts no cancelled task.
    // The operators' token opens them.
    let (status, metrics) = admin.get("/metrics");
    assert_eq!(status, 200, "{metrics}");
    let metrics = metrics.as_str().unwrap_or_default();
    assert!(metrics.contains("clickprint_queue_depth 0"), "{metrics}");
    // A cancelled ZIP job's items take their files with them.
    let picture = b"bytes of a picture that no worker will look at";
    let zip = zip_of(
        &dir.path().join("job.zip"),
        &[
            ("manifest.csv", b"file\np.png\n"),
            ("p.png", picture.as_slice()),
        ],
    );
    let (status, job) = api.post_body("/v1/jobs", "application/zip", zip);
    assert_eq!((status, &job["pending"]), (202, &json!(1)), "{job}");
    let media = dir.path().join("media");
    assert_eq!(files_under(&media).len(), 2, "the item's folder and file");
    let (status, job) = api.delete(&format!("/v1/jobs/{}", job["id"]));
    assert_eq!(status, 200, "{job}");
    let left: Vec<PathBuf> = files_under(&media)
        .into_iter()
        .filter(|p| p.is_file())
        .collect();
    assert!(left.is_empty(), "the cancelled item keeps {left:?}");
}

/// Files (and folders) left under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(files_under(&path));
            }
            found.push(path);
        }
    }
    found
}

/// Issue 18, item 5: the size check trusted the sizes the archive declared
/// and counted an entry once, while each manifest row naming it extracted
/// its own copy; files that failed to extract stayed for a day.
#[test]
fn a_small_zip_cannot_fill_the_disk() {
    let dir = data_dir("api-zip-budget");
    let (_service, admin) = service(
        dir.path(),
        &[
            ("CLICKPRINT_WORKERS", "0"),
            ("CLICKPRINT_JOB_MAX_EXTRACT_BYTES", "10000000"),
        ],
    );
    let (_, api) = tenant(&admin, json!({"name": "acme"}));
    // One 1 MB entry (compressing 4 to 1, well under the bomb ratio) and a
    // manifest naming it 50 times: 50 MB to write from a 250 KB upload.
    let entry: Vec<u8> = (0u32..1_000_000)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 30) as u8)
        .collect();
    let manifest = format!("file\n{}", "same.bin\n".repeat(50));
    let zip = zip_of(
        &dir.path().join("amplified.zip"),
        &[
            ("manifest.csv", manifest.as_bytes()),
            ("same.bin", entry.as_slice()),
        ],
    );
    assert!(zip.len() < 1_000_000, "{} bytes", zip.len());
    let (status, body) = api.post_body("/v1/jobs", "application/zip", zip);
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("10000000-byte extraction budget"),
        "{body}"
    );
    for left in ["uploads", "media"] {
        let files = files_under(&dir.path().join(left));
        assert!(files.is_empty(), "{left} keeps {files:?}");
    }
    let (_, page) = api.get("/v1/media");
    assert_eq!(page["media"], json!([]), "{page}");

    // Per tenant: a tenant with 3 MB of byte quota left stops at that,
    // not at the job's 10 MB.
    let (_, small) = tenant(&admin, json!({"name": "small", "max_bytes": 3_000_000}));
    let zip = std::fs::read(dir.path().join("amplified.zip")).unwrap();
    let (status, body) = small.post_body("/v1/jobs", "application/zip", zip);
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("the 3000000 bytes left of the tenant's byte quota"),
        "{body}"
    );
    for left in ["uploads", "media"] {
        let files = files_under(&dir.path().join(left));
        assert!(files.is_empty(), "{left} keeps {files:?}");
    }
}

/// Issue 18, item 8: deleting an item left its original and previews on
/// disk, and failed items kept their files.
#[test]
fn deleting_an_item_removes_its_files() {
    let dir = data_dir("api-delete-files");
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let (_service, admin) = service(dir.path(), &[]);
    let (tenant_id, api) = tenant(&admin, json!({"name": "acme"}));
    let media = dir.path().join("media").join(tenant_id.to_string());

    // One item kept, one deleted.
    let kept = image(&files, "kept.png", 4);
    let (status, item) = api.post_file("/v1/media", &kept, &[]);
    assert_eq!(status, 202, "{item}");
    assert_eq!(
        settled(&api, item["id"].as_i64().unwrap())["status"],
        "ready"
    );
    let picture = image(&files, "p.png", 3);
    let (status, item) = api.post_file("/v1/media", &picture, &[]);
    assert_eq!(status, 202, "{item}");
    let id = item["id"].as_i64().unwrap();
    assert_eq!(settled(&api, id)["status"], "ready");
    let original = media.join(id.to_string());
    let previews = media.join(format!("{id}.previews"));
    assert!(
        original.is_file() && previews.is_dir(),
        "no files at {original:?}"
    );

    let (status, _) = api.delete(&format!("/v1/media/{id}"));
    assert_eq!(status, 204);
    assert!(!original.exists(), "the original stays after DELETE");
    assert!(!previews.exists(), "the previews stay after DELETE");
    // What the tenant stores now is the kept item's original.
    let (_, stats) = api.get("/v1/stats");
    let size = std::fs::metadata(&kept).unwrap().len();
    assert_eq!(stats["bytes_stored"], json!(size), "{stats}");

    // A failed item's upload goes when it fails for good.
    let junk = files.join("junk.png");
    std::fs::write(&junk, b"this is not a picture, whatever its name says").unwrap();
    let (status, item) = api.post_file("/v1/media", &junk, &[]);
    assert_eq!(status, 202, "{item}");
    let id = item["id"].as_i64().unwrap();
    assert_eq!(settled(&api, id)["status"], "failed");
    assert!(
        !media.join(id.to_string()).exists(),
        "the failed item keeps its file"
    );
}

/// Issue 18, item 7: a 100,000-row CSV job was made inside its request
/// (581 s to answer), and a client retrying after its timeout made a
/// second job. Now the request answers with the job while its rows are
/// still being expanded (workers turn them into items in batches, the job
/// shows its progress), and a retry with the same `Idempotency-Key` gets
/// the first job (and the first item, for `POST /v1/media`).
#[test]
fn a_large_csv_job_answers_at_once_and_a_retry_makes_no_second_job() {
    let dir = data_dir("api-large-csv");
    // The default fetch policy refuses loopback, so every item fails at
    // once: the test watches rows become items, not downloads.
    let service = Service::start_with(dir.path(), &[("CLICKPRINT_WORKERS", "1")]);
    let admin = Api::new(&service.url, Some(&admin_token(dir.path())));
    let (_, api) = tenant(&admin, json!({"name": "acme"}));
    let (_, other) = tenant(&admin, json!({"name": "other"}));
    let rows = 10_000;
    let mut csv = String::from("url,external_id\n");
    for i in 1..=rows {
        if i == 5_000 {
            csv.push_str("not a url,bad\n");
        } else {
            csv.push_str(&format!("http://127.0.0.1:9/{i}.png,row-{i}\n"));
        }
    }
    let key = [("Idempotency-Key", "nightly-2026-12-01")];
    let (status, job) = api.post_body_with("/v1/jobs", "text/csv", csv.clone().into_bytes(), &key);
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_i64().unwrap();
    // Answered before its rows were all expanded: the request made the
    // first batch of items only.
    assert_eq!(job["total"], rows, "{job}");
    assert_eq!(job["status"], "expanding", "{job}");
    assert!(job["expanded"].as_i64().unwrap() < rows, "{job}");

    // The retry gets the first job; the tenant has one job. Another tenant
    // using the same key makes its own.
    let (status, again) =
        api.post_body_with("/v1/jobs", "text/csv", csv.clone().into_bytes(), &key);
    assert_eq!((status, &again["id"]), (202, &json!(id)), "{again}");
    let (_, jobs) = api.get("/v1/jobs");
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), 1, "{jobs}");
    let small = b"url\nhttp://127.0.0.1:9/x.png\n".to_vec();
    let (status, theirs) = other.post_body_with("/v1/jobs", "text/csv", small, &key);
    assert_eq!(status, 202, "{theirs}");
    assert_ne!(theirs["id"], json!(id), "{theirs}");

    // Every row ends up an item, or a failed row with its reason.
    let mut last = Value::Null;
    assert!(
        wait_until(Duration::from_secs(300), || {
            last = api.get(&format!("/v1/jobs/{id}")).1;
            last["expanded"] == rows
        }),
        "{last}"
    );
    let (_, job) = api.get(&format!("/v1/jobs/{id}"));
    let counted: i64 = ["completed", "failed", "pending", "cancelled"]
        .iter()
        .map(|k| job[k].as_i64().unwrap())
        .sum();
    assert_eq!(counted, rows, "{}", job["status"]);
    let (_, stats) = api.get("/v1/stats");
    assert_eq!(stats["jobs"]["rows"], rows, "{stats}");
    let malformed = job["failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["row"] == 5_000)
        .cloned()
        .unwrap_or(Value::Null);
    assert!(
        malformed["reason"]
            .as_str()
            .is_some_and(|r| r.contains("not an http(s) URL")),
        "{malformed}"
    );
    let (_, page) = api.get("/v1/media?limit=1000");
    let mut items = page["media"].as_array().unwrap().len();
    let mut cursor = page["next_cursor"].clone();
    while let Some(c) = cursor.as_i64() {
        let (_, page) = api.get(&format!("/v1/media?limit=1000&cursor={c}"));
        items += page["media"].as_array().unwrap().len();
        cursor = page["next_cursor"].clone();
    }
    assert_eq!(items, rows as usize - 1);

    // The same for one item.
    let key = [("Idempotency-Key", "one-item")];
    let body = serde_json::to_vec(&json!({"url": "http://127.0.0.1:9/one.png"})).unwrap();
    let (status, first) = api.post_body_with("/v1/media", "application/json", body.clone(), &key);
    assert_eq!(status, 202, "{first}");
    let (status, second) = api.post_body_with("/v1/media", "application/json", body, &key);
    assert_eq!((status, &second["id"]), (202, &first["id"]), "{second}");
}

/// Issue 18, item 8: quotas counted assets only, so a tenant limited in
/// assets could still fill the disk with a few large files. `max_bytes`
/// bounds the bytes of originals a tenant keeps, at upload (refused with
/// a 429 naming it) and at ingest (a download that does not fit fails).
#[test]
fn quotas_count_bytes_stored() {
    let dir = data_dir("api-max-bytes");
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let (_service, admin) = service(dir.path(), &[("CLICKPRINT_WORKERS", "1")]);
    let (status, body) = admin.post_json(
        "/v1/admin/tenants",
        &json!({"name": "negative", "max_bytes": -1}),
    );
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("max_bytes"),
        "{body}"
    );
    let first = image(&files, "first.png", 1);
    let second = image(&files, "second.png", 2);
    let size = std::fs::metadata(&first).unwrap().len() as i64;
    // Room for the first picture and a little more, not for the second.
    let (id, api) = tenant(&admin, json!({"name": "small", "max_bytes": size + 100}));
    let (status, item) = api.post_file("/v1/media", &first, &[]);
    assert_eq!(status, 202, "{item}");
    assert_eq!(
        settled(&api, item["id"].as_i64().unwrap())["status"],
        "ready"
    );
    let (status, body) = api.post_file("/v1/media", &second, &[]);
    assert_eq!(status, 429, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("max_bytes"),
        "{body}"
    );
    // A download's size is known once fetched: it fails the item.
    let base = file_server(&files);
    let (status, item) = api.post_json("/v1/media", &json!({"url": format!("{base}/second.png")}));
    assert_eq!(status, 202, "{item}");
    let item = settled(&api, item["id"].as_i64().unwrap());
    assert_eq!(item["status"], "failed", "{item}");
    assert!(
        item["error"].as_str().unwrap().contains("max_bytes"),
        "{item}"
    );
    // Raised, the quota lets the second in; what is stored is reported.
    let (status, body) = admin.patch_json(
        &format!("/v1/admin/tenants/{id}"),
        &json!({"max_bytes": 10 * size + 100_000}),
    );
    assert_eq!(
        (status, &body["max_bytes"]),
        (200, &json!(10 * size + 100_000)),
        "{body}"
    );
    let (status, item) = api.post_file("/v1/media", &second, &[]);
    assert_eq!(status, 202, "{item}");
    let (_, stats) = api.get("/v1/stats");
    let stored = stats["bytes_stored"].as_i64().unwrap();
    assert!(stored > size, "{stats}");
}

/// Issue 20: "what else copies item 12?" is a search by a library item:
/// `{"media_id": 12}` finds the item's copies in the library, never the
/// item itself.
#[test]
fn a_search_by_a_library_item_finds_its_copies_not_itself() {
    let dir = data_dir("api-item-search");
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let (_service, admin) = service(dir.path(), &[]);
    let (_, api) = tenant(&admin, json!({"name": "acme"}));
    let (original, crop) = picture_and_crop(&files, "crop.jpg");
    let other = image(&files, "other.png", 6);
    let mut ids = Vec::new();
    for file in [&original, &crop, &other] {
        let (status, item) = api.post_file("/v1/media", file, &[]);
        assert_eq!(status, 202, "{item}");
        let id = item["id"].as_i64().unwrap();
        assert_eq!(settled(&api, id)["status"], "ready");
        ids.push(id);
    }
    let (status, answer) = api.post_json("/v1/search", &json!({"media_id": ids[0]}));
    assert_eq!(status, 200, "{answer}");
    let found: Vec<i64> = answer["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["media_id"].as_i64().unwrap())
        .collect();
    assert_eq!(found, vec![ids[1]], "{answer}");
    // An id the tenant does not have, and a query named twice.
    let (status, body) = api.post_json("/v1/search", &json!({"media_id": 999_999}));
    assert_eq!((status, &body["error"]), (404, &json!("no media 999999")));
    let (status, body) = api.post_json(
        "/v1/search",
        &json!({"media_id": ids[0], "url": "http://127.0.0.1:9/q.png"}),
    );
    assert_eq!(status, 400, "{body}");
}

/// The operation `method path` of the OpenAPI document, and the statuses
/// it documents (a response `$ref` resolved to the component).
fn documented(doc: &Value, method: &str, path: &str) -> serde_json::Map<String, Value> {
    let responses = doc["paths"][path][method]["responses"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {path} documents no responses"))
        .clone();
    responses
        .into_iter()
        .map(|(status, response)| {
            let resolved = match response["$ref"].as_str() {
                Some(at) => {
                    let name = at.trim_start_matches("#/components/responses/");
                    doc["components"]["responses"][name].clone()
                }
                None => response,
            };
            (status, resolved)
        })
        .collect()
}

/// Issue 20: a client generated from the document did not know the 403
/// and 429 answers the service sends, and 429 had no `Retry-After`. Every
/// documented operation is called as an anonymous caller, a disabled
/// tenant, a tenant past its request quota and with a body that is not
/// JSON; each status answered must be documented for that operation (a
/// 429 with its `Retry-After`).
#[test]
fn every_status_the_service_sends_is_documented() {
    let dir = data_dir("api-statuses");
    let (service, admin) = service(dir.path(), &[("CLICKPRINT_WORKERS", "0")]);
    let (_, acme) = tenant(&admin, json!({"name": "acme"}));
    let (disabled_id, disabled) = tenant(&admin, json!({"name": "disabled"}));
    admin.patch_json(
        &format!("/v1/admin/tenants/{disabled_id}"),
        &json!({"disabled": true}),
    );
    let (_, limited) = tenant(&admin, json!({"name": "limited", "requests_per_minute": 1}));
    assert_eq!(limited.get("/v1/media").0, 200);
    let (_, doc) = service.get_json("/v1/openapi.json");
    let client = reqwest::blocking::Client::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut rate_limited = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let operation = &doc["paths"][path][method];
            assert!(
                operation["operationId"].is_string() && operation["tags"][0].is_string(),
                "{method} {path} has no operationId or tags"
            );
            let concrete = path
                .replace("{id}", "1")
                .replace("{key_id}", "1")
                .replace("{media_id}", "1")
                .replace("{user}", "analyst_t1_00000000")
                .replace("{tenant}", "1")
                .replace("{path}", "1")
                .replace("{name}", "previews.json");
            let statuses = documented(&doc, method, path);
            for (who, token) in [
                ("anonymous", None),
                ("a disabled tenant", disabled.token()),
                ("a tenant past its quota", limited.token()),
                ("a tenant sending a body that is not JSON", acme.token()),
            ] {
                let mut request = client.request(
                    method.to_uppercase().parse().unwrap(),
                    format!("{}{concrete}", service.url),
                );
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                if who.contains("not JSON") {
                    request = request
                        .header("content-type", "application/json")
                        .body("{not json");
                }
                let response = request.send().unwrap();
                let status = response.status().as_u16();
                let retry_after = response.headers().get("retry-after").cloned();
                let text = response.text().unwrap();
                seen.insert(status);
                let documented = statuses.get(&status.to_string()).unwrap_or_else(|| {
                    panic!(
                        "{method} {path} as {who} answered {status} {text}, \
                         which the document does not list ({:?})",
                        statuses.keys().collect::<Vec<_>>()
                    )
                });
                if status == 429 && who.contains("quota") {
                    rate_limited += 1;
                    assert!(retry_after.is_some(), "{method} {path}: no Retry-After");
                    assert!(
                        documented["headers"]["Retry-After"].is_object(),
                        "{method} {path}: 429 without Retry-After in the document"
                    );
                }
            }
        }
    }
    assert!(rate_limited > 10, "{rate_limited} answers were 429");
    for status in [200, 204, 400, 401, 403, 404, 429] {
        assert!(seen.contains(&status), "no {status} in {seen:?}");
    }
}

/// A service with two pictures and a copy of one to search with:
/// `original.png` (metadata team red) and `other.png` (team blue) served
/// from `files`, `crop.jpg` a copy of the original.
fn pictures(dir: &Path) -> PathBuf {
    let files = dir.join("files");
    std::fs::create_dir_all(&files).expect("the files folder");
    picture_and_crop(&files, "crop.jpg");
    image(&files, "other.png", 6);
    files
}

/// Issue 20: a client generated from `/v1/openapi.json` could not reach
/// previews (a slash inside `{path}`), had no operationIds or tags, and
/// dropped the CSV/ZIP job upload. A client generated now (by
/// swagger-typescript-api, from npm) uploads a CSV job, waits for it,
/// searches by upload, by URL with metadata filters and in a batch, and
/// reads an item's previews, every call through the generated code.
#[test]
fn a_generated_client_uploads_a_job_searches_and_reads_previews() {
    let clients = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients");
    assert!(
        clients.join("node_modules/swagger-typescript-api").is_dir(),
        "{}/node_modules is missing: scripts/setup.sh installs swagger-typescript-api",
        clients.display()
    );
    let dir = data_dir("api-generated-client");
    let files = pictures(dir.path());
    let served = file_server(&files);
    let (service, admin) = service(dir.path(), &[]);
    let (_, api) = tenant(&admin, json!({"name": "acme"}));
    let mut command = std::process::Command::new("node");
    command
        .current_dir(&clients)
        .arg("generated_client_check.mjs")
        .env("CLICKPRINT_URL", &service.url)
        .env("CLICKPRINT_KEY", api.token().unwrap())
        .env("CLICKPRINT_FILES", &files)
        .env("CLICKPRINT_SERVED", &served);
    let output = clickprint_tests::run_with_timeout(command, Duration::from_secs(400));
    let (stdout, stderr) = clickprint_tests::texts(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let summary: Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
    let operations = &summary["generated_operations"];
    for (group, name) in [
        ("jobs", "createJob"),
        ("jobs", "getJob"),
        ("media", "getMediaPreview"),
        ("search", "search"),
        ("search", "searchBatch"),
    ] {
        assert!(
            operations[group].as_array().unwrap().contains(&json!(name)),
            "{name} not generated in {group}: {summary}"
        );
    }
    assert_eq!(summary["job_created"], 202, "{summary}");
    assert_eq!(
        summary["job"],
        json!({"status": "done", "completed": 2, "failed": 0}),
        "{summary}"
    );
    assert_eq!(summary["ready"], json!(["original", "other"]), "{summary}");
    assert_eq!(
        summary["by_upload"],
        json!({"status": 200, "top": "original", "metadata": {"team": "red"}}),
        "{summary}"
    );
    assert_eq!(
        summary["filtered"],
        json!({"red": ["original"], "blue": []}),
        "{summary}"
    );
    assert_eq!(
        summary["batch"],
        json!({"status": 200, "results": [
            {"status": 200, "top": "original", "error": null},
            {"status": 404, "top": null, "error": "no media 999999"},
        ]}),
        "{summary}"
    );
    assert_eq!(summary["previews_json"], 200, "{summary}");
    assert_eq!(summary["thumbnail"], "thumb.jpg", "{summary}");
    assert_eq!(
        summary["thumb"],
        json!({"status": 200, "jpeg": true}),
        "{summary}"
    );
    assert_eq!(summary["missing_preview"], 404, "{summary}");
}

/// Issue 20: a Python client generated from `/v1/openapi.json` (by
/// openapi-python-client, from PyPI) runs a short session through the
/// generated code: two pictures uploaded (multipart), polled until ready,
/// a search by upload that finds the original, and the item's previews.
#[test]
fn a_generated_python_client_uploads_polls_searches_and_reads_previews() {
    let deps = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.deps");
    let generator = deps.join("openapi-python-client");
    assert!(
        generator.is_dir(),
        "{} is missing: scripts/setup.sh installs openapi-python-client",
        generator.display()
    );
    let dir = data_dir("api-generated-python-client");
    let files = pictures(dir.path());
    let (service, admin) = service(dir.path(), &[]);
    let (_, api) = tenant(&admin, json!({"name": "acme"}));
    let mut command = std::process::Command::new("python3");
    command
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/generated_python_client_check.py"))
        .env("PYTHONPATH", &generator)
        .env(
            "PATH",
            format!(
                "{}:{}",
                generator.join("bin").display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("CLICKPRINT_URL", &service.url)
        .env("CLICKPRINT_KEY", api.token().unwrap())
        .env("CLICKPRINT_FILES", &files);
    let output = clickprint_tests::run_with_timeout(command, Duration::from_secs(400));
    let (stdout, stderr) = clickprint_tests::texts(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let summary: Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
    for name in [
        "create_media",
        "get_media",
        "get_media_preview",
        "search",
        "create_webhook",
    ] {
        assert!(
            summary["generated_operations"]
                .as_array()
                .unwrap()
                .contains(&json!(name)),
            "{name} not generated: {summary}"
        );
    }
    assert_eq!(summary["created"], json!([202, 202]), "{summary}");
    assert_eq!(
        summary["ready"],
        json!({"original": "ready", "other": "ready"}),
        "{summary}"
    );
    assert_eq!(
        summary["search"],
        json!({"status": 200, "found": ["original"]}),
        "{summary}"
    );
    assert_eq!(
        summary["previews"],
        json!({"status": 200, "thumbnail": "thumb.jpg"}),
        "{summary}"
    );
    let thumbnail = &summary["thumbnail"];
    assert_eq!(
        (
            &thumbnail["status"],
            &thumbnail["content_type"],
            &thumbnail["jpeg"]
        ),
        (&json!(200), &json!("image/jpeg"), &json!(true)),
        "{summary}"
    );
    assert!(thumbnail["bytes"].as_u64().unwrap_or(0) > 500, "{summary}");
    assert_eq!(summary["missing_preview"]["status"], 404, "{summary}");
}

/// Issue 20: metadata filters in a search and metadata in each match. The
/// filter runs on every candidate the statement reranks, before top_k
/// cuts: with two copies of the original in the library (team red and
/// team blue), `top_k: 1` with a filter gives that team's copy whichever
/// of the two scores higher.
#[test]
fn a_search_filters_by_metadata_before_it_cuts_to_top_k() {
    let dir = data_dir("api-filter");
    let files = pictures(dir.path());
    let (_service, admin) = service(dir.path(), &[("CLICKPRINT_SEARCH_BATCH_MAX_QUERIES", "3")]);
    let (_, api) = tenant(&admin, json!({"name": "acme"}));
    let smaller = ffmpeg(
        &[
            "-i",
            files.join("original.png").to_str().unwrap(),
            "-vf",
            "scale=iw*0.8:ih*0.8",
        ],
        &files.join("smaller.png"),
    );
    let mut ids = std::collections::HashMap::new();
    for (file, metadata) in [
        (
            files.join("original.png"),
            r#"{"team": "red", "year": 2024}"#,
        ),
        (smaller, r#"{"team": "blue", "year": 2024}"#),
        (files.join("other.png"), r#"{"team": "blue"}"#),
    ] {
        let (status, item) = api.post_file("/v1/media", &file, &[("metadata", metadata)]);
        assert_eq!(status, 202, "{item}");
        let id = item["id"].as_i64().unwrap();
        assert_eq!(settled(&api, id)["status"], "ready");
        ids.insert(item["external_id"].as_str().unwrap().to_owned(), id);
    }
    let crop = files.join("crop.jpg");
    let search = |fields: &[(&str, &str)]| {
        let (status, answer) = api.post_file("/v1/search", &crop, fields);
        assert_eq!(status, 200, "{answer}");
        answer["matches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["external_id"].as_str().unwrap().to_owned(),
                    m["metadata"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let both = search(&[("top_k", "5")]);
    let mut names: Vec<&str> = both.iter().map(|(n, _)| n.as_str()).collect();
    names.sort();
    assert_eq!(names, ["original.png", "smaller.png"], "{both:?}");
    for (name, metadata) in &both {
        let expected = if name == "original.png" {
            "red"
        } else {
            "blue"
        };
        assert_eq!(metadata["team"], expected, "{both:?}");
    }
    for (team, name) in [("red", "original.png"), ("blue", "smaller.png")] {
        let filter = json!({ "team": team, "year": 2024 }).to_string();
        let found = search(&[("top_k", "1"), ("filter", &filter)]);
        assert_eq!(found.len(), 1, "{team}: {found:?}");
        assert_eq!(found[0].0, name, "{team}: {found:?}");
    }
    assert_eq!(search(&[("filter", r#"{"team": "green"}"#)]), vec![]);
    assert_eq!(
        search(&[("filter", r#"{"year": "2024"}"#)]),
        vec![],
        "a string is not a number"
    );
    for bad in [r#"{"team": ["red"]}"#, r#"["team"]"#, "{not json"] {
        let (status, body) = api.post_file("/v1/search", &crop, &[("filter", bad)]);
        assert_eq!(status, 400, "{bad}: {body}");
    }

    // A batch answers each query in order, a failed one with its own
    // status; the filter holds for all.
    let junk = files.join("junk.png");
    std::fs::write(&junk, b"this is not a picture, whatever its name says").unwrap();
    let form = reqwest::blocking::multipart::Form::new()
        .file("file", &crop)
        .unwrap()
        .file("file", &junk)
        .unwrap()
        .file("file", files.join("other.png"))
        .unwrap()
        .text("filter", r#"{"team": "blue"}"#);
    let response = reqwest::blocking::Client::new()
        .post(format!("{}/v1/search/batch", api.url))
        .bearer_auth(api.token().unwrap())
        .multipart(form)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let answer: Value = response.json().unwrap();
    let results = answer["results"].as_array().unwrap();
    let summary: Vec<(String, u16, Vec<String>)> = results
        .iter()
        .map(|r| {
            let found = r["answer"]["matches"]
                .as_array()
                .map(|m| {
                    m.iter()
                        .map(|m| m["external_id"].as_str().unwrap().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            (
                r["query"].as_str().unwrap().to_owned(),
                r["status"].as_u64().unwrap() as u16,
                found,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("crop.jpg".to_owned(), 200, vec!["smaller.png".to_owned()]),
            ("junk.png".to_owned(), 422, vec![]),
            ("other.png".to_owned(), 200, vec!["other.png".to_owned()]),
        ],
        "{answer}"
    );
    assert!(
        results[1]["error"]
            .as_str()
            .unwrap()
            .contains("not an image, audio or video file"),
        "{answer}"
    );
    // By JSON: library items and URLs, at most search_batch_max_queries.
    let (status, answer) = api.post_json(
        "/v1/search/batch",
        &json!({"queries": [{"media_id": ids["original.png"]}, {"url": "http://127.0.0.1:9/q.png"}]}),
    );
    assert_eq!(status, 200, "{answer}");
    let statuses: Vec<&Value> = answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["status"])
        .collect();
    assert_eq!(statuses, [&json!(200), &json!(422)], "{answer}");
    assert_eq!(
        answer["results"][0]["answer"]["matches"][0]["external_id"], "smaller.png",
        "{answer}"
    );
    let four =
        json!({"queries": [{"media_id": 1}, {"media_id": 2}, {"media_id": 3}, {"media_id": 4}]});
    let (status, body) = api.post_json("/v1/search/batch", &four);
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("search_batch_max_queries"),
        "{body}"
    );
    let (status, body) = api.post_json("/v1/search/batch", &json!({"queries": []}));
    assert_eq!(status, 400, "{body}");
    let (status, body) = api.post_json(
        "/v1/search/batch",
        &json!({"queries": [{"media_id": 1, "url": "http://127.0.0.1:9/q.png"}]}),
    );
    assert_eq!(status, 400, "{body}");
}

/// Issue 20: a batch of 50 files, the most one request takes, answers all
/// 50 in the order sent; the one file that is no picture is reported in
/// its own result (422) and the other 49 find the original.
#[test]
fn a_batch_of_fifty_files_answers_all_fifty() {
    let dir = data_dir("api-batch-fifty");
    let files = pictures(dir.path());
    let (_service, admin) = service(dir.path(), &[]);
    let (_, api) = tenant(&admin, json!({"name": "acme"}));
    let (status, item) = api.post_file("/v1/media", &files.join("original.png"), &[]);
    assert_eq!(status, 202, "{item}");
    let original = item["id"].as_i64().unwrap();
    assert_eq!(settled(&api, original)["status"], "ready");
    // Seven copies as they circulate, seven times each under other names.
    let source = files.join("original.png");
    let variants: Vec<PathBuf> = [
        ("crop", "crop=iw*0.85:ih*0.85"),
        ("half", "scale=iw/2:ih/2"),
        ("bright", "eq=brightness=0.06"),
        ("wide", "scale=iw*1.2:ih"),
        ("blur", "boxblur=1"),
        ("pad", "pad=iw+40:ih+40:20:20"),
        ("gray", "format=gray"),
    ]
    .iter()
    .map(|(name, filter)| {
        ffmpeg(
            &["-i", source.to_str().unwrap(), "-vf", filter, "-q:v", "8"],
            &files.join(format!("{name}.jpg")),
        )
    })
    .collect();
    let junk = files.join("junk.png");
    std::fs::write(&junk, b"not a picture").unwrap();
    let mut queries = Vec::new();
    for round in 0..7 {
        for variant in &variants {
            let copy = files.join(format!(
                "q{round}-{}",
                variant.file_name().unwrap().to_str().unwrap()
            ));
            std::fs::copy(variant, &copy).unwrap();
            queries.push(copy);
        }
    }
    queries.insert(20, junk);
    assert_eq!(queries.len(), 50);
    let mut form = reqwest::blocking::multipart::Form::new();
    for query in &queries {
        form = form.file("file", query).unwrap();
    }
    let response = reqwest::blocking::Client::new()
        .post(format!("{}/v1/search/batch", api.url))
        .bearer_auth(api.token().unwrap())
        .timeout(Duration::from_secs(300))
        .multipart(form)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let answer: Value = response.json().unwrap();
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 50, "{answer}");
    for (i, (result, query)) in results.iter().zip(&queries).enumerate() {
        let name = query.file_name().unwrap().to_str().unwrap();
        assert_eq!(result["query"], name, "result {i}: {result}");
        if name == "junk.png" {
            assert_eq!(result["status"], 422, "{result}");
            assert!(result["error"].is_string(), "{result}");
        } else {
            assert_eq!(result["status"], 200, "{name}: {result}");
            assert_eq!(
                result["answer"]["matches"][0]["media_id"], original,
                "{name}: {result}"
            );
        }
    }
}

/// Issue 20, the review loop: a match decided as a false positive never
/// comes back in a later search of the same query content (an exact
/// re-upload under another name, a search by the query item, the CLI);
/// a confirmed one is flagged; an excluded item is never returned, by any
/// query; revoking restores each; and another tenant neither sees nor can
/// touch either.
#[test]
fn decisions_and_exclusions_hold_in_every_search_until_revoked() {
    let dir = data_dir("api-review");
    let files = pictures(dir.path());
    let (_service, admin) = service(dir.path(), &[]);
    let (_, a) = tenant(&admin, json!({"name": "a"}));
    let (_, b) = tenant(&admin, json!({"name": "b"}));
    let smaller = ffmpeg(
        &[
            "-i",
            files.join("original.png").to_str().unwrap(),
            "-vf",
            "scale=iw*0.8:ih*0.8",
        ],
        &files.join("smaller.png"),
    );
    let add = |api: &Api, file: &Path| {
        let (status, item) = api.post_file("/v1/media", file, &[]);
        assert_eq!(status, 202, "{item}");
        let id = item["id"].as_i64().unwrap();
        assert_eq!(settled(api, id)["status"], "ready");
        id
    };
    let original = add(&a, &files.join("original.png"));
    let copy = add(&a, &smaller);
    let theirs = add(&b, &files.join("original.png"));
    let crop = files.join("crop.jpg");
    let again = files.join("again.jpg");
    std::fs::copy(&crop, &again).unwrap();
    let found = |answer: &Value| -> Vec<i64> {
        let mut ids: Vec<i64> = answer["matches"]
            .as_array()
            .unwrap_or_else(|| panic!("{answer}"))
            .iter()
            .map(|m| m["media_id"].as_i64().unwrap())
            .collect();
        ids.sort();
        ids
    };
    // `clickprint search` through the running service, as an operator.
    let cli = |file: &Path| -> Value {
        let out = clickprint_tests::clickprint(dir.path())
            .args(["search", "--tenant", "a", "--json"])
            .arg(file)
            .output()
            .expect("clickprint search");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON")
    };
    let (_, first) = a.post_file("/v1/search", &crop, &[]);
    assert_eq!(found(&first), [original, copy], "{first}");
    assert!(
        first["matches"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["decision"].is_null()),
        "{first}"
    );
    let sha = first["query_sha256"].as_str().unwrap().to_owned();
    assert_eq!(sha.len(), 64, "{first}");
    let digest: String = sha2::Sha256::digest(std::fs::read(&crop).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sha, digest, "query_sha256 is the file's SHA-256");

    let decide =
        |api: &Api, body: Value| -> (u16, Value) { api.post_json("/v1/matches/decisions", &body) };
    let (status, fp) = decide(
        &a,
        json!({"query_sha256": sha, "media_id": original, "decision": "false_positive", "note": "a look-alike"}),
    );
    assert_eq!(status, 200, "{fp}");
    assert_eq!(
        (&fp["decision"], &fp["note"]),
        (&json!("false_positive"), &json!("a look-alike"))
    );
    // The same content under another name: the item is gone, the other
    // copy stays, in the API and in the CLI.
    let (_, later) = a.post_file("/v1/search", &again, &[]);
    assert_eq!(found(&later), [copy], "{later}");
    assert_eq!(found(&cli(&again)), [copy]);
    // Another tenant cannot decide on a's items, and a's decision is not
    // theirs: b still finds its own copy with the same query.
    let (status, body) = decide(
        &b,
        json!({"query_sha256": sha, "media_id": original, "decision": "false_positive"}),
    );
    assert_eq!(status, 404, "{body}");
    let (_, answer) = b.post_file("/v1/search", &crop, &[]);
    assert_eq!(found(&answer), [theirs], "{answer}");

    // Confirmed: still returned, flagged.
    let (status, confirmed) = decide(
        &a,
        json!({"query_sha256": sha, "media_id": copy, "decision": "confirmed"}),
    );
    assert_eq!(status, 200, "{confirmed}");
    let (_, later) = a.post_file("/v1/search", &again, &[]);
    assert_eq!(later["matches"][0]["media_id"], copy, "{later}");
    assert_eq!(later["matches"][0]["decision"], "confirmed", "{later}");

    // By the query item: a search by `copy` no longer gives `original`.
    let (_, by_item) = a.post_json("/v1/search", &json!({"media_id": copy}));
    assert_eq!(found(&by_item), [original], "{by_item}");
    let (status, body) = decide(
        &a,
        json!({"query_media_id": copy, "media_id": original, "decision": "false_positive"}),
    );
    assert_eq!(status, 200, "{body}");
    let (_, by_item) = a.post_json("/v1/search", &json!({"media_id": copy}));
    assert_eq!(found(&by_item), Vec::<i64>::new(), "{by_item}");

    // Listed, newest first, a page at a time; of one query content or
    // verdict when asked; another tenant lists none of them.
    let listed = |api: &Api, query: &str| -> (Vec<(String, i64, String)>, Value) {
        let (status, page) = api.get(&format!("/v1/matches/decisions{query}"));
        assert_eq!(status, 200, "{query}: {page}");
        let pairs = page["decisions"]
            .as_array()
            .unwrap_or_else(|| panic!("{page}"))
            .iter()
            .map(|d| {
                (
                    d["query_sha256"].as_str().unwrap().to_owned(),
                    d["media_id"].as_i64().unwrap(),
                    d["decision"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        (pairs, page["next_cursor"].clone())
    };
    let copy_sha = settled(&a, copy)["sha256"].as_str().unwrap().to_owned();
    let (all, next) = listed(&a, "");
    let fp_ = || "false_positive".to_owned();
    assert_eq!(
        all,
        [
            (copy_sha.clone(), original, fp_()),
            (sha.clone(), copy, "confirmed".to_owned()),
            (sha.clone(), original, fp_()),
        ],
        "newest first"
    );
    assert_eq!(next, Value::Null);
    let (first_page, next) = listed(&a, "?limit=1");
    assert_eq!(first_page, all[..1]);
    let (second_page, _) = listed(&a, &format!("?limit=2&cursor={next}"));
    assert_eq!(second_page.as_slice(), &all[1..]);
    assert_eq!(listed(&a, &format!("?query_sha256={sha}")).0, all[1..]);
    assert_eq!(listed(&a, "?decision=confirmed").0, all[1..2]);
    assert_eq!(listed(&a, &format!("?media_id={copy}")).0, all[1..2]);
    assert_eq!(listed(&b, "").0, []);
    for bad in [
        "?limit=many",
        "?query_sha256=abc",
        "?cursor=x",
        "?decision=maybe",
        "?revoked=yes",
    ] {
        let (status, body) = a.get(&format!("/v1/matches/decisions{bad}"));
        assert_eq!(status, 400, "{bad}: {body}");
    }

    // Excluded: `copy` is never returned, by any query of a, while b's
    // own item is untouched; listed; another tenant cannot exclude or
    // revoke a's items.
    let (status, body) = a.post_json(
        "/v1/exclusions",
        &json!({"media_id": copy, "note": "test card"}),
    );
    assert_eq!((status, &body["media_id"]), (200, &json!(copy)), "{body}");
    assert_eq!(
        b.post_json("/v1/exclusions", &json!({"media_id": copy})).0,
        404
    );
    assert_eq!(b.delete(&format!("/v1/exclusions/{copy}")).0, 404);
    let (_, excluded) = a.post_file("/v1/search", &files.join("original.png"), &[]);
    assert_eq!(found(&excluded), [original], "{excluded}");
    let (_, batch) = a.post_json(
        "/v1/search/batch",
        &json!({"queries": [{"media_id": original}]}),
    );
    assert_eq!(
        found(&batch["results"][0]["answer"]),
        Vec::<i64>::new(),
        "{batch}"
    );
    let (_, theirs_still) = b.post_file("/v1/search", &files.join("original.png"), &[]);
    assert_eq!(found(&theirs_still), [theirs], "{theirs_still}");
    let (_, exclusions) = a.get("/v1/exclusions");
    assert_eq!(
        exclusions["exclusions"][0]["note"], "test card",
        "{exclusions}"
    );
    assert_eq!(b.get("/v1/exclusions").1["exclusions"], json!([]));

    // Revoked, each comes back; revoking twice is a 404; b cannot revoke
    // a's decision.
    let id = fp["id"].as_i64().unwrap();
    assert_eq!(b.delete(&format!("/v1/matches/decisions/{id}")).0, 404);
    let (status, body) = a.delete(&format!("/v1/matches/decisions/{id}"));
    assert_eq!(status, 200, "{body}");
    assert!(body["revoked_at"].is_string(), "{body}");
    assert_eq!(a.delete(&format!("/v1/matches/decisions/{id}")).0, 404);
    assert_eq!(
        listed(&a, "").0,
        all[..2],
        "a revoked decision is not listed"
    );
    assert_eq!(listed(&a, "?revoked=true").0, all, "unless asked");
    let (status, body) = a.delete(&format!("/v1/exclusions/{copy}"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(a.delete(&format!("/v1/exclusions/{copy}")).0, 404);
    let (_, restored) = a.post_file("/v1/search", &crop, &[]);
    assert_eq!(found(&restored), [original, copy], "{restored}");
    assert_eq!(found(&cli(&crop)), [original, copy]);
    for bad in [
        json!({"query_sha256": "abc", "media_id": original, "decision": "false_positive"}),
        json!({"media_id": original, "decision": "false_positive"}),
        json!({"query_sha256": sha, "query_media_id": copy, "media_id": original, "decision": "confirmed"}),
        json!({"query_sha256": sha, "media_id": original}),
        json!({"query_sha256": sha, "media_id": original, "decision": "maybe"}),
        json!({"query_sha256": sha, "media_id": original, "decision": "confirmed", "note": "x".repeat(1001)}),
    ] {
        let (status, body) = decide(&a, bad.clone());
        assert_eq!(status, 400, "{bad}: {body}");
    }
}
