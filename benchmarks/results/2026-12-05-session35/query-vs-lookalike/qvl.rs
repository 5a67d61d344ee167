//! Session 35 helper (measurement): for each job line "query\tb\tc" (paths),
//! the rerank score of the query against b and against c (library items).
use std::collections::HashMap;

use clickprint_core::matching::rerank::{Prepared, rerank};
use clickprint_core::records::Use;
use clickprint_media::decode::Limits;

mod pairs;
use pairs::prepared;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let jobs = std::fs::read_to_string(&args[1]).unwrap();
    let limits = Limits::default();
    let mut lib: HashMap<String, Option<Prepared>> = HashMap::new();
    for l in jobs.lines() {
        let f: Vec<&str> = l.split('\t').collect();
        if f.len() < 3 { continue; }
        for p in &f[1..3] {
            if !lib.contains_key(*p) {
                lib.insert((*p).to_owned(), prepared(p, Use::Library, &limits));
            }
        }
        let Some(q) = prepared(f[0], Use::Query, &limits) else {
            println!("{}\t{}\t{}\tNA\tNA", f[0], f[1], f[2]);
            continue;
        };
        let s = |p: &str| lib[p].as_ref().map_or(0.0, |r| rerank(&q, r, &[]).map_or(0.0, |v| v.score));
        println!("{}\t{}\t{}\t{:.4}\t{:.4}", f[0], f[1], f[2], s(f[1]), s(f[2]));
    }
}
