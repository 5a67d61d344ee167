//! Every picture query's global hash against every library picture's,
//! under several ways of comparing them, each held to the same false
//! matches: how many copies a way finds at the largest distance where it
//! lets through no more unrelated queries than the search's own distance
//! does at the global threshold. A minute instead of an evaluation per way.
//!
//! The ways: the hash's Hamming distance (the search's); the distance over
//! the query's 128 most reliable bits only (a bit is reliable when its DCT
//! coefficient lies far from the median it was set by), scaled to 256;
//! every bit weighed by that distance; a dHash (16x17 area means, a bit per
//! horizontal neighbour pair); the same three first ways on frequencies
//! 0..16 instead of 1..17 (the mean's coefficient left out), so a picture
//! that varies one way only has bits; and a colour hash (the product's
//! hash of two colour-difference planes, blue and red less luma), alone,
//! as the nearer of it and the search's, and averaged with the search's.
//! Then the product's own hash (`product`: as `search`, from
//! `visual::fingerprint`), and the same with the reference also hashed in
//! windows of itself ([`WINDOW_SETS`]: each window a reference-side
//! crop, the nearest of the whole picture and its windows counting), to
//! measure whether a reference stored with the hashes of a few crops of
//! itself would find the query copies that are crops of it.
//!
//! The coefficients are the example's own DCT of the product's 64x64 block
//! (`visual::area_resample`); it prints how many bits of the search's way
//! differ from the product's hash (a coefficient at the median's float
//! rounding).
//!
//! Usage: `global_pairs REFERENCES QUERIES` with the lists the evaluation
//! writes with `--corpus-only` (`pictures-references.txt`,
//! `pictures-queries.tsv`), from the repository root (the lists' paths are
//! relative to it). Whole pictures only: the search also compares its
//! regions' hashes, and finds what the local features verify. With
//! `GLOBAL_PAIRS_DUMP=FILE`, every query's nearest reference by every way
//! is written there (query line, way, nearest, its distance, the truth's).

use std::collections::BTreeMap;
use std::path::Path;

use clickprint_core::fingerprint::regions;
use clickprint_core::fingerprint::visual::{self, Luma, area_resample};
use clickprint_core::matching::local::THRESHOLD_SCORE;
use clickprint_core::matching::rerank::FRAME_MATCH_DISTANCE;
use clickprint_core::media::Kind;
use clickprint_media::decode::{self, Limits, Rgb, Sink};

mod pairs;
use pairs::name;

/// The first picture a file decodes to, in grey and in colour.
#[derive(Default)]
struct Still(Option<Luma>, Option<Rgb>);

impl Sink for Still {
    fn begin(&mut self, _kind: Kind) {}
    fn picture(&mut self, _time_ms: u32, luma: &Luma) {
        self.0.get_or_insert_with(|| luma.clone());
    }
    fn wants_colour(&mut self, _time_ms: u32) -> Option<u32> {
        self.1.is_none().then_some(decode::IMAGE_WORKING_SIZE)
    }
    fn colour(&mut self, _time_ms: u32, picture: &Rgb) {
        self.1.get_or_insert_with(|| picture.clone());
    }
    fn audio(&mut self, _samples: &[f32]) {}
    fn satisfied(&self) -> bool {
        self.0.is_some()
    }
}

/// One side of a picture (as it is, or mirrored): its bits, how far each
/// bit's coefficient lies from the median, and its dHash.
#[derive(Clone)]
struct Side {
    bits: [bool; 256],
    reliability: [f32; 256],
    dhash: [bool; 256],
}

struct Signature {
    plain: Side,
    mirrored: Side,
    /// The same from frequencies 0..16 in each direction (all but the
    /// mean), so a picture that varies in one direction only has bits too.
    zero: Side,
    zero_mirrored: Side,
    /// The global hashes of two colour-difference planes (blue and red
    /// less luma), `None` where a plane is flat (under the key quality).
    chroma: [Option<visual::VisualFingerprint>; 2],
    /// The product's global fingerprint of the picture.
    product: visual::VisualFingerprint,
    /// The product's fingerprints of windows of the picture, per window
    /// set of [`WINDOW_SETS`] (only those at the key quality).
    windows: Vec<Vec<visual::VisualFingerprint>>,
}

/// A window of a reference, (side, x, y): its side as a share of the
/// picture's, and where its left and top edges lie as a share of the room
/// left (0 left or top, 0.5 centred, 1 right or bottom).
type Window = (f32, f32, f32);

/// Sets of windows of a reference, each named.
const WINDOW_SETS: &[(&str, &[Window])] = &[
    ("centre 0.85 0.7", &[(0.85, 0.5, 0.5), (0.7, 0.5, 0.5)]),
    (
        "centre 0.9 0.8 0.7 0.6",
        &[
            (0.9, 0.5, 0.5),
            (0.8, 0.5, 0.5),
            (0.7, 0.5, 0.5),
            (0.6, 0.5, 0.5),
        ],
    ),
    // The exact crops' sides missed by 0.02 each way: how near a window
    // must be.
    (
        "centre 0.87 0.83 0.72 0.68",
        &[
            (0.87, 0.5, 0.5),
            (0.83, 0.5, 0.5),
            (0.72, 0.5, 0.5),
            (0.68, 0.5, 0.5),
        ],
    ),
    (
        "0.8 0.65 at 9 places",
        &[
            (0.8, 0.0, 0.0),
            (0.8, 0.5, 0.0),
            (0.8, 1.0, 0.0),
            (0.8, 0.0, 0.5),
            (0.8, 0.5, 0.5),
            (0.8, 1.0, 0.5),
            (0.8, 0.0, 1.0),
            (0.8, 0.5, 1.0),
            (0.8, 1.0, 1.0),
            (0.65, 0.0, 0.0),
            (0.65, 0.5, 0.0),
            (0.65, 1.0, 0.0),
            (0.65, 0.0, 0.5),
            (0.65, 0.5, 0.5),
            (0.65, 1.0, 0.5),
            (0.65, 0.0, 1.0),
            (0.65, 0.5, 1.0),
            (0.65, 1.0, 1.0),
        ],
    ),
];

/// The product's fingerprints of `set`'s windows of a picture, those
/// under the key quality left out (as the search keys none of them; a
/// whole picture under it is still compared, as by the other ways).
fn windows(luma: &Luma, set: &[Window]) -> Vec<visual::VisualFingerprint> {
    set.iter()
        .filter_map(|&(scale, fx, fy)| {
            debug_assert!(scale <= 1.0, "a window inside the picture");
            let (w, h) = (
                ((luma.width as f32 * scale).round() as u32).max(1),
                ((luma.height as f32 * scale).round() as u32).max(1),
            );
            let x = ((luma.width - w) as f32 * fx).round() as u32;
            let y = ((luma.height - h) as f32 * fy).round() as u32;
            let f = visual::fingerprint(&regions::crop(luma, regions::Rect { x, y, w, h }));
            (f.quality >= visual::MIN_KEY_QUALITY).then_some(f)
        })
        .collect()
}

impl Signature {
    /// Bits of the search's way that differ from the product's hash.
    fn differing(&self) -> usize {
        let bit = |i: usize| self.product.hash.0[i / 8] & (0x80 >> (i % 8)) != 0;
        (0..256).filter(|&i| bit(i) != self.plain.bits[i]).count()
    }
}

fn chroma(rgb: &Rgb) -> [Option<visual::VisualFingerprint>; 2] {
    let plane = |channel: usize| {
        let pixels = rgb
            .pixels
            .chunks_exact(3)
            .map(|p| {
                let y = 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32;
                (128.0 + (p[channel] as f32 - y) / 2.0)
                    .round()
                    .clamp(0.0, 255.0) as u8
            })
            .collect();
        let f = visual::fingerprint(&Luma::new(rgb.width, rgb.height, pixels));
        (f.quality >= visual::MIN_KEY_QUALITY).then_some(f)
    };
    [plane(2), plane(0)]
}

/// The DCT-II of the 64x64 area-resampled block at frequencies
/// `first..first + 16` in each direction (row = vertical frequency): the
/// product's hash takes them from 1 (`visual.rs`, steps 1 and 2). The
/// scale is left out: a bit depends on its coefficient's side of the
/// median only.
fn dct(luma: &Luma, first: usize) -> [f32; 256] {
    let block = area_resample(luma, 64, 64);
    let basis = |f: usize, j: usize| {
        (std::f64::consts::PI / 128.0 * f as f64 * (2 * j + 1) as f64).cos() as f32
    };
    let mut t = [[0f32; 64]; 16];
    for (f, row) in t.iter_mut().enumerate() {
        for y in 0..64 {
            let b = basis(first + f, y);
            for x in 0..64 {
                row[x] += b * block[y * 64 + x];
            }
        }
    }
    let mut c = [0f32; 256];
    for v in 0..16 {
        for u in 0..16 {
            c[v * 16 + u] = (0..64).map(|x| t[v][x] * basis(first + u, x)).sum();
        }
    }
    c
}

/// The coefficients of the mirror image: odd horizontal frequencies turn
/// sign (column `u` holds frequency `first + u`).
fn mirrored(c: &[f32; 256], first: usize) -> [f32; 256] {
    let mut m = *c;
    for row in m.chunks_exact_mut(16) {
        for (u, v) in row.iter_mut().enumerate() {
            if (first + u) % 2 == 1 {
                *v = -*v;
            }
        }
    }
    m
}

/// From frequency 0, the mean's coefficient says only how bright the
/// picture is: it is set to the others' median, so its bit carries nothing.
fn without_mean(c: &[f32; 256]) -> [f32; 256] {
    let mut out = *c;
    let mut others = c[1..].to_vec();
    others.sort_by(f32::total_cmp);
    out[0] = others[127];
    out
}

fn side(c: &[f32; 256], luma: &Luma) -> Side {
    let mut sorted = *c;
    sorted.sort_by(f32::total_cmp);
    let median = (sorted[127] + sorted[128]) / 2.0;
    let means = area_resample(luma, 17, 16);
    let mut s = Side {
        bits: [false; 256],
        reliability: [0.0; 256],
        dhash: [false; 256],
    };
    for (i, &v) in c.iter().enumerate() {
        s.bits[i] = v > median;
        s.reliability[i] = (v - median).abs();
        let (y, x) = (i / 16, i % 16);
        s.dhash[i] = means[y * 17 + x] < means[y * 17 + x + 1];
    }
    s
}

/// A picture's signature; its windows only for a reference (`windows_too`).
fn signature(path: &str, limits: &Limits, windows_too: bool) -> Option<Signature> {
    let mut still = Still::default();
    if let Err(e) = decode::decode(Path::new(path), limits, &mut still) {
        eprintln!("{path}: {e}");
        return None;
    }
    let luma = still.0?;
    let colour = still.1?;
    let c = dct(&luma, 1);
    let z = dct(&luma, 0);
    let flipped = luma.flipped_horizontally();
    Some(Signature {
        plain: side(&c, &luma),
        mirrored: side(&mirrored(&c, 1), &flipped),
        zero: side(&without_mean(&z), &luma),
        zero_mirrored: side(&without_mean(&mirrored(&z, 0)), &flipped),
        chroma: chroma(&colour),
        product: visual::fingerprint(&luma),
        windows: WINDOW_SETS
            .iter()
            .map(|(_, set)| {
                if windows_too {
                    windows(&luma, set)
                } else {
                    Vec::new()
                }
            })
            .collect(),
    })
}

/// A way of comparing one side of a query with a reference's plain side.
type SideWay = Box<dyn Fn(&Side, &Side) -> f32>;
/// A way of comparing a query with a reference.
type Way = Box<dyn Fn(&Signature, &Signature) -> f32>;

/// A side way on the search's sides, the query's mirror image allowed.
fn sides(way: SideWay) -> Way {
    Box::new(move |q, r| way(&q.plain, &r.plain).min(way(&q.mirrored, &r.plain)))
}

/// A side way on the sides from frequency 0, the mirror image allowed.
fn zero_sides(way: SideWay) -> Way {
    Box::new(move |q, r| way(&q.zero, &r.zero).min(way(&q.zero_mirrored, &r.zero)))
}

/// The mean distance of the colour planes both pictures have (none:
/// infinite), the mirror image allowed.
fn chroma_distance(q: &Signature, r: &Signature) -> f32 {
    let planes: Vec<f32> = q
        .chroma
        .iter()
        .zip(&r.chroma)
        .filter_map(|(q, r)| {
            let (q, r) = (q.as_ref()?, r.as_ref()?);
            Some(q.hash.distance(&r.hash).min(q.flipped.distance(&r.hash)) as f32)
        })
        .collect();
    if planes.is_empty() {
        f32::INFINITY
    } else {
        planes.iter().sum::<f32>() / planes.len() as f32
    }
}

fn hamming(a: &[bool; 256], b: &[bool; 256]) -> f32 {
    a.iter().zip(b).filter(|(x, y)| x != y).count() as f32
}

/// Mismatches among the query's `k` most reliable bits, scaled to 256.
fn top(k: usize) -> SideWay {
    Box::new(move |q: &Side, r: &Side| {
        let mut order: Vec<usize> = (0..256).collect();
        order.sort_by(|&a, &b| q.reliability[b].total_cmp(&q.reliability[a]));
        let wrong = order[..k]
            .iter()
            .filter(|&&i| q.bits[i] != r.bits[i])
            .count();
        wrong as f32 * 256.0 / k as f32
    })
}

/// Mismatches weighed by reliability (capped at `cap` times the median
/// reliability), scaled to 256.
fn weighted(cap: f32) -> SideWay {
    Box::new(move |q: &Side, r: &Side| {
        let mut sorted = q.reliability;
        sorted.sort_by(f32::total_cmp);
        let scale = sorted[128].max(1e-6);
        let (mut wrong, mut all) = (0f32, 0f32);
        for ((reliability, q), r) in q.reliability.iter().zip(&q.bits).zip(&r.bits) {
            let w = (reliability / scale).min(cap);
            all += w;
            if q != r {
                wrong += w;
            }
        }
        256.0 * wrong / all.max(1e-6)
    })
}

/// The ways; the first is the search's, the others are held to its false
/// matches.
fn ways() -> Vec<(&'static str, Way)> {
    let plain = || Box::new(|q: &Side, r: &Side| hamming(&q.bits, &r.bits)) as SideWay;
    let search = sides(plain());
    let product = |q: &visual::VisualFingerprint, r: &visual::VisualFingerprint| {
        q.hash.distance(&r.hash).min(q.flipped.distance(&r.hash)) as f32
    };
    let mut ways: Vec<(&'static str, Way)> = vec![(
        "product",
        Box::new(move |q: &Signature, r: &Signature| product(&q.product, &r.product)),
    )];
    for (n, (name, _)) in WINDOW_SETS.iter().enumerate() {
        ways.push((
            name,
            Box::new(move |q: &Signature, r: &Signature| {
                r.windows[n]
                    .iter()
                    .map(|w| product(&q.product, w))
                    .fold(product(&q.product, &r.product), f32::min)
            }),
        ));
    }
    let mut others: Vec<(&'static str, Way)> = vec![
        ("search", sides(plain())),
        ("top-128", sides(top(128))),
        ("weighted-2", sides(weighted(2.0))),
        (
            "dhash",
            sides(Box::new(|q: &Side, r: &Side| hamming(&q.dhash, &r.dhash))),
        ),
        ("zero", zero_sides(plain())),
        ("zero-top-128", zero_sides(top(128))),
        ("chroma", Box::new(chroma_distance)),
        (
            "search-or-chroma",
            Box::new(move |q, r| search(q, r).min(chroma_distance(q, r))),
        ),
        (
            "search-and-chroma",
            Box::new(|q, r| {
                let luma = hamming(&q.plain.bits, &r.plain.bits)
                    .min(hamming(&q.mirrored.bits, &r.plain.bits));
                let colour = chroma_distance(q, r);
                if colour.is_finite() {
                    (luma + colour) / 2.0
                } else {
                    luma
                }
            }),
        ),
    ];
    others.append(&mut ways);
    others
}

fn main() {
    let (references, queries) = pairs::lists("global_pairs");
    let limits = Limits::default().for_use(clickprint_core::records::Use::Query);
    let library: Vec<Option<Signature>> = references
        .iter()
        .map(|r| signature(r, &limits, true))
        .collect();
    let low = |s: &Signature| s.product.quality < visual::MIN_KEY_QUALITY;
    println!(
        "references under the key quality: {}",
        library.iter().flatten().filter(|s| low(s)).count()
    );
    let mut differing: usize = library.iter().flatten().map(Signature::differing).sum();
    let mut pictures = library.iter().flatten().count();
    let ways = ways();
    // Per way, per query: (nearest reference, its distance, the truth's distance).
    let mut nearest: Vec<Vec<(usize, f32, f32)>> = vec![Vec::new(); ways.len()];
    let mut low_quality_queries = 0;
    for (n, (file, _, truth)) in queries.iter().enumerate() {
        if n % 100 == 0 {
            eprintln!("query {n}");
        }
        let q = signature(file, &limits, false);
        if let Some(q) = &q {
            differing += q.differing();
            pictures += 1;
        }
        // The search compares no query picture under the key quality.
        let q = q.filter(|q| !low(q));
        if q.is_none() {
            low_quality_queries += 1;
        }
        for (w, (_, way)) in ways.iter().enumerate() {
            let mut best = (usize::MAX, f32::INFINITY, f32::INFINITY);
            if let Some(q) = &q {
                for (i, r) in library.iter().enumerate() {
                    let Some(r) = r else { continue };
                    let d = way(q, r);
                    // A tie goes to the truth (a way with coarse steps ties
                    // more: the 128 bits' distance moves by 2), never at an
                    // infinite distance (no colour plane to compare).
                    if d < best.1 || (d == best.1 && d.is_finite() && Some(i) == *truth) {
                        best = (i, d, best.2);
                    }
                    if Some(i) == *truth {
                        best.2 = d;
                    }
                }
            }
            nearest[w].push(best);
        }
    }
    println!("queries under the key quality: {low_quality_queries}");
    println!(
        "bits of the search's way differing from the product's hash: {differing} over {pictures} pictures"
    );
    // Every query's nearest reference by every way, for combinations
    // weighed elsewhere: query line, way, nearest, its distance, the truth's.
    if let Ok(path) = std::env::var("GLOBAL_PAIRS_DUMP") {
        let mut out = String::new();
        for (w, (way, _)) in ways.iter().enumerate() {
            for (n, (best, d, truth_d)) in nearest[w].iter().enumerate() {
                out += &format!("{n}\t{way}\t{best}\t{d}\t{truth_d}\n");
            }
        }
        std::fs::write(&path, out).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    // The search's distance at the global threshold: score 1 - d/41 >= 0.3.
    let search_limit = ((1.0 - THRESHOLD_SCORE) * (FRAME_MATCH_DISTANCE + 1) as f64).floor() as f32;
    let unrelated_within = |w: usize, limit: f32| {
        queries
            .iter()
            .zip(&nearest[w])
            .filter(|((_, _, truth), (_, d, _))| truth.is_none() && *d <= limit)
            .count()
    };
    let allowed = unrelated_within(0, search_limit);
    let unrelated = queries.iter().filter(|q| q.2.is_none()).count();
    println!(
        "the search's distance {search_limit}: {allowed} of {unrelated} unrelated queries within"
    );
    for (w, (way, _)) in ways.iter().enumerate() {
        // The largest limit letting no more unrelated queries through.
        let mut limits: Vec<f32> = nearest[w]
            .iter()
            .map(|b| b.1)
            .filter(|d| d.is_finite())
            .collect();
        limits.sort_by(f32::total_cmp);
        limits.dedup();
        let limit = limits
            .iter()
            .copied()
            .filter(|&l| unrelated_within(w, l) <= allowed)
            .fold(0f32, f32::max);
        let mut rows: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        let mut originals: BTreeMap<&str, usize> = BTreeMap::new();
        let (mut found, mut copies, mut first) = (0, 0, 0);
        for ((_, transform, truth), &(best, d, _)) in queries.iter().zip(&nearest[w]) {
            let Some(truth) = truth else { continue };
            copies += 1;
            let row = rows.entry(transform).or_default();
            row.1 += 1;
            if best == *truth {
                first += 1;
                if d <= limit {
                    found += 1;
                    row.0 += 1;
                    continue;
                }
            }
            *originals.entry(name(&references[*truth])).or_default() += 1;
        }
        println!(
            "\n{way}: limit {limit:.1} ({} unrelated within): {found} of {copies} copies found, {first} nearest",
            unrelated_within(w, limit)
        );
        let rows: Vec<String> = rows
            .iter()
            .map(|(t, (f, n))| format!("{t} {f}/{n}"))
            .collect();
        println!("  rows: {}", rows.join(", "));
        let missed: Vec<String> = originals.iter().map(|(o, n)| format!("{o} {n}")).collect();
        println!("  missed: {}", missed.join(", "));
    }
}
