//! Everything a still picture is fingerprinted with, in one call: what
//! whole-file fingerprinting runs on a decoded image, and what the
//! criterion benchmark times against issue 24's budget (10 ms for a
//! 1920x1080 picture after decode, on one core).
//!
//! 1. The global hash of the picture ([`visual::fingerprint`]).
//! 2. The picture at the local features' working size, once
//!    ([`local::working_picture`]), its pyramid ([`local::Pyramid`]) and
//!    its local features.
//! 3. A query only: the local features of its mirror image, the whole
//!    picture's keypoints described again mirrored
//!    ([`local::Pyramid::features`]; a flipped copy is found by mirroring
//!    the query, so a library item stores none), and the query-side regions
//!    ([`regions::regions`]): a found inset, with local features of its
//!    own cut from the picture as decoded (more detail than the working
//!    size holds), and the centre band, whose features are chosen from the
//!    whole picture's pyramid. A library picture skips both:
//!    [`crate::records::records`] keeps neither for one, and they were
//!    two-thirds of its processor time (benchmarks/README.md, "The DSP
//!    core alone").
//! 4. Its 1-D profiles, from the picture at the working size
//!    ([`profile::profiles`]): evidence for a picture that varies one way.
//! 5. Its layout, from the picture at the working size
//!    ([`layout::layout`]): evidence for a soft picture (a library
//!    picture keeps one only when faint).

use super::layout::{self, Layout};
use super::local::{self, LocalFeatures};
use super::profile::{self, Profile};
use super::regions::{self, Region};
use super::video::FrameFingerprint;
use super::visual::{self, Luma};
use crate::records::Use;

/// The fingerprint of a still picture.
#[derive(Debug, Clone, PartialEq)]
pub struct StillFingerprint {
    /// The global hash, as a frame at time 0 that opens its shot.
    pub frame: FrameFingerprint,
    /// Local features of the whole picture.
    pub local: LocalFeatures,
    /// Local features of its mirror image (a query's only).
    pub mirrored: Option<LocalFeatures>,
    /// Its query-side regions (none for a library picture).
    pub regions: Vec<Region>,
    /// Its 1-D profile ([`profile::profiles`]) when it varies one way:
    /// for a library picture, when distinctive; for a query, when it has
    /// the extrema to be evidence.
    pub profiles: Vec<Profile>,
    /// Its layout ([`layout::layout`]) when distinctive (and, for a
    /// library picture, faint).
    pub layout: Option<Layout>,
}

/// Fingerprints a decoded still picture for `usage` (steps in the module
/// doc).
pub fn fingerprint(luma: &Luma, usage: Use) -> StillFingerprint {
    let picture = local::working_picture(luma);
    let working = local::Pyramid::new(&picture);
    let query = usage == Use::Query;
    let (local, mirrored) = working.features(query);
    StillFingerprint {
        frame: FrameFingerprint {
            time_ms: 0,
            visual: visual::fingerprint(luma),
            scene_cut: true,
        },
        local,
        mirrored,
        regions: if query {
            regions::regions(luma, &working)
        } else {
            Vec::new()
        },
        profiles: profile::profiles(&picture, query),
        layout: layout::layout(&picture, working.faint(), query),
    }
}
