//! Session 34 (copy into udf/media/examples/ to build): each query against its truth reference: the
//! rerank's verdict, whether both keep a layout, and their layout
//! correlation (best placement), to see whether the layout could veto a
//! local match between template siblings.
use clickprint_core::matching::rerank::{Prepared, rerank};
use clickprint_core::records::Use;
use clickprint_media::decode::Limits;

mod pairs;
use pairs::{name, prepared};

fn main() {
    let (references, queries) = pairs::lists("layout_check");
    let limits = Limits::default();
    let mut cache: std::collections::HashMap<usize, Option<Prepared>> = Default::default();
    for (file, transform, truth) in &queries {
        let Some(t) = truth else { continue };
        let r = cache
            .entry(*t)
            .or_insert_with(|| prepared(&references[*t], Use::Library, &limits));
        let (Some(r), Some(q)) = (r.as_ref(), prepared(file, Use::Query, &limits)) else { continue };
        let (score, ev) = rerank(&q, r, &[]).map_or((0.0, "-"), |v| (v.score, v.evidence.as_str()));
        let corr = match (&q.layout, &r.layout) {
            (Some(a), Some(b)) => a.correlation(b).map_or("none".to_string(), |c| format!("{c:.3}")),
            (a, b) => format!("q{}r{}", a.is_some() as u8, b.is_some() as u8),
        };
        println!("{transform}\t{}\t{}\t{score:.3}\t{ev}\t{corr}", name(file), name(&references[*t]));
    }
}
