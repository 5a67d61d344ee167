//! The web console: a real browser (Debian's chromium driven by
//! playwright-core, `tests/e2e/console.mjs`) against a running
//! `clickprint serve`, and the console's files refused to anyone but their
//! tenant. Screenshots land in `target/e2e-artifacts/`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use clickprint_tests::{Api, Service, admin_token, data_dir, ffmpeg, image_source, melody_source};
use serde_json::json;

/// The e2e folder (its `node_modules` comes from `scripts/setup.sh`).
fn e2e() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e")
}

fn artifacts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-artifacts")
}

/// A key for a new tenant, as text (the browser types it).
fn tenant_key(admin: &Api, name: &str) -> (i64, String) {
    let (status, tenant) = admin.post_json("/v1/admin/tenants", &json!({ "name": name }));
    assert_eq!(status, 201, "{tenant}");
    let id = tenant["id"].as_i64().expect("a tenant id");
    let (status, key) = admin.post_json(&format!("/v1/admin/tenants/{id}/keys"), &json!({}));
    assert_eq!(status, 201, "{key}");
    (id, key["key"].as_str().expect("a key").to_owned())
}

/// 30 s of moving pictures with a melody, WebM (VP9 + Opus, which
/// Chromium plays).
fn clip(dir: &Path) -> PathBuf {
    ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "life=s=160x120:seed=11:ratio=0.25:rate=25,scale=320:240",
            "-f",
            "lavfi",
            "-i",
            &melody_source(11, 30),
            "-t",
            "30",
            "-c:v",
            "libvpx-vp9",
            "-b:v",
            "400k",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-c:a",
            "libopus",
        ],
        &dir.join("clip.webm"),
    )
}

#[test]
fn the_console_shows_a_match_where_it_sits_and_plays_it() {
    let dir = data_dir("console");
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let service = Service::start(dir.path());
    let admin = Api::new(&service.url, Some(&admin_token(dir.path())));
    let (acme, key) = tenant_key(&admin, "acme");
    let (_, other_key) = tenant_key(&admin, "other");

    // The library: four pictures and the clip in a ZIP whose manifest also
    // names a file it lacks (a failed row with its reason); a melody uploaded
    // on its own; the query is the clip's 10 s from 8 s, smaller and
    // re-encoded.
    let clip = clip(&files);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(files.join("library.zip")).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    let mut manifest = String::from("file,external_id,shot_by\n");
    for i in 0..4 {
        let name = format!("picture-{i}.png");
        let picture = ffmpeg(
            &["-f", "lavfi", "-i", &image_source(40 + i), "-frames:v", "1"],
            &files.join(&name),
        );
        zip.start_file(&name, options).unwrap();
        zip.write_all(&std::fs::read(picture).unwrap()).unwrap();
        manifest.push_str(&format!("{name},{name},camera {i}\n"));
    }
    zip.start_file("clip.webm", options).unwrap();
    zip.write_all(&std::fs::read(&clip).unwrap()).unwrap();
    manifest.push_str("clip.webm,clip.webm,studio\nmissing.png,missing.png,nobody\n");
    zip.start_file("manifest.csv", options).unwrap();
    zip.write_all(manifest.as_bytes()).unwrap();
    zip.finish().unwrap();
    let melody = ffmpeg(
        &["-f", "lavfi", "-i", &melody_source(12, 8), "-b:a", "96k"],
        &files.join("melody.mp3"),
    );
    let query = ffmpeg(
        &[
            "-ss",
            "8",
            "-t",
            "10",
            "-i",
            clip.to_str().unwrap(),
            "-vf",
            "scale=240:180",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "30",
            "-c:a",
            "aac",
        ],
        &files.join("query.mp4"),
    );

    // A compilation: the clip's 2-10 s, 8 s of other moving pictures and
    // another melody, the clip's 18-26 s.
    let compilation = ffmpeg(
        &[
            "-i",
            clip.to_str().unwrap(),
            "-f",
            "lavfi",
            "-t",
            "8",
            "-i",
            "life=s=160x120:seed=77:ratio=0.3:rate=25,scale=320:240",
            "-f",
            "lavfi",
            "-i",
            &melody_source(77, 8),
            "-filter_complex",
            "[0:v]split[v1][v2];[v1]trim=2:10,setpts=PTS-STARTPTS[a];\
             [v2]trim=18:26,setpts=PTS-STARTPTS[b];\
             [0:a]aformat=sample_rates=48000:channel_layouts=stereo,asplit[s1][s2];\
             [s1]atrim=2:10,asetpts=PTS-STARTPTS[x];[s2]atrim=18:26,asetpts=PTS-STARTPTS[y];\
             [1:v]setsar=1[f];[2:a]aformat=sample_rates=48000:channel_layouts=stereo[n];\
             [a][x][f][n][b][y]concat=n=3:v=1:a=1[v][au]",
            "-map",
            "[v]",
            "-map",
            "[au]",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "30",
            "-c:a",
            "aac",
        ],
        &files.join("compilation.mp4"),
    );

    // A still of the clip at 10 s.
    let still = ffmpeg(
        &["-ss", "10", "-i", clip.to_str().unwrap(), "-frames:v", "1"],
        &files.join("still.png"),
    );

    // A short video and, beside it, a subtitle file of the same name with
    // a line of dialogue at 1-2.5 s: the console sends them together.
    let subtitles = files.join("dialogue.srt");
    std::fs::write(
        &subtitles,
        "1\n00:00:01,000 --> 00:00:02,500\nThe lighthouse keeper sings at dawn.\n",
    )
    .unwrap();
    let dialogue = ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "mandelbrot=s=320x240:rate=10",
            "-t",
            "4",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
        ],
        &files.join("dialogue.mp4"),
    );

    let output = Command::new("node")
        .arg(e2e().join("console.mjs"))
        .current_dir(e2e())
        .env("CONSOLE_URL", &service.url)
        .env("GOOD_KEY", &key)
        .env("LIBRARY_ZIP", files.join("library.zip"))
        .env("LIBRARY_ITEMS", "5")
        .env("LIBRARY_MISSING", "missing.png")
        .env("EXTRA_FILE", &melody)
        .env("QUERY_FILE", &query)
        .env("EXPECT_ID", "clip.webm")
        .env("EXPECT_START", "8")
        .env("EXPECT_END", "18")
        .env("COMPILATION_FILE", &compilation)
        .env("COMPILATION_SEGMENTS", "2-10,18-26")
        .env("STILL_FILE", &still)
        .env("STILL_AT", "10")
        .env("DIALOGUE_FILE", &dialogue)
        .env("SUBTITLES_FILE", &subtitles)
        .env("ARTIFACTS", artifacts())
        .output()
        .expect("node runs (scripts/setup.sh installs it and tests/e2e/node_modules)");
    assert!(
        output.status.success(),
        "the browser test failed (screenshots in {}):\n{}\n{}\nservice log:\n{}",
        artifacts().display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        service.log()
    );

    // Its files: the tenant reads them (cached privately, ranges honoured);
    // another tenant and nobody at all get nothing, not even a hint that
    // they exist.
    let acme_api = admin.with_token(&key);
    let (_, page) = acme_api.get("/v1/media?status=ready");
    let item = page["media"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["external_id"] == "clip.webm")
        .unwrap()
        .clone();
    let id = item["id"].as_i64().unwrap();
    let thumb = format!("{}/v1/files/{acme}/{id}.previews/thumb.jpg", service.url);
    let original = format!("{}/v1/files/{acme}/{id}", service.url);
    let client = reqwest::blocking::Client::new();
    let response = client.get(&thumb).bearer_auth(&key).send().unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("private")
    );
    let response = client
        .get(&original)
        .bearer_auth(&key)
        .header("range", "bytes=100-199")
        .send()
        .unwrap();
    assert_eq!(response.status(), 206);
    assert_eq!(
        response.bytes().unwrap().as_ref(),
        &std::fs::read(&clip).unwrap()[100..200]
    );
    // The other tenant signs in as its console does.
    let signed_in = client
        .post(format!("{}/v1/session", service.url))
        .header("origin", &service.url)
        .json(&json!({ "key": other_key }))
        .send()
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let other_cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    for url in [&thumb, &original] {
        let response = client.get(url).bearer_auth(&other_key).send().unwrap();
        assert_eq!(response.status(), 404, "{url} for another tenant");
        let response = client
            .get(url)
            .header("cookie", &other_cookie)
            .send()
            .unwrap();
        assert_eq!(response.status(), 404, "{url} with another tenant's cookie");
        let response = client
            .get(url)
            .header("cookie", format!("clickprint_session={key}"))
            .send()
            .unwrap();
        assert_eq!(response.status(), 401, "{url} with a key for a cookie");
        assert_eq!(client.get(url).send().unwrap().status(), 401, "{url}");
    }
    // A path that tries to climb out is refused before any file is read.
    let climb = format!(
        "{}/v1/files/{acme}/{id}.previews/..%2F..%2F..%2Fadmin.token",
        service.url
    );
    let response = client.get(&climb).bearer_auth(&key).send().unwrap();
    assert_eq!(response.status(), 404);
    // A deleted item's files go with it.
    assert_eq!(acme_api.delete(&format!("/v1/media/{id}")).0, 204);
    let response = client.get(&thumb).bearer_auth(&key).send().unwrap();
    assert_eq!(response.status(), 404);
    for shot in [
        "01-wrong-key",
        "03-library",
        "04-search",
        "03b-duplicate",
        "05-played",
        "05b-dismissed",
        "06-compilation",
        "06b-still",
        "06c-dialogue",
        "07-narrow",
    ] {
        assert!(artifacts().join(format!("{shot}.png")).is_file(), "{shot}");
    }
}
