//! Every picture query's layout against every library picture's
//! (`clickprint_core::fingerprint::layout`), as the rerank compares them:
//! what the layout evidence finds and lets through on its own, without
//! the engine (and without the key lookup: every reference with a layout
//! is a candidate, so false matches can only be more than the search's).
//!
//! Usage: `layout_pairs REFERENCES QUERIES` with the lists the evaluation
//! writes with `--corpus-only`. Prints which references keep a layout,
//! then one tab-separated line a query (`query`, transformation, file,
//! the best reference, its correlation, the true reference's correlation
//! or `-`, the best other reference's correlation or `-`: a copy's
//! margin, and `masked` when its outliers were left out), then for `layout::MATCH_CORRELATION` the copies found first
//! by transformation, the wrong answers, and the unrelated queries let
//! through, and the comparisons' processor time (one core's, per pair
//! compared). Runs on every core.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use clickprint_core::fingerprint::layout::{self, Layout};
use clickprint_core::records::Use;
use clickprint_media::decode::Limits;

mod pairs;
use pairs::{layout_of, name};

/// One query's line: the best reference and correlation, the true
/// reference's correlation, the best other's, whether its outliers were
/// left out, and the comparisons' time and count.
type Line = (
    Option<(f32, usize)>,
    Option<f32>,
    Option<f32>,
    bool,
    Duration,
    usize,
);

fn main() {
    let (references, queries) = pairs::lists("layout_pairs");
    let limits = Limits::default();
    let library: Vec<Option<Layout>> = references
        .iter()
        .map(|r| layout_of(r, Use::Library, &limits))
        .collect();
    let holding: Vec<usize> = (0..library.len())
        .filter(|&i| library[i].is_some())
        .collect();
    println!(
        "{} of {} references keep a layout",
        holding.len(),
        references.len()
    );
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let compare = |n: usize| -> Line {
        let (file, _, truth) = &queries[n];
        let Some(query) = layout_of(file, Use::Query, &limits) else {
            return (None, None, None, false, Duration::ZERO, 0);
        };
        // As the rerank compares one candidate after another.
        let query = layout::Prepared::new(query);
        let started = Instant::now();
        let with = |i: usize| {
            library[i]
                .as_ref()
                .and_then(|r| query.correlation(&layout::Prepared::new(r.clone())))
        };
        let all: Vec<(f32, usize)> = holding
            .iter()
            .filter_map(|&i| with(i).map(|c| (c, i)))
            .collect();
        let elapsed = started.elapsed();
        let best = all.iter().copied().max_by(|a, b| a.0.total_cmp(&b.0));
        let own = all.iter().find(|a| Some(a.1) == *truth).map(|a| a.0);
        let other = all
            .iter()
            .filter(|a| Some(a.1) != *truth)
            .map(|a| a.0)
            .reduce(f32::max);
        (best, own, other, query.masking(), elapsed, holding.len())
    };
    let mut lines: Vec<(usize, Line)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let compare = &compare;
                let count = queries.len();
                s.spawn(move || {
                    (t..count)
                        .step_by(threads)
                        .map(|n| {
                            if n % 100 == 0 {
                                eprintln!("query {n} of {count}");
                            }
                            (n, compare(n))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    lines.sort_by_key(|l| l.0);
    let threshold = layout::MATCH_CORRELATION;
    let (mut found, mut wrong, mut unrelated) = (BTreeMap::new(), Vec::new(), Vec::new());
    for (n, (best, own, other, masked, _, _)) in &lines {
        let (file, transform, truth) = &queries[*n];
        let shown = |c: Option<f32>| c.map_or("-".to_owned(), |c| format!("{c:.3}"));
        println!(
            "query\t{transform}\t{}\t{}\t{}\t{}\t{}\t{}",
            name(file),
            best.map_or("-", |(_, i)| name(&references[i])),
            shown(best.map(|b| b.0)),
            shown(*own),
            shown(*other),
            if *masked { "masked" } else { "-" }
        );
        match (truth, best.filter(|b| b.0 >= threshold)) {
            (Some(t), Some((_, i))) if i == *t => {
                *found.entry(transform.clone()).or_insert(0) += 1;
            }
            (Some(_), Some((c, i))) => wrong.push((c, name(file).to_owned(), i)),
            (None, Some((c, i))) => unrelated.push((c, name(file).to_owned(), i)),
            _ => {}
        }
    }
    let time: Duration = lines.iter().map(|l| l.1.4).sum();
    let pairs: usize = lines.iter().map(|l| l.1.5).sum();
    println!(
        "comparisons: {pairs}, {:.3} ms each",
        time.as_secs_f64() * 1000.0 / pairs.max(1) as f64
    );
    println!(
        "at correlation {threshold}: copies found first {} {found:?}",
        found.values().sum::<usize>()
    );
    for (what, list) in [("wrong answers", &wrong), ("unrelated queries", &unrelated)] {
        println!("{what}: {}", list.len());
        for (c, q, i) in list.iter() {
            println!("  {q} -> {} {c:.3}", name(&references[*i]));
        }
    }
}
