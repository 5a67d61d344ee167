//! Session 40 (a measurement, not built; copy into udf/media/examples/ to run): a query's detected inset given a
//! profile and a layout of its own, against every stored profile and
//! layout: would the soft pictures' evidence find their insets?
use std::path::Path;

use clickprint_core::fingerprint::layout::{self, Layout};
use clickprint_core::fingerprint::profile::{self, Profile};
use clickprint_core::fingerprint::visual::Luma;
use clickprint_core::fingerprint::{local, regions};
use clickprint_core::media::Kind;
use clickprint_core::records::{Payload, Use};
use clickprint_media::decode::{self, Limits, Sink};

mod pairs;
use pairs::{fingerprinted, name};

#[derive(Default)]
struct Grab(Option<Luma>);
impl Sink for Grab {
    fn begin(&mut self, _: Kind) {}
    fn picture(&mut self, _: u32, luma: &Luma) {
        if self.0.is_none() {
            self.0 = Some(luma.clone());
        }
    }
    fn audio(&mut self, _: &[f32]) {}
}

fn main() {
    let (references, queries) = pairs::lists("inset_soft");
    let limits = Limits::default();
    let mut profiles: Vec<(usize, Vec<Profile>)> = Vec::new();
    let mut layouts: Vec<(usize, layout::Prepared)> = Vec::new();
    for (i, r) in references.iter().enumerate() {
        let Some(recs) = fingerprinted(r, Use::Library, &limits) else { continue };
        let ps: Vec<Profile> = recs
            .iter()
            .filter_map(|r| match &r.payload {
                Payload::Profile(p) => Some(p.clone()),
                _ => None,
            })
            .collect();
        if !ps.is_empty() {
            profiles.push((i, ps));
        }
        if let Some(l) = recs.iter().find_map(|r| match &r.payload {
            Payload::Layout(l) => Some(l.clone()),
            _ => None,
        }) {
            layouts.push((i, layout::Prepared::new(l)));
        }
    }
    eprintln!("{} profiles, {} layouts", profiles.len(), layouts.len());
    let ql = limits.for_use(Use::Query);
    for (file, transform, truth) in &queries {
        let mut g = Grab::default();
        if decode::decode(Path::new(file), &ql, &mut g).is_err() {
            continue;
        }
        let Some(luma) = g.0 else { continue };
        let Some(rect) = regions::detected_inset(&luma) else {
            println!("{transform}\t{}\tnoinset", name(file));
            continue;
        };
        let pixels = regions::crop(&luma, rect);
        let picture = local::working_picture(&pixels);
        let qp = profile::profiles(&picture, true);
        let ql: Option<Layout> = layout::layout(&picture, true, true);
        let best = |it: Vec<(usize, Option<f32>)>| {
            let own = it.iter().find(|x| Some(x.0) == *truth).and_then(|x| x.1);
            let b = it
                .iter()
                .filter_map(|x| x.1.map(|c| (c, x.0)))
                .max_by(|a, b| a.0.total_cmp(&b.0));
            (b, own)
        };
        let (pb, pown) = best(
            profiles
                .iter()
                .map(|(i, ps)| (*i, profile::best_correlation(&qp, ps)))
                .collect(),
        );
        let (lb, lown) = match &ql {
            None => (None, None),
            Some(q) => {
                let q = layout::Prepared::new(q.clone());
                best(layouts.iter().map(|(i, l)| (*i, q.correlation(l))).collect())
            }
        };
        let f = |b: Option<(f32, usize)>| b.map_or("-\t-".into(), |(c, i)| format!("{c:.3}\t{}", name(&references[i])));
        let o = |c: Option<f32>| c.map_or("-".into(), |c| format!("{c:.3}"));
        println!(
            "{transform}\t{}\tinset {}x{}\tprofile\t{}\t{}\tlayout\t{}\t{}\ttruth {}",
            name(file),
            rect.w,
            rect.h,
            f(pb),
            o(pown),
            f(lb),
            o(lown),
            truth.map_or("-", |t| name(&references[t]))
        );
    }
}
