//! The dialogue part of the evaluation (issue 21): videos whose subtitle
//! tracks the suite writes from the King James Version (Debian
//! `bible-kjv`), ingested by the product, then searched by line of
//! dialogue with the product's text search and with a plain `LIKE` scan
//! over `fp_cues`. The set itself (cues, queries, figures) is
//! `clickprint_eval::dialogue`; `benchmarks/README.md`, "Dialogue", says
//! how it is made.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use clickprint::clickhouse::Engine;
use clickprint::clickhouse::extractors;
use clickprint::clickhouse::library::{self, TextQuery, WordsMode};
use clickprint::config::Extractor;
use clickprint_eval::dialogue::{self, Cue, Kind, Library, Query, Rng, Row, TopAnswer};
use clickprint_eval::text_latency;

/// The tenant the dialogue set is ingested for.
const TENANT: u32 = 4;

/// Where the text comes from, for the JSON and the tables.
pub const SOURCE: &str = "King James Version of the Bible (1611; public domain), \
    Debian package bible-kjv-text, read with bible-kjv's `bible` program";

/// How big the set is in a mode.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    /// Items queries are made from.
    pub queried: usize,
    /// Items no query comes from.
    pub distractors: usize,
    /// Cues per item.
    pub cues_per_item: usize,
    /// Queries of each kind per queried item.
    pub per_kind: usize,
}

impl Size {
    /// The set of `mode` (`smoke`, `quick` or `full`).
    pub fn of(smoke: bool, quick: bool) -> Self {
        match (smoke, quick) {
            (true, _) => Size {
                queried: 6,
                distractors: 2,
                cues_per_item: 40,
                per_kind: 1,
            },
            (false, true) => Size {
                queried: 40,
                distractors: 10,
                cues_per_item: 100,
                per_kind: 2,
            },
            (false, false) => Size {
                queried: 200,
                distractors: 50,
                cues_per_item: 150,
                per_kind: 2,
            },
        }
    }
}

/// The King James Version as cue texts, book after book: each verse's
/// clauses, at most 12 words a cue.
fn kjv_cue_texts() -> Result<Vec<String>> {
    let output = Command::new("bible")
        .args(["-f", "-l", "100000", "-m", "20000", "gen1:1-rev22:21"])
        .output()
        .context("running `bible` (Debian bible-kjv; benchmarks/run installs it)")?;
    ensure!(
        output.status.success(),
        "bible: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).context("bible's output")?;
    let mut texts = Vec::new();
    for line in text.lines() {
        // "Ge1:1 In the beginning ..."
        if let Some((_, verse)) = line.split_once(' ') {
            texts.extend(dialogue::cue_texts(verse, 12));
        }
    }
    ensure!(
        texts.len() > 10_000,
        "only {} cues from `bible`",
        texts.len()
    );
    Ok(texts)
}

/// How item `i`'s subtitles are written and muxed: (subtitle file's
/// extension, container, ffmpeg's subtitle codec).
fn format_of(i: usize) -> (&'static str, &'static str, &'static str) {
    match i % 4 {
        0 => ("srt", "mp4", "mov_text"),
        1 => ("srt", "mkv", "subrip"),
        2 => ("vtt", "mkv", "webvtt"),
        _ => ("vtt", "mp4", "mov_text"),
    }
}

/// Writes item `i`'s subtitle file and its video: a 64x36 colour picture
/// at 1 frame a second (no sound), as long as its last cue plus a second,
/// with the subtitles as a stream tagged `eng`.
fn make_video(dir: &Path, i: usize, cues: &[Cue]) -> Result<PathBuf> {
    let (subtitle, container, codec) = format_of(i);
    let subs = dir.join(format!("item-{i:04}.{subtitle}"));
    let body = if subtitle == "srt" {
        dialogue::srt(cues)
    } else {
        dialogue::webvtt(cues)
    };
    std::fs::write(&subs, body)?;
    let out = dir.join(format!("item-{i:04}.{container}"));
    let seconds = cues.last().map_or(1, |c| c.end_ms / 1000 + 2);
    let colour = format!("0x{:06x}", (i as u32).wrapping_mul(2_654_435_761) >> 8);
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-nostdin", "-f", "lavfi", "-i"])
        .arg(format!("color=c={colour}:s=64x36:r=1:d={seconds}"))
        .arg("-i")
        .arg(&subs)
        .args([
            "-map",
            "0",
            "-map",
            "1",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:s",
            codec,
            "-metadata:s:s:0",
            "language=eng",
        ])
        .arg(&out)
        .status()
        .context("running ffmpeg")?;
    if !status.success() {
        bail!("ffmpeg failed making {}", out.display());
    }
    Ok(out)
}

/// The text search as a user would ask it for a query of `kind`: the
/// words as typed, every word (`all`) except for a phrase with a word
/// changed, where one wrong word would find nothing, so `any`.
pub fn text_query(q: &Query) -> TextQuery {
    TextQuery {
        text: q.text.clone(),
        mode: if q.kind == Kind::OneWordChanged {
            WordsMode::Any
        } else {
            WordsMode::All
        },
        language: String::new(),
        top_k: 10,
    }
}

/// What a user types into `text ILIKE '%...%'`: the query without its
/// quotes.
pub fn like_pattern(q: &Query) -> String {
    q.text.replace('"', "")
}

/// Everything the dialogue part measured.
pub struct Outcome {
    pub rows: Vec<Row>,
    pub json: serde_json::Value,
    pub items: usize,
    pub cues: usize,
    pub queries: usize,
}

const METHODS: [&str; 2] = ["clickprint text search", "LIKE scan"];

/// Makes the set, ingests it into `engine` for tenant 4 and answers every
/// query with both methods.
pub async fn run(engine: &Engine, work: &Path, size: Size, say: &dyn Fn(&str)) -> Result<Outcome> {
    let started = Instant::now();
    let dir = work.join("dialogue");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let texts = kjv_cue_texts()?;
    let n_items = size.queried + size.distractors;
    ensure!(
        texts.len() >= n_items * size.cues_per_item,
        "{} cues of text for {n_items} items of {}",
        texts.len(),
        size.cues_per_item
    );
    // Items spread over the whole text, each its own stretch.
    let stride = texts.len() / n_items;
    let items: Vec<Vec<Cue>> = (0..n_items)
        .map(|i| dialogue::timed(&texts[i * stride..i * stride + size.cues_per_item], 500))
        .collect();
    let cues: usize = items.iter().map(Vec::len).sum();
    say(&format!(
        "dialogue: {n_items} items ({} queried, {} distractors), {cues} cues; making the videos",
        size.queried, size.distractors
    ));
    let videos: Vec<PathBuf> = std::thread::scope(|scope| {
        let half = n_items.div_ceil(2);
        let jobs: Vec<_> = (0..2)
            .map(|w| {
                let (items, dir) = (&items, &dir);
                scope.spawn(move || {
                    (w * half..((w + 1) * half).min(n_items))
                        .map(|i| make_video(dir, i, &items[i]))
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut all = Vec::new();
        for job in jobs {
            all.extend(
                job.join()
                    .map_err(|_| anyhow::anyhow!("a video maker panicked"))??,
            );
        }
        Ok::<_, anyhow::Error>(all)
    })?;
    let made = started.elapsed().as_secs_f64();
    // Our extraction, then the dialogue extractor (a plug-in extractor of
    // ours, which the service's worker runs after it), which stores the cues.
    let dialogue = Extractor::built_in("dialogue").context("the dialogue extractor")?;
    for (i, video) in videos.iter().enumerate() {
        let (id, source) = (i as u64 + 1, video.display().to_string());
        library::ingest(engine, TENANT, id, &source)
            .await
            .with_context(|| format!("ingesting {}", video.display()))?;
        extractors::extract(engine, &dialogue, TENANT, id, &source, "video")
            .await
            .with_context(|| format!("the dialogue of {}", video.display()))?;
    }
    let stored = engine
        .query(&format!(
            "SELECT toString(count()) FROM clickprint.fp_cues WHERE tenant_id = {TENANT}"
        ))
        .await?
        .first_string()
        .unwrap_or_default();
    ensure!(
        stored == cues.to_string(),
        "{cues} cues written, {stored} in fp_cues"
    );
    let ingested = started.elapsed().as_secs_f64() - made;
    let library = Library::new(&items);
    let queries = library.queries(0..size.queried, size.per_kind, &mut Rng::new(21));
    say(&format!(
        "dialogue: videos made in {made:.0} s, ingested in {ingested:.0} s; {} queries",
        queries.len()
    ));

    let mut search_answers = Vec::with_capacity(queries.len());
    let mut like_answers = Vec::with_capacity(queries.len());
    let mut search_top = Vec::with_capacity(queries.len());
    let like_sql = |q: &Query| text_latency::like_scan(&[like_pattern(q)], true);
    for q in &queries {
        let t = Instant::now();
        let found = library::text_search(engine, TENANT, &text_query(q)).await?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let top = found.first().and_then(|m| {
            let cues: Vec<(u32, u32, f64)> = m
                .cues
                .iter()
                .map(|c| (c.start_ms, c.end_ms, c.score))
                .collect();
            dialogue::best_cue(&cues).map(|range| TopAnswer {
                item: usize::try_from(m.media_id)
                    .unwrap_or(usize::MAX)
                    .wrapping_sub(1),
                range,
            })
        });
        // What the JSON keeps of the first item: its score and its best
        // cue (the whole answer is up to 100 cues an item).
        search_top.push(found.first().map(|m| {
            let best = top.as_ref().and_then(|t| {
                m.cues
                    .iter()
                    .find(|c| (c.start_ms, c.end_ms) == t.range)
                    .map(|c| c.highlighted.clone())
            });
            serde_json::json!({
                "media_id": m.media_id,
                "score": m.score,
                "matching_cues": m.matching_cues,
                "best_cue": best,
            })
        }));
        search_answers.push((top, ms));

        let t = Instant::now();
        let rows = engine
            .query_with_params(&like_sql(q), &[("tenant", TENANT.to_string())])
            .await?
            .to_json_rows()?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let top = rows.get(0).and_then(|r| {
            let number = |k: &str| r[k].as_u64().or_else(|| r[k].as_str()?.parse().ok());
            Some(TopAnswer {
                item: usize::try_from(number("media_id")?)
                    .unwrap_or(usize::MAX)
                    .wrapping_sub(1),
                range: (
                    u32::try_from(number("start_ms")?).ok()?,
                    u32::try_from(number("end_ms")?).ok()?,
                ),
            })
        });
        like_answers.push((top, ms));
    }
    let mut rows = Vec::new();
    for kind in Kind::ALL {
        rows.push(dialogue::row(kind, METHODS[0], &queries, &search_answers));
        rows.push(dialogue::row(kind, METHODS[1], &queries, &like_answers));
    }
    let files: Vec<serde_json::Value> = videos
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let (subtitle, _, codec) = format_of(i);
            serde_json::json!({
                "file": v.display().to_string(),
                "subtitles": subtitle,
                "codec": codec,
                "queried": i < size.queried,
                "cues": items[i].len(),
            })
        })
        .collect();
    let answered: Vec<serde_json::Value> = queries
        .iter()
        .zip(&search_answers)
        .zip(&like_answers)
        .zip(&search_top)
        .map(|(((q, s), l), top)| {
            serde_json::json!({
                "query": q,
                "mode": text_query(q).mode.as_str(),
                "like": like_sql(q),
                "text_search": { "top": s.0, "ms": s.1, "first_match": top },
                "like_scan": { "top": l.0, "ms": l.1 },
            })
        })
        .collect();
    let json = serde_json::json!({
        "source": SOURCE,
        "tenant": TENANT,
        "size": {
            "queried": size.queried, "distractors": size.distractors,
            "cues_per_item": size.cues_per_item, "per_kind": size.per_kind,
        },
        "seconds": { "videos": made, "ingest": ingested, "total": started.elapsed().as_secs_f64() },
        "items": files,
        "queries": answered,
        "rows": rows,
    });
    say(&format!(
        "dialogue: done in {:.0} s",
        started.elapsed().as_secs_f64()
    ));
    Ok(Outcome {
        rows,
        json,
        items: n_items,
        cues,
        queries: queries.len(),
    })
}

/// The "Dialogue" table.
pub fn markdown(outcome: &Outcome) -> String {
    let pct = |v: f64| format!("{:.0}%", 100.0 * v);
    let mut out = format!(
        "### Dialogue\n\n{} items ({} cues, subtitles muxed into MP4 and MKV), {} queries; text: {SOURCE}.\n\n\
         | query | method | queries | recall@1 (item and cue) | item@1 | mean cue IoU | cue ranges exact | wrong first | unanswered | p50 ms |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
        outcome.items, outcome.cues, outcome.queries
    );
    for r in &outcome.rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.2} | {} | {} | {} | {:.1} |\n",
            r.kind,
            r.method,
            r.queries,
            pct(r.recall_at_1),
            pct(r.item_at_1),
            r.mean_iou,
            r.exact_ranges,
            r.wrong,
            r.unanswered,
            r.p50_ms
        ));
    }
    out
}
