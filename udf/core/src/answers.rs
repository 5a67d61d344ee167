//! The answers `clickprint-udf-media` prints for the control plane, one
//! type each, written as JSON on one side and read on the other (with the
//! `serde` feature): [`Probe`] (`probe FILE|URL`, one line) and
//! [`Previews`] (`preview FILE DIR`, one line, also kept as
//! `previews.json` beside the previews).

use crate::media::{Kind, MediaInfo};

/// What a file is, from its start: `probe`'s answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Probe {
    /// Image, audio or video (`image`, `audio`, `video` on the wire).
    pub modality: Kind,
    /// ffmpeg's container name.
    pub container: String,
    /// Declared duration, or decoded when longer, ms (0 for images).
    pub duration_ms: u64,
    /// Picture width (0 without pictures).
    pub width: u32,
    /// Picture height (0 without pictures).
    pub height: u32,
}

impl Probe {
    /// The answer for what the probe decoded.
    pub fn of(info: &MediaInfo) -> Probe {
        Probe {
            modality: info.kind,
            container: info.container.clone(),
            duration_ms: info.declared_ms.max(info.duration_ms),
            width: info.width,
            height: info.height,
        }
    }
}

/// One frame of a video's strip of previews.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PreviewFrame {
    /// Its time in the media, ms.
    pub ms: u32,
    /// Its file in the previews folder.
    pub file: String,
}

/// What `preview` made: its answer, and `previews.json` in the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Previews {
    /// Image, audio or video (`image`, `audio`, `video` on the wire).
    pub kind: Kind,
    /// Decoded duration, ms (0 for a picture).
    pub duration_ms: u64,
    /// Picture size of the original (0 without pictures).
    pub width: u32,
    /// Picture size of the original.
    pub height: u32,
    /// `thumb.jpg`, when there are pictures.
    pub thumbnail: Option<String>,
    /// Frames over time, in order (video; a picture has its one frame).
    pub frames: Vec<PreviewFrame>,
    /// `waveform.svg`, when there is sound.
    pub waveform: Option<String>,
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    use super::*;

    #[test]
    fn a_probe_reads_back_what_it_wrote_with_the_modality_as_a_word() {
        let probe = Probe {
            modality: Kind::Video,
            container: "mov,mp4,m4a,3gp,3g2,mj2".into(),
            duration_ms: 20_000,
            width: 640,
            height: 360,
        };
        let line = serde_json::to_string(&probe).unwrap();
        assert!(line.contains(r#""modality":"video""#), "{line}");
        assert_eq!(serde_json::from_str::<Probe>(&line).unwrap(), probe);
    }

    #[test]
    fn previews_read_back_what_they_wrote() {
        let previews = Previews {
            kind: Kind::Audio,
            duration_ms: 3000,
            width: 0,
            height: 0,
            thumbnail: None,
            frames: Vec::new(),
            waveform: Some("waveform.svg".into()),
        };
        let line = serde_json::to_string(&previews).unwrap();
        assert!(line.contains(r#""kind":"audio""#), "{line}");
        assert_eq!(serde_json::from_str::<Previews>(&line).unwrap(), previews);
    }
}
