//! Plug-in extractors (issue 21, item 3): an executable a third party
//! wrote (`tests/extractors/watermark.py`, Python's standard library and
//! nothing of ours), declared in a configuration file, runs at ingest, and
//! the search finds items by its keys; disabled, its bands are not
//! searched; a version change is extracted again by `clickprint
//! reextract`. The media are pictures ffmpeg makes, unrelated to each
//! other, so only the plug-in's watermark can join a query to an item.

use std::path::{Path, PathBuf};

use clickprint_tests::{Service, binaries_dir, data_dir, ffmpeg, run_clickprint, search_json};
use serde_json::{Value, json};

/// The example extractor, as the repository holds it.
fn watermark_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("extractors/watermark.py")
}

/// A UDF folder as an operator lays one out: our executables and the
/// plug-in side by side (links here).
fn udf_folder(dir: &Path) -> PathBuf {
    let udf = dir.join("udf");
    std::fs::create_dir_all(&udf).expect("the UDF folder");
    for name in [
        "clickprint-udf",
        "clickprint-udf-media",
        "clickprint-sidecar",
    ] {
        std::os::unix::fs::symlink(binaries_dir().join(name), udf.join(name))
            .expect("a link to our executable");
    }
    std::os::unix::fs::symlink(watermark_script(), udf.join("watermark.py"))
        .expect("a link to the plug-in");
    udf
}

/// A configuration file declaring the watermark extractor with `fields`
/// (TOML lines) after its name and modalities.
fn config(dir: &Path, file: &str, udf: &Path, fields: &str) -> PathBuf {
    let path = dir.join(file);
    std::fs::write(
        &path,
        format!(
            "udf_dir = {udf:?}\n\n[[extractors]]\nname = \"watermark\"\nmodalities = [\"image\"]\n{fields}\n"
        ),
    )
    .expect("the configuration file");
    path
}

/// A picture from the lavfi `source`, with `mark` appended after its
/// image data (decoders ignore it; the plug-in reads it).
fn marked_picture(dir: &Path, name: &str, source: &str, mark: Option<u32>) -> PathBuf {
    let path = ffmpeg(
        &["-f", "lavfi", "-i", source, "-frames:v", "1"],
        &dir.join(name),
    );
    if let Some(mark) = mark {
        let mut bytes = std::fs::read(&path).expect("the picture");
        bytes.extend_from_slice(format!("CLICKPRINT-WM:{mark}").as_bytes());
        std::fs::write(&path, bytes).expect("the marked picture");
    }
    path
}

fn run(data: &Path, config: &Path, args: &[&str]) -> String {
    let env = [("CLICKPRINT_CONFIG", config.to_str().expect("a UTF-8 path"))];
    let (ok, stdout, stderr) = run_clickprint(data, args, &env);
    assert!(ok, "clickprint {args:?}: {stderr}");
    stdout
}

/// A statement's JSON rows, as the operator.
fn sql(data: &Path, config: &Path, statement: &str) -> Value {
    let stdout = run(data, config, &["sql", "--json", statement]);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// (external id, evidence) of each match, best first.
fn found(data: &Path, config: &Path, query: &Path) -> Vec<(String, String)> {
    let answer = search_json(
        data,
        "acme",
        query,
        &[("CLICKPRINT_CONFIG", config.to_str().expect("a UTF-8 path"))],
    );
    answer["matches"]
        .as_array()
        .unwrap_or_else(|| panic!("no matches in {answer}"))
        .iter()
        .map(|m| {
            (
                m["external_id"].as_str().unwrap_or("-").to_owned(),
                m["evidence"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_plug_in_extractor_from_the_configuration_ingests_is_searched_and_ignored_when_disabled() {
    let dir = data_dir("extractors");
    let data = dir.path().join("data");
    let library = dir.path().join("library");
    let queries = dir.path().join("queries");
    std::fs::create_dir_all(&library).unwrap();
    std::fs::create_dir_all(&queries).unwrap();
    let udf = udf_folder(dir.path());
    let enabled = config(
        dir.path(),
        "enabled.toml",
        &udf,
        "command = \"watermark.py --band 200\"\nbands = [200, 201]\nversion = \"1\"",
    );
    let disabled = config(
        dir.path(),
        "disabled.toml",
        &udf,
        "command = \"watermark.py --band 200\"\nbands = [200, 201]\nversion = \"1\"\nenabled = false",
    );
    // Version 2 writes its key in the other band it registered.
    let version_2 = config(
        dir.path(),
        "version-2.toml",
        &udf,
        "command = \"watermark.py --band 201\"\nbands = [200, 201]\nversion = \"2\"",
    );

    let marked = marked_picture(&library, "marked.png", "testsrc2=s=320x240", Some(4242));
    marked_picture(&library, "other.png", "mandelbrot=s=320x240", Some(777));
    marked_picture(&library, "plain.png", "life=s=320x240:seed=3", None);
    // Another picture altogether, carrying marked.png's watermark.
    let query = marked_picture(&queries, "query.png", "smptebars=s=320x240", Some(4242));

    run(&data, &enabled, &["tenant", "create", "acme"]);
    let stdout = run(
        &data,
        &enabled,
        &["ingest", "--tenant", "acme", library.to_str().unwrap()],
    );
    assert!(stdout.contains(", 0 failed"), "{stdout}");

    // Ingest ran the plug-in on every picture: its keys in its band, its
    // records, and a finished run at version 1 for each item.
    let keys = sql(
        &data,
        &enabled,
        "SELECT band, key FROM fp_keys WHERE band > 128 ORDER BY key",
    );
    assert_eq!(
        keys,
        json!([{"band": 200, "key": 777}, {"band": 200, "key": 4242}]),
    );
    let runs = sql(
        &data,
        &enabled,
        "SELECT extractor, version, modality, count() AS items FROM extractor_runs \
         GROUP BY extractor, version, modality",
    );
    assert_eq!(
        runs,
        json!([{"extractor": "watermark", "version": "1", "modality": "image", "items": 3}]),
    );
    let records = sql(
        &data,
        &enabled,
        "SELECT kind, record FROM fp_extractor_records ORDER BY record",
    );
    assert_eq!(
        records,
        json!([
            {"kind": "watermark", "record": "4242\timage\titem"},
            {"kind": "watermark", "record": "777\timage\titem"},
        ]),
    );

    // Searched: the query shares nothing with marked.png but its mark.
    let hits = found(&data, &enabled, &query);
    assert_eq!(
        hits,
        [("marked.png".to_owned(), "extractor".to_owned())],
        "enabled"
    );
    // Disabled: its rows stay, but its bands are not looked up, so the
    // query finds nothing; our own fingerprints still answer.
    assert_eq!(found(&data, &disabled, &query), [], "disabled");
    assert_eq!(
        found(&data, &disabled, &marked)[0],
        ("marked.png".to_owned(), "visual".to_owned()),
    );
    let keys_kept = sql(
        &data,
        &disabled,
        "SELECT count() AS keys FROM fp_keys WHERE band > 128",
    );
    assert_eq!(keys_kept, json!([{"keys": 2}]));

    // A version change: the items it extracted are re-extracted by the
    // operator's command, which clears their keys in its bands first;
    // through the running service (as the commands go when one owns the
    // data directory), which searches with the new version too.
    let service = Service::start_with(&data, &[("CLICKPRINT_CONFIG", version_2.to_str().unwrap())]);
    let report = run(&data, &version_2, &["reextract"]);
    let report: Value = serde_json::from_str(&report).unwrap_or_else(|e| panic!("{e}: {report}"));
    // Ours, the dialogue extractor, is declared too (for videos: none
    // here).
    assert_eq!(
        report,
        json!([
            {"extractor": "dialogue", "version": "1", "stale": 0, "reextracted": 0, "missing_files": []},
            {"extractor": "watermark", "version": "2", "stale": 3, "reextracted": 3, "missing_files": []},
        ]),
    );
    let keys = sql(
        &data,
        &version_2,
        "SELECT band, key FROM fp_keys WHERE band > 128 ORDER BY key",
    );
    assert_eq!(
        keys,
        json!([{"band": 201, "key": 777}, {"band": 201, "key": 4242}]),
    );
    let versions = sql(
        &data,
        &version_2,
        "SELECT media_id, argMax(version, extracted_at) AS version FROM extractor_runs \
         GROUP BY media_id ORDER BY media_id",
    );
    assert!(
        versions
            .as_array()
            .is_some_and(|v| v.len() == 3 && v.iter().all(|r| r["version"] == "2")),
        "{versions}"
    );
    assert_eq!(
        found(&data, &version_2, &query),
        [("marked.png".to_owned(), "extractor".to_owned())],
        "version 2"
    );
    // Nothing left to do.
    let again = run(&data, &version_2, &["reextract"]);
    assert!(again.contains("\"stale\": 0"), "{again}");
    drop(service);
}

#[test]
fn a_plug_in_key_outside_its_bands_fails_the_ingest_naming_the_extractor() {
    let dir = data_dir("extractor-bands");
    let data = dir.path().join("data");
    let udf = udf_folder(dir.path());
    // It registered band 210 but writes into 200.
    let config = config(
        dir.path(),
        "config.toml",
        &udf,
        "command = \"watermark.py --band 200\"\nbands = [210, 210]\nversion = \"1\"",
    );
    let picture = marked_picture(dir.path(), "marked.png", "testsrc2=s=320x240", Some(9));
    run(&data, &config, &["tenant", "create", "acme"]);
    // Retried as any failure of a plug-in is (it may be passing), then dead.
    let env = [("CLICKPRINT_CONFIG", config.to_str().unwrap())];
    let (ok, stdout, stderr) = run_clickprint(
        &data,
        &["ingest", "--tenant", "acme", picture.to_str().unwrap()],
        &env,
    );
    assert!(!ok, "the ingest succeeded: {stdout}");
    let said = format!("{stdout}{stderr}");
    assert!(
        said.contains("watermark") && said.contains("outside the bands registered"),
        "{said}"
    );
    let keys = sql(
        &data,
        &config,
        "SELECT count() AS keys FROM fp_keys WHERE band > 128",
    );
    assert_eq!(keys, json!([{"keys": 0}]));
}

#[test]
fn a_plug_in_emits_cues_only_when_it_declares_them() {
    let dir = data_dir("extractor-cues");
    let data = dir.path().join("data");
    let udf = udf_folder(dir.path());
    // One attempt: the refused run need not be retried here.
    let undeclared = config(
        dir.path(),
        "undeclared.toml",
        &udf,
        "command = \"watermark.py --band 200 --cue\"\nbands = [200, 200]\nversion = \"1\"",
    );
    std::fs::write(
        &undeclared,
        format!(
            "task_max_attempts = 1\n{}",
            std::fs::read_to_string(&undeclared).unwrap()
        ),
    )
    .unwrap();
    let declared = config(
        dir.path(),
        "declared.toml",
        &udf,
        "command = \"watermark.py --band 200 --cue\"\nbands = [200, 200]\noutputs = [\"cues\"]\nversion = \"1\"",
    );
    let picture = marked_picture(dir.path(), "marked.png", "testsrc2=s=320x240", Some(31));
    for tenant in ["first", "second"] {
        run(&data, &declared, &["tenant", "create", tenant]);
    }
    let env = [("CLICKPRINT_CONFIG", undeclared.to_str().unwrap())];
    let (ok, stdout, stderr) = run_clickprint(
        &data,
        &["ingest", "--tenant", "first", picture.to_str().unwrap()],
        &env,
    );
    let said = format!("{stdout}{stderr}");
    assert!(!ok, "the ingest succeeded: {said}");
    assert!(
        said.contains("watermark") && said.contains("does not declare outputs"),
        "{said}"
    );
    let cues = |tenant: u32| {
        sql(
            &data,
            &declared,
            &format!(
                "SELECT extractor, start_ms, end_ms, language, words FROM fp_cues \
                 WHERE tenant_id = {tenant}"
            ),
        )
    };
    assert_eq!(cues(1), json!([]));
    let stdout = run(
        &data,
        &declared,
        &["ingest", "--tenant", "second", picture.to_str().unwrap()],
    );
    assert!(stdout.contains(", 0 failed"), "{stdout}");
    assert_eq!(
        cues(2),
        json!([{"extractor": "watermark", "start_ms": 0, "end_ms": 1000, "language": "zxx", "words": "watermark 31 present"}]),
    );
    let answer = run(
        &data,
        &declared,
        &[
            "search",
            "--tenant",
            "second",
            "--text",
            "watermark 31",
            "--json",
        ],
    );
    assert!(answer.contains("marked.png"), "{answer}");
}
