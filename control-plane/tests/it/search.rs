//! Fingerprints in ClickHouse: the schema, ingest and search statements of
//! `sql/clickhouse/` run by the embedded engine with the real UDF
//! executables and the real function definitions.

use std::path::{Path, PathBuf};
use std::process::Command;

use clickprint::clickhouse::Engine;
use clickprint::clickhouse::library;
use clickprint_core::fingerprint::blobs::BLOB_BAND;

use crate::common::embedded_config;
use clickprint_tests::data_dir;
use clickprint_tests::ffmpeg;
use clickprint_tests::{
    CAPTION_FILTER, SOFT_SOURCES, STRIPED_SOURCES, image_source, melody_source as melody,
};

pub async fn open(dir: &Path) -> Engine {
    let engine = Engine::open(&embedded_config(dir).clickhouse).expect("the embedded engine");
    library::apply_schema(&engine)
        .await
        .expect("the schema applies");
    engine
}

/// The bold font the copies' captions are written in (Debian's
/// `fonts-dejavu-core`).
const BOLD_FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

/// Six unrelated generated pictures (`image_source(0..6)`) ingested into
/// tenant 7's library as media 10 to 15, beside the originals a test looks for.
async fn ingest_unrelated(engine: &Engine, dir: &Path) {
    for i in 0..6u64 {
        let other = ffmpeg(
            &["-f", "lavfi", "-i", &image_source(i), "-frames:v", "1"],
            &dir.join(format!("other-{i}.png")),
        );
        let path = other.to_str().expect("a UTF-8 path");
        library::ingest(engine, 7, 10 + i, path)
            .await
            .expect("an unrelated picture is ingested");
    }
}

/// Generated pictures (`(name, lavfi source)`) made and ingested into
/// tenant 7's library as media 1, 2, ..., with the six unrelated pictures
/// of [`ingest_unrelated`] beside them; their files, in order.
async fn ingest_generated(engine: &Engine, dir: &Path, sources: &[(&str, &str)]) -> Vec<PathBuf> {
    let mut originals = Vec::new();
    for (id, (name, source)) in (1u64..).zip(sources) {
        let path = ffmpeg(
            &["-f", "lavfi", "-i", source, "-frames:v", "1"],
            &dir.join(format!("{name}.png")),
        );
        library::ingest(engine, 7, id, path.to_str().expect("a UTF-8 path"))
            .await
            .expect("a generated picture is ingested");
        originals.push(path);
    }
    ingest_unrelated(engine, dir).await;
    originals
}

/// What an unrelated generated picture finds in tenant 7's library, said
/// as a failure when it finds anything.
async fn unrelated_finds_something(engine: &Engine, dir: &Path) -> Option<String> {
    let unrelated = ffmpeg(
        &["-f", "lavfi", "-i", &image_source(9), "-frames:v", "1"],
        &dir.join("unrelated.png"),
    );
    let path = unrelated.to_str().expect("a UTF-8 path");
    let found = library::search(engine, 7, path, 5, 0.3)
        .await
        .expect("the search runs");
    (!found.is_empty()).then(|| format!("an unrelated picture: {found:?}"))
}

/// An ffmpeg filter writing a meme's caption: bold white text with a black
/// border over the top and bottom of the picture.
fn meme_caption(top: &str, bottom: &str) -> String {
    let font = BOLD_FONT;
    let line = |text: &str, y: &str| {
        format!(
            "drawtext=fontfile={font}:text='{text}':fontsize=h/7:fontcolor=white:\
             borderw=4:bordercolor=black:x=(w-text_w)/2:y={y}"
        )
    };
    format!("{},{}", line(top, "h/30"), line(bottom, "h-text_h-h/30"))
}

#[tokio::test]
async fn an_image_is_ingested_and_found_by_its_crop() {
    let dir = data_dir("search-smoke");
    let engine = open(dir.path()).await;
    let original = ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "mandelbrot=s=640x480:start_scale=1.5",
            "-frames:v",
            "1",
        ],
        &dir.path().join("a.png"),
    );
    let other = ffmpeg(
        &["-f", "lavfi", "-i", "testsrc2=s=640x480", "-frames:v", "1"],
        &dir.path().join("b.png"),
    );
    library::ingest(&engine, 7, 1, original.to_str().unwrap())
        .await
        .unwrap();
    library::ingest(&engine, 7, 2, other.to_str().unwrap())
        .await
        .unwrap();
    let crop = ffmpeg(
        &[
            "-i",
            original.to_str().unwrap(),
            "-vf",
            "crop=iw*0.85:ih*0.85",
        ],
        &dir.path().join("crop.jpg"),
    );
    let found = library::search(&engine, 7, crop.to_str().unwrap(), 10, 0.3)
        .await
        .unwrap();
    eprintln!("{found:#?}");
    assert_eq!(found.first().map(|m| m.media_id), Some(1), "{found:?}");
}

/// The generated library: (media id, file) per item, and the originals the
/// checks below transform.
struct Library {
    items: Vec<(u64, PathBuf)>,
}

const IMAGES: u64 = 150;
const AUDIO: u64 = 30;
const VIDEOS: u64 = 20;

fn build_library(dir: &Path) -> Library {
    let mut jobs: Vec<(u64, Vec<String>, PathBuf)> = Vec::new();
    for i in 0..IMAGES {
        let out = dir.join(format!("image-{i}.png"));
        jobs.push((
            i + 1,
            ["-f", "lavfi", "-i", &image_source(i), "-frames:v", "1"]
                .map(String::from)
                .to_vec(),
            out,
        ));
    }
    for i in 0..AUDIO {
        let out = dir.join(format!("audio-{i}.mp3"));
        jobs.push((
            1000 + i,
            vec![
                "-f".into(),
                "lavfi".into(),
                "-i".into(),
                melody(i, 20),
                "-b:a".into(),
                "96k".into(),
            ],
            out,
        ));
    }
    for i in 0..VIDEOS {
        let out = dir.join(format!("video-{i}.mp4"));
        // The first shot changes slowly (a Game of Life board blurred into
        // blobs, one generation a second), so a still taken anywhere in it
        // is close to a stored frame; each video its own board. (Views of
        // the Mandelbrot set served here before, but views near one another
        // share their content at another zoom: true partial copies.)
        let shot_a = format!(
            "life=s=160x120:r=1:seed={}:ratio=0.3,scale=320:240,boxblur=3,fps=25",
            700 + i
        );
        let shot_b = format!(
            "life=s=80x60:r=25:seed={}:ratio=0.3,scale=320:240:flags=neighbor",
            500 + i
        );
        jobs.push((
            2000 + i,
            vec![
                "-f".into(),
                "lavfi".into(),
                "-i".into(),
                shot_a,
                "-f".into(),
                "lavfi".into(),
                "-i".into(),
                shot_b,
                "-f".into(),
                "lavfi".into(),
                "-i".into(),
                melody(100 + i, 10),
                "-filter_complex".into(),
                "[0]trim=0:5,setpts=PTS-STARTPTS[a];[1]trim=0:5,setpts=PTS-STARTPTS[b];\
                 [a][b]concat=n=2:v=1:a=0,format=yuv420p[v]"
                    .into(),
                "-map".into(),
                "[v]".into(),
                "-map".into(),
                "2:a".into(),
                "-c:v".into(),
                "libx264".into(),
                "-preset".into(),
                "veryfast".into(),
                "-c:a".into(),
                "aac".into(),
                "-t".into(),
                "10".into(),
            ],
            out,
        ));
    }
    // Two cores: two ffmpeg at a time.
    let chunks: Vec<_> = jobs.chunks(jobs.len().div_ceil(2)).collect();
    std::thread::scope(|scope| {
        for chunk in chunks {
            scope.spawn(move || {
                for (_, args, out) in chunk {
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    ffmpeg(&args, out);
                }
            });
        }
    });
    Library {
        items: jobs.into_iter().map(|(id, _, out)| (id, out)).collect(),
    }
}

fn path_of(library: &Library, id: u64) -> &Path {
    &library
        .items
        .iter()
        .find(|(i, _)| *i == id)
        .expect("an item")
        .1
}

pub async fn rows_of(engine: &Engine, table: &str, media_id: u64) -> u64 {
    rows_where(engine, table, media_id, "1").await
}

/// How many of the blob keys (band 26) `clickprint_query` gives `query`
/// tenant 7's `media_id` stores.
async fn shared_blob_keys(engine: &Engine, query: &str, media_id: u64) -> u64 {
    count(
        engine,
        &format!(
            "SELECT count() FROM clickprint.fp_keys \
                 WHERE tenant_id = 7 AND media_id = {{m:UInt64}} AND band = {BLOB_BAND} \
                 AND key IN (SELECT k.2 FROM \
                    (SELECT arrayJoin(clickprint_query({{q:String}}).keys) AS k) \
                    WHERE k.1 = {BLOB_BAND})"
        ),
        &[("m", media_id.to_string()), ("q", query.to_owned())],
    )
    .await
}

/// Tenant 7's rows of `table` for `media_id` that meet `condition`.
async fn rows_where(engine: &Engine, table: &str, media_id: u64, condition: &str) -> u64 {
    count(
        engine,
        &format!(
            "SELECT count() FROM clickprint.{table} \
             WHERE tenant_id = 7 AND media_id = {{m:UInt64}} AND ({condition})"
        ),
        &[("m", media_id.to_string())],
    )
    .await
}

/// The one count `sql` (with `params`) answers.
async fn count(engine: &Engine, sql: &str, params: &[(&str, String)]) -> u64 {
    let out = engine
        .query_with_params(sql, params)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    out.batches[0]
        .column(0)
        .as_primitive::<arrow::datatypes::UInt64Type>()
        .value(0)
}

use arrow::array::AsArray;

#[tokio::test]
async fn a_generated_library_finds_every_copy_and_nothing_else() {
    let dir = data_dir("search-library");
    let media = dir.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    let library = build_library(&media);
    assert!(library.items.len() >= 200);
    let engine = open(dir.path()).await;
    for (id, path) in &library.items {
        library::ingest(&engine, 7, *id, path.to_str().unwrap())
            .await
            .unwrap_or_else(|e| panic!("ingest {}: {e}", path.display()));
    }

    // Idempotent: ingesting again adds no row.
    let before = (
        rows_of(&engine, "fp_keys", 2003).await,
        rows_of(&engine, "fp_media", 2003).await,
    );
    assert!(before.0 > 0 && before.1 > 0);
    library::ingest(&engine, 7, 2003, path_of(&library, 2003).to_str().unwrap())
        .await
        .unwrap();
    let after = (
        rows_of(&engine, "fp_keys", 2003).await,
        rows_of(&engine, "fp_media", 2003).await,
    );
    assert_eq!(before, after, "a re-run ingest added rows");

    let work = dir.path().join("queries");
    std::fs::create_dir_all(&work).unwrap();
    let copy = |id: u64, args: &[&str], name: &str| {
        ffmpeg(
            &[&["-i", path_of(&library, id).to_str().unwrap()], args].concat(),
            &work.join(name),
        )
    };
    let mut failures = Vec::new();
    // (query, expected media, expected reference start ms or None for images)
    let queries: Vec<(PathBuf, u64, Option<u32>)> = vec![
        (copy(4, &["-q:v", "20"], "img4-jpeg.jpg"), 4, None),
        (
            copy(18, &["-vf", "crop=iw*0.9:ih*0.9"], "img18-crop.png"),
            18,
            None,
        ),
        (copy(29, &["-vf", "hflip"], "img29-flip.png"), 29, None),
        (
            copy(41, &["-vf", "scale=iw/2:ih/2"], "img41-half.png"),
            41,
            None,
        ),
        (
            copy(
                56,
                &[
                    "-vf",
                    "drawbox=x=iw-130:y=ih-70:w=110:h=50:color=white@0.8:t=fill",
                ],
                "img56-logo.png",
            ),
            56,
            None,
        ),
        (
            copy(
                1005,
                &["-ss", "6", "-t", "5", "-b:a", "64k"],
                "aud5-excerpt.mp3",
            ),
            1005,
            Some(6_000),
        ),
        (
            copy(1012, &["-c:a", "aac", "-b:a", "48k"], "aud12.m4a"),
            1012,
            Some(0),
        ),
        (
            copy(
                2004,
                &[
                    "-ss", "2", "-t", "6", "-c:v", "libx264", "-crf", "35", "-an",
                ],
                "vid4-trim.mp4",
            ),
            2004,
            Some(2_000),
        ),
        (
            copy(
                2011,
                &["-vf", "scale=160:120", "-c:a", "copy"],
                "vid11-small.mp4",
            ),
            2011,
            Some(0),
        ),
    ];
    for (query, expected, reference_start) in &queries {
        let found = library::search(&engine, 7, query.to_str().unwrap(), 5, 0.3)
            .await
            .unwrap_or_else(|e| panic!("search {}: {e}", query.display()));
        let name = query.file_name().unwrap().to_string_lossy();
        match found.first() {
            Some(m) if m.media_id == *expected => {
                // The query starts `start` ms into the reference: the
                // reported ranges must say so.
                let offset = i64::from(m.reference_range.0) - i64::from(m.query_range.0);
                if let Some(start) = reference_start
                    && (offset - i64::from(*start)).abs() > 1_000
                {
                    failures.push(format!(
                        "{name}: ranges {:?} -> {:?}, expected offset {start}",
                        m.query_range, m.reference_range
                    ));
                }
                eprintln!("{name}: {m:?}");
            }
            other => failures.push(format!(
                "{name}: expected {expected} first, got {other:?} of {found:?}"
            )),
        }
    }
    // Reverse shot search: a still of video 2005 at 2.3 s finds the video there.
    let still = ffmpeg(
        &[
            "-ss",
            "2.3",
            "-i",
            path_of(&library, 2005).to_str().unwrap(),
            "-frames:v",
            "1",
            "-q:v",
            "5",
        ],
        &work.join("still.jpg"),
    );
    let found = library::search(&engine, 7, still.to_str().unwrap(), 5, 0.3)
        .await
        .unwrap();
    match found.first() {
        Some(m) if m.media_id == 2005 && m.reference_range.0.abs_diff(2_300) <= 1_000 => {
            eprintln!("still: {m:?}");
        }
        other => failures.push(format!(
            "still of 2005 at 2.3 s: got {other:?} of {found:?}"
        )),
    }
    // Unrelated queries: nothing above the threshold.
    let unrelated = [
        ffmpeg(
            &[
                "-f",
                "lavfi",
                "-i",
                "life=s=120x90:seed=99999:ratio=0.35,scale=480:360:flags=neighbor",
                "-frames:v",
                "1",
            ],
            &work.join("new.png"),
        ),
        ffmpeg(
            &[
                "-f",
                "lavfi",
                "-i",
                "mandelbrot=s=480x360:start_x=0.2825:start_y=0.01:start_scale=0.05",
                "-frames:v",
                "1",
            ],
            &work.join("new2.png"),
        ),
        ffmpeg(
            &["-f", "lavfi", "-i", &melody(9_999, 8)],
            &work.join("new.mp3"),
        ),
    ];
    for query in &unrelated {
        let found = library::search(&engine, 7, query.to_str().unwrap(), 5, 0.3)
            .await
            .unwrap();
        if !found.is_empty() {
            failures.push(format!("unrelated {}: {found:?}", query.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Another tenant sees none of it, and finds its own.
    let crop = &queries[1].0;
    assert!(
        library::search(&engine, 8, crop.to_str().unwrap(), 5, 0.0)
            .await
            .unwrap()
            .is_empty()
    );
    library::ingest(&engine, 8, 18, path_of(&library, 18).to_str().unwrap())
        .await
        .unwrap();
    let theirs = library::search(&engine, 8, crop.to_str().unwrap(), 5, 0.3)
        .await
        .unwrap();
    assert_eq!(
        theirs.iter().map(|m| m.media_id).collect::<Vec<_>>(),
        vec![18]
    );

    // Search by pre-extracted fingerprints gives the same answer.
    let packed = Command::new(clickprint_tests::binaries_dir().join("clickprint-udf"))
        .arg("pack")
        .arg(crop)
        .output()
        .unwrap();
    assert!(packed.status.success());
    let hex = String::from_utf8(packed.stdout).unwrap();
    let by_fingerprint = library::search(&engine, 7, &format!("fp:{}", hex.trim()), 5, 0.3)
        .await
        .unwrap();
    assert_eq!(by_fingerprint.first().map(|m| m.media_id), Some(18));

    // Deleted media disappear from results at once.
    library::delete(&engine, 7, 18).await.unwrap();
    let after_delete = library::search(&engine, 7, crop.to_str().unwrap(), 5, 0.0)
        .await
        .unwrap();
    assert!(
        after_delete.iter().all(|m| m.media_id != 18),
        "{after_delete:?}"
    );
}

/// A compilation that uses one melody twice, at two offsets and at one
/// offset (a pause in one line), finds it once with two segments, and the
/// 8 s of another melody between them is in neither.
#[tokio::test]
async fn a_compilation_finds_its_reference_once_with_two_segments() {
    let dir = data_dir("search-compilation");
    let engine = open(dir.path()).await;
    let work = dir.path();
    let reference = ffmpeg(
        &["-f", "lavfi", "-i", &melody(21, 30), "-b:a", "96k"],
        &work.join("tune.mp3"),
    );
    let other = ffmpeg(
        &["-f", "lavfi", "-i", &melody(22, 30), "-b:a", "96k"],
        &work.join("other.mp3"),
    );
    library::ingest(&engine, 7, 1, reference.to_str().unwrap())
        .await
        .unwrap();
    library::ingest(&engine, 7, 2, other.to_str().unwrap())
        .await
        .unwrap();
    // The query: the reference's 2-10 s, 8 s of a melody no item holds,
    // then the reference's `second`..+8 s; at 16 s of the query.
    let mut failures = Vec::new();
    for second in [20_000u32, 18_000] {
        let query = ffmpeg(
            &[
                "-i",
                reference.to_str().unwrap(),
                "-f",
                "lavfi",
                "-i",
                &melody(9_998, 8),
                "-filter_complex",
                &format!(
                    "[0:a]aformat=sample_rates=22050:channel_layouts=mono,asplit[s1][s2];\
                     [s1]atrim=2:10,asetpts=PTS-STARTPTS[a];\
                     [s2]atrim={0}:{1},asetpts=PTS-STARTPTS[b];\
                     [1:a]aformat=sample_rates=22050:channel_layouts=mono[x];\
                     [a][x][b]concat=n=3:v=0:a=1[out]",
                    second / 1000,
                    second / 1000 + 8
                ),
                "-map",
                "[out]",
            ],
            &work.join(format!("compilation-{second}.wav")),
        );
        let found = library::search(&engine, 7, query.to_str().unwrap(), 5, 0.3)
            .await
            .unwrap();
        eprintln!("second use at {second} ms: {found:#?}");
        let [m] = found.as_slice() else {
            failures.push(format!("{second}: one match expected, got {found:?}"));
            continue;
        };
        // Where each use starts in the query and in the reference, ms.
        // Landmarks near a use's edges pair peaks across it, so a segment
        // may end short of its use (or start early, by a chance hit on its
        // line) by up to a second; its offset is exact.
        let expected = [(0u32, 2_000u32), (16_000, second)];
        let right = m.media_id == 1
            && m.segments.len() == 2
            && m.segments.iter().zip(expected).all(|(s, (q, r))| {
                let offset = i64::from(s.reference_range.0) - i64::from(s.query_range.0);
                (offset - (i64::from(r) - i64::from(q))).abs() <= 100
                    && s.query_range.0.abs_diff(q) <= 1_000
                    && s.query_range.1 > q + 6_000
                    && s.query_range.1 <= q + 8_300
                    && (s.speed - 1.0).abs() < 0.01
                    && s.score > 0.3
            })
            // The other melody, from 8 s to 16 s, is mostly in neither.
            && m.segments[0].query_range.1 <= 8_300
            && m.segments[1].query_range.0 >= 15_000
            // The top level is the best segment's.
            && m.segments
                .iter()
                .any(|s| (s.query_range, s.reference_range) == (m.query_range, m.reference_range));
        if !right {
            failures.push(format!("{second}: {m:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn bad_query_media_fails_the_search_with_the_udf_message() {
    let dir = data_dir("search-bad");
    let engine = open(dir.path()).await;
    let corrupt = dir.path().join("corrupt.mp4");
    std::fs::write(&corrupt, b"\x00\x00\x00\x18ftypmp42 certainly not a video").unwrap();
    let started = std::time::Instant::now();
    for (source, expected) in [
        (corrupt.to_str().unwrap().to_owned(), "corrupt.mp4"),
        (
            "/nonexistent/clip.mp4".to_owned(),
            "cannot read /nonexistent/clip.mp4",
        ),
        ("fp:0badc0de".to_owned(), "not a clickprint fingerprint"),
        // By default the UDF refuses to fetch from non-public addresses, so
        // SQL cannot be used to reach the machine's private services.
        (
            "http://127.0.0.1:9/clip.mp4".to_owned(),
            "127.0.0.1 is a loopback address (127.0.0.1); fetching it is refused",
        ),
        (
            "http://169.254.169.254/latest/meta-data/".to_owned(),
            "link-local address",
        ),
        (
            "gopher://example.com/x".to_owned(),
            "scheme `gopher://` is not read",
        ),
    ] {
        let err = library::search(&engine, 7, &source, 5, 0.3)
            .await
            .unwrap_err();
        assert!(err.to_string().contains(expected), "{source}: {err}");
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    // The pool recovers: a good query still works afterwards.
    let image = ffmpeg(
        &["-f", "lavfi", "-i", "testsrc2=s=320x240", "-frames:v", "1"],
        &dir.path().join("ok.png"),
    );
    assert!(
        library::search(&engine, 7, image.to_str().unwrap(), 5, 0.3)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Serves `dir` over HTTP on loopback; the address comes back.
async fn file_server(dir: &Path) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("its address");
    let files = warp::fs::dir(dir.to_path_buf());
    tokio::spawn(warp::serve(files).incoming(listener).run());
    addr
}

#[tokio::test]
async fn media_is_ingested_and_searched_by_http_url() {
    // The UDF processes ClickHouse starts inherit this process's
    // environment: loopback is where the test's server is, so allow it.
    // SAFETY: set before the engine starts any thread that reads the
    // environment; nextest runs this test alone in its process.
    unsafe { std::env::set_var("CLICKPRINT_FETCH_ALLOW_PRIVATE", "true") };
    let dir = data_dir("search-http");
    let served = dir.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let original = ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "mandelbrot=s=640x480:start_scale=1.5",
            "-frames:v",
            "1",
        ],
        &served.join("a.png"),
    );
    ffmpeg(
        &[
            "-i",
            original.to_str().unwrap(),
            "-vf",
            "crop=iw*0.85:ih*0.85",
            "-q:v",
            "8",
        ],
        &served.join("crop.jpg"),
    );
    let addr = file_server(&served).await;
    let engine = open(dir.path()).await;
    library::ingest(&engine, 7, 1, &format!("http://{addr}/a.png"))
        .await
        .unwrap();
    assert!(rows_of(&engine, "fp_media", 1).await > 0);
    let found = library::search(&engine, 7, &format!("http://{addr}/crop.jpg"), 5, 0.3)
        .await
        .unwrap();
    assert_eq!(found.first().map(|m| m.media_id), Some(1), "{found:?}");
    // Failures name the URL, not the temporary file it was fetched into.
    let err = library::search(&engine, 7, &format!("http://{addr}/gone.jpg"), 5, 0.3)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(&format!(
            "fetching http://{addr}/gone.jpg: the server answered 404"
        )),
        "{err}"
    );
    std::fs::write(served.join("junk.png"), b"not a picture at all").unwrap();
    let err = library::search(&engine, 7, &format!("http://{addr}/junk.png"), 5, 0.3)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(&format!(
            "http://{addr}/junk.png is not an image, audio or video"
        )),
        "{err}"
    );
}

/// Issue 24: copies as pictures circulate, found through the query's
/// regions (a found inset, the centre band) at the default threshold: a
/// picture pasted into another one, a meme caption, a screenshot of a
/// window showing it; the background alone finds nothing.
#[tokio::test]
async fn an_inset_a_caption_and_a_screenshot_copy_are_found() {
    let dir = data_dir("search-circulated");
    let engine = open(dir.path()).await;
    let made = |args: &[&str], name: &str| ffmpeg(args, &dir.path().join(name));
    let original = made(
        &[
            "-f",
            "lavfi",
            "-i",
            "mandelbrot=s=640x480:start_scale=1.5",
            "-frames:v",
            "1",
        ],
        "original.png",
    );
    library::ingest(&engine, 7, 1, original.to_str().unwrap())
        .await
        .unwrap();
    // Unrelated pictures beside it.
    ingest_unrelated(&engine, dir.path()).await;
    let board = made(
        &[
            "-f",
            "lavfi",
            "-i",
            "life=s=240x160:seed=4242:ratio=0.3,scale=960:640,boxblur=4",
            "-frames:v",
            "1",
        ],
        "board.png",
    );
    let original_path = original.to_str().unwrap();
    let inset = made(
        &[
            "-i",
            board.to_str().unwrap(),
            "-i",
            original_path,
            "-filter_complex",
            "[1]scale=384:-2[p];[0][p]overlay=403:115",
        ],
        "inset.png",
    );
    let font = BOLD_FONT;
    let caption = made(
        &[
            "-i",
            original_path,
            "-vf",
            &meme_caption("ME EVERY MONDAY", "SO TRUE"),
        ],
        "caption.png",
    );
    let screenshot = made(
        &[
            "-i",
            original_path,
            "-vf",
            &format!(
                "scale=trunc(iw*0.6/2)*2:-2,\
                 pad=trunc(iw*1.45/2)*2:trunc(ih*1.5/2)*2:iw*0.3:ih*0.3:color=0xf0f0f0,\
                 drawbox=x=0:y=0:w=iw:h=ih*0.09:color=0x2b579a:t=fill,\
                 drawbox=x=0:y=ih*0.09:w=iw*0.16:h=ih:color=0xd8d8d8:t=fill,\
                 drawtext=fontfile={font}:text='photo.png - Image Viewer':fontsize=h/22:\
                 fontcolor=white:x=w/40:y=h/45"
            ),
            "-q:v",
            "5",
        ],
        "screenshot.jpg",
    );
    let mut failures = Vec::new();
    for query in [&inset, &caption, &screenshot] {
        let found = library::search(&engine, 7, query.to_str().unwrap(), 5, 0.3)
            .await
            .unwrap();
        eprintln!("{}: {found:?}", query.display());
        if found.first().map(|m| m.media_id) != Some(1) {
            failures.push(format!(
                "{}: expected 1 first, got {found:?}",
                query.display()
            ));
        }
        // The inset's answer says where in the query the copy is: the
        // rectangle it was pasted at (403, 115, 384 x 288), to 3 pixels.
        if query == &inset {
            let near = found.first().and_then(|m| m.query_box).is_some_and(|b| {
                [(b.x, 403), (b.y, 115), (b.width, 384), (b.height, 288)]
                    .iter()
                    .all(|&(got, want)| got.abs_diff(want) <= 3)
            });
            if !near {
                failures.push(format!("the inset's query_box: {found:?}"));
            }
        }
    }
    let background = library::search(&engine, 7, board.to_str().unwrap(), 5, 0.3)
        .await
        .unwrap();
    if !background.is_empty() {
        failures.push(format!("the background alone: {background:?}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Issue 24, item 4 (no false matches): drawings of one template (the
/// same textured frame around different pictures) share the frame's
/// keypoints, so a third drawing of it local-matched the library's two
/// (0.59 and 0.60, 12 inliers each, by the `inlier_rarity` example)
/// although it is a copy of neither. With the search's rare-inlier table
/// an inlier counts only when no other candidate holds a keypoint as near,
/// and the frame's are held by both: nothing is found. A crop of a drawing
/// stored twice (the PNG and a JPEG of it) is still found: the twins are
/// one group of the table, so their shared keypoints stay rare.
#[tokio::test]
async fn a_templates_sibling_is_no_copy_and_a_crop_of_a_picture_stored_twice_is() {
    let dir = data_dir("search-template");
    let engine = open(dir.path()).await;
    let frame = "life=s=160x120:seed=77:ratio=0.3,scale=640:480,boxblur=2";
    let drawing = |name: &str, inside: &str| {
        ffmpeg(
            &[
                "-f",
                "lavfi",
                "-i",
                frame,
                "-f",
                "lavfi",
                "-i",
                inside,
                "-filter_complex",
                "[0][1]overlay=120:90",
                "-frames:v",
                "1",
            ],
            &dir.path().join(name),
        )
    };
    let first = drawing("first.png", "mandelbrot=s=400x300:start_scale=1.5");
    let second = drawing("second.png", "testsrc2=s=400x300");
    let third = drawing(
        "third.png",
        "life=s=100x75:seed=9:ratio=0.3,scale=400:300,boxblur=2",
    );
    let path = |p: &Path| p.to_str().expect("a UTF-8 path").to_owned();
    let twin = ffmpeg(
        &["-i", &path(&first), "-q:v", "3"],
        &dir.path().join("twin.jpg"),
    );
    for (id, file) in [(1, &first), (2, &second), (3, &twin)] {
        library::ingest(&engine, 7, id, &path(file))
            .await
            .expect("a drawing is ingested");
    }
    ingest_unrelated(&engine, dir.path()).await;
    let crop = |of: &Path, name: &str| {
        ffmpeg(
            &["-i", &path(of), "-vf", "crop=iw*0.85:ih*0.85"],
            &dir.path().join(name),
        )
    };
    let mut failures = Vec::new();
    let sibling = library::search(&engine, 7, &path(&third), 5, 0.3)
        .await
        .expect("the search runs");
    if !sibling.is_empty() {
        failures.push(format!("the template's third drawing: {sibling:?}"));
    }
    for (copy, originals) in [
        (crop(&first, "first-crop.jpg"), [1, 3]),
        (crop(&second, "second-crop.jpg"), [2, 2]),
    ] {
        let found = library::search(&engine, 7, &path(&copy), 5, 0.3)
            .await
            .expect("the search runs");
        eprintln!("{}: {found:?}", copy.display());
        if !found
            .first()
            .is_some_and(|m| originals.contains(&m.media_id))
        {
            failures.push(format!("{}: {found:?}", copy.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Issue 24, item 3: striped artwork (almost no corners; a crop moves
/// its global hash) is found by its 1-D profile, through the search
/// statement's key lookup (the profile bands) and the rerank: a 30% crop
/// re-saved as JPEG, a meme-captioned copy and a mirrored crop, each with
/// evidence `profile` and its original first; the other striped picture
/// and unrelated pictures are in the library beside them, and an
/// unrelated picture finds nothing.
#[tokio::test]
async fn crops_and_a_caption_of_striped_artwork_are_found_by_its_profile() {
    let dir = data_dir("search-striped");
    let engine = open(dir.path()).await;
    let made = |args: &[&str], name: &str| ffmpeg(args, &dir.path().join(name));
    let originals = ingest_generated(&engine, dir.path(), &STRIPED_SOURCES).await;
    let copy = |original: &PathBuf, vf: &str, name: &str| {
        made(&["-i", original.to_str().unwrap(), "-vf", vf], name)
    };
    let queries = [
        (
            1,
            copy(
                &originals[0],
                "crop=iw*0.7:ih*0.7:iw*0.2:ih*0.1",
                "bars-crop.jpg",
            ),
        ),
        (
            2,
            copy(
                &originals[1],
                &meme_caption("WHEN THE WIFI", "DROPS AGAIN"),
                "ribs-caption.png",
            ),
        ),
        (
            2,
            copy(
                &originals[1],
                "crop=iw*0.85:ih*0.85,hflip",
                "ribs-crop-flip.png",
            ),
        ),
    ];
    let mut failures = Vec::new();
    for (want, query) in &queries {
        let found = library::search(&engine, 7, query.to_str().unwrap(), 5, 0.3)
            .await
            .unwrap();
        eprintln!("{}: {found:?}", query.display());
        let first = found.first().map(|m| (m.media_id, m.evidence.as_str()));
        if first != Some((*want, "profile")) {
            failures.push(format!(
                "{}: expected {want} by its profile first, got {found:?}",
                query.display()
            ));
        }
    }
    failures.extend(unrelated_finds_something(&engine, dir.path()).await);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Issue 24, item 3: soft pictures (few corners, and a crop moves their
/// global hash) are found by their layouts, through the search
/// statement and the rerank: a 30% crop re-saved as JPEG, a mirrored,
/// brightened 20% crop and a captioned copy of each, with the original
/// first at the threshold (the generated pictures keep enough corners for
/// their local features to find the captioned copy before the layout is
/// looked at; `images::crops_of_soft_pictures_are_found_by_their_layouts`
/// shows the layout finds it with the caption left out); unrelated
/// pictures are in the library beside them, and an unrelated picture
/// finds nothing. The soft originals store blob keys, the unrelated
/// pictures none, and each copy's query shares some with its original.
#[tokio::test]
async fn crops_of_soft_pictures_are_found_by_their_layouts() {
    let dir = data_dir("search-soft");
    let engine = open(dir.path()).await;
    let made = |args: &[&str], name: &str| ffmpeg(args, &dir.path().join(name));
    let originals = ingest_generated(&engine, dir.path(), &SOFT_SOURCES).await;
    let mut failures = Vec::new();
    for (n, original) in originals.iter().enumerate() {
        let want = n as u64 + 1;
        for (copy, vf, ext) in [
            ("crop", "crop=iw*0.7:ih*0.7:iw*0.2:ih*0.1", "jpg"),
            (
                "crop-flip",
                "crop=iw*0.8:ih*0.8:iw*0.04:ih*0.16,hflip,eq=brightness=0.12",
                "png",
            ),
            ("caption", CAPTION_FILTER, "png"),
        ] {
            let query = made(
                &["-i", original.to_str().unwrap(), "-vf", vf],
                &format!("{n}-{copy}.{ext}"),
            );
            let found = library::search(&engine, 7, query.to_str().unwrap(), 5, 0.3)
                .await
                .unwrap();
            // The blob keys the engine's query extraction gives the copy
            // that its original stores.
            let shared = shared_blob_keys(&engine, query.to_str().unwrap(), want).await;
            eprintln!("{}: {found:?}, {shared} blob keys shared", query.display());
            if found.first().map(|m| m.media_id) != Some(want) {
                failures.push(format!(
                    "{}: expected {want} first, got {found:?}",
                    query.display()
                ));
            }
            if shared == 0 {
                failures.push(format!(
                    "{}: no blob key shared with {want}",
                    query.display()
                ));
            }
        }
    }
    // Blob keys (`clickprint_core::fingerprint::blobs`): the soft
    // originals store them, the unrelated pictures (full of corners, no
    // layout) none.
    let blob_band = format!("band = {BLOB_BAND}");
    for id in (1..=originals.len() as u64).chain(10..16) {
        let rows = rows_where(&engine, "fp_keys", id, &blob_band).await;
        eprintln!("media {id}: {rows} blob keys");
        if (id < 10) != (rows > 0) {
            failures.push(format!("media {id}: {rows} blob keys"));
        }
    }
    failures.extend(unrelated_finds_something(&engine, dir.path()).await);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Issue 24, video: a clip set at 45% of the width into other moving
/// footage, with its sound removed, is found by the insets its query
/// frames are looked at for (`fingerprint::video`), and the answer says
/// where in the query the clip is; the footage alone finds nothing.
#[tokio::test]
async fn a_video_inset_in_other_footage_is_found_without_its_sound() {
    let dir = data_dir("search-video-inset");
    let engine = open(dir.path()).await;
    let made = |args: &[&str], name: &str| ffmpeg(args, &dir.path().join(name));
    let clip = |source: &str, name: &str| {
        made(
            &[
                "-f", "lavfi", "-i", source, "-t", "12", "-pix_fmt", "yuv420p", "-c:v", "libx264",
                "-preset", "veryfast",
            ],
            name,
        )
    };
    // The original: a Mandelbrot zoom, 640x360; an unrelated item beside it.
    let original = clip(
        "mandelbrot=s=640x360:rate=25:start_scale=2.5:end_scale=0.6",
        "original.mp4",
    );
    let other = clip(
        "life=s=160x90:rate=25:seed=77:ratio=0.3,scale=640:360,boxblur=2",
        "other.mp4",
    );
    library::ingest(&engine, 7, 1, original.to_str().unwrap())
        .await
        .unwrap();
    library::ingest(&engine, 7, 2, other.to_str().unwrap())
        .await
        .unwrap();
    // The footage it is set in: a moving board of soft cells.
    let footage = clip(
        "life=s=320x180:rate=25:seed=4242:ratio=0.3,scale=640:360,boxblur=4",
        "footage.mp4",
    );
    let inset = made(
        &[
            "-i",
            original.to_str().unwrap(),
            "-i",
            footage.to_str().unwrap(),
            "-filter_complex",
            "[0:v]scale=288:162[s];[1:v][s]overlay=269:69:shortest=1[v]",
            "-map",
            "[v]",
            "-an",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
        ],
        "inset.mp4",
    );
    let found = library::search(&engine, 7, inset.to_str().unwrap(), 5, 0.3)
        .await
        .unwrap();
    eprintln!("inset: {found:#?}");
    let first = found.first().expect("a match");
    assert_eq!((first.media_id, first.evidence.as_str()), (1, "local"));
    let b = first.query_box.expect("a query box");
    assert!(
        [(b.x, 269), (b.y, 69), (b.width, 288), (b.height, 162)]
            .iter()
            .all(|&(got, want)| got.abs_diff(want) <= 3),
        "{b:?}"
    );
    let background = library::search(&engine, 7, footage.to_str().unwrap(), 5, 0.3)
        .await
        .unwrap();
    assert!(background.is_empty(), "the footage alone: {background:?}");
}
