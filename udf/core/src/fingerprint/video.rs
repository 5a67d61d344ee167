//! Video fingerprints: visual hashes of frames sampled at a fixed rate plus
//! every scene cut, with runs of near-identical frames collapsed.
//!
//! Every decoded frame is looked at (a 16x16 thumbnail, to see cuts);
//! only sampled frames are hashed. A frame is sampled when it is the first
//! at or after a multiple of [`SAMPLE_INTERVAL_MS`] (a fixed grid), or when
//! it differs from the previous decoded frame by more than
//! [`SCENE_CUT_THRESHOLD`] (mean absolute difference of the thumbnails, in
//! grey levels). A sampled frame within [`COLLAPSE_DISTANCE`] bits of the
//! last kept one is dropped, unless [`MAX_COLLAPSE_MS`] has passed, so that
//! a long static shot still has frames to align on.
//!
//! A query's sampler ([`VideoFingerprinter::for_query`]) also looks for
//! an inset in every frame it takes local features of: the decoder hands
//! that frame over again at [`FRAME_DETAIL`] px
//! ([`wants_detail`](VideoFingerprinter::wants_detail),
//! [`detail`](VideoFingerprinter::detail)), and a found inset becomes a
//! region with local features of its own (`fingerprint::regions`), as a
//! query picture's does. Library items need none: the query's side is
//! where a copy is set in something else.

use super::local::{self, LocalFeatures};
pub use super::regions::FRAME_DETAIL;
use super::regions::{self, Region};
use super::visual::{Luma, VisualFingerprint, area_resample, fingerprint};

/// Fixed sampling interval, ms (2 frames per second).
pub const SAMPLE_INTERVAL_MS: u32 = 500;
/// Mean absolute thumbnail difference that counts as a cut, grey levels.
pub const SCENE_CUT_THRESHOLD: f32 = 30.0;
/// Sampled frames this close to the last kept one are dropped.
pub const COLLAPSE_DISTANCE: u32 = 8;
/// A kept frame at least this often, even in a static shot.
pub const MAX_COLLAPSE_MS: u32 = 4_000;
/// Local features are taken of every shot's first kept frame and then of
/// a kept frame at most this often (they cost rows; a shot rarely changes
/// enough within two seconds to need more for a crop to be found).
pub const LOCAL_INTERVAL_MS: u32 = 2_000;

const THUMB: usize = 16;

/// One kept frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameFingerprint {
    /// Presentation time, ms from the start.
    pub time_ms: u32,
    /// The frame's visual fingerprint.
    pub visual: VisualFingerprint,
    /// Whether the frame opens a new shot.
    pub scene_cut: bool,
}

/// The local features of one picture or frame, with its time.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalFrame {
    /// Presentation time, ms from the start (0 for an image).
    pub time_ms: u32,
    /// The keypoints of the frame.
    pub features: LocalFeatures,
}

/// Streaming frame sampler: [`push`](Self::push) decoded frames in
/// presentation order, then [`finish`](Self::finish).
#[derive(Debug, Default)]
pub struct VideoFingerprinter {
    previous_thumb: Option<Vec<f32>>,
    /// The next point of the sampling grid (multiples of the interval).
    next_due_ms: u32,
    frames: Vec<FrameFingerprint>,
    local: Vec<LocalFrame>,
    frames_seen: u64,
    /// Whether frames with local features are looked at for an inset.
    query: bool,
    /// The time of the frame just given local features, until its
    /// detailed picture comes (queries only).
    detail_due: Option<u32>,
    regions: Vec<Region>,
}

/// What a video's pictures yield.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VideoFingerprint {
    /// The kept frames' global hashes, in time order.
    pub frames: Vec<FrameFingerprint>,
    /// Local features of some kept frames (see [`LOCAL_INTERVAL_MS`]).
    pub local: Vec<LocalFrame>,
    /// A query's found insets, one at most per frame of `local`.
    pub regions: Vec<Region>,
}

impl VideoFingerprinter {
    /// A fresh sampler.
    pub fn new() -> Self {
        Self::default()
    }

    /// A fresh sampler for a search's query: as [`new`](Self::new), and
    /// the frames it takes local features of are looked at for an inset.
    pub fn for_query() -> Self {
        Self {
            query: true,
            ..Self::default()
        }
    }

    /// The longer side (px) at which the frame just pushed is wanted again
    /// ([`detail`](Self::detail)): a query's frame that got local features.
    pub fn wants_detail(&self) -> Option<u32> {
        self.detail_due.map(|_| FRAME_DETAIL)
    }

    /// The frame just pushed at [`wants_detail`](Self::wants_detail)'s
    /// size: its inset, when one is found, is a region.
    pub fn detail(&mut self, time_ms: u32, luma: &Luma) {
        if self.detail_due.take() == Some(time_ms) {
            self.regions.extend(regions::inset_region(luma, time_ms));
        }
    }

    /// Whether the frame at `time_ms` is due on time alone: the first frame
    /// at or after each multiple of [`SAMPLE_INTERVAL_MS`]. A fixed grid, so
    /// a copy and its original sample the same instants whatever their
    /// frame rates.
    pub fn due(&self, time_ms: u32) -> bool {
        time_ms >= self.next_due_ms
    }

    /// Looks at one decoded frame.
    pub fn push(&mut self, time_ms: u32, luma: &Luma) {
        self.frames_seen += 1;
        self.detail_due = None;
        let thumb = area_resample(luma, THUMB, THUMB);
        let scene_cut = self.previous_thumb.as_ref().is_some_and(|prev| {
            let diff: f32 = prev.iter().zip(&thumb).map(|(a, b)| (a - b).abs()).sum();
            diff / (THUMB * THUMB) as f32 > SCENE_CUT_THRESHOLD
        });
        self.previous_thumb = Some(thumb);
        if !(scene_cut || self.due(time_ms)) {
            return;
        }
        self.next_due_ms = (time_ms / SAMPLE_INTERVAL_MS + 1) * SAMPLE_INTERVAL_MS;
        let visual = fingerprint(luma);
        if let Some(last) = self.frames.last()
            && !scene_cut
            && last.visual.hash.distance(&visual.hash) <= COLLAPSE_DISTANCE
            && time_ms < last.time_ms + MAX_COLLAPSE_MS
        {
            return;
        }
        let scene_cut = scene_cut || self.frames.is_empty();
        self.frames.push(FrameFingerprint {
            time_ms,
            visual,
            scene_cut,
        });
        let local_due = self
            .local
            .last()
            .is_none_or(|last| time_ms >= last.time_ms + LOCAL_INTERVAL_MS);
        if scene_cut || local_due {
            self.local.push(LocalFrame {
                time_ms,
                features: local::extract(luma),
            });
            if self.query {
                self.detail_due = Some(time_ms);
            }
        }
    }

    /// How many frames were looked at.
    pub fn frames_seen(&self) -> u64 {
        self.frames_seen
    }

    /// The kept frames and local features, in time order.
    pub fn finish(self) -> VideoFingerprint {
        VideoFingerprint {
            frames: self.frames,
            local: self.local,
            regions: self.regions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(level: u8, stripe: u32) -> Luma {
        let pixels = (0..64 * 64)
            .map(|i| {
                if (i % 64) / 8 == stripe % 8 {
                    255 - level
                } else {
                    level
                }
            })
            .collect();
        Luma::new(64, 64, pixels)
    }

    #[test]
    fn static_shots_collapse_and_cuts_are_kept() {
        let mut video = VideoFingerprinter::new();
        // 3 s of one static picture at 25 fps, then a cut to another.
        for i in 0..75 {
            video.push(i * 40, &frame(20, 1));
        }
        for i in 75..125 {
            video.push(i * 40, &frame(200, 5));
        }
        assert_eq!(video.frames_seen(), 125);
        let video = video.finish();
        let times: Vec<u32> = video.frames.iter().map(|f| f.time_ms).collect();
        assert_eq!(times, vec![0, 3000], "one frame per static shot");
        assert!(video.frames[1].scene_cut);
        let local_times: Vec<u32> = video.local.iter().map(|f| f.time_ms).collect();
        assert_eq!(
            local_times, times,
            "every shot's first frame has local features"
        );
    }

    #[test]
    fn a_query_finds_the_inset_of_the_frames_it_takes_local_features_of() {
        use crate::fingerprint::regions::tests::{blurred_board, mandelbrot, paste};
        use crate::fingerprint::regions::{Rect, RegionKind};
        // 5 s at 25 fps of a 288x162 Mandelbrot set in a 640x360 board
        // (the `inset_45` row's geometry); the decoder hands the frames at
        // 256 px and, when asked, at the detail size.
        let detailed = paste(&blurred_board(640, 360, 11), &mandelbrot(288, 162), 269, 69);
        let working = crate::fingerprint::visual::area_resample(&detailed, 256, 144);
        let working = Luma::new(256, 144, working.iter().map(|&v| v.round() as u8).collect());
        let mut library = VideoFingerprinter::new();
        let mut query = VideoFingerprinter::for_query();
        let mut asked = Vec::new();
        for i in 0..125 {
            library.push(i * 40, &working);
            assert_eq!(library.wants_detail(), None, "a library item never asks");
            query.push(i * 40, &working);
            if let Some(side) = query.wants_detail() {
                assert_eq!(side, FRAME_DETAIL);
                asked.push(i * 40);
                query.detail(i * 40, &detailed);
            }
        }
        let query = query.finish();
        let local_times: Vec<u32> = query.local.iter().map(|f| f.time_ms).collect();
        assert_eq!(local_times, vec![0, 4000], "a static shot's kept frames");
        assert_eq!(asked, local_times, "asked for exactly the local frames");
        assert!(library.finish().regions.is_empty());
        let found: Vec<(u32, RegionKind, Rect, (u32, u32))> = query
            .regions
            .iter()
            .map(|r| (r.time_ms, r.kind, r.rect, r.picture))
            .collect();
        let inset = Rect {
            x: 269,
            y: 69,
            w: 288,
            h: 162,
        };
        let want: Vec<_> = local_times
            .iter()
            .map(|&t| (t, RegionKind::Inset, inset, (640, 360)))
            .collect();
        assert_eq!(found, want);
        assert!(
            query
                .regions
                .iter()
                .all(|r| r.features.keypoints.len() > 100)
        );
    }

    #[test]
    fn a_long_static_shot_keeps_a_frame_every_few_seconds() {
        let mut video = VideoFingerprinter::new();
        for i in 0..250 {
            video.push(i * 40, &frame(20, 1)); // 10 s
        }
        let video = video.finish();
        let times: Vec<u32> = video.frames.iter().map(|f| f.time_ms).collect();
        assert_eq!(times, vec![0, 4000, 8000]);
        let local_times: Vec<u32> = video.local.iter().map(|f| f.time_ms).collect();
        assert_eq!(local_times, times, "kept frames two or more seconds apart");
    }
}
