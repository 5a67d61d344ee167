//! Everything a still picture is fingerprinted with, in one call: what
//! whole-file fingerprinting runs on a decoded image, and what the
//! criterion benchmark times against issue 24's budget (10 ms for a
//! 1920x1080 picture after decode, on one core).
//!
//! 1. The global hash of the picture ([`visual::fingerprint`]).
//! 2. The picture at the local features' working size, once
//!    ([`local::working_picture`]); its local features, and those of its
//!    mirror image made from it (a flipped copy is then a lookup, not a
//!    second extraction over the full picture).
//! 3. The query-side regions ([`regions::regions`]): a found inset and the
//!    centre band, each with local features of its own, cut from the
//!    picture as decoded (more detail than the working size holds).

use super::local::{self, LocalFeatures};
use super::regions::{self, Region};
use super::video::FrameFingerprint;
use super::visual::{self, Luma};

/// The fingerprint of a still picture.
#[derive(Debug, Clone, PartialEq)]
pub struct StillFingerprint {
    /// The global hash, as a frame at time 0 that opens its shot.
    pub frame: FrameFingerprint,
    /// Local features of the whole picture.
    pub local: LocalFeatures,
    /// Local features of its mirror image.
    pub mirrored: LocalFeatures,
    /// Its query-side regions.
    pub regions: Vec<Region>,
}

/// Fingerprints a decoded still picture (steps in the module doc).
pub fn fingerprint(luma: &Luma) -> StillFingerprint {
    let working = local::working_picture(luma);
    StillFingerprint {
        frame: FrameFingerprint {
            time_ms: 0,
            visual: visual::fingerprint(luma),
            scene_cut: true,
        },
        local: local::extract(&working),
        mirrored: local::extract(&working.flipped_horizontally()),
        regions: regions::regions(luma),
    }
}
