//! Helpers: run ffmpeg, fingerprint files, match fingerprints.

use std::path::{Path, PathBuf};
use std::process::Command;

use clickprint_core::fingerprint::local::LocalFeatures;
use clickprint_core::fingerprint::visual::VisualFingerprint;
use clickprint_core::matching::Alignment;
use clickprint_core::matching::local::verify;
use clickprint_core::matching::rerank::{self, Prepared, align_frames, align_local};
use clickprint_core::media::MediaFingerprint;
use clickprint_core::records::{Use, records};
use clickprint_media::decode::Limits;
use clickprint_media::file::fingerprint_file;

/// An image copy is at most this far from its original, bits.
pub const IMAGE_MATCH_DISTANCE: u32 = 40;
/// Unrelated pictures are farther apart than this, bits.
pub const UNRELATED_DISTANCE: u32 = 70;

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

/// A file fingerprinted as a library item.
pub fn fingerprint(path: &Path) -> MediaFingerprint {
    fingerprint_for(path, Use::Library)
}

/// A file fingerprinted for `usage`.
pub fn fingerprint_for(path: &Path, usage: Use) -> MediaFingerprint {
    fingerprint_file(path, &Limits::default().for_use(usage))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
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

/// As a query sees it (a library picture has no mirrored features).
pub fn picture_features(path: &Path) -> Picture {
    let fp = fingerprint_for(path, Use::Query);
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

pub use clickprint_core::matching::rerank::{FRAME_MATCH_DISTANCE, picture_distance};

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
    rerank::align_audio(&prepared(query).landmarks, &prepared(reference).landmarks)
}

/// Aligns by the speed-invariant triplet keys, with a time factor.
pub fn align_triplets(query: &MediaFingerprint, reference: &MediaFingerprint) -> Option<Alignment> {
    rerank::align_triplets(&prepared(query).triplets, &prepared(reference).triplets)
}

/// The fingerprint as the rerank sees a query.
pub fn prepared(fp: &MediaFingerprint) -> Prepared {
    Prepared::new(&records(fp, Use::Query))
}

pub fn align_video(query: &MediaFingerprint, reference: &MediaFingerprint) -> Option<Alignment> {
    align_frames(&prepared(query), &prepared(reference))
}

/// Aligns by local features alone (crops, picture-in-picture).
pub fn align_video_local(
    query: &MediaFingerprint,
    reference: &MediaFingerprint,
) -> Option<Alignment> {
    align_local(&prepared(query), &prepared(reference))
}
