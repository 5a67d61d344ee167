//! Matching: hits between fingerprints and the temporal
//! alignment that turns individual matches into one scored, time-ranged
//! match per reference ([`align`](mod@align)); how rare a local match's
//! inliers are among the search's candidates ([`rarity`]); and text
//! search's ranking of subtitle cues ([`text`]).

pub mod align;
pub mod local;
pub mod rarity;
pub mod rerank;
pub mod text;

use crate::fingerprint::audio::Landmark;

pub use align::{Alignment, Hit, align};

/// Every pair of query and reference landmarks with the same hash, as
/// alignment hits (a hash join; weight 1).
pub fn landmark_hits(query: &[Landmark], reference: &[Landmark]) -> Vec<Hit> {
    let pairs = |landmarks: &[Landmark]| -> Vec<(u32, u32)> {
        landmarks.iter().map(|l| (l.hash, l.time_ms())).collect()
    };
    rerank::landmark_hits(&pairs(query), &pairs(reference))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::audio::tests::{Lcg, melody, melody_at};
    use crate::fingerprint::audio::{AudioFingerprint, MS_PER_COLUMN, SAMPLE_RATE, fingerprint};

    fn hits(query: &AudioFingerprint, reference: &AudioFingerprint) -> Vec<Hit> {
        landmark_hits(&query.landmarks, &reference.landmarks)
    }

    #[test]
    fn a_noisy_quieter_excerpt_aligns_with_its_original() {
        let original = melody(30.0, 11);
        let reference = fingerprint(&original);
        // 5 s from 12 s in, at half volume, white noise at 10 dB SNR.
        let excerpt = &original[12 * SAMPLE_RATE as usize..17 * SAMPLE_RATE as usize];
        let power = excerpt.iter().map(|s| s * s).sum::<f32>() / excerpt.len() as f32;
        let noise_amplitude = (power / 10.0).sqrt() * 3f32.sqrt();
        let mut rng = Lcg(99);
        let query: Vec<f32> = excerpt
            .iter()
            .map(|s| 0.5 * (s + noise_amplitude * rng.next_f32()))
            .collect();
        let query = fingerprint(&query);
        let alignment = align(&hits(&query, &reference), MS_PER_COLUMN, 10).expect("a match");
        assert!(
            (alignment.offset_ms - 12_000).abs() <= 32,
            "offset {}",
            alignment.offset_ms
        );
        assert!(
            alignment.hits >= 20,
            "only {} hits of {} landmarks",
            alignment.hits,
            query.landmarks.len()
        );
        // An unrelated melody does not align.
        let other = fingerprint(&melody(30.0, 12));
        let chance = align(&hits(&query, &other), MS_PER_COLUMN, 10);
        assert!(chance.is_none(), "{chance:?}");
    }

    #[test]
    fn a_resampled_melody_aligns_by_triplets_with_its_speed() {
        let reference = fingerprint(&melody(30.0, 11));
        // The same notes made at 8.4 kHz and played at 8 kHz: 5% slower
        // and lower (0.952 reference seconds per query second); made at
        // 7.6 kHz: 5% faster and higher.
        for (rate, speed) in [(8_400, 8_000.0 / 8_400.0), (7_600, 8_000.0 / 7_600.0)] {
            let query = fingerprint(&melody_at(rate, 30.0, 11));
            let pairs = |l: &[crate::fingerprint::audio::Landmark]| -> Vec<(u32, u32)> {
                l.iter().map(|l| (l.hash, l.time_ms())).collect()
            };
            let a = rerank::align_triplets(&pairs(&query.triplets), &pairs(&reference.triplets))
                .expect("a match");
            assert!(
                (a.speed / speed - 1.0).abs() <= 0.01,
                "rate {rate}: speed {} for {speed}",
                a.speed
            );
            assert!(
                a.hits * 8 >= query.triplets.len(),
                "rate {rate}: {} of {} triplets agree",
                a.hits,
                query.triplets.len()
            );
            // Landmarks, tied to absolute bins and column gaps, do not.
            assert!(
                align(&hits(&query, &reference), MS_PER_COLUMN, 10)
                    .is_none_or(|l| l.hits * 5 < a.hits),
                "rate {rate}"
            );
        }
    }

    /// Issue 19: a copy under a loud voice-over agreed on too small a
    /// share of the query's keys (the voice's own keys match nothing) to
    /// reach the threshold, however sure the alignment.
    #[test]
    fn a_melody_under_a_louder_other_sound_scores_above_the_threshold() {
        let original = melody(30.0, 11);
        let reference = fingerprint(&original);
        let prepared = |f: &AudioFingerprint| rerank::Prepared {
            landmarks: f.landmarks.iter().map(|l| (l.hash, l.time_ms())).collect(),
            triplets: f.triplets.iter().map(|l| (l.hash, l.time_ms())).collect(),
            ..rerank::Prepared::default()
        };
        // Another melody twice as loud over the whole of it.
        let cover = melody(30.0, 12);
        let mixed: Vec<f32> = original
            .iter()
            .zip(&cover)
            .map(|(a, b)| 0.3 * a + 0.6 * b)
            .collect();
        let query = fingerprint(&mixed);
        let verdict = rerank::rerank(&prepared(&query), &prepared(&reference), &[])
            .expect("the copy is found");
        assert!(verdict.score >= 0.3, "{verdict:?}");
        // The cover alone is no copy of the original.
        let other = fingerprint(&cover);
        let chance = rerank::rerank(&prepared(&other), &prepared(&reference), &[]);
        assert!(chance.as_ref().is_none_or(|v| v.score < 0.3), "{chance:?}");
    }
}
