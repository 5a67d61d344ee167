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

use super::local::{self, LocalFeatures};
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
}

/// What a video's pictures yield.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VideoFingerprint {
    /// The kept frames' global hashes, in time order.
    pub frames: Vec<FrameFingerprint>,
    /// Local features of some kept frames (see [`LOCAL_INTERVAL_MS`]).
    pub local: Vec<LocalFrame>,
}

impl VideoFingerprinter {
    /// A fresh sampler.
    pub fn new() -> Self {
        Self::default()
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
