//! Session 34 (copy into udf/media/examples/ to build): each listed reference searched, as a query,
//! against every other reference: its best score (a look-alike's) and
//! that one, the best under 0.9 (not a copy of it) and that one.
use clickprint_core::matching::rerank::{Prepared, rerank};
use clickprint_core::records::Use;
use clickprint_media::decode::Limits;

mod pairs;
use pairs::{name, prepared};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let references: Vec<String> = std::fs::read_to_string(&args[1]).unwrap().lines().map(str::to_owned).collect();
    let wanted: Vec<usize> = std::fs::read_to_string(&args[2]).unwrap().lines().filter_map(|l| l.trim().parse().ok()).collect();
    let limits = Limits::default();
    let library: Vec<Option<Prepared>> = references.iter().map(|r| prepared(r, Use::Library, &limits)).collect();
    eprintln!("library ready");
    for a in wanted {
        let Some(q) = prepared(&references[a], Use::Query, &limits) else { continue };
        let mut best = (0f32, usize::MAX);
        let mut best_under = (0f32, usize::MAX);
        for (b, r) in library.iter().enumerate() {
            let Some(r) = r else { continue };
            if b == a { continue; }
            let s = rerank(&q, r, &[]).map_or(0.0, |v| v.score);
            if s > best.0 { best = (s, b); }
            if s < 0.9 && s > best_under.0 { best_under = (s, b); }
        }
        let n = |i: usize| if i == usize::MAX { "-" } else { name(&references[i]) };
        println!("{a}\t{}\t{:.3}\t{}\t{:.3}\t{}", name(&references[a]), best.0, n(best.1), best_under.0, n(best_under.1));
    }
}
