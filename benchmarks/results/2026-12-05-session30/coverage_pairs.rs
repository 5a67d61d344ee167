//! How much of the picture two verified local-feature sets share beyond
//! their inliers: for chosen (query, reference) pairs, the best verified
//! match of any query feature set against the reference's whole picture
//! (the search's checks), an affine transform fitted to its inliers, and
//! then, of the query keypoints the transform puts inside the reference,
//! how many are inliers and how many land within `RADIUS` working pixels
//! of any reference keypoint (whatever its descriptor); the same from the
//! reference's side. A measurement for issue 24's false matches on clip
//! art drawn on one template (session 30).
//!
//! Usage: `coverage_pairs REFERENCES PAIRS`, REFERENCES the evaluation's
//! `pictures-references.txt`, PAIRS lines of `query path, reference
//! line, label` (tab-separated). Prints one line a pair: label, names,
//! score, inliers, the query side's keypoints inside the reference's
//! extent and those near a reference keypoint, the reference side's the
//! same, whether the query set was the mirror image, the affine transform
//! (query working pixels to the reference's: `a,b,c,d,e,f`, `x' = a x + b
//! y + c`, `y' = d x + e y + f`) and the two paths (for `content.py`).
//! With `WHOLE_ONLY` set in the environment, only the query's
//! whole-picture feature sets are tried (a region's keypoints are in the
//! region's own pixels).

use clickprint_core::fingerprint::local::{Keypoint, LocalFeatures};
use clickprint_core::matching::local::{CHECKS, verify_with_inliers};
use clickprint_core::records::Use;
use clickprint_media::decode::Limits;

mod pairs;
use pairs::{name, prepared};

/// How near a mapped keypoint must land to count as repeated, working pixels.
const RADIUS: f32 = 6.0;

/// The least-squares affine transform taking `from` to `to`: `[a, b, c,
/// d, e, f]` with `x' = a x + b y + c`, `y' = d x + e y + f`.
fn affine(from: &[(f32, f32)], to: &[(f32, f32)]) -> Option<[f64; 6]> {
    // Normal equations for [x y 1] against x' and y' separately.
    let mut m = [[0f64; 3]; 3];
    let (mut bx, mut by) = ([0f64; 3], [0f64; 3]);
    for (&(x, y), &(u, v)) in from.iter().zip(to) {
        let row = [f64::from(x), f64::from(y), 1.0];
        for i in 0..3 {
            for j in 0..3 {
                m[i][j] += row[i] * row[j];
            }
            bx[i] += row[i] * f64::from(u);
            by[i] += row[i] * f64::from(v);
        }
    }
    let solve = |b: [f64; 3]| -> Option<[f64; 3]> {
        let det = |m: [[f64; 3]; 3]| {
            m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        };
        let d = det(m);
        if d.abs() < 1e-9 {
            return None;
        }
        let mut out = [0f64; 3];
        for (k, o) in out.iter_mut().enumerate() {
            let mut mk = m;
            for (row, &bv) in mk.iter_mut().zip(&b) {
                row[k] = bv;
            }
            *o = det(mk) / d;
        }
        Some(out)
    };
    let (p, q) = (solve(bx)?, solve(by)?);
    Some([p[0], p[1], p[2], q[0], q[1], q[2]])
}

/// Of `from`'s keypoints `t` puts inside `to`'s keypoints' extent: how
/// many, how many land near one of `to`'s keypoints.
fn coverage(t: [f64; 6], from: &LocalFeatures, to: &LocalFeatures) -> (usize, usize) {
    // The stored records keep no picture size: `to`'s extent is its
    // keypoints' bounding box, widened by the radius.
    let r = f64::from(RADIUS);
    let (x0, x1, y0, y1) = to.keypoints.iter().fold(
        (f64::MAX, f64::MIN, f64::MAX, f64::MIN),
        |(a, b, c, d), k| {
            let (x, y) = (f64::from(k.x), f64::from(k.y));
            (a.min(x - r), b.max(x + r), c.min(y - r), d.max(y + r))
        },
    );
    let (mut inside, mut near) = (0, 0);
    for k in &from.keypoints {
        let (x, y) = (f64::from(k.x), f64::from(k.y));
        let (u, v) = (t[0] * x + t[1] * y + t[2], t[3] * x + t[4] * y + t[5]);
        if u < x0 || v < y0 || u > x1 || v > y1 {
            continue;
        }
        inside += 1;
        let r2 = f64::from(RADIUS * RADIUS);
        near += usize::from(to.keypoints.iter().any(|o| {
            let (dx, dy) = (f64::from(o.x) - u, f64::from(o.y) - v);
            dx * dx + dy * dy <= r2
        }));
    }
    (inside, near)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    assert!(args.len() == 3, "usage: coverage_pairs REFERENCES PAIRS");
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{p}: {e}"));
    let references: Vec<String> = read(&args[1]).lines().map(str::to_owned).collect();
    let limits = Limits::default();
    println!("label\tquery\treference\tscore\tinliers\tq_inside\tq_near\tr_inside\tr_near\tmirrored\taffine\tqpath\trpath");
    for line in read(&args[2]).lines() {
        let mut fields = line.split('\t');
        let (Some(query), Some(reference), Some(label)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let reference = &references[reference.parse::<usize>().expect("a reference line")];
        let (Some(q), Some(r)) = (
            prepared(query, Use::Query, &limits),
            prepared(reference, Use::Library, &limits),
        ) else {
            continue;
        };
        let mut best: Option<(f32, usize, &LocalFeatures, &LocalFeatures, Vec<(Keypoint, Keypoint)>, bool)> =
            None;
        // With WHOLE_ONLY set, the query's whole-picture sets only (its
        // picture and mirror image), whose coordinates are the picture's.
        let whole_only = std::env::var_os("WHOLE_ONLY").is_some();
        for (_, mirrored, _, qf) in q
            .local
            .iter()
            .filter(|(_, _, region, _)| !whole_only || region.is_none())
        {
            for (_, _, _, rf) in r.local.iter().filter(|(_, m, _, _)| !m) {
                let Some((m, inliers)) = verify_with_inliers(qf, rf, &CHECKS) else {
                    continue;
                };
                if m.is_evidence() && best.as_ref().is_none_or(|b| m.score() > b.0) {
                    best = Some((m.score(), m.inliers, qf, rf, inliers, *mirrored));
                }
            }
        }
        let Some((score, inliers, qf, rf, pairs, mirrored)) = best else {
            println!("{label}\t{}\t{}\t0\t0\t0\t0\t0\t0\t0\t\t{query}\t{reference}", name(query), name(reference));
            continue;
        };
        let qp: Vec<(f32, f32)> = pairs.iter().map(|(a, _)| (a.x, a.y)).collect();
        let rp: Vec<(f32, f32)> = pairs.iter().map(|(_, b)| (b.x, b.y)).collect();
        let (Some(forward), Some(back)) = (affine(&qp, &rp), affine(&rp, &qp)) else {
            continue;
        };
        let (qi, qn) = coverage(forward, qf, rf);
        let (ri, rn) = coverage(back, rf, qf);
        println!(
            "{label}\t{}\t{}\t{score:.3}\t{inliers}\t{qi}\t{qn}\t{ri}\t{rn}\t{}\t{}\t{query}\t{reference}",
            name(query),
            name(reference),
            u8::from(mirrored),
            forward.map(|v| format!("{v:.5}")).join(",")
        );
    }
}
