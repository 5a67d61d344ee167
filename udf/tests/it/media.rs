//! Helpers: run ffmpeg, fingerprint files, match fingerprints.

use std::path::{Path, PathBuf};
use std::process::Command;

use clickprint_udf::decode::Limits;
use clickprint_udf::fingerprint::audio::MS_PER_COLUMN;
use clickprint_udf::fingerprint::local::LocalFeatures;
use clickprint_udf::fingerprint::video::FrameFingerprint;
use clickprint_udf::fingerprint::visual::VisualFingerprint;
use clickprint_udf::matching::local::verify;
use clickprint_udf::matching::{Alignment, Hit, align, landmark_hits};
use clickprint_udf::media::{MediaFingerprint, fingerprint_file};

/// An image copy is at most this far from its original, bits.
pub const IMAGE_MATCH_DISTANCE: u32 = 40;
/// Unrelated pictures are farther apart than this, bits.
pub const UNRELATED_DISTANCE: u32 = 70;
/// Frames at most this far apart count as a video frame match, bits.
pub const FRAME_MATCH_DISTANCE: u32 = 40;

/// A scratch folder for one test's media.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new(test: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix(&format!("clickprint-media-{test}-"))
            .tempdir()
            .expect("a temporary folder");
        Workdir { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `ffmpeg -v error -y ARGS... OUTPUT` and returns the output path.
    pub fn ffmpeg(&self, args: &[&str], output: &str) -> PathBuf {
        let out = self.path(output);
        let status = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-nostdin"])
            .args(args)
            .arg(&out)
            .output()
            .expect("ffmpeg runs (scripts/setup.sh installs it)");
        assert!(
            status.status.success(),
            "ffmpeg {args:?} failed: {}",
            String::from_utf8_lossy(&status.stderr)
        );
        out
    }

    /// Transforms `input` with extra ffmpeg arguments.
    pub fn transform(&self, input: &Path, args: &[&str], output: &str) -> PathBuf {
        let mut all = vec!["-i", input.to_str().expect("a UTF-8 path")];
        all.extend_from_slice(args);
        self.ffmpeg(&all, output)
    }
}

pub fn fingerprint(path: &Path) -> MediaFingerprint {
    fingerprint_file(path, &Limits::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn picture(path: &Path) -> VisualFingerprint {
    picture_features(path).visual
}

/// Everything extracted from one image.
pub struct Picture {
    pub visual: VisualFingerprint,
    pub local: LocalFeatures,
    pub mirrored: LocalFeatures,
}

pub fn picture_features(path: &Path) -> Picture {
    let fp = fingerprint(path);
    assert_eq!(fp.frames.len(), 1, "{} is one picture", path.display());
    Picture {
        visual: fp.frames[0].visual,
        local: fp.local[0].features.clone(),
        mirrored: fp
            .mirrored_local
            .expect("an image has mirrored local features"),
    }
}

/// Inliers of the local features' geometric check of a query picture
/// against a reference, its mirror image allowed.
pub fn picture_inliers(query: &Picture, reference: &Picture) -> usize {
    [&query.local, &query.mirrored]
        .into_iter()
        .filter_map(|q| verify(q, &reference.local))
        .map(|m| m.inliers)
        .max()
        .unwrap_or(0)
}

/// Distance of a query picture to a reference, allowing a mirrored copy.
pub fn picture_distance(query: &VisualFingerprint, reference: &VisualFingerprint) -> u32 {
    query
        .hash
        .distance(&reference.hash)
        .min(query.flipped.distance(&reference.hash))
}

/// A pseudo-random melody as an ffmpeg aevalsrc expression: 250 ms notes,
/// struck and decaying, two voices whose pitches depend on `seed`.
pub fn melody_source(seed: f64, seconds: u32) -> String {
    format!(
        "aevalsrc=exp(-8*mod(t\\,0.25))*(0.5*sin(2*PI*t*(200+1500*abs(sin(floor(t*4)*{seed}))))\
         +0.3*sin(2*PI*t*(300+2000*abs(sin(floor(t*4)*{s2}))))):s=44100:d={seconds}",
        s2 = seed * 1.7 + 0.3
    )
}

pub fn align_audio(query: &MediaFingerprint, reference: &MediaFingerprint) -> Option<Alignment> {
    let (q, r) = (query.audio.as_ref()?, reference.audio.as_ref()?);
    align(
        &landmark_hits(&q.landmarks, &r.landmarks),
        MS_PER_COLUMN,
        10,
    )
}

/// Frame hits: every pair of frames within [`FRAME_MATCH_DISTANCE`].
pub fn frame_hits(query: &[FrameFingerprint], reference: &[FrameFingerprint]) -> Vec<Hit> {
    let mut hits = Vec::new();
    for q in query
        .iter()
        .filter(|f| f.visual.quality >= clickprint_udf::fingerprint::visual::MIN_KEY_QUALITY)
    {
        for r in reference {
            let d = picture_distance(&q.visual, &r.visual);
            if d <= FRAME_MATCH_DISTANCE {
                hits.push(Hit {
                    query_ms: q.time_ms,
                    reference_ms: r.time_ms,
                    weight: 1.0 - d as f32 / (FRAME_MATCH_DISTANCE + 1) as f32,
                });
            }
        }
    }
    hits
}

pub fn align_video(query: &MediaFingerprint, reference: &MediaFingerprint) -> Option<Alignment> {
    align(&frame_hits(&query.frames, &reference.frames), 500, 3)
}

/// Local-feature hits: every pair of query and reference frames with local
/// features whose geometric check calls them a copy, weighted by inliers.
pub fn local_hits(query: &MediaFingerprint, reference: &MediaFingerprint) -> Vec<Hit> {
    let mut hits = Vec::new();
    for q in &query.local {
        for r in &reference.local {
            if let Some(m) = verify(&q.features, &r.features).filter(|m| m.is_copy()) {
                hits.push(Hit {
                    query_ms: q.time_ms,
                    reference_ms: r.time_ms,
                    weight: (m.inliers as f32 / 40.0).min(1.0),
                });
            }
        }
    }
    hits
}

/// Aligns by local features alone (crops, picture-in-picture). Local
/// features are taken every 2 s or so, at times that need not coincide
/// in a copy and its original, hence the wider offset bins.
pub fn align_video_local(
    query: &MediaFingerprint,
    reference: &MediaFingerprint,
) -> Option<Alignment> {
    align(&local_hits(query, reference), 1_000, 3)
}
