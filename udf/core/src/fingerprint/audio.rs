//! Audio fingerprints: spectral peak landmarks (Wang 2003, as in Shazam,
//! Panako and Olaf).
//!
//! Algorithm:
//! 1. Mono samples at [`SAMPLE_RATE`] go through a short-time Fourier
//!    transform (a real-input FFT, realfft over rustfft): Hann window of [`FFT_SIZE`] samples, hop of
//!    [`HOP`] samples, so one spectrum column every 32 ms and a bin every
//!    7.8 Hz. Peaks are compared on squared magnitudes (the same order as
//!    magnitudes, no square root, no logarithm per bin); only the column's
//!    mean log power is taken, with a fast bit-level logarithm, and a gain
//!    change shifts that mean and every peak alike, so nothing below
//!    depends on the volume.
//! 2. A peak is a bin that is the maximum of its neighbourhood
//!    (±[`PEAK_FREQ_RADIUS`] bins, ±[`PEAK_TIME_RADIUS`] columns) and stands
//!    [`PEAK_MARGIN`] (natural log of magnitude) above its column's mean log
//!    magnitude (silence and
//!    flat noise have no peaks); at most [`MAX_PEAKS_PER_COLUMN`] per column,
//!    strongest first.
//! 3. Each peak (the anchor) pairs with the next [`FAN_OUT`] peaks within
//!    1..=[`MAX_PAIR_DT`] columns later and ±[`MAX_PAIR_DF`] bins. A pair
//!    is hashed into 23 bits of a 32-bit key: anchor bin (9), bin
//!    difference (8), column difference (6). The landmark is that hash with
//!    the anchor's time.
//!
//! The extractor streams: it keeps only the columns and peaks a decision
//! still needs (about two seconds), so a two-hour track never sits in memory.

use std::collections::VecDeque;
use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};
use rustfft::num_complex::Complex32;

/// The sample rate audio is resampled to before fingerprinting, Hz.
pub const SAMPLE_RATE: u32 = 8_000;
/// STFT window, samples.
pub const FFT_SIZE: usize = 1024;
/// STFT hop, samples (32 ms). Halving it to 16 ms doubled the work for
/// no accuracy the tests could see (alignment is checked to 100 ms).
pub const HOP: usize = 256;
/// Milliseconds per spectrum column.
pub const MS_PER_COLUMN: u32 = (HOP as u32 * 1000) / SAMPLE_RATE;
/// Lowest and highest bins considered (62 Hz .. 3.75 kHz).
const MIN_BIN: usize = 8;
const MAX_BIN: usize = 480;
/// Peak neighbourhood.
pub const PEAK_FREQ_RADIUS: usize = 12;
/// Peak neighbourhood in columns (±192 ms).
pub const PEAK_TIME_RADIUS: usize = 6;
/// How far above its column's mean log magnitude a peak must stand.
pub const PEAK_MARGIN: f32 = 2.0;
/// Density cap.
pub const MAX_PEAKS_PER_COLUMN: usize = 3;
/// Pairs per anchor.
pub const FAN_OUT: usize = 5;
/// Farthest partner, columns (up to ~1.5 s).
pub const MAX_PAIR_DT: u32 = 48;
/// Farthest partner, bins.
pub const MAX_PAIR_DF: i32 = 127;
/// Triplets: an anchor with two of its first [`TRIPLET_PARTNERS`] partners.
pub const TRIPLET_PARTNERS: usize = 4;
/// Least time span of a triplet, columns (the time ratio needs a few
/// columns to be measured at all).
pub const MIN_TRIPLET_SPAN: u32 = 4;
/// Levels the time ratio of a triplet is quantised to.
pub const RATIO_LEVELS: u32 = 8;
/// Width of a log-frequency difference level, semitones.
pub const SEMITONES_PER_LEVEL: f64 = 1.5;
/// Bit 31 of a triplet hash: tells it from a landmark hash (23 bits) in the
/// same key band.
pub const TRIPLET_FLAG: u32 = 1 << 31;

/// One landmark: a peak pair's hash (or a peak triplet's, with
/// [`TRIPLET_FLAG`]) at the anchor's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Landmark {
    /// 23-bit pair hash (the lookup key).
    pub hash: u32,
    /// The anchor's spectrum column; times are `column * MS_PER_COLUMN`.
    pub column: u32,
}

impl Landmark {
    /// The anchor's time, ms.
    pub fn time_ms(&self) -> u32 {
        self.column * MS_PER_COLUMN
    }
}

#[derive(Debug, Clone, Copy)]
struct Peak {
    column: u32,
    bin: u16,
}

struct Column {
    index: u32,
    /// Squared magnitudes of bins MIN_BIN..=MAX_BIN.
    power: Vec<f32>,
    /// Each bin's maximum over ±PEAK_FREQ_RADIUS bins.
    freq_max: Vec<f32>,
    /// The power a peak must reach: the column's mean log power plus the
    /// margin, back in the power domain.
    floor: f32,
}

/// Streaming landmark extractor: [`push`](Self::push) samples as they are
/// decoded, then [`finish`](Self::finish).
pub struct AudioFingerprinter {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    /// Reused buffers: windowed input, spectrum, FFT scratch.
    frame: Vec<f32>,
    spectrum: Vec<Complex32>,
    scratch: Vec<Complex32>,
    pending: Vec<f32>,
    columns: VecDeque<Column>,
    /// Forgotten columns, their buffers reused (no allocation per column).
    spare: Vec<Column>,
    /// Reused per-column peak candidates.
    found: Vec<(f32, usize)>,
    next_column: u32,
    next_peak_column: u32,
    peaks: VecDeque<Peak>,
    /// Reused per-anchor partner list.
    partners: Vec<Peak>,
    /// 12 * log2(bin) for every bin, semitones.
    semitones: Vec<f64>,
    landmarks: Vec<Landmark>,
    triplets: Vec<Landmark>,
    samples_seen: u64,
}

impl std::fmt::Debug for AudioFingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioFingerprinter")
            .field("samples_seen", &self.samples_seen)
            .field("landmarks", &self.landmarks.len())
            .finish()
    }
}

impl Default for AudioFingerprinter {
    fn default() -> Self {
        Self::new()
    }
}

/// The landmarks of a whole recording, and how long it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioFingerprint {
    /// Landmarks in time order.
    pub landmarks: Vec<Landmark>,
    /// Speed- and pitch-invariant triplet keys in time order (hashes with
    /// [`TRIPLET_FLAG`]).
    pub triplets: Vec<Landmark>,
    /// Duration of the audio, ms.
    pub duration_ms: u64,
}

impl AudioFingerprinter {
    /// A fresh extractor.
    pub fn new() -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(FFT_SIZE);
        let window = (0..FFT_SIZE)
            .map(|i| {
                let phase = 2.0 * std::f32::consts::PI * i as f32 / FFT_SIZE as f32;
                0.5 - 0.5 * phase.cos()
            })
            .collect();
        AudioFingerprinter {
            frame: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
            window,
            pending: Vec::with_capacity(FFT_SIZE * 4),
            columns: VecDeque::new(),
            spare: Vec::new(),
            found: Vec::new(),
            next_column: 0,
            next_peak_column: 0,
            peaks: VecDeque::new(),
            partners: Vec::with_capacity(FAN_OUT.max(TRIPLET_PARTNERS)),
            semitones: (0..=MAX_BIN)
                .map(|b| 12.0 * (b.max(1) as f64).log2())
                .collect(),
            landmarks: Vec::new(),
            triplets: Vec::new(),
            samples_seen: 0,
        }
    }

    /// Feeds mono samples at [`SAMPLE_RATE`], in the range -1..=1.
    pub fn push(&mut self, samples: &[f32]) {
        self.samples_seen += samples.len() as u64;
        self.pending.extend_from_slice(samples);
        let mut start = 0;
        while self.pending.len() - start >= FFT_SIZE {
            self.add_column(start);
            start += HOP;
        }
        self.pending.drain(..start);
        self.find_peaks(false);
        self.pair_anchors(false);
    }

    /// Ends the stream and returns every landmark.
    pub fn finish(mut self) -> AudioFingerprint {
        self.find_peaks(true);
        self.pair_anchors(true);
        let duration_ms = self.samples_seen * 1000 / u64::from(SAMPLE_RATE);
        AudioFingerprint {
            landmarks: self.landmarks,
            triplets: self.triplets,
            duration_ms,
        }
    }

    fn add_column(&mut self, start: usize) {
        for ((out, sample), weight) in self
            .frame
            .iter_mut()
            .zip(&self.pending[start..start + FFT_SIZE])
            .zip(&self.window)
        {
            *out = sample * weight;
        }
        // A real-input FFT: half the work of a complex one. It only fails on
        // wrongly sized buffers, which are made by the planner above.
        if self
            .fft
            .process_with_scratch(&mut self.frame, &mut self.spectrum, &mut self.scratch)
            .is_err()
        {
            unreachable!("buffers come from the FFT plan");
        }
        let mut column = self.spare.pop().unwrap_or_else(|| Column {
            index: 0,
            power: Vec::with_capacity(MAX_BIN - MIN_BIN + 1),
            freq_max: Vec::with_capacity(MAX_BIN - MIN_BIN + 1),
            floor: 0.0,
        });
        column.index = self.next_column;
        column.power.clear();
        column.power.extend(
            self.spectrum[MIN_BIN..=MAX_BIN]
                .iter()
                .map(|c| c.norm_sqr() + 1e-12),
        );
        let mean_ln_power =
            column.power.iter().map(|&p| fast_ln(p)).sum::<f32>() / column.power.len() as f32;
        // ln|c| >= mean ln|c| + margin  <=>  |c|^2 >= exp(mean ln|c|^2 + 2 margin)
        column.floor = (mean_ln_power + 2.0 * PEAK_MARGIN).exp();
        sliding_max(&column.power, PEAK_FREQ_RADIUS, &mut column.freq_max);
        self.columns.push_back(column);
        self.next_column += 1;
    }

    /// Decides the peaks of every column whose neighbourhood is complete
    /// (all of them when `at_end`), then forgets columns no longer needed.
    fn find_peaks(&mut self, at_end: bool) {
        let radius = PEAK_TIME_RADIUS as u32;
        while self.next_peak_column < self.next_column
            && (at_end || self.next_peak_column + radius < self.next_column)
        {
            let c = self.next_peak_column;
            let first = self.columns.front().map_or(0, |col| col.index);
            let column = &self.columns[(c - first) as usize];
            let lo = c.saturating_sub(radius).max(first);
            let hi = (c + radius).min(self.next_column - 1);
            let found = &mut self.found;
            found.clear();
            for (k, &v) in column.power.iter().enumerate() {
                if v < column.floor || v < column.freq_max[k] {
                    continue;
                }
                // Strictly above earlier columns, at least equal to later
                // ones: a sustained tone's plateau yields one peak, at its
                // onset, instead of a tie that noise breaks at random.
                let is_peak = (lo..=hi).all(|t| {
                    let other = self.columns[(t - first) as usize].freq_max[k];
                    t == c || if t < c { other < v } else { other <= v }
                });
                if is_peak {
                    found.push((v, k));
                }
            }
            found.sort_by(|a, b| b.0.total_cmp(&a.0));
            found.truncate(MAX_PEAKS_PER_COLUMN);
            found.sort_by_key(|&(_, k)| k);
            self.peaks.extend(found.iter().map(|&(_, k)| Peak {
                column: c,
                bin: (k + MIN_BIN) as u16,
            }));
            self.next_peak_column += 1;
            while self
                .columns
                .front()
                .is_some_and(|col| col.index + radius < self.next_peak_column)
            {
                self.spare.extend(self.columns.pop_front());
            }
        }
    }

    /// Emits the landmarks of every anchor whose partners are all known.
    fn pair_anchors(&mut self, at_end: bool) {
        while let Some(&anchor) = self.peaks.front() {
            if !at_end && anchor.column + MAX_PAIR_DT >= self.next_peak_column {
                break;
            }
            self.partners.clear();
            self.partners.extend(
                self.peaks
                    .iter()
                    .skip(1)
                    .filter(|p| p.column > anchor.column)
                    .take_while(|p| p.column - anchor.column <= MAX_PAIR_DT)
                    .filter(|p| (i32::from(p.bin) - i32::from(anchor.bin)).abs() <= MAX_PAIR_DF)
                    .take(FAN_OUT.max(TRIPLET_PARTNERS)),
            );
            for partner in self.partners.iter().take(FAN_OUT) {
                let df = i32::from(partner.bin) - i32::from(anchor.bin);
                let dt = partner.column - anchor.column;
                let hash = (u32::from(anchor.bin) & 0x1ff) << 14
                    | ((df + 128) as u32 & 0xff) << 6
                    | (dt & 0x3f);
                self.landmarks.push(Landmark {
                    hash,
                    column: anchor.column,
                });
            }
            let near = &self.partners[..self.partners.len().min(TRIPLET_PARTNERS)];
            for (i, second) in near.iter().enumerate() {
                for third in &near[i + 1..] {
                    if let Some(hash) = triplet_hash(&self.semitones, anchor, *second, *third) {
                        self.triplets.push(Landmark {
                            hash,
                            column: anchor.column,
                        });
                    }
                }
            }
            self.peaks.pop_front();
        }
    }
}

/// The speed- and pitch-invariant hash of three peaks (`first` the
/// anchor, `second` before `third` in time), or `None` when the two
/// partners share a column or the span is under [`MIN_TRIPLET_SPAN`].
///
/// A change of speed multiplies every time difference by one factor and
/// every frequency by another (resampling: the same one; a tempo change:
/// time only; a pitch shift: frequency only). So the hash holds only what
/// neither changes: the time ratio `(t2 - t1) / (t3 - t1)` in
/// [`RATIO_LEVELS`] levels (bits 0-2) and the log-frequency differences
/// `f2 - f1` and `f3 - f1` in levels of [`SEMITONES_PER_LEVEL`] (7 bits
/// each, bits 3-9 and 10-16), with [`TRIPLET_FLAG`].
fn triplet_hash(semitones: &[f64], first: Peak, second: Peak, third: Peak) -> Option<u32> {
    let span = third.column - first.column;
    if second.column == third.column || span < MIN_TRIPLET_SPAN {
        return None;
    }
    let ratio = RATIO_LEVELS * (second.column - first.column) / span;
    let level = |p: Peak| {
        let d = semitones[usize::from(p.bin)] - semitones[usize::from(first.bin)];
        ((d / SEMITONES_PER_LEVEL).floor() as i32 + 64).clamp(0, 127) as u32
    };
    // Coarse, so that most copies keep them: the span in steps of a
    // factor SPAN_STEP, the anchor's frequency in octaves.
    let span_level = (SPAN_LEVELS.iter().take_while(|&&s| span >= s).count() as u32).min(7);
    let octave = (semitones[usize::from(first.bin)] - semitones[MIN_BIN]) / 12.0;
    let octave = (octave.max(0.0) as u32).min(7);
    Some(
        TRIPLET_FLAG
            | octave << 20
            | span_level << 17
            | level(third) << 10
            | level(second) << 3
            | ratio,
    )
}

/// Lower edges of the span levels, columns (a factor of about 1.4 apart).
const SPAN_LEVELS: [u32; 7] = [6, 8, 11, 16, 23, 32, 45];

/// Fingerprints a whole buffer of mono samples at [`SAMPLE_RATE`].
pub fn fingerprint(samples: &[f32]) -> AudioFingerprint {
    let mut extractor = AudioFingerprinter::new();
    extractor.push(samples);
    extractor.finish()
}

/// The natural logarithm from the float's bits: exponent plus a quadratic
/// fit of log2 over the mantissa (error under 0.005), in plain arithmetic,
/// so every platform computes the same value. For positive normal `x`.
fn fast_ln(x: f32) -> f32 {
    let bits = x.to_bits();
    let exponent = ((bits >> 23) & 0xff) as f32 - 127.0;
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000); // 1..2
    let log2 = exponent + (-0.344_848_43 * m + 2.024_665_8) * m - 1.674_877_6;
    log2 * std::f32::consts::LN_2
}

/// Maximum over a window of ±`radius` around each element, written to
/// `out`: van Herk / Gil-Werman, in O(n) without branches that depend on
/// the data. The values are cut into blocks of the window's width; within
/// each block a running maximum from the left (`ahead`) and from the right
/// (`behind`) is kept, and every window spans at most two blocks, so its
/// maximum is `max(behind[i - radius], ahead[i + radius])`.
fn sliding_max(values: &[f32], radius: usize, out: &mut Vec<f32>) {
    let n = values.len();
    let width = 2 * radius + 1;
    // Pad with -inf: radius on the left, enough on the right to end on a
    // whole block.
    let padded_len = (n + 2 * radius).div_ceil(width) * width;
    let mut padded = vec![f32::NEG_INFINITY; padded_len];
    padded[radius..radius + n].copy_from_slice(values);
    let mut ahead = padded.clone();
    let mut behind = padded;
    for block in ahead.chunks_exact_mut(width) {
        for k in 1..width {
            block[k] = block[k].max(block[k - 1]);
        }
    }
    for block in behind.chunks_exact_mut(width) {
        for k in (0..width - 1).rev() {
            block[k] = block[k].max(block[k + 1]);
        }
    }
    out.clear();
    // Element i sits at padded index i + radius; its window is padded
    // indices i ..= i + 2 * radius.
    out.extend((0..n).map(|i| behind[i].max(ahead[i + 2 * radius])));
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A tiny deterministic generator, so tests need no crate for noise.
    pub(crate) struct Lcg(pub u64);
    impl Lcg {
        pub(crate) fn next_f32(&mut self) -> f32 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        }
    }

    /// `seconds` of synthetic "music": 250 ms notes of random pitch with a
    /// harmonic and a second voice, each note struck and decaying, at
    /// SAMPLE_RATE.
    pub(crate) fn melody(seconds: f32, seed: u64) -> Vec<f32> {
        melody_at(SAMPLE_RATE, seconds, seed)
    }

    /// [`melody`] generated at `rate` Hz instead (the same notes; every
    /// partial is below 3.5 kHz).
    pub(crate) fn melody_at(rate: u32, seconds: f32, seed: u64) -> Vec<f32> {
        let mut rng = Lcg(seed);
        let n = (seconds * rate as f32) as usize;
        let note_len = rate as usize / 4;
        let mut out = Vec::with_capacity(n);
        let mut freqs = [0f32; 2];
        for i in 0..n {
            if i % note_len == 0 {
                freqs = [
                    200.0 + 1500.0 * (rng.next_f32() + 1.0) / 2.0,
                    300.0 + 2000.0 * (rng.next_f32() + 1.0) / 2.0,
                ];
            }
            let t = i as f32 / rate as f32;
            let since_onset = (i % note_len) as f32 / rate as f32;
            let envelope = (-since_onset / 0.12).exp();
            let v = envelope * 0.4 * (2.0 * std::f32::consts::PI * freqs[0] * t).sin()
                + envelope * 0.2 * (2.0 * std::f32::consts::PI * freqs[0] * 2.0 * t).sin()
                + envelope * 0.25 * (2.0 * std::f32::consts::PI * freqs[1] * t).sin();
            out.push(v);
        }
        out
    }

    #[test]
    fn golden_landmarks_of_a_generated_melody() {
        let fp = fingerprint(&melody(3.0, 7));
        let digest = fp.landmarks.iter().fold(0u64, |acc, l| {
            acc.wrapping_mul(1_000_003)
                .wrapping_add(u64::from(l.hash) ^ (u64::from(l.column) << 32))
        });
        assert_eq!((fp.landmarks.len(), digest), GOLDEN_MELODY_7);
        assert_eq!(fp.duration_ms, 3000);
    }

    /// (landmark count, digest of every hash and time). rustfft picks SIMD
    /// code at run time; x86-64 machines with AVX (all of ours) agree.
    const GOLDEN_MELODY_7: (usize, u64) = (110, 10_898_644_275_938_270_603);

    #[test]
    fn golden_triplets_of_a_generated_melody() {
        let fp = fingerprint(&melody(3.0, 7));
        let digest = fp.triplets.iter().fold(0u64, |acc, l| {
            acc.wrapping_mul(1_000_003)
                .wrapping_add(u64::from(l.hash) ^ (u64::from(l.column) << 32))
        });
        assert!(fp.triplets.iter().all(|t| t.hash & TRIPLET_FLAG != 0));
        assert_eq!((fp.triplets.len(), digest), GOLDEN_TRIPLETS_7);
    }

    /// (triplet count, digest of every hash and time), as [`GOLDEN_MELODY_7`].
    const GOLDEN_TRIPLETS_7: (usize, u64) = (96, 7_635_581_169_297_544_878);

    /// `seconds` of chirps at SAMPLE_RATE: every 750 ms a sweep rising
    /// exponentially from 300 Hz to 3 kHz, over a fainter one falling from
    /// 2.5 kHz to 400 Hz, both struck and decaying as the melody's notes.
    fn chirps(seconds: f32) -> Vec<f32> {
        let rate = SAMPLE_RATE as f32;
        let period = 0.75;
        // The phase of an exponential sweep from f0 to f1 over `period`.
        let phase = |f0: f32, f1: f32, t: f32| {
            let k = (f1 / f0).ln() / period;
            2.0 * std::f32::consts::PI * f0 * ((k * t).exp() - 1.0) / k
        };
        (0..(seconds * rate) as usize)
            .map(|i| {
                let t = (i as f32 / rate) % period;
                let envelope = (-t / 0.3).exp();
                envelope
                    * (0.5 * phase(300.0, 3_000.0, t).sin() + 0.25 * phase(2_500.0, 400.0, t).sin())
            })
            .collect()
    }

    /// (count, digest of every hash and time) of landmarks or triplets.
    fn digest(keys: &[Landmark]) -> (usize, u64) {
        let digest = keys.iter().fold(0u64, |acc, l| {
            acc.wrapping_mul(1_000_003)
                .wrapping_add(u64::from(l.hash) ^ (u64::from(l.column) << 32))
        });
        (keys.len(), digest)
    }

    #[test]
    fn golden_keys_of_generated_chirps() {
        let fp = fingerprint(&chirps(3.0));
        assert_eq!(
            (digest(&fp.landmarks), digest(&fp.triplets)),
            GOLDEN_CHIRPS,
            "(landmarks, triplets): (count, digest)"
        );
        assert_eq!(fp.duration_ms, 3000);
    }

    /// ((landmark count, digest), (triplet count, digest)) of 3 s of
    /// [`chirps`], as [`GOLDEN_MELODY_7`].
    const GOLDEN_CHIRPS: ((usize, u64), (usize, u64)) = (
        (111, 14_376_918_912_202_785_041),
        (110, 17_670_523_049_142_854_783),
    );

    #[test]
    fn a_triplet_hash_ignores_time_scaling_and_pitch_shifts() {
        let peak = |column, bin| Peak { column, bin };
        let hash = |(t1, f1), (t2, f2), (t3, f3)| {
            let semitones: Vec<f64> = (0..=MAX_BIN)
                .map(|b| 12.0 * (b.max(1) as f64).log2())
                .collect();
            triplet_hash(&semitones, peak(t1, f1), peak(t2, f2), peak(t3, f3))
        };
        let original = hash((10, 50), (16, 75), (22, 40));
        assert!(original.is_some());
        // 8% slower and 3.2 semitones up (every bin x1.2): the same hash.
        assert_eq!(hash((10, 60), (17, 90), (23, 48)), original);
        // 8% faster, the pitch kept.
        assert_eq!(hash((30, 50), (36, 75), (41, 40)), original);
        // Another time ratio, another frequency step: other hashes.
        assert_ne!(hash((10, 50), (12, 75), (22, 40)), original);
        assert_ne!(hash((10, 50), (16, 100), (22, 40)), original);
        // Too short a span, or partners in one column: no triplet.
        assert_eq!(hash((10, 50), (11, 75), (12, 40)), None);
        assert_eq!(hash((10, 50), (22, 75), (22, 40)), None);
    }

    #[test]
    fn streaming_in_small_pieces_gives_the_same_landmarks() {
        let samples = melody(6.0, 3);
        let whole = fingerprint(&samples);
        let mut extractor = AudioFingerprinter::new();
        for piece in samples.chunks(777) {
            extractor.push(piece);
        }
        assert_eq!(extractor.finish(), whole);
    }

    #[test]
    fn sliding_max_matches_the_naive_window_maximum() {
        let mut rng = Lcg(5);
        let values: Vec<f32> = (0..300).map(|_| rng.next_f32()).collect();
        for radius in [0, 1, 5, 12, 400] {
            let naive: Vec<f32> = (0..values.len())
                .map(|i| {
                    let lo = i.saturating_sub(radius);
                    let hi = (i + radius + 1).min(values.len());
                    values[lo..hi]
                        .iter()
                        .copied()
                        .fold(f32::NEG_INFINITY, f32::max)
                })
                .collect();
            let mut out = Vec::new();
            sliding_max(&values, radius, &mut out);
            assert_eq!(out, naive, "radius {radius}");
        }
    }

    #[test]
    fn fast_ln_is_close_to_ln() {
        for x in [1e-12f32, 1e-6, 0.1, 0.5, 1.0, 1.5, 2.0, 3.7, 1e3, 1e9] {
            assert!(
                (fast_ln(x) - x.ln()).abs() < 0.005,
                "{x}: {} vs {}",
                fast_ln(x),
                x.ln()
            );
        }
    }

    #[test]
    fn silence_has_no_landmarks() {
        assert!(
            fingerprint(&vec![0.0; SAMPLE_RATE as usize * 3])
                .landmarks
                .is_empty()
        );
    }
}
