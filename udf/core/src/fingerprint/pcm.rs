//! Sound from a caller's own decoder: interleaved 16-bit PCM at any sample
//! rate and channel count, mixed to mono and resampled to [`SAMPLE_RATE`]
//! for the [`AudioFingerprinter`] (for files, `clickprint-media` has
//! ffmpeg's resampler do this). The C library's `clickprint_audio_*`
//! functions are built on [`PcmFingerprinter`].
//!
//! The resampler is a windowed-sinc low-pass filter evaluated at each output
//! instant, so it streams and needs no rational ratio: a Blackman window
//! spanning [`ZERO_CROSSINGS`] output periods on each side, cut-off at
//! [`CUTOFF`] of the lower Nyquist frequency (3.6 kHz when downsampling to
//! 8 kHz; the landmarks use 62 Hz-3.75 kHz). The kernel is tabulated once
//! per stream and linearly interpolated (error under 1e-4 of its peak). At
//! [`SAMPLE_RATE`] the samples pass unchanged.
//!
//! Every output sample depends only on the input samples around its
//! instant, never on how the input was split between feeds, so a stream
//! fingerprints identically whatever the chunking. Tolerance against sound
//! generated at [`SAMPLE_RATE`] directly: a melody generated at 44.1 kHz
//! keeps at least 80% of the landmarks (same hash, anchor within one column)
//! of the same melody generated at 8 kHz (measured: all of them, for two
//! seeds).

use super::audio::{AudioFingerprint, AudioFingerprinter, SAMPLE_RATE};
use crate::error::{Error, Result};

/// The highest sample rate accepted, Hz.
pub const MAX_SAMPLE_RATE: u32 = 768_000;
/// The most channels accepted.
pub const MAX_CHANNELS: u32 = 64;

/// Half-width of the resampling filter, in output sample periods.
pub const ZERO_CROSSINGS: f64 = 16.0;
/// The filter's cut-off as a share of the lower of the two Nyquist
/// frequencies.
pub const CUTOFF: f64 = 0.9;
/// Kernel table entries over the filter's half-width.
const TABLE_STEPS: usize = 4096;

/// Fingerprints a stream of interleaved PCM as it is fed.
#[derive(Debug)]
pub struct PcmFingerprinter {
    channels: usize,
    /// Reused buffers: the fed frames mixed to mono, then resampled.
    mono: Vec<f32>,
    resampled: Vec<f32>,
    /// None at [`SAMPLE_RATE`].
    resampler: Option<Resampler>,
    fingerprinter: AudioFingerprinter,
}

impl PcmFingerprinter {
    /// A stream of `channels` interleaved channels at `sample_rate` Hz.
    ///
    /// # Errors
    /// [`Error::Input`] for a rate of 0 or above [`MAX_SAMPLE_RATE`], or 0
    /// or more than [`MAX_CHANNELS`] channels (the caller's fault).
    pub fn new(sample_rate: u32, channels: u32) -> Result<PcmFingerprinter> {
        if sample_rate == 0 || sample_rate > MAX_SAMPLE_RATE {
            return Err(Error::Input(format!(
                "sample rate {sample_rate} Hz: expected 1 to {MAX_SAMPLE_RATE}"
            )));
        }
        if channels == 0 || channels > MAX_CHANNELS {
            return Err(Error::Input(format!(
                "{channels} channels: expected 1 to {MAX_CHANNELS}"
            )));
        }
        Ok(PcmFingerprinter {
            channels: channels as usize,
            mono: Vec::new(),
            resampled: Vec::new(),
            resampler: (sample_rate != SAMPLE_RATE)
                .then(|| Resampler::new(sample_rate, SAMPLE_RATE)),
            fingerprinter: AudioFingerprinter::new(),
        })
    }

    /// The number of interleaved channels.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Feeds whole frames: `interleaved` holds one sample per channel for
    /// each frame, channel after channel.
    ///
    /// # Errors
    /// [`Error::Input`] when `interleaved.len()` is not a multiple of the
    /// channel count (the caller's fault); nothing is fed then.
    pub fn feed(&mut self, interleaved: &[i16]) -> Result<()> {
        if !interleaved.len().is_multiple_of(self.channels) {
            return Err(Error::Input(format!(
                "{} samples are not whole frames of {} channels",
                interleaved.len(),
                self.channels
            )));
        }
        self.mono.clear();
        self.mono
            .extend(interleaved.chunks_exact(self.channels).map(mix));
        match &mut self.resampler {
            None => self.fingerprinter.push(&self.mono),
            Some(resampler) => {
                self.resampled.clear();
                resampler.push(&self.mono, false, &mut self.resampled);
                self.fingerprinter.push(&self.resampled);
            }
        }
        Ok(())
    }

    /// The fingerprint of everything fed.
    pub fn finish(mut self) -> AudioFingerprint {
        if let Some(resampler) = &mut self.resampler {
            self.resampled.clear();
            resampler.push(&[], true, &mut self.resampled);
            self.fingerprinter.push(&self.resampled);
        }
        self.fingerprinter.finish()
    }
}

/// One frame's channels averaged, scaled to -1..1.
fn mix(frame: &[i16]) -> f32 {
    let sum: i32 = frame.iter().map(|&s| i32::from(s)).sum();
    sum as f32 / (32768.0 * frame.len() as f32)
}

/// Streaming windowed-sinc resampling from one rate to another.
#[derive(Debug)]
struct Resampler {
    /// Input samples per output sample.
    step: f64,
    /// Half-width of the filter, input samples: the kernel is zero at
    /// `|u| >= half`.
    half: i64,
    /// The kernel at `u = half * j / TABLE_STEPS` for `j` in
    /// `0..=TABLE_STEPS` (the last entry is 0).
    table: Vec<f32>,
    /// Buffered input; `input[0]` is input sample `base`.
    input: Vec<f32>,
    base: i64,
    /// Input samples seen.
    seen: i64,
    /// The next output sample.
    next: u64,
}

impl Resampler {
    fn new(from: u32, to: u32) -> Resampler {
        let step = f64::from(from) / f64::from(to);
        // Cycles per input sample.
        let cutoff = CUTOFF * 0.5 / step.max(1.0);
        let half = (ZERO_CROSSINGS * step.max(1.0)).ceil() as i64;
        let table = (0..=TABLE_STEPS)
            .map(|j| {
                let u = half as f64 * j as f64 / TABLE_STEPS as f64;
                let x = 2.0 * cutoff * u;
                let sinc = if j == 0 {
                    1.0
                } else {
                    (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x)
                };
                let phase = std::f64::consts::PI * j as f64 / TABLE_STEPS as f64;
                let window = 0.42 + 0.5 * phase.cos() + 0.08 * (2.0 * phase).cos();
                (2.0 * cutoff * sinc * window.max(0.0)) as f32
            })
            .collect();
        Resampler {
            step,
            half,
            table,
            input: Vec::new(),
            base: 0,
            seen: 0,
            next: 0,
        }
    }

    /// Takes `samples`, writes every output sample whose filter window is
    /// complete (when `last`, all that remain, with zeros past the end).
    fn push(&mut self, samples: &[f32], last: bool, out: &mut Vec<f32>) {
        self.input.extend_from_slice(samples);
        self.seen += samples.len() as i64;
        let scale = TABLE_STEPS as f64 / self.half as f64;
        loop {
            let t = self.next as f64 * self.step;
            let centre = t.floor() as i64;
            let ready = if last {
                t < self.seen as f64
            } else {
                centre + self.half < self.seen
            };
            if !ready {
                break;
            }
            // Input samples before 0 and, at the end, past the last are zero.
            let from = (centre - self.half + 1).max(self.base);
            let to = (centre + self.half).min(self.seen - 1);
            let mut sum = 0.0f64;
            for k in from..=to {
                let x = self.input[(k - self.base) as usize];
                sum += f64::from(x) * f64::from(self.kernel((t - k as f64).abs() * scale));
            }
            out.push(sum as f32);
            self.next += 1;
        }
        // Keep what the next output's window starts from.
        let needed = ((self.next as f64 * self.step).floor() as i64 - self.half + 1)
            .clamp(self.base, self.seen);
        self.input.drain(..(needed - self.base) as usize);
        self.base = needed;
    }

    /// The kernel at `position` table steps from the output instant.
    fn kernel(&self, position: f64) -> f32 {
        let j = position as usize;
        if j >= TABLE_STEPS {
            return 0.0;
        }
        let frac = (position - j as f64) as f32;
        self.table[j] + (self.table[j + 1] - self.table[j]) * frac
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::audio::fingerprint;
    use crate::fingerprint::audio::tests::{melody, melody_at};

    fn pcm(samples: &[f32]) -> Vec<i16> {
        samples
            .iter()
            .map(|s| (s.clamp(-1.0, 1.0) * 32767.0).round() as i16)
            .collect()
    }

    /// Feeds `samples` in pieces of `frames` frames.
    fn fingerprint_in_pieces(
        rate: u32,
        channels: u32,
        samples: &[i16],
        frames: usize,
    ) -> AudioFingerprint {
        let mut stream = PcmFingerprinter::new(rate, channels).unwrap();
        for piece in samples.chunks(frames * channels as usize) {
            stream.feed(piece).unwrap();
        }
        stream.finish()
    }

    /// How many of `reference`'s landmarks `got` has too, with the same
    /// hash and an anchor within one column.
    fn shared(got: &AudioFingerprint, reference: &AudioFingerprint) -> usize {
        reference
            .landmarks
            .iter()
            .filter(|r| {
                got.landmarks
                    .iter()
                    .any(|l| l.hash == r.hash && l.column.abs_diff(r.column) <= 1)
            })
            .count()
    }

    #[test]
    fn mono_at_the_working_rate_is_fingerprinted_as_it_is() {
        let samples = pcm(&melody(6.0, 3));
        let as_floats: Vec<f32> = samples.iter().map(|&s| mix(&[s])).collect();
        let got = fingerprint_in_pieces(SAMPLE_RATE, 1, &samples, 1001);
        assert_eq!(got, fingerprint(&as_floats));
    }

    #[test]
    fn stereo_with_equal_channels_gives_the_landmarks_of_mono() {
        let samples = pcm(&melody_at(44_100, 4.0, 5));
        let stereo: Vec<i16> = samples.iter().flat_map(|&s| [s, s]).collect();
        let mono = fingerprint_in_pieces(44_100, 1, &samples, samples.len());
        let two = fingerprint_in_pieces(44_100, 2, &stereo, 777);
        assert!(!mono.landmarks.is_empty());
        assert_eq!(two, mono);
    }

    #[test]
    fn the_chunking_does_not_change_the_fingerprint() {
        for rate in [44_100, 48_000, 11_025, 8_000, 6_000] {
            let stereo: Vec<i16> = pcm(&melody_at(rate, 5.0, 11))
                .iter()
                .enumerate()
                .flat_map(|(i, &s)| [s, (i % 7) as i16 - 3])
                .collect();
            let whole = fingerprint_in_pieces(rate, 2, &stereo, stereo.len());
            assert!(!whole.landmarks.is_empty(), "{rate} Hz");
            for frames in [1, 2, 97, 1001, 4096] {
                let pieces = fingerprint_in_pieces(rate, 2, &stereo, frames);
                assert_eq!(pieces, whole, "{rate} Hz in pieces of {frames} frames");
            }
        }
    }

    #[test]
    fn a_melody_at_44_1_khz_gives_the_landmarks_of_the_same_melody_at_8_khz() {
        for seed in [9, 21] {
            let reference = fingerprint(&melody(8.0, seed));
            let high = pcm(&melody_at(44_100, 8.0, seed));
            let got = fingerprint_in_pieces(44_100, 1, &high, 999);
            let shared = shared(&got, &reference);
            assert!(
                shared * 5 >= reference.landmarks.len() * 4,
                "seed {seed}: {shared} of {} landmarks found again (tolerance: 80%)",
                reference.landmarks.len()
            );
            assert_eq!(got.duration_ms, 8000);
        }
    }

    #[test]
    fn a_sine_keeps_its_level_and_a_tone_above_the_cutoff_is_removed() {
        for rate in [44_100, 48_000, 11_025, 6_000] {
            let tone = |hz: f64| -> Vec<f32> {
                (0..rate)
                    .map(|i| {
                        let phase = 2.0 * std::f64::consts::PI * hz * f64::from(i);
                        (0.5 * (phase / f64::from(rate)).sin()) as f32
                    })
                    .collect()
            };
            let mut out = Vec::new();
            let mut resampler = Resampler::new(rate, SAMPLE_RATE);
            for piece in tone(1000.0).chunks(999) {
                resampler.push(piece, false, &mut out);
            }
            resampler.push(&[], true, &mut out);
            assert_eq!(out.len(), SAMPLE_RATE as usize, "{rate} Hz: one second");
            let peak = out[1000..7000].iter().fold(0f32, |m, s| m.max(s.abs()));
            assert!((peak - 0.5).abs() < 0.01, "{rate} Hz: peak {peak}, not 0.5");
            if rate > 2 * 4_500 {
                let mut out = Vec::new();
                Resampler::new(rate, SAMPLE_RATE).push(&tone(4_500.0), true, &mut out);
                let peak = out[1000..7000].iter().fold(0f32, |m, s| m.max(s.abs()));
                assert!(peak < 0.01, "{rate} Hz: 4.5 kHz leaks at {peak}");
            }
        }
    }

    #[test]
    fn bad_rates_channels_and_partial_frames_are_the_callers_error() {
        for (rate, channels) in [(0, 2), (MAX_SAMPLE_RATE + 1, 2), (44_100, 0), (44_100, 65)] {
            let error = PcmFingerprinter::new(rate, channels).unwrap_err();
            assert!(
                matches!(error, Error::Input(_)),
                "{rate} Hz {channels}: {error}"
            );
        }
        let mut stream = PcmFingerprinter::new(44_100, 2).unwrap();
        let error = stream.feed(&[1, 2, 3]).unwrap_err();
        assert!(matches!(error, Error::Input(_)), "{error}");
        assert_eq!(stream.finish().duration_ms, 0, "nothing was fed");
    }
}
