//! Session 35 (measurement; copy into udf/media/examples/ to build): would
//! blob keys of a layout's chroma make more originals candidates? For
//! every query keeping a layout, the blob keys it shares with its original
//! and with the wrong reference that shares most, from grey alone and
//! from Cb + Cr. Usage: `chroma_keys REFERENCES QUERIES > keys.tsv`.
use std::collections::HashSet;

use clickprint_core::fingerprint::blobs;
use clickprint_core::fingerprint::layout::Layout;
use clickprint_core::records::{Payload, Use};
use clickprint_media::decode::Limits;

mod pairs;
use pairs::{fingerprinted, lists, name};

fn layout_of(path: &str, usage: Use, limits: &Limits) -> Option<Layout> {
    fingerprinted(path, usage, limits)?
        .into_iter()
        .find_map(|r| match r.payload {
            Payload::Layout(l) => Some(l),
            _ => None,
        })
}

fn keys(l: &Layout) -> (HashSet<u32>, HashSet<u32>) {
    let (w, h) = (usize::from(l.width), usize::from(l.height));
    let grey: HashSet<u32> = blobs::key_values(&l.pixels, w, h).into_iter().collect();
    let mut colour = HashSet::new();
    if let Some(c) = &l.chroma {
        for p in [&c.cb, &c.cr] {
            colour.extend(blobs::key_values(p, w, h));
        }
    }
    (grey, colour)
}

fn main() {
    let (refs, queries) = lists("chroma_keys");
    let limits = Limits::default();
    let par = |n: usize, f: &(dyn Fn(usize) -> Option<(HashSet<u32>, HashSet<u32>)> + Sync)| {
        std::thread::scope(|s| {
            let ws: Vec<_> = (0..2)
                .map(|t| s.spawn(move || (t..n).step_by(2).map(|i| (i, f(i))).collect::<Vec<_>>()))
                .collect();
            let mut all: Vec<_> = ws.into_iter().flat_map(|w| w.join().unwrap()).collect();
            all.sort_by_key(|x| x.0);
            all.into_iter().map(|x| x.1).collect::<Vec<_>>()
        })
    };
    let rk = par(refs.len(), &|i| layout_of(&refs[i], Use::Library, &limits).map(|l| keys(&l)));
    let qk = par(queries.len(), &|i| layout_of(&queries[i].0, Use::Query, &limits).map(|l| keys(&l)));
    println!("query\ttransform\town_grey\town_colour\tother_grey\tother_colour\tq_grey\tq_colour");
    for (q, k) in queries.iter().zip(&qk) {
        let Some((g, c)) = k else { continue };
        let shared = |r: &(HashSet<u32>, HashSet<u32>)| (g.intersection(&r.0).count(), c.intersection(&r.1).count());
        let own = q.2.and_then(|t| rk[t].as_ref()).map(shared);
        let other = rk
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != q.2)
            .filter_map(|(_, r)| r.as_ref().map(shared))
            .fold((0, 0), |a, b| (a.0.max(b.0), a.1.max(b.1)));
        let own = own.map_or(("-".to_string(), "-".to_string()), |o| (o.0.to_string(), o.1.to_string()));
        println!("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}", name(&q.0), q.1, own.0, own.1, other.0, other.1, g.len(), c.len());
    }
}
