//! Session 34 (copy into udf/media/examples/ to build): for each copy, which of its query keypoints (in
//! the order the search takes them) share a key with the original.
use std::collections::HashSet;

use clickprint_core::records::{Payload, Use};
use clickprint_core::rows::{LookupBudget, looked_up};
use clickprint_media::decode::Limits;

mod pairs;
use pairs::{fingerprinted, name};

fn main() {
    let (references, queries) = pairs::lists("key_positions");
    let limits = Limits::default();
    for (file, transform, truth) in &queries {
        let Some(t) = truth else { continue };
        let Some(lib) = fingerprinted(&references[*t], Use::Library, &limits) else { continue };
        let Some(q) = fingerprinted(file, Use::Query, &limits) else { continue };
        let held: HashSet<(u8, u32)> = lib.iter().flat_map(|r| r.keys(Use::Library)).map(|k| (k.band, k.key)).collect();
        let lib_kp = lib.iter().filter(|r| matches!(r.payload, Payload::Local { mirrored: false, .. })).count();
        // Position of each whole-picture keypoint in the looked-up order.
        let n = q.len() as u32;
        let mut pos = vec![u32::MAX; q.len()];
        for b in (1..=n.min(400)).rev() {
            let c = looked_up(&q, &LookupBudget { whole: b, mirror: 0, region: 0 });
            for (i, &ch) in c.iter().enumerate() {
                if ch { pos[i] = b; }
            }
        }
        let mut hits = Vec::new();
        let mut total = 0;
        for (i, r) in q.iter().enumerate() {
            if let Payload::Local { mirrored: false, .. } = r.payload {
                if clickprint_core::records::region_of(r.item).is_some() { continue; }
                total += 1;
                if r.keys(Use::Query).iter().any(|k| held.contains(&(k.band, k.key))) {
                    if let Payload::Local { keypoint, .. } = &r.payload { hits.push((pos[i], (keypoint.scale * 100.0) as u32, keypoint.x as u32, keypoint.y as u32)); }
                }
            }
        }
        hits.sort();
        println!("{transform}\t{}\tlib kp {lib_kp}\tquery kp {total}\tsharing at positions {hits:?}", name(file));
    }
}
