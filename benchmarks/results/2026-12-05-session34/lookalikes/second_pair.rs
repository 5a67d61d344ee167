//! Session 34 (copy into udf/media/examples/ to build): the first answer's library records (as a packed
//! fingerprint would hand them to the rerank) against the second answer,
//! beside the first answer re-extracted as a query.
use clickprint_core::matching::rerank::rerank;
use clickprint_core::records::Use;
use clickprint_media::decode::Limits;

mod pairs;
use pairs::{name, prepared};

fn main() {
    let (references, queries) = pairs::lists("second_pair");
    let limits = Limits::default();
    for (file, _, truth) in &queries {
        let Some(t) = truth else { continue };
        let b = prepared(&references[*t], Use::Library, &limits).unwrap();
        let as_lib = prepared(file, Use::Library, &limits).unwrap();
        let as_query = prepared(file, Use::Query, &limits).unwrap();
        let s = |q| rerank(q, &b, &[]).map_or((0.0, "-"), |v| (v.score, v.evidence.as_str()));
        let (l, le) = s(&as_lib);
        let (q, qe) = s(&as_query);
        println!("{}\t{}\t{l:.3}\t{le}\t{q:.3}\t{qe}", name(file), name(&references[*t]));
    }
}
