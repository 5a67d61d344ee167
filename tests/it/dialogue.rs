//! Dialogue (issue 21, items 1 and 2): a video's subtitle streams become
//! cues in `fp_cues` at ingest, and `clickprint search --text` and
//! `POST /v1/search {"text": ...}` find items by what they say. Videos
//! made here by ffmpeg: one H.264 picture stream, muxed with a generated
//! SRT as mov_text (MP4) and as SubRip and ASS (MKV), and without it.

use std::path::{Path, PathBuf};

use clickprint_tests::{Service, data_dir, ffmpeg, mux_subtitles, run_clickprint};
use serde_json::{Value, json};

/// Six seconds of ffmpeg's test pattern, 320x240 H.264 with no sound and
/// no subtitles: the picture stream the tests mux their cues into.
fn test_pattern_video(out: &Path) -> PathBuf {
    ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x240:d=6",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
        ],
        out,
    )
}

/// Three cues; the ranges the tests expect are these, to the millisecond.
const SRT: &str = "1
00:00:01,000 --> 00:00:02,500
The quick brown fox
jumps over the lazy dog.

2
00:00:03,000 --> 00:00:04,250
<i>Zebras</i> whisper at midnight, señor.

3
00:00:04,500 --> 00:00:05,750
Forty-two is the answer.
";

fn run(data: &Path, args: &[&str]) -> String {
    let (ok, stdout, stderr) = run_clickprint(data, args, &[]);
    assert!(ok, "clickprint {args:?}: {stderr}");
    stdout
}

/// `clickprint search --tenant TENANT --text TEXT [more] --json`.
fn text_search(data: &Path, tenant: &str, text: &str, more: &[&str]) -> Value {
    let args = [
        &["search", "--tenant", tenant, "--text", text, "--json"][..],
        more,
    ]
    .concat();
    let stdout = run(data, &args);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// The external ids of an answer's matches, best first.
fn found(answer: &Value) -> Vec<&str> {
    answer["matches"]
        .as_array()
        .unwrap_or_else(|| panic!("no matches in {answer}"))
        .iter()
        .map(|m| m["external_id"].as_str().unwrap_or("-"))
        .collect()
}

/// `POST /v1/search {"text": TEXT}` as `api`'s tenant: the answer of a 200.
fn text_search_api(api: &clickprint_tests::Api, text: &str) -> Value {
    let (status, answer) = api.post_json("/v1/search", &json!({ "text": text }));
    assert_eq!(status, 200, "{answer}");
    answer
}

/// A statement's JSON rows, as the operator.
fn sql(data: &Path, statement: &str) -> Value {
    let stdout = run(data, &["sql", "--json", statement]);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// A client of the running service for tenant `tenant`, with a new key.
fn tenant_api(service: &Service, data: &Path, tenant: i64) -> clickprint_tests::Api {
    let admin =
        clickprint_tests::Api::new(&service.url, Some(&clickprint_tests::admin_token(data)));
    let (status, key) = admin.post_json(&format!("/v1/admin/tenants/{tenant}/keys"), &json!({}));
    assert_eq!(status, 201, "{key}");
    admin.with_token(key["key"].as_str().expect("a key"))
}

/// The id of the tenant's item with external id `external`.
fn id_of(api: &clickprint_tests::Api, external: &str) -> i64 {
    let (_, page) = api.get("/v1/media?limit=100");
    page["media"]
        .as_array()
        .unwrap_or_else(|| panic!("no media in {page}"))
        .iter()
        .find(|m| m["external_id"] == external)
        .and_then(|m| m["id"].as_i64())
        .unwrap_or_else(|| panic!("{external} not in {page}"))
}

#[test]
fn subtitle_streams_become_cues_that_a_text_search_finds() {
    let dir = data_dir("dialogue");
    let data = dir.path().join("data");
    let made = dir.path().join("made");
    let acme = dir.path().join("acme");
    let other = dir.path().join("other");
    for d in [&made, &acme, &other] {
        std::fs::create_dir_all(d).unwrap();
    }
    let srt = made.join("lines.srt");
    std::fs::write(&srt, SRT).unwrap();
    let srt = srt.to_str().unwrap();
    let plain = test_pattern_video(&acme.join("plain.mp4"));
    let plain = plain.to_str().unwrap();
    ffmpeg(&["-i", plain, "-c:v", "copy"], &acme.join("plain.mkv"));
    // The same picture stream (copied, not encoded again) with the cues.
    mux_subtitles(
        Path::new(plain),
        Path::new(srt),
        Some("eng"),
        &acme.join("movie.mp4"),
    );
    ffmpeg(
        &[
            "-i",
            plain,
            "-i",
            srt,
            "-i",
            srt,
            "-map",
            "0",
            "-map",
            "1",
            "-map",
            "2",
            "-c:v",
            "copy",
            "-c:s:0",
            "srt",
            "-c:s:1",
            "ass",
            "-metadata:s:s:0",
            "language=eng",
            "-metadata:s:s:1",
            "language=fre",
        ],
        &acme.join("movie.mkv"),
    );
    std::fs::copy(acme.join("movie.mp4"), other.join("theirs.mp4")).unwrap();

    for (name, files) in [("acme", &acme), ("other", &other)] {
        run(&data, &["tenant", "create", name]);
        let stdout = run(
            &data,
            &["ingest", "--tenant", name, files.to_str().unwrap()],
        );
        assert!(stdout.contains(", 0 failed"), "{name}: {stdout}");
    }
    // Through the running service from here: the CLI's statements go
    // through it, and the API answers for the tenants' keys.
    let service = Service::start(&data);
    let (api, other_api) = (
        tenant_api(&service, &data, 1),
        tenant_api(&service, &data, 2),
    );
    let (plain_mp4, plain_mkv, mp4, mkv) = (
        id_of(&api, "plain.mp4"),
        id_of(&api, "plain.mkv"),
        id_of(&api, "movie.mp4"),
        id_of(&api, "movie.mkv"),
    );
    let theirs = id_of(&other_api, "theirs.mp4");

    // Every cue, with its exact range: mov_text's empty gap packets give
    // none; the MKV has each cue twice, once per language.
    let cues = sql(
        &data,
        "SELECT media_id, start_ms, end_ms, language, text FROM fp_cues \
         WHERE tenant_id = 1 ORDER BY media_id, language, start_ms",
    );
    let cue = |m: i64, start: u32, end: u32, language: &str, text: &str| json!({"media_id": m, "start_ms": start, "end_ms": end, "language": language, "text": text});
    let lines = [
        (1000, 2500, "The quick brown fox\njumps over the lazy dog."),
        (3000, 4250, "Zebras whisper at midnight, señor."),
        (4500, 5750, "Forty-two is the answer."),
    ];
    let mut expected = Vec::new();
    for (m, languages) in [(mp4, &["eng"][..]), (mkv, &["eng", "fre"][..])] {
        for language in languages {
            for (start, end, text) in lines {
                expected.push(cue(m, start, end, language, text));
            }
        }
    }
    expected.sort_by_key(|c| {
        (
            c["media_id"].as_i64(),
            c["language"].as_str().map(str::to_owned),
            c["start_ms"].as_u64(),
        )
    });
    assert_eq!(cues, Value::Array(expected), "fp_cues of tenant 1");

    // An item without subtitles ingests exactly as before: the subtitled
    // copies of its picture stream (in the same container) have the same
    // fingerprint rows.
    let rows = |m: i64| {
        sql(
            &data,
            &format!(
                "SELECT kind, time_ms, item, hex(record) AS record FROM fp_media \
                 WHERE media_id = {m} ORDER BY time_ms, item"
            ),
        )
    };
    let keys = |m: i64| {
        sql(
            &data,
            &format!(
                "SELECT band, key, time_ms, item FROM fp_keys \
                 WHERE media_id = {m} ORDER BY band, key, time_ms, item"
            ),
        )
    };
    for (m, plain) in [(mp4, plain_mp4), (mkv, plain_mkv)] {
        assert!(rows(plain).as_array().is_some_and(|r| !r.is_empty()));
        assert_eq!(rows(m), rows(plain), "fp_media of {m} and of {plain}");
        assert_eq!(keys(m), keys(plain), "fp_keys of {m} and of {plain}");
        assert_eq!(
            sql(
                &data,
                &format!("SELECT count() AS n FROM fp_cues WHERE media_id = {plain}")
            ),
            json!([{"n": 0}])
        );
    }

    // An exact phrase: both subtitled items, the cue's range and its words
    // marked; the whole query as written scores 1.5, and the MKV, which
    // says it in both its streams, 0.1 x log2(2) more.
    let answer = text_search(&data, "acme", "\"quick brown fox\"", &[]);
    assert_eq!(found(&answer), ["movie.mkv", "movie.mp4"], "{answer}");
    let scores: Vec<_> = answer["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["score"].clone())
        .collect();
    assert_eq!(scores, [json!(1.6), json!(1.5)], "{answer}");
    let top = &answer["matches"][0];
    let first = &top["cues"][0];
    assert_eq!(
        (first["start"].as_f64(), first["end"].as_f64()),
        (Some(1.0), Some(2.5))
    );
    assert_eq!(
        first["highlighted"],
        "The «quick» «brown» «fox»\njumps over the lazy dog."
    );
    // A phrase in another order is no phrase.
    let answer = text_search(&data, "acme", "\"brown quick fox\"", &[]);
    assert_eq!(found(&answer), Vec::<&str>::new(), "{answer}");

    // One word changed: every word fails, any word finds it, ranked.
    let answer = text_search(&data, "acme", "quick purple fox", &[]);
    assert_eq!(found(&answer), Vec::<&str>::new(), "{answer}");
    let answer = text_search(&data, "acme", "quick purple fox", &["--mode", "any"]);
    let mut items = found(&answer);
    items.sort_unstable();
    assert_eq!(items, ["movie.mkv", "movie.mp4"], "{answer}");
    let score = answer["matches"][0]["score"].as_f64().unwrap();
    assert!(score > 0.0 && score < 1.0, "two of three words: {answer}");

    // A single rare word, in any case, out of markup; a language filter.
    let answer = text_search(&data, "acme", "ZEBRAS", &["--language", "fre"]);
    assert_eq!(found(&answer), ["movie.mkv"], "{answer}");
    let zebras = &answer["matches"][0]["cues"][0];
    assert_eq!(
        zebras["highlighted"],
        "«Zebras» whisper at midnight, señor."
    );
    assert_eq!(
        (zebras["start"].as_f64(), zebras["end"].as_f64()),
        (Some(3.0), Some(4.25))
    );
    assert_eq!(zebras["language"], "fre");
    // The English stream says it too; the filter counts the French cue
    // alone.
    assert_eq!(answer["matches"][0]["matching_cues"], 1, "{answer}");
    let answer = text_search(&data, "acme", "señor", &[]);
    assert_eq!(
        found(&answer).len(),
        2,
        "a word with a non-ASCII letter: {answer}"
    );

    // Another tenant's identical video is never returned, and it finds
    // its own.
    let answer = text_search(&data, "other", "\"quick brown fox\"", &[]);
    assert_eq!(found(&answer), ["theirs.mp4"], "{answer}");
    assert_eq!(answer["matches"][0]["media_id"].as_i64(), Some(theirs));
    for text in ["\"quick brown fox\"", "zebras", "answer"] {
        let answer = text_search(&data, "acme", text, &["--mode", "any"]);
        assert!(
            answer["matches"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["media_id"].as_i64() != Some(theirs)),
            "{answer}"
        );
    }

    // The same through the API, for the tenant's key.
    let (status, answer) = api.post_json("/v1/search", &json!({"text": "whisper midnight"}));
    assert_eq!(status, 200, "{answer}");
    let mut items = found(&answer);
    items.sort_unstable();
    assert_eq!(items, ["movie.mkv", "movie.mp4"], "{answer}");
    assert_eq!(answer["mode"], "all");
    let mkv_answer = answer["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["external_id"] == "movie.mkv")
        .unwrap();
    assert_eq!(
        mkv_answer["matching_cues"], 2,
        "one cue per language: {answer}"
    );
    for (body, words) in [
        (json!({"text": "  ?! "}), "no word"),
        (
            json!({"text": "fox", "min_score": 0.5}),
            "`min_score` and `weights` belong to a media search",
        ),
        (
            json!({"text": "fox", "weights": {"media": 2}}),
            "`min_score` and `weights` belong to a media search",
        ),
        (
            json!({"url": "http://x/y.png", "weights": {"media": 2}}),
            "give `text` too",
        ),
        (
            json!({"text": "fox", "url": "http://x/y.png", "weights": {"media": -1}}),
            "0..10",
        ),
        (json!({"text": "fox", "mode": "some"}), "unknown variant"),
        (
            json!({"url": "http://x/y.png", "mode": "any"}),
            "belong to a text search",
        ),
        (json!({"text": "fox", "language": "e n"}), "language tag"),
    ] {
        let (status, answer) = api.post_json("/v1/search", &body);
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer.to_string().contains(words), "{body}: {answer}");
    }
    // Removing an item's subtitle files' cues keeps its own streams'.
    let before = api
        .post_json("/v1/search", &json!({"text": "zebras whisper"}))
        .1;
    assert!(found(&before).contains(&"movie.mp4"), "{before}");
    let (status, body) = api.delete(&format!("/v1/media/{mp4}/subtitles"));
    assert_eq!(status, 204, "{body}");
    let after = api
        .post_json("/v1/search", &json!({"text": "zebras whisper"}))
        .1;
    assert_eq!(found(&after), found(&before), "{after}");
    drop(service);
}

/// Issue 21, the search gateway: a clip and a line of its dialogue, sent
/// together, rank first the item that holds both, where each searcher
/// alone ranks it second: the fingerprint search prefers an exact copy of
/// the pictures without that dialogue, the dialogue search a talkative
/// item that says the line twice.
#[test]
fn a_clip_and_a_line_of_its_dialogue_rank_the_item_with_both_first() {
    let dir = data_dir("dialogue-mixed");
    let data = dir.path().join("data");
    let library = dir.path().join("library");
    let made = dir.path().join("made");
    for d in [&library, &made] {
        std::fs::create_dir_all(d).unwrap();
    }
    let line = "The lighthouse keeper sings at dawn.";
    let srt = |name: &str, cues: &[(u32, &str)]| {
        let text: String = cues
            .iter()
            .enumerate()
            .map(|(i, (second, words))| {
                format!(
                    "{}\n00:00:0{second},000 --> 00:00:0{second},900\n{words}\n\n",
                    i + 1
                )
            })
            .collect();
        let path = made.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let scene = ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "life=s=320x240:seed=11:ratio=0.3:rate=10,scale=640:480",
            "-t",
            "8",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
        ],
        &made.join("scene.mp4"),
    );
    let scene = scene.to_str().unwrap();
    // The decoy: the scene itself, no subtitles.
    std::fs::copy(scene, library.join("decoy.mp4")).unwrap();
    // The target: the scene worn down (smaller, blurred, darker), with the line.
    let worn = ffmpeg(
        &[
            "-i",
            scene,
            "-vf",
            "scale=320:240,boxblur=2,eq=brightness=-0.08",
            "-c:v",
            "libx264",
            "-crf",
            "32",
            "-pix_fmt",
            "yuv420p",
        ],
        &made.join("worn.mp4"),
    );
    let with_subtitles = |video: &Path, subtitles: &Path, out: &str| {
        mux_subtitles(video, subtitles, None, &library.join(out))
    };
    with_subtitles(&worn, &srt("target.srt", &[(2, line)]), "target.mp4");
    // The talker: other pictures, the line twice.
    let other = ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "mandelbrot=s=640x480:rate=10",
            "-t",
            "8",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
        ],
        &made.join("other.mp4"),
    );
    with_subtitles(
        &other,
        &srt("talker.srt", &[(1, line), (4, line)]),
        "talker.mp4",
    );
    run(&data, &["tenant", "create", "acme"]);
    let stdout = run(
        &data,
        &["ingest", "--tenant", "acme", library.to_str().unwrap()],
    );
    assert!(stdout.contains(", 0 failed"), "{stdout}");
    let service = Service::start(&data);
    let api = tenant_api(&service, &data, 1);
    // The query: five seconds of the scene, encoded again.
    let clip = ffmpeg(
        &[
            "-ss", "1", "-t", "5", "-i", scene, "-c:v", "libx264", "-crf", "23",
        ],
        &made.join("clip.mp4"),
    );

    let (status, pictures) = api.post_file("/v1/search", &clip, &[]);
    assert_eq!(status, 200, "{pictures}");
    assert_eq!(
        found(&pictures)[..2],
        ["decoy.mp4", "target.mp4"],
        "{pictures}"
    );
    let quoted = format!("\"{}\"", line.trim_end_matches('.'));
    let (status, words) = api.post_json("/v1/search", &json!({"text": quoted}));
    assert_eq!(status, 200, "{words}");
    assert_eq!(found(&words), ["talker.mp4", "target.mp4"], "{words}");

    // Both at once: the item with both first, saying what each searcher
    // found; then the two that each one searcher found.
    let (status, mixed) = api.post_file("/v1/search", &clip, &[("text", &quoted)]);
    assert_eq!(status, 200, "{mixed}");
    assert_eq!(found(&mixed)[0], "target.mp4", "{mixed}");
    let best = &mixed["matches"][0];
    assert_eq!(best["found_by"], json!(["media", "dialogue"]), "{best}");
    assert_eq!(
        (&best["media_rank"], &best["dialogue_rank"]),
        (&json!(2), &json!(2))
    );
    assert_eq!(best["media"]["external_id"], "target.mp4", "{best}");
    assert_eq!(best["dialogue"]["cues"][0]["start"], 2.0, "{best}");
    assert!(best["score"].as_f64().unwrap() > mixed["matches"][1]["score"].as_f64().unwrap());
    let mut rest: Vec<&str> = found(&mixed)[1..3].to_vec();
    rest.sort_unstable();
    assert_eq!(rest, ["decoy.mp4", "talker.mp4"], "{mixed}");
    assert_eq!(mixed["fusion"]["method"], "reciprocal_rank", "{mixed}");

    // Weights: the pictures alone decide when the words weigh nothing.
    let (status, weighted) = api.post_file(
        "/v1/search",
        &clip,
        &[
            ("text", &quoted),
            ("weights", r#"{"media": 1, "dialogue": 0}"#),
        ],
    );
    assert_eq!(status, 200, "{weighted}");
    assert_eq!(found(&weighted)[0], "decoy.mp4", "{weighted}");
    // By item, as JSON: the target is never a match of itself, though its
    // cues hold the line.
    let target = id_of(&api, "target.mp4");
    let (status, by_item) =
        api.post_json("/v1/search", &json!({"media_id": target, "text": quoted}));
    assert_eq!(status, 200, "{by_item}");
    let others = found(&by_item);
    assert!(
        others.contains(&"talker.mp4") && !others.contains(&"target.mp4"),
        "{by_item}"
    );
    // The CLI, through the running service: the same merged answer.
    let cli = text_search(&data, "acme", &quoted, &[clip.to_str().unwrap()]);
    assert_eq!(found(&cli)[0], "target.mp4", "{cli}");
    assert_eq!(cli["matches"][0]["found_by"], json!(["media", "dialogue"]));
    let weighted = text_search(
        &data,
        "acme",
        &quoted,
        &[clip.to_str().unwrap(), "--weights", "1,0"],
    );
    assert_eq!(found(&weighted)[0], "decoy.mp4", "{weighted}");
    let clip_path = clip.to_str().unwrap();

    // The tenant's own weights, set by an operator, hold where a request
    // gives none (API and CLI); a request's still win.
    let admin =
        clickprint_tests::Api::new(&service.url, Some(&clickprint_tests::admin_token(&data)));
    for bad in [json!({"media": 0, "dialogue": 0}), json!({"media": 11})] {
        let (status, body) =
            admin.patch_json("/v1/admin/tenants/1", &json!({"search_weights": bad}));
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (status, tenant) = admin.patch_json(
        "/v1/admin/tenants/1",
        &json!({"search_weights": {"media": 1, "dialogue": 0}}),
    );
    assert_eq!(status, 200, "{tenant}");
    assert_eq!(
        tenant["search_weights"],
        json!({"media": 1.0, "dialogue": 0.0})
    );
    let (_, by_tenant) = api.post_file("/v1/search", &clip, &[("text", &quoted)]);
    assert_eq!(found(&by_tenant)[0], "decoy.mp4", "{by_tenant}");
    assert_eq!(
        by_tenant["fusion"]["weights"],
        json!({"media": 1.0, "dialogue": 0.0})
    );
    let cli = text_search(&data, "acme", &quoted, &[clip_path]);
    assert_eq!(found(&cli)[0], "decoy.mp4", "{cli}");
    let (_, overridden) = api.post_file(
        "/v1/search",
        &clip,
        &[
            ("text", &quoted),
            ("weights", r#"{"media": 1, "dialogue": 1}"#),
        ],
    );
    assert_eq!(found(&overridden)[0], "target.mp4", "{overridden}");
    let (status, other) = admin.post_json("/v1/admin/tenants", &json!({"name": "other"}));
    assert_eq!(status, 201, "{other}");
    assert_eq!(
        other["search_weights"],
        json!({"media": 1.0, "dialogue": 1.0}),
        "another tenant keeps the defaults"
    );
    for (args, words) in [
        (&["--weights", "1"][..], "MEDIA,DIALOGUE"),
        (&["--weights", "0,0"][..], "not both 0"),
    ] {
        let all = [
            &["search", "--tenant", "acme", "--text", "x", clip_path][..],
            args,
        ]
        .concat();
        let (ok, _, stderr) = run_clickprint(&data, &all, &[]);
        assert!(!ok && stderr.contains(words), "{args:?}: {stderr}");
    }
    let (ok, _, stderr) = run_clickprint(
        &data,
        &[
            "search",
            "--tenant",
            "acme",
            "--text",
            "x",
            "--min-score",
            "0.5",
        ],
        &[],
    );
    assert!(!ok && stderr.contains("go with a media query"), "{stderr}");
    drop(service);
}

/// Issue 21, subtitles given with an item: an SRT (Unicode text) and a
/// WebVTT translation with the same timings uploaded for a video without
/// subtitle streams become its cues, each with its language, found by
/// the text search with their exact ranges; the same file twice changes
/// nothing; a file that is no subtitle file, a picture, another tenant's
/// item and a bad language are refused, and the item stays as it was.
#[test]
fn subtitle_files_given_with_an_item_become_its_dialogue() {
    let dir = data_dir("dialogue-files");
    let data = dir.path().join("data");
    let made = dir.path().join("made");
    let library = dir.path().join("library");
    for d in [&made, &library] {
        std::fs::create_dir_all(d).unwrap();
    }
    test_pattern_video(&library.join("silent.mp4"));
    ffmpeg(
        &["-f", "lavfi", "-i", "testsrc2=s=320x240", "-frames:v", "1"],
        &library.join("still.png"),
    );
    for tenant in ["acme", "other"] {
        run(&data, &["tenant", "create", tenant]);
    }
    let stdout = run(
        &data,
        &["ingest", "--tenant", "acme", library.to_str().unwrap()],
    );
    assert!(stdout.contains(", 0 failed"), "{stdout}");
    let service = Service::start(&data);
    let (api, other_api) = (
        tenant_api(&service, &data, 1),
        tenant_api(&service, &data, 2),
    );
    let (video, still) = (id_of(&api, "silent.mp4"), id_of(&api, "still.png"));
    let srt = made.join("spanish.srt");
    std::fs::write(
        &srt,
        "1\n00:00:01,000 --> 00:00:02,500\n¿Qué tal, señor? Las cebras susurran.\n\n\
         2\n00:00:03,000 --> 00:00:04,000\n<b>Hasta mañana</b>\n",
    )
    .unwrap();
    let vtt = made.join("english.vtt");
    std::fs::write(
        &vtt,
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHow are you, sir? The zebras whisper.\n\n\
         00:00:03.000 --> 00:00:04.000\nSee you tomorrow\n",
    )
    .unwrap();
    let upload = |api: &clickprint_tests::Api, id: i64, file: &Path, language: &str| {
        api.post_file(
            &format!("/v1/media/{id}/subtitles"),
            file,
            &[("language", language)],
        )
    };

    let (status, body) = upload(&api, video, &srt, "spa");
    assert_eq!((status, &body["cues"]), (200, &json!(2)), "{body}");
    let (status, body) = upload(&api, video, &srt, "spa");
    assert_eq!(
        (status, &body["cues"]),
        (200, &json!(2)),
        "the same file again: {body}"
    );
    let (status, body) = upload(&api, video, &vtt, "eng");
    assert_eq!(
        (status, &body["cues"]),
        (200, &json!(4)),
        "a translation: {body}"
    );

    let search = |text: &str| text_search_api(&api, text);
    let spanish = search("señor cebras");
    assert_eq!(found(&spanish), ["silent.mp4"], "{spanish}");
    // One word is counted from the cues' words (fp_cue_words), not read
    // through the text index: the same cue.
    assert_eq!(
        search("cebras")["matches"][0]["cues"][0]["text"],
        "¿Qué tal, señor? Las cebras susurran."
    );
    let cue = &spanish["matches"][0]["cues"][0];
    assert_eq!(
        (&cue["start"], &cue["end"], &cue["language"]),
        (&json!(1.0), &json!(2.5), &json!("spa")),
        "{spanish}"
    );
    assert_eq!(
        cue["text"], "¿Qué tal, señor? Las cebras susurran.",
        "{spanish}"
    );
    let english = api
        .post_json(
            "/v1/search",
            &json!({"text": "see you tomorrow", "language": "eng"}),
        )
        .1;
    assert_eq!(english["matches"][0]["cues"][0]["start"], 3.0, "{english}");
    assert_eq!(
        search("hasta mañana")["matches"][0]["cues"][0]["text"],
        "Hasta mañana"
    );

    // Refused, and nothing changed.
    let junk = made.join("junk.srt");
    std::fs::write(&junk, "this is no subtitle file at all\n").unwrap();
    let (status, body) = upload(&api, video, &junk, "eng");
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("subtitle file"),
        "{body}"
    );
    assert_eq!(upload(&api, still, &srt, "spa").0, 409);
    assert_eq!(upload(&api, video, &srt, "s p a").0, 400);
    assert_eq!(upload(&other_api, video, &srt, "spa").0, 404);
    assert_eq!(upload(&api, 999_999, &srt, "spa").0, 404);
    let (status, body) = api.post_json(&format!("/v1/media/{video}/subtitles"), &json!({}));
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        found(&search("señor cebras")),
        ["silent.mp4"],
        "the item keeps its cues"
    );
    let (status, theirs) = other_api.post_json("/v1/search", &json!({"text": "zebras"}));
    assert_eq!((status, found(&theirs).len()), (200, 0), "{theirs}");

    // Removed: every file's cues go, another tenant cannot, and the item
    // takes files again.
    assert_eq!(
        other_api.delete(&format!("/v1/media/{video}/subtitles")).0,
        404
    );
    assert_eq!(found(&search("señor cebras")), ["silent.mp4"]);
    // The cues' words (fp_cue_words: what a text search reads), as
    // the tenant's analysts see them: the Spanish file's 2 cues and the
    // English one's, each distinct word of a cue once (the Spanish file,
    // sent twice, wrote identical rows, which DISTINCT folds as a merge
    // will); none of the other tenant's.
    let words = |api: &clickprint_tests::Api| {
        let (status, body) = api.post_json(
            "/v1/sql",
            &json!({"query": "SELECT count() AS n FROM (SELECT DISTINCT * FROM fp_cue_words)"}),
        );
        assert_eq!(status, 200, "{body}");
        body["rows"][0]["n"].as_u64().unwrap()
    };
    assert_eq!((words(&api), words(&other_api)), (6 + 2 + 7 + 3, 0));
    let (status, body) = api.delete(&format!("/v1/media/{video}/subtitles"));
    assert_eq!(status, 204, "{body}");
    assert_eq!(words(&api), 0, "the removed cues' words go with them");
    assert_eq!(found(&search("señor cebras")).len(), 0);
    assert_eq!(found(&search("see you tomorrow")).len(), 0);
    assert_eq!(found(&search("cebras")).len(), 0);
    assert_eq!(found(&search("tomorrow")).len(), 0);
    assert_eq!(api.delete(&format!("/v1/media/{video}/subtitles")).0, 204);
    let (status, body) = upload(&api, video, &vtt, "eng");
    assert_eq!((status, &body["cues"]), (200, &json!(2)), "{body}");
    assert_eq!(found(&search("see you tomorrow")), ["silent.mp4"]);
    // One cue says it: the removed file's, numbered apart from the new
    // one's, left no word behind to count.
    let tomorrow = search("tomorrow");
    assert_eq!(found(&tomorrow), ["silent.mp4"]);
    assert_eq!(tomorrow["matches"][0]["matching_cues"], 1, "{tomorrow}");
    assert_eq!(words(&api), 7 + 3);
    // A deleted item is found by no text search, of one word or more.
    let (status, body) = api.delete(&format!("/v1/media/{video}"));
    assert_eq!(status, 204, "{body}");
    assert_eq!(found(&search("tomorrow")).len(), 0);
    assert_eq!(found(&search("see you tomorrow")).len(), 0);
    drop(service);
}

/// An SRT of `count` cues, one a second: cue `n` (from 1) says
/// "Line {n} mentions word{n}".
fn numbered_srt(count: u32) -> String {
    (1..=count)
        .map(|n| {
            let at = |ms: u32| {
                format!(
                    "{:02}:{:02}:{:02},{:03}",
                    ms / 3_600_000,
                    ms / 60_000 % 60,
                    ms / 1000 % 60,
                    ms % 1000
                )
            };
            format!(
                "{n}\n{} --> {}\nLine {n} mentions word{n}\n\n",
                at(n * 1000),
                at(n * 1000 + 500)
            )
        })
        .collect()
}

/// Issue 21, subtitle files given with a new item: a multipart
/// `subtitles` part, a `subtitles_url`, a ZIP manifest's `subtitles`
/// column (a file of the archive, here of 10,000 cues) are read before
/// the item is ready, and its text search finds their words. A file that
/// is no subtitle file, a URL that answers 404 and a picture's subtitles
/// leave the item ingested, saying why; contradictory or malformed
/// requests are refused.
#[test]
fn subtitle_files_sent_with_new_items_are_read_before_they_are_ready() {
    let dir = data_dir("dialogue-given");
    let data = dir.path().join("data");
    let made = dir.path().join("made");
    std::fs::create_dir_all(&made).unwrap();
    let video = |name: &str, source: &str| {
        ffmpeg(
            &[
                "-f",
                "lavfi",
                "-i",
                &format!("{source}=s=160x120:d=3"),
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
            ],
            &made.join(name),
        )
    };
    let a = video("a.mp4", "testsrc2");
    video("b.mp4", "yuvtestsrc");
    let c = video("c.mp4", "smptebars");
    video("d.mp4", "rgbtestsrc");
    let e = video("e.mp4", "testsrc");
    let f = video("f.mp4", "smptehdbars");
    let still = ffmpeg(
        &["-f", "lavfi", "-i", "testsrc2=s=160x120", "-frames:v", "1"],
        &made.join("still.png"),
    );
    let srt = made.join("spanish.srt");
    std::fs::write(
        &srt,
        "1\n00:00:01,000 --> 00:00:02,000\nLas cebras susurran, señor.\n",
    )
    .unwrap();
    std::fs::write(
        made.join("english.vtt"),
        "WEBVTT\n\n00:00:00.500 --> 00:00:01.500\nThe owls applaud quietly.\n",
    )
    .unwrap();
    let junk = made.join("junk.srt");
    std::fs::write(&junk, "this is no subtitle file at all\n").unwrap();
    let many = numbered_srt(10_000);
    assert!(many.contains("10000\n02:46:40,000 --> 02:46:40,500\nLine 10000 mentions word10000"));

    run(&data, &["tenant", "create", "acme"]);
    let service = Service::start_with(&data, &[("CLICKPRINT_FETCH_ALLOW_PRIVATE", "true")]);
    let api = tenant_api(&service, &data, 1);
    let served = clickprint_tests::file_server(&made);

    // Refused before anything is made.
    for (files, fields, words) in [
        (
            vec![("file", a.as_path()), ("subtitles", srt.as_path())],
            vec![("subtitles_url", format!("{served}/english.vtt"))],
            "not both",
        ),
        (
            vec![("file", a.as_path())],
            vec![("subtitles_language", "eng".to_owned())],
            "goes with",
        ),
        (
            vec![("file", a.as_path()), ("subtitles", srt.as_path())],
            vec![("subtitles_language", "e n g".to_owned())],
            "language tag",
        ),
    ] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body) = api.post_files("/v1/media", &files, &fields);
        assert_eq!(status, 400, "{words}: {body}");
        assert!(body["error"].as_str().unwrap().contains(words), "{body}");
    }
    let (status, body) = api.post_json(
        "/v1/media",
        &json!({"url": format!("{served}/b.mp4"), "subtitles_url": "ftp://x/y.srt"}),
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        api.get("/v1/media").1["media"],
        json!([]),
        "nothing was made"
    );

    let upload = |file: &Path, subtitles: &Path, external: &str| {
        let (status, item) = api.post_files(
            "/v1/media",
            &[("file", file), ("subtitles", subtitles)],
            &[("external_id", external), ("subtitles_language", "spa")],
        );
        assert_eq!(status, 202, "{item}");
        item
    };
    let item = upload(&a, &srt, "a");
    assert_eq!(
        item["subtitles"],
        json!({"source": "upload:spanish.srt", "language": "spa", "cues": null, "error": null})
    );
    upload(&c, &junk, "c");
    upload(&still, &srt, "still");
    for (url, subtitles, external) in [("b.mp4", "english.vtt", "b"), ("d.mp4", "missing.srt", "d")]
    {
        let (status, item) = api.post_json(
            "/v1/media",
            &json!({
                "url": format!("{served}/{url}"),
                "subtitles_url": format!("{served}/{subtitles}"),
                "external_id": external,
            }),
        );
        assert_eq!(status, 202, "{item}");
    }
    let zip = clickprint_tests::zip_of(
        &dir.path().join("job.zip"),
        &[
            (
                "manifest.csv",
                b"file,external_id,subtitles,subtitles_language\n\
                  e.mp4,e,many.srt,eng\n\
                  f.mp4,f,absent.srt,\n",
            ),
            ("e.mp4", &std::fs::read(&e).unwrap()),
            ("f.mp4", &std::fs::read(&f).unwrap()),
            ("many.srt", many.as_bytes()),
        ],
    );
    let (status, job) = api.post_body("/v1/jobs", "application/zip", zip);
    assert_eq!(status, 202, "{job}");
    assert_eq!(
        (&job["failures"][0]["row"], &job["failures"][0]["reason"]),
        (
            &json!(2),
            &json!("`subtitles`: the manifest names `absent.srt`, which the archive does not hold")
        ),
        "{job}"
    );

    let all_settled = || {
        let (_, page) = api.get("/v1/media?limit=100");
        let items = page["media"].as_array().cloned().unwrap_or_default();
        (items.len() == 6 && items.iter().all(|m| m["status"] == "ready")).then_some(items)
    };
    let mut settled = None;
    assert!(
        clickprint_tests::wait_until(std::time::Duration::from_secs(300), || {
            settled = all_settled();
            settled.is_some()
        }),
        "{}",
        api.get("/v1/media?limit=100").1
    );
    let items = settled.unwrap();
    let subtitles_of = |external: &str| {
        items
            .iter()
            .find(|m| m["external_id"] == external)
            .map(|m| m["subtitles"].clone())
            .unwrap_or_else(|| panic!("no {external}"))
    };
    assert_eq!(subtitles_of("a")["cues"], 1);
    assert_eq!(subtitles_of("b")["cues"], 1);
    assert_eq!(subtitles_of("e")["cues"], 10_000);
    assert_eq!(subtitles_of("e")["source"], "upload:many.srt");
    for (external, words) in [
        ("c", "subtitle file"),
        ("d", "404"),
        ("still", "a picture has no dialogue"),
    ] {
        let given = subtitles_of(external);
        assert_eq!(given["cues"], Value::Null, "{given}");
        assert!(
            given["error"].as_str().unwrap_or_default().contains(words),
            "{external}: {given}"
        );
    }

    let search = |text: &str| text_search_api(&api, text);
    let spanish = search("cebras señor");
    assert_eq!(found(&spanish), ["a"], "{spanish}");
    assert_eq!(spanish["matches"][0]["cues"][0]["language"], "spa");
    assert_eq!(found(&search("owls applaud")), ["b"]);
    let last = search("word10000");
    assert_eq!(found(&last), ["e"], "{last}");
    let cue = &last["matches"][0]["cues"][0];
    assert_eq!(
        (&cue["start"], &cue["end"], &cue["language"]),
        (&json!(10_000.0), &json!(10_000.5), &json!("eng")),
        "{last}"
    );
    assert_eq!(found(&search("word1")), ["e"]);
    // Removed, the file is forgotten too.
    let e_id = id_of(&api, "e");
    assert_eq!(api.delete(&format!("/v1/media/{e_id}/subtitles")).0, 204);
    assert_eq!(found(&search("word10000")).len(), 0);
    assert_eq!(
        api.get(&format!("/v1/media/{e_id}")).1["subtitles"],
        Value::Null
    );
    drop(service);
}

/// `clickprint ARGS` with the configuration file `config`.
fn run_with(data: &Path, config: &Path, args: &[&str]) -> String {
    let env = [("CLICKPRINT_CONFIG", config.to_str().expect("a UTF-8 path"))];
    let (ok, stdout, stderr) = run_clickprint(data, args, &env);
    assert!(ok, "clickprint {args:?}: {stderr}");
    stdout
}

/// Issue 21, item 3: the dialogue extractor is a plug-in extractor like
/// any other. Disabled in the configuration, a subtitled video ingests
/// with no cues and the text search finds none of its lines, while a
/// subtitle file given with it still becomes its dialogue. Enabled, at a
/// new version, `clickprint reextract dialogue` deletes its cues and makes
/// them again, and keeps the given file's.
#[test]
fn the_dialogue_extractor_is_a_plug_in_an_operator_disables_and_reextracts() {
    let dir = data_dir("dialogue-plugin");
    let data = dir.path().join("data");
    let made = dir.path().join("made");
    let library = dir.path().join("library");
    for d in [&made, &library] {
        std::fs::create_dir_all(d).unwrap();
    }
    let srt = made.join("lines.srt");
    std::fs::write(&srt, SRT).unwrap();
    let plain = test_pattern_video(&made.join("plain.mp4"));
    mux_subtitles(&plain, &srt, Some("eng"), &library.join("movie.mp4"));
    let given = made.join("given.srt");
    std::fs::write(
        &given,
        "1\n00:00:00,500 --> 00:00:01,500\nPenguins dance in the snow.\n",
    )
    .unwrap();
    let config = |file: &str, fields: &str| {
        let path = dir.path().join(file);
        std::fs::write(
            &path,
            format!("[[extractors]]\nname = \"dialogue\"\n{fields}\n"),
        )
        .unwrap();
        path
    };
    let off = config("off.toml", "enabled = false");
    let version_2 = config("version-2.toml", "version = \"2\"");
    let cues_of = |tenant: u32| {
        sql(
            &data,
            &format!(
                "SELECT extractor, count() AS cues FROM fp_cues WHERE tenant_id = {tenant} \
                 GROUP BY extractor ORDER BY extractor"
            ),
        )
    };

    // Tenant 1 ingests with the dialogue extractor off, tenant 2 as by
    // default.
    for tenant in ["quiet", "acme"] {
        run(&data, &["tenant", "create", tenant]);
    }
    let stdout = run_with(
        &data,
        &off,
        &["ingest", "--tenant", "quiet", library.to_str().unwrap()],
    );
    assert!(stdout.contains(", 0 failed"), "{stdout}");
    let stdout = run(
        &data,
        &["ingest", "--tenant", "acme", library.to_str().unwrap()],
    );
    assert!(stdout.contains(", 0 failed"), "{stdout}");
    assert_eq!(cues_of(1), json!([]), "disabled: no cue");
    assert_eq!(
        cues_of(2),
        json!([{"extractor": "dialogue", "cues": 3}]),
        "by default, the extractor's"
    );
    assert_eq!(
        sql(
            &data,
            "SELECT tenant_id, extractor, version, modality FROM extractor_runs ORDER BY tenant_id"
        ),
        json!([{"tenant_id": 2, "extractor": "dialogue", "version": "1", "modality": "video"}]),
    );
    assert_eq!(
        sql(&data, "SELECT count() AS n FROM fp_extractor_records"),
        json!([{"n": 0}]),
        "cues are kept in fp_cues only"
    );
    assert_eq!(
        found(&text_search(&data, "quiet", "quick brown fox", &[])).len(),
        0
    );
    assert_eq!(
        found(&text_search(&data, "acme", "quick brown fox", &[])),
        ["movie.mp4"]
    );

    // A subtitle file given with each item: read whatever the extractor.
    let service = Service::start(&data);
    for tenant in [1, 2] {
        let api = tenant_api(&service, &data, tenant);
        let id = id_of(&api, "movie.mp4");
        let (status, body) = api.post_file(
            &format!("/v1/media/{id}/subtitles"),
            &given,
            &[("language", "eng")],
        );
        assert_eq!((status, &body["cues"]), (200, &json!(1)), "{body}");
        assert_eq!(
            found(&text_search_api(&api, "penguins dance")),
            ["movie.mp4"]
        );
    }
    drop(service);
    assert_eq!(cues_of(1), json!([{"extractor": "", "cues": 1}]));
    assert_eq!(
        found(&text_search(&data, "quiet", "quick brown fox", &[])).len(),
        0
    );

    // A new version: the item it extracted is stale; its cues are
    // deleted and made again from the kept original (here given other
    // subtitles, so the new cues tell themselves apart), the given file's
    // kept; the item it never ran on is not its to redo.
    let media_id = sql(
        &data,
        "SELECT DISTINCT media_id FROM fp_cues WHERE tenant_id = 2",
    )[0]["media_id"]
        .as_u64()
        .expect("the item's id");
    let other_lines = made.join("other.srt");
    std::fs::write(
        &other_lines,
        "1\n00:00:02,000 --> 00:00:03,000\nWalruses hum at dawn.\n",
    )
    .unwrap();
    let kept = data.join("media").join("2").join(media_id.to_string());
    assert!(kept.is_file(), "the kept original at {}", kept.display());
    let redone = mux_subtitles(&plain, &other_lines, None, &made.join("redone.mp4"));
    std::fs::copy(&redone, &kept).unwrap();
    let report = run_with(&data, &version_2, &["reextract", "dialogue"]);
    let report: Value = serde_json::from_str(&report).unwrap_or_else(|e| panic!("{e}: {report}"));
    assert_eq!(
        report,
        json!([{"extractor": "dialogue", "version": "2", "stale": 1, "reextracted": 1, "missing_files": []}]),
    );
    assert_eq!(
        cues_of(2),
        json!([{"extractor": "", "cues": 1}, {"extractor": "dialogue", "cues": 1}]),
    );
    // The old cues' words went with them: the given file's 5 and the new
    // cue's 4 are left.
    assert_eq!(
        sql(
            &data,
            "SELECT extractor, count() AS words FROM fp_cue_words FINAL WHERE tenant_id = 2 \
             GROUP BY extractor ORDER BY extractor"
        ),
        json!([{"extractor": "", "words": 5}, {"extractor": "dialogue", "words": 4}]),
    );
    assert_eq!(cues_of(1), json!([{"extractor": "", "cues": 1}]));
    // "the": the given file's cue and the old stream's first and third
    // said it, the new stream's does not.
    let the = text_search(&data, "acme", "the", &[]);
    assert_eq!(found(&the), ["movie.mp4"], "{the}");
    assert_eq!(the["matches"][0]["matching_cues"], 1, "{the}");
    for (text, items) in [
        ("quick brown fox", &[][..]),
        ("fox", &[][..]),
        ("walruses", &["movie.mp4"][..]),
        ("penguins dance", &["movie.mp4"][..]),
    ] {
        assert_eq!(
            found(&text_search(&data, "acme", text, &[])),
            items,
            "{text}"
        );
    }
    let again = run_with(&data, &version_2, &["reextract", "dialogue"]);
    assert!(again.contains("\"stale\": 0"), "{again}");
}
