//! Whole-file fingerprinting: decode a file and fingerprint what comes out,
//! the glue between [`crate::decode`] and `clickprint_core::fingerprint`.

use std::path::Path;
use std::time::Instant;

use clickprint_core::Result;
use clickprint_core::fingerprint::audio::AudioFingerprinter;
use clickprint_core::fingerprint::still::{self, StillFingerprint};
use clickprint_core::fingerprint::video::VideoFingerprinter;
use clickprint_core::fingerprint::visual::Luma;
use clickprint_core::media::{Kind, MediaFingerprint};
use clickprint_core::records::Use;

use crate::decode::{self, Limits, Sink};

#[derive(Default)]
struct Collector {
    usage: Use,
    kind_is_image: bool,
    image: Option<StillFingerprint>,
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
                self.image = Some(still::fingerprint(luma, self.usage));
            }
        } else {
            self.video.push(time_ms, luma);
        }
    }

    fn wants_detail(&mut self, _time_ms: u32) -> Option<u32> {
        self.video.wants_detail()
    }

    fn detail(&mut self, time_ms: u32, luma: &Luma) {
        self.video.detail(time_ms, luma);
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
    let mut collector = Collector {
        usage: limits.usage,
        video: match limits.usage {
            Use::Query => VideoFingerprinter::for_query(),
            Use::Library => VideoFingerprinter::new(),
        },
        ..Collector::default()
    };
    let info = decode::decode(path, limits, &mut collector)?;
    if info.kind == Kind::Image
        && let Some(still) = collector.image
    {
        return Ok(MediaFingerprint::of_still(info, still, started.elapsed()));
    }
    let (frames, local, regions) = match info.kind {
        Kind::Image => (Vec::new(), Vec::new(), Vec::new()),
        _ => {
            let video = collector.video.finish();
            (video.frames, video.local, video.regions)
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
        mirrored_local: None,
        regions,
        profiles: Vec::new(),
        layout: None,
        audio,
        elapsed: started.elapsed(),
    })
}
