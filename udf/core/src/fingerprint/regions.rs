//! Query-side regions: the parts of a query picture that may be the copy
//! on their own, searched beside the whole picture. A picture pasted into
//! another one (an inset, a window in a screenshot, a padded copy) sits in
//! a rectangle with straight edges; a meme's captions cover the top and
//! bottom, leaving the centre band. Each region is cut from the decoded
//! picture (up to 1024 px on its longer side for still images) and gets
//! local features of its own at the usual working size, so a 40% inset is
//! described with 2.5 times the detail the whole picture gives it. A still
//! picture's inset also gets a global hash of its own, looked up and
//! compared like the whole picture's: a copy shown whole inside another
//! picture is framed as its original, so this finds it even with no
//! corners to describe.
//!
//! Inset detection (detected, never guessed):
//! 1. The boundary strength between columns `x - 1` and `x` of a row is
//!    `|I(x) + I(x+1) - I(x-1) - I(x-2)| / 2` (two pixels a side, so a
//!    boundary blurred over a pixel by scaling still counts once); it is an
//!    edge pixel when at least [`EDGE_STEP`] grey levels. Rows likewise.
//! 2. Per column, prefix sums of edge pixels down the rows (per row,
//!    across the columns), so the share of any span that is edge is two
//!    lookups.
//! 3. Candidate columns and rows: those whose edge count stands out from
//!    the columns three to the side (a straight boundary is edge along its
//!    whole length, texture is edge here and there in every column), after
//!    non-maximum suppression over +-3, the [`CANDIDATES`] best.
//! 4. Every rectangle of two candidate rows and two candidate columns
//!    between [`MIN_SIDE`] and [`MAX_SIDE`] of the frame on each side is
//!    tried; its four sides must each be at least [`MIN_COVERAGE`] edge
//!    and [`MIN_CONTRAST`] more than the same span three pixels outside or
//!    inside (one quiet side: a texture is as busy just inside its edge).
//!    The rectangle with the best weakest side wins (ties: the larger).
//! 5. A straight line inside the inset (a stripe, a panel's edge) makes a
//!    smaller rectangle with three of the inset's sides, and its weakest
//!    side may beat the inset's own (a dark stripe over a dark
//!    background): the winner grows, while a rectangle of step 4 holds it
//!    and shares three of its sides, to the largest such. A window's
//!    title bar and side panel grow a screenshot's picture to its window
//!    the same way, so a still query is searched as both rectangles when
//!    they differ (the winner first); a video frame as the winner alone.
//! 6. Each side then moves (by 2 at most) to where the summed boundary
//!    strength over its span is greatest.
//!
//! The centre band is rows `h/5 .. 4h/5` over the full width (what a top
//! and a bottom caption leave). It is as wide as the picture, so it has the
//! whole picture's working detail: its features are chosen from the whole
//! picture's pyramid, rows of each level as if cut there
//! ([`local::Pyramid::band`]), with the band's own keypoint quota.

use super::local::{self, LocalFeatures};
use super::visual::{self, Luma, MIN_KEY_QUALITY, VisualFingerprint};

/// Boundary strength an edge pixel needs, grey levels.
pub const EDGE_STEP: i32 = 10;
/// Share of a side's pixels that must be edge.
pub const MIN_COVERAGE: f32 = 0.6;
/// How much more edge a side must be than the spans beside it.
pub const MIN_CONTRAST: f32 = 0.3;
/// Smallest inset side, share of the frame's side.
pub const MIN_SIDE: f32 = 0.15;
/// Largest inset side, share of the frame's side (both sides at most this,
/// or one of them; a rectangle that is the whole frame is no inset).
pub const MAX_SIDE: f32 = 0.92;
/// Candidate columns (and rows) kept.
pub const CANDIDATES: usize = 24;
/// Offset of the spans a side is compared with, pixels.
const BESIDE: usize = 3;

/// A rectangle in the pixels of the picture it was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left column.
    pub x: u32,
    /// Top row.
    pub y: u32,
    /// Width.
    pub w: u32,
    /// Height.
    pub h: u32,
}

/// What a region is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionKind {
    /// A found inset (straight-edged rectangle).
    Inset,
    /// Rows `h/5 .. 4h/5`, full width.
    CentreBand,
}

/// One region of a query picture and its local features.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    /// What it is.
    pub kind: RegionKind,
    /// Where, in the pixels of the picture it was cut from.
    pub rect: Rect,
    /// The size of the picture it was cut from (width, height): `rect`
    /// scaled by the query's size over this is where it is in the query.
    pub picture: (u32, u32),
    /// The time of the frame it was cut from, ms (0 for a still picture).
    pub time_ms: u32,
    /// Its own local features (coordinates in the region's working pixels).
    pub features: LocalFeatures,
    /// Its own global hash: a still picture's inset only (`None` for the
    /// centre band and for a video frame's inset). A copy shown whole in
    /// another picture (pasted into a photograph, inside a window, on a
    /// border) is its original framed as the original was, so the inset's
    /// hash is the original's up to the resampling: found even where the
    /// picture has too few corners for local features (a colour wheel).
    pub visual: Option<VisualFingerprint>,
}

/// The regions of a query picture: the insets found (step 5 of the module
/// doc: the winner, then what it grows to when that differs), then the
/// centre band (none for a picture too small to hold either). `working` is
/// the picture's own pyramid ([`local::Pyramid`]), which the band's
/// features are chosen from.
pub fn regions(luma: &Luma, working: &local::Pyramid) -> Vec<Region> {
    let mut out: Vec<Region> = detected_insets(luma)
        .into_iter()
        .filter_map(|rect| inset(luma, rect, 0, true))
        .collect();
    out.extend(centre_band(luma, working));
    out
}

/// The centre band of a query picture: rows `h/5 .. 4h/5` of its working
/// picture (rounded), with features chosen from the whole picture's
/// pyramid ([`local::Pyramid::band`]); its rectangle is those rows in the
/// picture's own pixels. The band is as wide as the picture, so it has the
/// working picture's detail: cutting it from the decoded picture,
/// resampling it and building its own pyramid paid again for the same
/// pixels (benchmarks/README.md, "The DSP core alone").
fn centre_band(luma: &Luma, working: &local::Pyramid) -> Option<Region> {
    let (w, h) = (luma.width, luma.height);
    let (_, h0) = working.size();
    if h < 40 || w < 40 {
        return None;
    }
    let (top, bottom) = (
        (h0 as f32 / 5.0).round() as usize,
        (h0 as f32 * 0.8).round() as usize,
    );
    let in_picture = |row: usize| (row as f32 * h as f32 / h0 as f32).round() as u32;
    let (y0, y1) = (in_picture(top), in_picture(bottom).min(h));
    if y1 <= y0 {
        return None;
    }
    let rect = Rect {
        x: 0,
        y: y0,
        w,
        h: y1 - y0,
    };
    region(
        luma,
        RegionKind::CentreBand,
        rect,
        0,
        working.band(top, bottom),
        None,
    )
}

/// The found inset of a query video's frame at `time_ms` (the frame at
/// [`FRAME_DETAIL`] on its longer side), as a region, or `None`. A video's
/// frames get the inset alone: a copy set in other footage or in a
/// player's window is what it finds (`inset_45`: 0% -> 100% at the
/// threshold, `udf/README.md`, "Query regions of video frames"); the
/// centre band is for a still meme's captions, which no video row has,
/// and would cost a second region's local features on every such frame.
pub fn inset_region(luma: &Luma, time_ms: u32) -> Option<Region> {
    detected_inset(luma).and_then(|rect| inset(luma, rect, time_ms, false))
}

/// The inset `rect` of `luma` as a region with its local features, and its
/// global hash when `with_hash`.
fn inset(luma: &Luma, rect: Rect, time_ms: u32, with_hash: bool) -> Option<Region> {
    let pixels = crop(luma, rect);
    let visual = with_hash.then(|| visual::fingerprint(&pixels));
    region(
        luma,
        RegionKind::Inset,
        rect,
        time_ms,
        local::extract(&pixels),
        visual,
    )
}

/// The longer side an inset is looked for at, px. A larger picture is
/// looked at shrunk by k = ceil(longer side / this) (each output pixel the
/// mean of a k x k block, the last columns and rows under a block left
/// out), and the rectangle found there is scaled back by k, so its sides
/// are within k px of the boundaries the shrunk picture shows; the inset's
/// features and hash are then cut from the full picture. No product path
/// hands a larger picture over today (a still query is decoded to this
/// size, `IMAGE_WORKING_SIZE` in clickprint-media, and a query video's
/// frames are looked at at [`FRAME_DETAIL`]); a caller of
/// [`still::fingerprint`](super::still::fingerprint) with a full-size
/// picture is, and the detector's steps are pixel sized, chosen at the
/// decoder's sizes. Measured on the DSP benchmark's 1920x1080 query
/// picture (`cargo bench -p clickprint-core --bench fingerprint --
/// still/`): the detector over its 2 million pixels was 5.8 ms of the
/// picture's 11.9.
pub const INSET_DETECTION_SIDE: u32 = 1024;

/// The first of [`detected_insets`] (the winner of step 4).
pub fn detected_inset(luma: &Luma) -> Option<Rect> {
    detected_insets(luma).into_iter().next()
}

/// [`find_insets`] on `luma`, or on `luma` shrunk when it is larger than
/// [`INSET_DETECTION_SIDE`], the rectangles in `luma`'s pixels.
pub fn detected_insets(luma: &Luma) -> Vec<Rect> {
    let k = luma.width.max(luma.height).div_ceil(INSET_DETECTION_SIDE);
    if k <= 1 {
        return find_insets(luma);
    }
    if luma.width.min(luma.height) / k < 32 {
        // A strip too thin to look at once shrunk (`find_insets` looks at no
        // side under 32 px; a side under `k` would shrink to nothing).
        return Vec::new();
    }
    find_insets(&shrunk(luma, k))
        .into_iter()
        .map(|found| {
            let (x, y) = (found.x * k, found.y * k);
            Rect {
                x,
                y,
                w: (found.w * k).min(luma.width - x),
                h: (found.h * k).min(luma.height - y),
            }
        })
        .collect()
}

/// `luma` shrunk `k` times on each side, each pixel the rounded mean of a
/// `k x k` block (the last `width % k` columns and `height % k` rows,
/// under a block, left out).
fn shrunk(luma: &Luma, k: u32) -> Luma {
    let (w, h, k) = (
        (luma.width / k) as usize,
        (luma.height / k) as usize,
        k as usize,
    );
    let stride = luma.width as usize;
    // Integer sums, exact in any order: a row of blocks' columns summed
    // down first, then each block's columns; the small factors (a 1920 px
    // picture's is 2) with a block size the compiler knows, so that it
    // vectorises the sums and divides by a constant.
    let mut columns = vec![0u32; w * k];
    let mut pixels = vec![0u8; w * h];
    for (y, out) in pixels.chunks_exact_mut(w).enumerate() {
        columns.fill(0);
        for row in luma.pixels[y * k * stride..].chunks(stride).take(k) {
            for (sum, &p) in columns.iter_mut().zip(row) {
                *sum += u32::from(p);
            }
        }
        match k {
            2 => block_means::<2>(&columns, out),
            3 => block_means::<3>(&columns, out),
            4 => block_means::<4>(&columns, out),
            _ => {
                let area = (k * k) as u32;
                for (out, block) in out.iter_mut().zip(columns.chunks_exact(k)) {
                    *out = ((block.iter().sum::<u32>() + area / 2) / area) as u8;
                }
            }
        }
    }
    Luma::new(w as u32, h as u32, pixels)
}

/// Each `K x K` block's rounded mean, from its columns' sums.
fn block_means<const K: usize>(columns: &[u32], out: &mut [u8]) {
    let area = (K * K) as u32;
    for (out, block) in out.iter_mut().zip(columns.as_chunks::<K>().0) {
        *out = ((block.iter().sum::<u32>() + area / 2) / area) as u8;
    }
}

/// The longer side a query video's frame is looked at for an inset, px:
/// a 45% inset of it is 288 px wide, described at about the local
/// features' working size (the 256 px the frames are fingerprinted at
/// would leave it 115 px).
pub const FRAME_DETAIL: u32 = 640;

/// `rect` of `luma` as a region with `features` and `visual` (`None` when
/// it has neither keypoints nor a global hash good enough for keys).
fn region(
    luma: &Luma,
    kind: RegionKind,
    rect: Rect,
    time_ms: u32,
    features: LocalFeatures,
    visual: Option<VisualFingerprint>,
) -> Option<Region> {
    let visual = visual.filter(|v| v.quality >= MIN_KEY_QUALITY);
    (!features.keypoints.is_empty() || visual.is_some()).then_some(Region {
        kind,
        rect,
        picture: (luma.width, luma.height),
        time_ms,
        features,
        visual,
    })
}

/// The pixels of `rect` (clipped to the picture).
///
/// # Panics
/// When `rect` lies wholly outside the picture (a bug in the caller).
pub fn crop(luma: &Luma, rect: Rect) -> Luma {
    let x1 = (rect.x + rect.w).min(luma.width);
    let y1 = (rect.y + rect.h).min(luma.height);
    assert!(rect.x < x1 && rect.y < y1, "{rect:?} outside the picture");
    let w = luma.width as usize;
    let pixels = (rect.y as usize..y1 as usize)
        .flat_map(|y| {
            luma.pixels[y * w + rect.x as usize..y * w + x1 as usize]
                .iter()
                .copied()
        })
        .collect();
    Luma::new(x1 - rect.x, y1 - rect.y, pixels)
}

/// Edge counts along lines: `counts[at(line, i)]` is the number of edge
/// pixels among the first `i` of the line. Along the columns the table is
/// laid out position-major (`at = i * lines + line`), along the rows
/// line-major (`at = line * (len + 1) + i`), so that both are filled in
/// the picture's own row order. Measured in processor time on a 1920x1080
/// picture: walking down the columns with a line-major table, and keeping
/// a second table of strengths, took 30 ms, most of it cache misses and
/// the kernel zeroing 33 MB of fresh pages; strengths are now summed only
/// for the few lines [`Prefix::sharpest`] compares, and counts are 16-bit.
struct Prefix<'a> {
    luma: &'a Luma,
    vertical: bool,
    lines: usize,
    len: usize,
    /// Step between lines, and between positions along a line.
    line_step: usize,
    position_step: usize,
    /// Edge pixels are at most a line's length: a picture's sides are
    /// under 2^16 ([`find_inset`] looks at no larger one).
    counts: Vec<u16>,
}

impl Prefix<'_> {
    fn at(&self, line: usize, i: usize) -> usize {
        line * self.line_step + i * self.position_step
    }

    /// The boundary step at position `i` of `line` (step 1 of the module
    /// doc, before the absolute value); 0 on the lines at the picture's
    /// edge, which have no two pixels a side.
    fn step(&self, line: usize, i: usize) -> i32 {
        if !(2..self.lines.saturating_sub(1)).contains(&line) {
            return 0;
        }
        boundary_step(self.luma, self.vertical, line, i)
    }

    /// Share of `from..to` of `line` that is edge.
    fn coverage(&self, line: usize, from: usize, to: usize) -> f32 {
        (self.counts[self.at(line, to)] - self.counts[self.at(line, from)]) as f32
            / (to - from).max(1) as f32
    }

    fn total(&self, line: usize) -> u16 {
        self.counts[self.at(line, self.len)]
    }

    /// Summed boundary strength of `from..to` of `line`.
    fn strength(&self, line: usize, from: usize, to: usize) -> u32 {
        (from..to).map(|i| self.step(line, i).unsigned_abs()).sum()
    }

    /// Of the lines within 2 of `line`, the one with the strongest
    /// boundary over `from..to`: an edge blurred over two or three pixels
    /// is edge on each, and its middle is where it is.
    fn sharpest(&self, line: usize, from: usize, to: usize) -> usize {
        (line.saturating_sub(2)..=(line + 2).min(self.lines - 1))
            .max_by_key(|&l| {
                (
                    self.strength(l, from, to),
                    std::cmp::Reverse(l.abs_diff(line)),
                )
            })
            .unwrap_or(line)
    }
}

/// The boundary step at position `i` of `line`, a line at least 2 from
/// the picture's first and 1 from its last: `I(x) + I(x+1) - I(x-1) -
/// I(x-2)` across the line (step 1 of the module doc, before the absolute
/// value).
#[inline(always)]
fn boundary_step(luma: &Luma, vertical: bool, line: usize, i: usize) -> i32 {
    let w = luma.width as usize;
    let p = |x: usize, y: usize| i32::from(luma.pixels[y * w + x]);
    if vertical {
        p(line, i) + p(line + 1, i) - p(line - 1, i) - p(line - 2, i)
    } else {
        p(i, line) + p(i, line + 1) - p(i, line - 1) - p(i, line - 2)
    }
}

/// Edge prefix sums along the columns (`vertical`: boundaries between
/// columns, summed down each column) or along the rows.
fn edge_prefix(luma: &Luma, vertical: bool) -> Prefix<'_> {
    let (w, h) = (luma.width as usize, luma.height as usize);
    // Lines are the boundary positions, along them the pixels.
    let (lines, len) = if vertical { (w, h) } else { (h, w) };
    let (line_step, position_step) = if vertical { (1, lines) } else { (len + 1, 1) };
    let mut counts = vec![0u16; lines * (len + 1)];
    // In 16 bits (a step is within +-510), so that eight pixels go at once.
    let edge = |step: i16| u16::from(step.unsigned_abs() >= 2 * EDGE_STEP as u16);
    let row = |y: usize| &luma.pixels[y * w..(y + 1) * w];
    // Row by row in both cases (the picture's memory order), the lines of
    // `Prefix::step` only, over whole rows of slices (no index arithmetic
    // or branch inside, so the compiler vectorises the columns' loop).
    if vertical {
        // Table row y + 1 is table row y plus pixel row y's edge flags,
        // for the boundaries 2..w-1 (the others have no two pixels a side).
        for y in 0..h {
            let (done, rest) = counts.split_at_mut((y + 1) * w);
            let (above, here) = (&done[y * w..], &mut rest[..w]);
            let pixels = row(y);
            let (a, b, c, d) = (pixels, &pixels[1..], &pixels[2..], &pixels[3..]);
            for (((((out, up), a), b), c), d) in here[2..]
                .iter_mut()
                .zip(&above[2..])
                .zip(a)
                .zip(b)
                .zip(c)
                .zip(d)
            {
                let step = i16::from(*c) + i16::from(*d) - i16::from(*b) - i16::from(*a);
                *out = up + edge(step);
            }
        }
    } else {
        // A row's edge flags first (vectorised), then their running sum.
        let mut flags = vec![0u16; w];
        for y in 2..h.saturating_sub(1) {
            let (a, b, c, d) = (row(y - 2), row(y - 1), row(y), row(y + 1));
            for ((((flag, a), b), c), d) in flags.iter_mut().zip(a).zip(b).zip(c).zip(d) {
                let step = i16::from(*c) + i16::from(*d) - i16::from(*b) - i16::from(*a);
                *flag = edge(step);
            }
            let line = &mut counts[y * (w + 1)..(y + 1) * (w + 1)];
            let mut total = 0;
            for (out, flag) in line[1..].iter_mut().zip(&flags) {
                total += flag;
                *out = total;
            }
        }
    }
    Prefix {
        luma,
        vertical,
        lines,
        len,
        line_step,
        position_step,
        counts,
    }
}

/// Lines whose edge count stands out from the lines [`BESIDE`] away,
/// after non-maximum suppression, best first (at most [`CANDIDATES`]).
fn candidate_lines(prefix: &Prefix<'_>, lines: usize) -> Vec<usize> {
    let total = |l: usize| prefix.total(l) as i64;
    let standout: Vec<i64> = (0..lines)
        .map(|l| {
            if l < BESIDE + 2 || l + BESIDE + 1 >= lines {
                return i64::MIN;
            }
            total(l) - total(l - BESIDE).max(total(l + BESIDE))
        })
        .collect();
    let mut picked: Vec<(i64, usize)> = (0..lines)
        .filter(|&l| {
            let s = standout[l];
            s > 0
                && (l.saturating_sub(BESIDE)..=(l + BESIDE).min(lines - 1))
                    .all(|o| standout[o] < s || (standout[o] == s && o >= l))
        })
        .map(|l| (standout[l], l))
        .collect();
    picked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    picked.truncate(CANDIDATES);
    let mut lines: Vec<usize> = picked.into_iter().map(|(_, l)| l).collect();
    lines.sort_unstable();
    lines
}

/// How well `line` over `from..to` is a straight boundary: its coverage
/// when that stands out from the span [`BESIDE`] away on at least one
/// side, else `None`. One side is enough: a picture busy up to its edge (a
/// texture: grass, gravel) has as many edges just inside its boundary as
/// on it, and only the other side is quiet. Both sides were required
/// before, and the evaluation's pasted textures were never found
/// (udf/README.md, "Query-side regions").
fn side_strength(
    prefix: &Prefix<'_>,
    lines: usize,
    line: usize,
    from: usize,
    to: usize,
) -> Option<f32> {
    if line < BESIDE || line + BESIDE >= lines {
        return None;
    }
    let c = prefix.coverage(line, from, to);
    let quieter = prefix
        .coverage(line - BESIDE, from, to)
        .min(prefix.coverage(line + BESIDE, from, to));
    (c >= MIN_COVERAGE && c - quieter >= MIN_CONTRAST).then_some(c)
}

/// A rectangle as the candidate lines of its sides: columns `x0 < x1`,
/// rows `y0 < y1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Lines {
    x0: usize,
    x1: usize,
    y0: usize,
    y1: usize,
}

impl Lines {
    fn area(&self) -> usize {
        (self.x1 - self.x0) * (self.y1 - self.y0)
    }

    /// Whether `other` lies within this rectangle.
    fn holds(&self, other: &Lines) -> bool {
        self.x0 <= other.x0 && other.x1 <= self.x1 && self.y0 <= other.y0 && other.y1 <= self.y1
    }

    /// How many of the four sides are the same lines.
    fn shared_sides(&self, other: &Lines) -> usize {
        [
            self.x0 == other.x0,
            self.x1 == other.x1,
            self.y0 == other.y0,
            self.y1 == other.y1,
        ]
        .into_iter()
        .filter(|&same| same)
        .count()
    }
}

/// The inset rectangle of a picture (the winner of step 4): `x, y` its
/// first column and row, `w, h` its size; `None` when no rectangle has four
/// straight sides.
pub fn find_inset(luma: &Luma) -> Option<Rect> {
    find_insets(luma).into_iter().next()
}

/// The inset rectangles of a picture: the winner of step 4, then the
/// rectangle it grows to (step 5) when that is another; none when no
/// rectangle has four straight sides.
pub fn find_insets(luma: &Luma) -> Vec<Rect> {
    let (w, h) = (luma.width as usize, luma.height as usize);
    if w < 32 || h < 32 || w.max(h) > usize::from(u16::MAX) {
        return Vec::new();
    }
    let columns = edge_prefix(luma, true);
    let rows = edge_prefix(luma, false);
    let xs = candidate_lines(&columns, w);
    let ys = candidate_lines(&rows, h);
    let fits = |side: usize, frame: usize| {
        side as f32 >= MIN_SIDE * frame as f32 && side as f32 <= frame as f32
    };
    // Every rectangle with four straight sides (step 4), as its lines.
    let mut found: Vec<Lines> = Vec::new();
    let mut best: Option<(f32, usize, Lines)> = None;
    for (i, &y0) in ys.iter().enumerate() {
        for &y1 in &ys[i + 1..] {
            if !fits(y1 - y0, h) {
                continue;
            }
            // Columns that are a straight side over these rows.
            let sides: Vec<(usize, f32)> = xs
                .iter()
                .filter_map(|&x| side_strength(&columns, w, x, y0, y1).map(|s| (x, s)))
                .collect();
            for (j, &(x0, left)) in sides.iter().enumerate() {
                for &(x1, right) in &sides[j + 1..] {
                    if !fits(x1 - x0, w)
                        || (x1 - x0) as f32 > MAX_SIDE * w as f32
                            && (y1 - y0) as f32 > MAX_SIDE * h as f32
                    {
                        continue;
                    }
                    let Some(top) = side_strength(&rows, h, y0, x0, x1) else {
                        continue;
                    };
                    let Some(bottom) = side_strength(&rows, h, y1, x0, x1) else {
                        continue;
                    };
                    let weakest = left.min(right).min(top).min(bottom);
                    let lines = Lines { x0, x1, y0, y1 };
                    let area = lines.area();
                    let better = best
                        .as_ref()
                        .is_none_or(|&(s, a, _)| weakest > s || (weakest == s && area > a));
                    if better {
                        best = Some((weakest, area, lines));
                    }
                    found.push(lines);
                }
            }
        }
    }
    let Some((_, _, winner)) = best else {
        return Vec::new();
    };
    // Step 5: the largest rectangle reached by rectangles that hold the
    // last and share three of its sides (each step is larger, so it ends).
    let mut grown = winner;
    while let Some(&larger) = found
        .iter()
        .filter(|r| r.holds(&grown) && r.shared_sides(&grown) == 3)
        .max_by_key(|r| r.area())
    {
        grown = larger;
    }
    let mut insets = vec![winner];
    if grown != winner {
        insets.push(grown);
    }
    // Step 6: each side where its boundary is sharpest.
    let sharpened = |Lines { x0, x1, y0, y1 }: Lines| {
        let (left, right) = (columns.sharpest(x0, y0, y1), columns.sharpest(x1, y0, y1));
        let (top, bottom) = (rows.sharpest(y0, x0, x1), rows.sharpest(y1, x0, x1));
        Rect {
            x: left as u32,
            y: top as u32,
            w: (right - left) as u32,
            h: (bottom - top) as u32,
        }
    };
    insets.into_iter().map(sharpened).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A Mandelbrot set (escape counts as grey), `w x h`, the whole set in view.
    pub(crate) fn mandelbrot(w: u32, h: u32) -> Luma {
        let mut pixels = Vec::with_capacity((w * h) as usize);
        for y in 0..h {
            for x in 0..w {
                let cr = -2.2 + 3.2 * f64::from(x) / f64::from(w);
                let ci = -1.2 + 2.4 * f64::from(y) / f64::from(h);
                let (mut zr, mut zi, mut n) = (0.0f64, 0.0f64, 0u32);
                while n < 64 && zr * zr + zi * zi < 4.0 {
                    (zr, zi) = (zr * zr - zi * zi + cr, 2.0 * zr * zi + ci);
                    n += 1;
                }
                pixels.push((n * 4).min(255) as u8);
            }
        }
        Luma::new(w, h, pixels)
    }

    /// A blurred board of random cells (a background full of texture but
    /// no long straight lines).
    pub(crate) fn blurred_board(w: u32, h: u32, seed: u32) -> Luma {
        let mut state = seed.wrapping_mul(2_654_435_761) | 1;
        let cell = 12u32;
        let (cw, ch) = (w.div_ceil(cell), h.div_ceil(cell));
        let cells: Vec<u8> = (0..cw * ch)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                if state.is_multiple_of(3) { 200 } else { 60 }
            })
            .collect();
        let raw: Vec<f32> = (0..w * h)
            .map(|i| f32::from(cells[((i / w / cell) * cw + (i % w) / cell) as usize]))
            .collect();
        // A 9x9 box blur, twice: soft cell edges, as a blurred board.
        let mut a = raw;
        for _ in 0..2 {
            let mut b = vec![0f32; a.len()];
            for y in 0..h as i32 {
                for x in 0..w as i32 {
                    let mut sum = 0.0;
                    for d in -4..=4 {
                        let sx = (x + d).clamp(0, w as i32 - 1);
                        let sy = (y + d).clamp(0, h as i32 - 1);
                        sum += a[(y * w as i32 + sx) as usize] + a[(sy * w as i32 + x) as usize];
                    }
                    b[(y * w as i32 + x) as usize] = sum / 18.0;
                }
            }
            a = b;
        }
        Luma::new(w, h, a.iter().map(|&v| v.round() as u8).collect())
    }

    /// `picture` pasted into `background` at `(x, y)`.
    pub(crate) fn paste(background: &Luma, picture: &Luma, x: u32, y: u32) -> Luma {
        let mut out = background.clone();
        for py in 0..picture.height {
            for px in 0..picture.width {
                out.pixels[((y + py) * out.width + x + px) as usize] =
                    picture.pixels[(py * picture.width + px) as usize];
            }
        }
        out
    }

    #[test]
    fn an_inset_is_found_where_it_was_pasted() {
        // The engine test's picture, in grey: a 384x288 Mandelbrot at
        // (403, 115) of a 960x640 blurred board.
        let query = paste(&blurred_board(960, 640, 7), &mandelbrot(384, 288), 403, 115);
        let found = find_inset(&query).expect("an inset");
        assert_eq!(found, GOLDEN_INSET, "{found:?}");
        assert_within_2px(found, (403, 115), (787, 403));
    }

    /// `found`'s corners within 2 px of the pasted picture's.
    fn assert_within_2px(found: Rect, top_left: (u32, u32), bottom_right: (u32, u32)) {
        for (got, want) in [
            (found.x, top_left.0),
            (found.y, top_left.1),
            (found.x + found.w, bottom_right.0),
            (found.y + found.h, bottom_right.1),
        ] {
            assert!(got.abs_diff(want) <= 2, "{found:?}");
        }
    }

    /// A picture of two panels, dark (20) and light (125), pasted at (403,
    /// 140) of a grey page (100) crossed by a band of the light panel's
    /// grey (rows 300-359), as a dark stripe of `Stripes` over a dark car:
    /// the light panel's edge meets no edge over the band (75% edge), the
    /// panels' shared edge is edge along all of it, so the dark panel
    /// alone has the best weakest side (step 4: 1.0 against 0.75). The
    /// whole picture holds the dark panel and shares three of its sides, so
    /// it is found too (step 5); without that step the dark panel alone was.
    #[test]
    fn a_line_inside_an_inset_does_not_cut_it() {
        let flat = |w: u32, h: u32, grey: u8| Luma::new(w, h, vec![grey; (w * h) as usize]);
        let panels = paste(&flat(384, 240, 20), &flat(194, 240, 125), 190, 0);
        let page = paste(&flat(960, 640, 100), &flat(960, 60, 125), 0, 300);
        let found = find_insets(&paste(&page, &panels, 403, 140));
        assert_eq!(found.len(), 2, "{found:?}");
        assert_within_2px(found[0], (403, 140), (593, 380));
        assert_within_2px(found[1], (403, 140), (787, 380));
    }

    /// Every pixel drawn at random: edges everywhere, as in a photograph
    /// of grass or gravel.
    pub(crate) fn noise(w: u32, h: u32, seed: u32) -> Luma {
        let mut state = seed.wrapping_mul(2_654_435_761) | 1;
        let pixels = (0..w * h)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 24) as u8
            })
            .collect();
        Luma::new(w, h, pixels)
    }

    /// A texture busy up to its edge has as many edges just inside its
    /// boundary as on it: the boundary stands out from the quiet side
    /// only, and that is enough.
    #[test]
    fn a_texture_pasted_into_a_quieter_picture_is_found() {
        let query = paste(&mandelbrot(960, 640), &noise(300, 240, 9), 500, 200);
        let found = find_inset(&query).expect("an inset");
        assert_within_2px(found, (500, 200), (800, 440));
    }

    /// A picture larger than the detection size is looked at shrunk: the
    /// golden inset picture (`an_inset_is_found_where_it_was_pasted`) at
    /// twice its size (each pixel a 2x2 block, and one more column and row,
    /// which the shrinking leaves out) has its inset found at exactly twice
    /// the golden rectangle. (On the full 1921x1281 picture the detector
    /// picks a rectangle of the board's 24 px cells instead: its steps are
    /// pixel sized, chosen at the sizes the decoder hands over.) A strip
    /// thinner than the factor has none (shrunk, it would have no rows),
    /// and the shrunk picture holds each block's rounded mean.
    #[test]
    fn a_large_pictures_inset_is_found_on_it_shrunk() {
        let small = paste(&blurred_board(960, 640, 7), &mandelbrot(384, 288), 403, 115);
        let (w, h) = (2 * small.width + 1, 2 * small.height + 1);
        let pixels = (0..h)
            .flat_map(|y| {
                (0..w).map(move |x| {
                    (
                        x.min(2 * small.width - 1) / 2,
                        y.min(2 * small.height - 1) / 2,
                    )
                })
            })
            .map(|(x, y)| small.pixels[(y * small.width + x) as usize])
            .collect();
        let large = Luma::new(w, h, pixels);
        assert!(large.width > INSET_DETECTION_SIDE);
        let found = detected_inset(&large).expect("an inset");
        let twice = |r: Rect| Rect {
            x: 2 * r.x,
            y: 2 * r.y,
            w: 2 * r.w,
            h: 2 * r.h,
        };
        assert_eq!(found, twice(GOLDEN_INSET));
        assert_eq!(detected_inset(&Luma::new(3000, 2, vec![0; 6000])), None);
        // Means 0.75 and 14.25: rounded, not cut.
        let blocks = Luma::new(5, 2, vec![0, 1, 20, 30, 255, 1, 1, 3, 4, 255]);
        assert_eq!(shrunk(&blocks, 2), Luma::new(2, 1, vec![1, 14]));
    }

    const GOLDEN_INSET: Rect = Rect {
        x: 403,
        y: 115,
        w: 384,
        h: 288,
    };

    /// The prefix tables count what step 1 calls an edge, pixel by pixel.
    #[test]
    fn the_edge_tables_count_every_edge_pixel() {
        let picture = paste(&blurred_board(97, 61, 3), &mandelbrot(40, 30), 20, 11);
        let (w, h) = (picture.width as usize, picture.height as usize);
        for vertical in [true, false] {
            let prefix = edge_prefix(&picture, vertical);
            let (lines, len) = if vertical { (w, h) } else { (h, w) };
            for line in 0..lines {
                let mut count = 0;
                for i in 0..len {
                    assert_eq!(
                        prefix.counts[prefix.at(line, i)],
                        count,
                        "{vertical} {line} {i}"
                    );
                    count += u16::from(prefix.step(line, i).abs() >= 2 * EDGE_STEP);
                }
                assert_eq!(prefix.total(line), count);
            }
        }
    }

    #[test]
    fn no_inset_in_a_picture_without_one() {
        assert_eq!(find_inset(&noise(640, 480, 5)), None);
        assert_eq!(find_inset(&blurred_board(640, 480, 3)), None);
        assert_eq!(find_inset(&mandelbrot(640, 480)), None);
        assert_eq!(find_inset(&Luma::new(300, 200, vec![90; 60_000])), None);
    }

    #[test]
    fn a_padded_picture_is_its_own_inset_and_regions_are_pinned() {
        let padded = paste(
            &Luma::new(500, 400, vec![240; 200_000]),
            &mandelbrot(320, 240),
            90,
            100,
        );
        assert_eq!(
            find_inset(&padded),
            Some(Rect {
                x: 90,
                y: 100,
                w: 320,
                h: 240
            })
        );
        let found = regions(
            &padded,
            &local::Pyramid::new(&local::working_picture(&padded)),
        );
        let kinds: Vec<(RegionKind, Rect, usize)> = found
            .iter()
            .map(|r| (r.kind, r.rect, r.features.keypoints.len()))
            .collect();
        assert_eq!(kinds, GOLDEN_PADDED_REGIONS);
    }

    const GOLDEN_PADDED_REGIONS: [(RegionKind, Rect, usize); 2] = [
        (
            RegionKind::Inset,
            Rect {
                x: 90,
                y: 100,
                w: 320,
                h: 240,
            },
            158,
        ),
        (
            RegionKind::CentreBand,
            Rect {
                x: 0,
                y: 80,
                w: 500,
                h: 240,
            },
            99,
        ),
    ];

    #[test]
    fn crop_takes_the_pixels_of_the_rectangle() {
        let picture = Luma::new(4, 3, (0..12).collect());
        let part = crop(
            &picture,
            Rect {
                x: 1,
                y: 1,
                w: 2,
                h: 2,
            },
        );
        assert_eq!(
            (part.width, part.height, part.pixels),
            (2, 2, vec![5, 6, 9, 10])
        );
    }
}
