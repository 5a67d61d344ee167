//! Previews for people judging matches: a thumbnail, a strip of frames
//! over time (video) and a waveform (sound), made once at ingest and kept
//! beside the original. `clickprint-udf preview FILE DIR` writes them.
//!
//! Everything lands in a temporary folder first and is renamed to `DIR`
//! when complete, so a killed run leaves no half set behind.

use std::path::Path;

use clickprint_core::answers::{PreviewFrame, Previews};
use clickprint_core::fingerprint::audio::SAMPLE_RATE;
use clickprint_core::fingerprint::visual::Luma;
use clickprint_core::media::Kind;
use clickprint_core::{Error, Result};

use crate::decode::{self, Limits, Rgb, Sink};

/// Longer side of the thumbnail and of the frames of the strip, pixels.
pub const THUMBNAIL_SIZE: u32 = 320;
/// Most frames in a video's strip.
pub const MAX_FRAMES: usize = 48;
/// Columns of the waveform.
pub const WAVEFORM_COLUMNS: usize = 600;
/// Shortest step between two frames of the strip, ms.
const MIN_FRAME_STEP_MS: u32 = 1000;
/// Audio is summarised in buckets of this many ms before the waveform is drawn.
const BUCKET_MS: u32 = 10;

/// Collects what the previews are made of while the media decodes.
struct Collector {
    step_ms: u32,
    next_ms: u32,
    frames: Vec<(u32, Rgb)>,
    /// Loudest sample of each [`BUCKET_MS`] bucket.
    peaks: Vec<f32>,
    bucket: (usize, f32),
}

impl Collector {
    fn new(declared_ms: u64) -> Self {
        let step = (declared_ms / MAX_FRAMES as u64).max(u64::from(MIN_FRAME_STEP_MS));
        Collector {
            step_ms: u32::try_from(step).unwrap_or(u32::MAX),
            next_ms: 0,
            frames: Vec::new(),
            peaks: Vec::new(),
            bucket: (0, 0.0),
        }
    }
}

impl Sink for Collector {
    fn begin(&mut self, _kind: Kind) {}

    fn picture(&mut self, _time_ms: u32, _luma: &Luma) {}

    fn audio(&mut self, samples: &[f32]) {
        let per_bucket = (SAMPLE_RATE * BUCKET_MS / 1000) as usize;
        for &s in samples {
            let (n, peak) = &mut self.bucket;
            *peak = peak.max(s.abs());
            *n += 1;
            if *n == per_bucket {
                self.peaks.push(*peak);
                self.bucket = (0, 0.0);
            }
        }
    }

    fn wants_colour(&mut self, time_ms: u32) -> Option<u32> {
        (time_ms >= self.next_ms && self.frames.len() < MAX_FRAMES).then_some(THUMBNAIL_SIZE)
    }

    fn colour(&mut self, time_ms: u32, picture: &Rgb) {
        self.frames.push((time_ms, picture.clone()));
        self.next_ms = time_ms.saturating_add(self.step_ms);
    }
}

/// Spread of a picture's values: a title card or a black frame has little,
/// so the thumbnail is the frame with the most.
fn spread(picture: &Rgb) -> f64 {
    let n = picture.pixels.len().max(1) as f64;
    let mean = picture.pixels.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    picture
        .pixels
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n
}

fn jpeg(picture: &Rgb, path: &Path) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| io(path, e))?;
    let mut writer = std::io::BufWriter::new(file);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut writer, 82)
        .encode(
            &picture.pixels,
            picture.width,
            picture.height,
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| Error::Output(format!("{}: {e}", path.display())))
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Output(format!("{}: {e}", path.display()))
}

/// The waveform as an SVG: one bar per column, mirrored around the middle,
/// scaled so the loudest column fills the height.
pub fn waveform_svg(peaks: &[f32], columns: usize) -> String {
    let columns = columns.min(peaks.len()).max(1);
    let per_column = peaks.len().div_ceil(columns).max(1);
    let heights: Vec<f32> = peaks
        .chunks(per_column)
        .map(|c| c.iter().copied().fold(0.0, f32::max))
        .collect();
    let loudest = heights.iter().copied().fold(0.0, f32::max).max(1e-6);
    let mut path = String::new();
    for (x, h) in heights.iter().enumerate() {
        let half = (h / loudest * 48.0).max(0.5);
        path.push_str(&format!("M{x} {:.1}V{:.1}", 50.0 - half, 50.0 + half));
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} 100\" \
         preserveAspectRatio=\"none\" role=\"img\" aria-label=\"waveform\">\
         <path d=\"{path}\" stroke=\"#1d4f91\" stroke-width=\"1\" fill=\"none\"/></svg>\n",
        heights.len()
    )
}

/// Decodes `file` and writes its previews into `dir` (replacing any).
///
/// # Errors
/// The decoder's typed errors for media it refuses; [`Error::Output`] when the
/// folder cannot be written.
pub fn make(file: &Path, dir: &Path, limits: &Limits) -> Result<Previews> {
    let declared = decode::probe(file, limits)?;
    let mut collector = Collector::new(declared.declared_ms);
    let info = decode::decode(file, limits, &mut collector)?;
    if collector.bucket.0 > 0 {
        collector.peaks.push(collector.bucket.1);
    }

    let staging = dir.with_extension("partial");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| io(&staging, e))?;
    let mut frames = Vec::new();
    for (i, (ms, picture)) in collector.frames.iter().enumerate() {
        let name = format!("f{i:03}.jpg");
        jpeg(picture, &staging.join(&name))?;
        frames.push(PreviewFrame {
            ms: *ms,
            file: name,
        });
    }
    let best = collector
        .frames
        .iter()
        .max_by(|a, b| spread(&a.1).total_cmp(&spread(&b.1)));
    let thumbnail = match best {
        Some((_, picture)) => {
            jpeg(picture, &staging.join("thumb.jpg"))?;
            Some("thumb.jpg".to_owned())
        }
        None => None,
    };
    let waveform = if info.has_audio && !collector.peaks.is_empty() {
        let path = staging.join("waveform.svg");
        std::fs::write(&path, waveform_svg(&collector.peaks, WAVEFORM_COLUMNS))
            .map_err(|e| io(&path, e))?;
        Some("waveform.svg".to_owned())
    } else {
        None
    };
    let manifest = Previews {
        kind: info.kind,
        duration_ms: info.duration_ms,
        width: info.width,
        height: info.height,
        thumbnail,
        frames,
        waveform,
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::Output(format!("previews.json: {e}")))?;
    let path = staging.join("previews.json");
    std::fs::write(&path, json).map_err(|e| io(&path, e))?;
    let _ = std::fs::remove_dir_all(dir);
    std::fs::rename(&staging, dir).map_err(|e| io(dir, e))?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waveform_has_one_bar_per_column_and_the_loudest_fills_it() {
        let peaks: Vec<f32> = (0..1200)
            .map(|i| if i == 700 { 0.8 } else { 0.1 })
            .collect();
        let svg = waveform_svg(&peaks, 600);
        assert!(svg.contains("viewBox=\"0 0 600 100\""), "{svg}");
        assert_eq!(svg.matches('M').count(), 600);
        assert!(svg.contains("M350 2.0V98.0"), "{svg}");
    }

    #[test]
    fn a_short_sound_gets_fewer_columns() {
        let svg = waveform_svg(&[0.5, 0.25, 0.0], 600);
        assert!(svg.contains("viewBox=\"0 0 3 100\""), "{svg}");
    }
}
