//! The worked examples of `sql/README.md`, run as written (as the
//! operator and as a tenant's analyst) against a generated library in two
//! tenants, their answers checked. A new example
//! in the README fails `every_example_is_checked` until it is checked here.
use clickprint::clickhouse::{extractors, library, review};
use clickprint::config::Extractor;
use clickprint::store::review::{Mirror, Verdict};
use serde_json::Value;

use crate::search::open;
use clickprint_tests::data_dir;
use clickprint_tests::ffmpeg;

const README: &str = include_str!("../../../sql/README.md");

/// The ```sql blocks of the README, in order.
fn examples() -> Vec<&'static str> {
    README
        .split("```sql\n")
        .skip(1)
        .map(|block| block.split("```").next().expect("a closed block"))
        .collect()
}

fn ids(rows: &Value, column: &str) -> Vec<u64> {
    rows.as_array()
        .expect("rows")
        .iter()
        .map(|r| r[column].as_u64().expect("an id"))
        .collect()
}

fn pairs(rows: &Value) -> Vec<(u64, u64)> {
    rows.as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["media_a"].as_u64().unwrap_or(0),
                r["media_b"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_example_runs_and_answers_the_library() {
    let dir = data_dir("cookbook");
    let d = dir.path();
    let picture = |name: &str, source: &str| {
        ffmpeg(
            &["-f", "lavfi", "-i", source, "-frames:v", "1"],
            &d.join(name),
        )
    };
    let a = picture("a.png", "mandelbrot=s=640x480:start_scale=1.5");
    let b = picture(
        "b.png",
        "life=s=320x240:seed=5:ratio=0.3,scale=640:480,boxblur=2",
    );
    let c = picture("c.png", "cellauto=s=640x480:rule=110:seed=3,boxblur=1");
    let d_ = picture(
        "d.png",
        "life=s=320x240:seed=9:ratio=0.4,scale=640:480,boxblur=3",
    );
    let a_copy = ffmpeg(
        &["-i", a.to_str().unwrap(), "-q:v", "12"],
        &d.join("a-copy.jpg"),
    );
    let a_small = ffmpeg(
        &["-i", a.to_str().unwrap(), "-vf", "scale=320:240"],
        &d.join("a-small.jpg"),
    );
    let a_resized = ffmpeg(
        &[
            "-i",
            a.to_str().unwrap(),
            "-vf",
            "scale=512:384",
            "-q:v",
            "6",
        ],
        &d.join("a-resized.jpg"),
    );
    let track = ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "sine=f=440:d=8:beep_factor=3",
            "-b:a",
            "96k",
        ],
        &d.join("track.mp3"),
    );
    // A video with a subtitle stream of two cues.
    std::fs::write(
        d.join("lines.srt"),
        "1\n00:00:00,500 --> 00:00:01,750\nThe fox jumps.\n\n\
         2\n00:00:02,000 --> 00:00:03,000\nA dog sleeps; the FOX jumps again.\n",
    )
    .unwrap();
    let movie = ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=160x120:d=4",
            "-i",
            d.join("lines.srt").to_str().unwrap(),
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:s",
            "srt",
        ],
        &d.join("movie.mkv"),
    );
    let engine = open(d).await;
    // Tenant 7: a picture and two copies of it, two unrelated pictures
    // (one deleted), a track, a subtitled video. Tenant 8: a smaller copy
    // of the picture and another unrelated one.
    for (tenant, id, file) in [
        (7, 1, &a),
        (7, 2, &a_copy),
        (7, 3, &b),
        (7, 4, &c),
        (7, 5, &track),
        (7, 6, &a_resized),
        (7, 7, &movie),
        (8, 11, &a_small),
        (8, 12, &d_),
    ] {
        library::ingest(&engine, tenant, id, file.to_str().unwrap())
            .await
            .unwrap();
    }
    // The video's cues: the dialogue extractor, as the worker runs it.
    let dialogue = Extractor::built_in("dialogue").expect("the dialogue extractor");
    extractors::extract(&engine, &dialogue, 7, 7, movie.to_str().unwrap(), "video")
        .await
        .unwrap();
    library::delete(&engine, 7, 4).await.unwrap();
    // Reviewers' decisions and an exclusion, as the service mirrors them:
    // in tenant 7, item 3 rejected for two query contents (and for a
    // third, since revoked) and excluded, item 1 confirmed once; in tenant
    // 8, item 11 rejected.
    let sha = |c: char| c.to_string().repeat(64);
    let decision = |tenant, content, item, verdict, version, revoked| Mirror {
        tenant_id: tenant,
        query_sha256: sha(content),
        owner: item,
        item_id: item,
        verdict,
        version,
        revoked,
    };
    let rejected = Some(Verdict::FalsePositive);
    let rows = [
        decision(7, 'a', 3, rejected, 1, false),
        decision(7, 'b', 3, rejected, 2, false),
        decision(7, 'a', 1, Some(Verdict::Confirmed), 3, false),
        decision(7, 'c', 3, rejected, 4, false),
        decision(7, 'c', 3, rejected, 5, true),
        decision(8, 'a', 11, rejected, 6, false),
        Mirror {
            query_sha256: String::new(),
            ..decision(7, ' ', 3, None, 7, false)
        },
    ];
    review::write(&engine, &rows.iter().collect::<Vec<_>>())
        .await
        .unwrap();
    let params = [
        ("tenant", "7".to_owned()),
        ("tenant_a", "7".to_owned()),
        ("tenant_b", "8".to_owned()),
        ("query", a_copy.to_str().unwrap().to_owned()),
        ("text", "\"fox jumps\"".to_owned()),
        ("mode", "all".to_owned()),
        ("language", String::new()),
        ("top_k", "10".to_owned()),
    ];
    let mut answers = Vec::new();
    for (i, sql) in examples().iter().enumerate() {
        let out = clickprint::service::operator_query(&engine, sql, &params)
            .await
            .unwrap_or_else(|e| panic!("example {i} fails: {e}\n{sql}"));
        answers.push(out.to_json_rows().unwrap());
    }
    let [
        packed,
        stats,
        per_day,
        most_copied,
        duplicates,
        clusters,
        over_time,
        alone,
        across,
        rejected,
        dialogue,
    ] = answers.as_slice()
    else {
        panic!(
            "{} examples; every_example_is_checked says which",
            answers.len()
        );
    };

    // Search by fingerprints: the packed query finds the picture first.
    let hex = packed[0]["packed"].as_str().expect("hex").to_owned();
    assert!(hex.len() > 100, "{hex}");
    let found = library::search(&engine, 7, &format!("fp:{hex}"), 5, 0.3)
        .await
        .unwrap();
    assert_eq!(found.first().map(|m| m.media_id), Some(2), "{found:?}");

    // Statistics leave the deleted item out; the track brings audio keys.
    assert_eq!(stats[0]["media"], 6, "{stats}");
    for kind in ["global_hash_keys", "keypoint_keys", "audio_keys"] {
        assert!(stats[0][kind].as_u64().unwrap_or(0) > 0, "{kind}: {stats}");
    }
    // Ingests per day: all seven of tenant 7 today.
    assert_eq!(per_day.as_array().unwrap().len(), 1, "{per_day}");
    assert_eq!(per_day[0]["media"], 7, "{per_day}");
    // The picture and its copies share keys with the two others each; the
    // unrelated picture and the track with none.
    let mut top = ids(most_copied, "media_id");
    top.sort_unstable();
    assert_eq!(top, [1, 2, 6], "{most_copied}");
    // Duplicate pairs: exactly the picture and its copies.
    assert_eq!(pairs(duplicates), [(1, 2), (1, 6), (2, 6)], "{duplicates}");
    // One cluster: the picture and its two copies, named by the picture.
    assert_eq!(
        *clusters,
        serde_json::json!([{"cluster": 1, "members": [1, 2, 6], "size": 3}]),
        "{clusters}"
    );
    // Copies over time: today, the two copies came after the picture.
    assert_eq!(over_time.as_array().unwrap().len(), 1, "{over_time}");
    assert_eq!(over_time[0]["new_copies"], 2, "{over_time}");
    assert_eq!(over_time[0]["day"], per_day[0]["day"], "{over_time}");
    // Without a copy: the unrelated picture, the track and the video (the
    // deleted one is left out).
    assert_eq!(ids(alone, "media_id"), [3, 5, 7], "{alone}");
    // Across tenants: tenant 8's small copy matches tenant 7's picture and
    // its copies, and nothing else.
    let mut across = pairs(across);
    across.sort_unstable();
    assert!(across.starts_with(&[(1, 11), (2, 11)]), "{across:?}");
    assert!(
        across
            .iter()
            .all(|&(a, b)| b == 11 && [1, 2, 6].contains(&a)),
        "{across:?}"
    );

    // The review loop: item 3 rejected twice (the revoked decision does
    // not count) and excluded, item 1 confirmed once; tenant 8's
    // decision is not tenant 7's.
    assert_eq!(
        *rejected,
        serde_json::json!([
            {"item_id": 3, "false_positives": 2, "confirmed": 0, "excluded": 1},
            {"item_id": 1, "false_positives": 0, "confirmed": 1, "excluded": 0},
        ]),
        "{rejected}"
    );

    // Dialogue: the phrase in both cues of the video (the second says it
    // twice, in capitals), each cue's range, the words marked.
    assert_eq!(
        *dialogue,
        serde_json::json!([{
            "media_id": 7,
            "score": 1.6,
            "matching_cues": 2,
            "cues": [
                {"start_ms": 500, "end_ms": 1750, "language": "", "text": "The fox jumps.",
                 "highlighted": "The «fox» «jumps».", "score": 1.5},
                {"start_ms": 2000, "end_ms": 3000, "language": "",
                 "text": "A dog sleeps; the FOX jumps again.",
                 "highlighted": "A dog sleeps; the «FOX» «jumps» again.", "score": 1.5},
            ],
        }]),
        "{dialogue}"
    );
    assert_eq!(
        examples()[10].trim().trim_end_matches(';'),
        library::TEXT_SEARCH
            .split_once("\nWITH\n")
            .map(|(_, statement)| format!("WITH\n{}", statement.trim_end()))
            .unwrap_or_default(),
        "the cookbook's text search is sql/clickhouse/text_search.sql"
    );

    // The same examples, as written, as tenant 7's analyst (POST /v1/sql):
    // its views of the tables. Each gives the operator's answer, except the
    // one across tenants, which finds nothing (the analyst never sees
    // tenant 8), and those that fingerprint a file by path, which analysts
    // may not (issue 18: it read other tenants' files).
    for (i, sql) in examples().iter().enumerate() {
        let out = clickprint::clickhouse::analyst::run_with_params(
            &engine,
            7,
            sql,
            &params,
            &clickprint::config::AnalystLimits::default(),
        )
        .await;
        if sql.contains("clickprint_query(") {
            let e = out.expect_err("a file read by path is refused").to_string();
            assert!(e.contains("reads media by path"), "example {i}: {e}");
            continue;
        }
        let out = out.unwrap_or_else(|e| panic!("example {i} as an analyst: {e}\n{sql}"));
        let rows = out.to_json_rows().unwrap();
        if sql.contains("{tenant_b:UInt32}") {
            assert_eq!(rows, serde_json::json!([]), "example {i}: {rows}");
        } else {
            assert_eq!(rows, answers[i], "example {i}");
        }
    }
}

#[test]
fn every_example_is_checked() {
    // The destructuring above names eleven answers, in README order.
    assert_eq!(
        examples().len(),
        11,
        "sql/README.md's sql blocks changed: check each in every_example_runs_and_answers_the_library"
    );
}
