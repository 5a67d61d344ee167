//! The review loop in the search statement itself (issue 20): a false
//! positive for a query's content and an excluded item are left out by
//! `sql/clickhouse/search.sql`, whoever runs it and however the query is
//! given (a path, or `fp:HEX:SHA256` as the service sends it), in the
//! tenant they were made in only, until revoked; the latest version of a
//! pair wins whatever order its rows arrive in.

use clickprint::clickhouse::{Engine, library, review};
use clickprint::store::review::{Mirror, Verdict};
use clickprint_tests::{data_dir, ffmpeg};
use sha2::{Digest, Sha256};

use crate::search::open;

async fn found(engine: &Engine, tenant: u32, query: &str) -> Vec<u64> {
    let mut ids: Vec<u64> = library::search(engine, tenant, query, 10, 0.3)
        .await
        .expect("the search runs")
        .iter()
        .map(|m| m.media_id)
        .collect();
    ids.sort_unstable();
    ids
}

fn decision(tenant: i32, sha: &str, owner: i64, version: i64, revoked: bool) -> Mirror {
    Mirror {
        tenant_id: tenant,
        query_sha256: sha.to_owned(),
        owner,
        item_id: owner,
        verdict: Some(Verdict::FalsePositive),
        version,
        revoked,
    }
}

fn exclusion(tenant: i32, owner: i64, version: i64, revoked: bool) -> Mirror {
    Mirror {
        query_sha256: String::new(),
        verdict: None,
        ..decision(tenant, "", owner, version, revoked)
    }
}

#[tokio::test]
async fn the_search_statement_leaves_out_false_positives_and_excluded_items() {
    let dir = data_dir("review-statement");
    let d = dir.path();
    let engine = open(d).await;
    let picture = ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "mandelbrot=s=640x480:start_scale=1.5",
            "-frames:v",
            "1",
        ],
        &d.join("a.png"),
    );
    let copy = ffmpeg(
        &["-i", picture.to_str().unwrap(), "-q:v", "10"],
        &d.join("a.jpg"),
    );
    let query = ffmpeg(
        &["-i", picture.to_str().unwrap(), "-vf", "crop=iw*0.9:ih*0.9"],
        &d.join("query.jpg"),
    );
    let other = ffmpeg(
        &["-f", "lavfi", "-i", "testsrc2=s=640x480", "-frames:v", "1"],
        &d.join("b.png"),
    );
    // Tenant 7: the picture, a copy, something else; tenant 8: the picture.
    for (tenant, id, file) in [
        (7, 1, &picture),
        (7, 2, &copy),
        (7, 3, &other),
        (8, 11, &picture),
    ] {
        library::ingest(&engine, tenant, id, file.to_str().unwrap())
            .await
            .unwrap();
    }
    let path = query.to_str().unwrap();
    let sha: String = Sha256::digest(std::fs::read(&query).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    // The query side names the file's content, and its search text
    // carries it.
    let side = library::query_side(&engine, path).await.unwrap();
    assert_eq!(side.sha256, sha);
    assert!(
        side.search_query.ends_with(&format!(":{sha}")),
        "{}",
        side.search_query
    );
    let bare = side
        .search_query
        .trim_end_matches(&format!(":{sha}"))
        .to_owned();
    let queries = [path, side.search_query.as_str()];
    for q in queries {
        assert_eq!(found(&engine, 7, q).await, [1, 2], "{q:.40}");
    }
    assert_eq!(found(&engine, 8, path).await, [11]);

    // Item 1 is a false positive for this content: gone from tenant 7's
    // searches of it (by path or by fingerprint and content), not from a
    // bare fingerprint's (whose content is unknown), not from tenant 8's.
    review::write(&engine, &[&decision(7, &sha, 1, 10, false)])
        .await
        .unwrap();
    for q in queries {
        assert_eq!(found(&engine, 7, q).await, [2], "{q:.40}");
    }
    assert_eq!(found(&engine, 7, &bare).await, [1, 2]);
    assert_eq!(found(&engine, 8, path).await, [11]);
    // Another content's decision changes nothing for this one.
    review::write(&engine, &[&decision(7, &"0".repeat(64), 2, 11, false)])
        .await
        .unwrap();
    assert_eq!(found(&engine, 7, path).await, [2]);

    // Item 2 excluded: no search of tenant 7 returns it, whatever the query.
    review::write(&engine, &[&exclusion(7, 2, 12, false)])
        .await
        .unwrap();
    for q in [path, side.search_query.as_str(), bare.as_str()] {
        assert!(!found(&engine, 7, q).await.contains(&2), "{q:.40}");
    }
    assert_eq!(found(&engine, 8, path).await, [11]);

    // Revoked: both come back. A stale write of an older version, arriving
    // after the revocation, does not undo it.
    review::write(
        &engine,
        &[&decision(7, &sha, 1, 13, true), &exclusion(7, 2, 14, true)],
    )
    .await
    .unwrap();
    review::write(
        &engine,
        &[
            &decision(7, &sha, 1, 10, false),
            &exclusion(7, 2, 12, false),
        ],
    )
    .await
    .unwrap();
    for q in queries {
        assert_eq!(found(&engine, 7, q).await, [1, 2], "{q:.40}");
    }
}
