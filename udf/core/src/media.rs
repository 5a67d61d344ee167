//! What a decoded file is and everything extracted from it: the data that
//! the decoder (in `clickprint-media`) fills in and the records, reports
//! and C API read. No decoding here.

use std::time::Duration;

use crate::fingerprint::audio::AudioFingerprint;
use crate::fingerprint::layout::Layout;
use crate::fingerprint::local::LocalFeatures;
use crate::fingerprint::profile::Profile;
use crate::fingerprint::regions::Region;
use crate::fingerprint::still::StillFingerprint;
use crate::fingerprint::video::{FrameFingerprint, LocalFrame};

/// The longest query sound or video a search decodes, seconds, unless
/// [`ENV_MAX_QUERY_SECS`] says otherwise: a query is decoded whole for
/// every search that sends it, so it is held far shorter than a library
/// item (decoding a 5.5-hour query took gigabytes).
pub const DEFAULT_MAX_QUERY_SECS: u64 = 600;
/// The variable that sets the longest query for the extraction processes
/// (`clickprint serve` sets it from `search_max_query_secs` for the
/// processes ClickHouse starts, so the bound holds whoever calls
/// `clickprint_query`).
pub const ENV_MAX_QUERY_SECS: &str = "CLICKPRINT_QUERY_MAX_SECS";

/// The nice value of work that must yield the processor to searches:
/// ingest's extraction and previews, analysts' statements, and a long
/// query's decoding (searches run at 0).
pub const BACKGROUND_NICE: i32 = 10;
/// A query sound or video longer than this, ms, is decoded at
/// [`BACKGROUND_NICE`] once its length is known: one tenant's minutes-long
/// query then takes the processor only when the short queries of everyone
/// else (pictures, clips) leave it free.
pub const LONG_QUERY_MS: u64 = 60_000;

/// How the decoder ends its refusal of media longer than `limit_ms`
/// ("19800 s long, the limit is 600 s"): the service tells a search's query
/// refused for its length by these words.
pub fn duration_limit_words(limit_ms: u64) -> String {
    format!("the limit is {} s", limit_ms / 1000)
}

/// What kind of media an input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Kind {
    /// A still picture (the first frame of an animated one).
    Image,
    /// Sound only (cover art ignored).
    Audio,
    /// Moving pictures, maybe with sound.
    Video,
}

impl Kind {
    /// `image`, `audio` or `video`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Audio => "audio",
            Kind::Video => "video",
        }
    }

    /// The kind named `image`, `audio` or `video` ([`Kind::as_str`]).
    pub fn parse(name: &str) -> Option<Kind> {
        [Kind::Image, Kind::Audio, Kind::Video]
            .into_iter()
            .find(|k| k.as_str() == name)
    }
}

/// What was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaInfo {
    /// Image, audio or video.
    pub kind: Kind,
    /// ffmpeg's name of the container format.
    pub container: String,
    /// Duration of what was decoded, ms (0 for an image).
    pub duration_ms: u64,
    /// Duration the container declares, ms (0 when it declares none).
    pub declared_ms: u64,
    /// Picture size, when there are pictures.
    pub width: u32,
    /// Picture size, when there are pictures.
    pub height: u32,
    /// Whether sound was decoded.
    pub has_audio: bool,
    /// Pictures handed to the sink.
    pub frames_decoded: u64,
    /// Packets the decoders rejected (damage that did not stop decoding).
    pub decode_errors: u64,
}

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
    /// A query's regions with their own local features, which it also
    /// looks up: an image's found inset and centre band, a query video's
    /// found insets (one at most per frame with local features).
    pub regions: Vec<Region>,
    /// An image's 1-D profiles ([`crate::fingerprint::profile`]; none for
    /// a video).
    pub profiles: Vec<Profile>,
    /// An image's layout ([`crate::fingerprint::layout`]; none for a
    /// video).
    pub layout: Option<Layout>,
    /// Landmarks of the sound, for audio and for video with a sound track.
    pub audio: Option<AudioFingerprint>,
    /// Wall-clock time decoding and fingerprinting took.
    pub elapsed: Duration,
}

impl MediaFingerprint {
    /// A still picture's fingerprint as a file's: its global hash and
    /// local features at time 0, its mirror, regions, profiles and layout.
    pub fn of_still(info: MediaInfo, still: StillFingerprint, elapsed: Duration) -> Self {
        MediaFingerprint {
            info,
            frames: vec![still.frame],
            local: vec![LocalFrame {
                time_ms: 0,
                features: still.local,
            }],
            mirrored_local: still.mirrored,
            regions: still.regions,
            profiles: still.profiles,
            layout: still.layout,
            audio: None,
            elapsed,
        }
    }
}
