//! Whole-file fingerprinting: decode a file and fingerprint what comes out,
//! the glue between [`crate::decode`] and [`crate::fingerprint`].

use std::path::Path;
use std::time::{Duration, Instant};

use crate::decode::{self, Kind, Limits, MediaInfo, Sink};
use crate::error::Result;
use crate::fingerprint::audio::{AudioFingerprint, AudioFingerprinter};
use crate::fingerprint::local::{self, LocalFeatures};
use crate::fingerprint::video::{FrameFingerprint, LocalFrame, VideoFingerprinter};
use crate::fingerprint::visual::{self, Luma};

/// Everything extracted from one file.
#[derive(Debug, Clone)]
pub struct MediaFingerprint {
    /// What was decoded.
    pub info: MediaInfo,
    /// Visual fingerprints: one for an image, the kept frames of a video.
    pub frames: Vec<FrameFingerprint>,
    /// Local features: the image's, or some kept frames' of a video.
    pub local: Vec<LocalFrame>,
    /// An image's mirror image's local features, which a query looks up
    /// so that a flipped copy is found (a video has none).
    pub mirrored_local: Option<LocalFeatures>,
    /// Landmarks of the sound, for audio and for video with a sound track.
    pub audio: Option<AudioFingerprint>,
    /// Wall-clock time decoding and fingerprinting took.
    pub elapsed: Duration,
}

#[derive(Default)]
struct Collector {
    kind_is_image: bool,
    image: Option<(FrameFingerprint, LocalFeatures, LocalFeatures)>,
    video: VideoFingerprinter,
    audio: Option<AudioFingerprinter>,
}

impl Sink for Collector {
    fn begin(&mut self, kind: Kind) {
        self.kind_is_image = kind == Kind::Image;
    }

    fn picture(&mut self, time_ms: u32, luma: &Luma) {
        if self.kind_is_image {
            if self.image.is_none() {
                let frame = FrameFingerprint {
                    time_ms: 0,
                    visual: visual::fingerprint(luma),
                    scene_cut: true,
                };
                let mirrored = local::extract(&luma.flipped_horizontally());
                self.image = Some((frame, local::extract(luma), mirrored));
            }
        } else {
            self.video.push(time_ms, luma);
        }
    }

    fn audio(&mut self, samples: &[f32]) {
        self.audio
            .get_or_insert_with(AudioFingerprinter::new)
            .push(samples);
    }
}

/// Decodes and fingerprints one file.
///
/// # Errors
/// As [`decode::decode`].
pub fn fingerprint_file(path: &Path, limits: &Limits) -> Result<MediaFingerprint> {
    let started = Instant::now();
    let mut collector = Collector::default();
    let info = decode::decode(path, limits, &mut collector)?;
    let (frames, local, mirrored_local) = match (info.kind, collector.image) {
        (Kind::Image, Some((frame, features, mirrored))) => (
            vec![frame],
            vec![LocalFrame {
                time_ms: 0,
                features,
            }],
            Some(mirrored),
        ),
        (Kind::Image, None) => (Vec::new(), Vec::new(), None),
        _ => {
            let video = collector.video.finish();
            (video.frames, video.local, None)
        }
    };
    let audio = match info.kind {
        Kind::Image => None,
        _ => collector.audio.map(AudioFingerprinter::finish),
    };
    Ok(MediaFingerprint {
        info,
        frames,
        local,
        mirrored_local,
        audio,
        elapsed: started.elapsed(),
    })
}
