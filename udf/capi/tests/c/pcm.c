/* A C program with its own sound fingerprinting it through the PCM API:
 * generates a few seconds of 44.1 kHz stereo (struck notes, then a chirp),
 * writes the samples to argv[1] (raw little-endian int16, for the test to
 * check against), feeds them once whole and once in odd-sized pieces, and
 * prints what it found, one "key value" per line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clickprint.h"

#define RATE 44100
#define CHANNELS 2
#define SECONDS 6
#define FRAMES (RATE * SECONDS)

static const double PI = 3.14159265358979323846;

/* Notes of 250 ms at pseudo-random pitches (200-1700 Hz, with a harmonic)
 * for four seconds, then a chirp from 300 Hz to 3 kHz; the right channel
 * carries a second voice. */
static void generate(int16_t *pcm) {
    uint32_t seed = 12345;
    double left_hz = 0, right_hz = 0;
    int note = RATE / 4;
    for (int i = 0; i < FRAMES; i++) {
        double t = (double)i / RATE;
        double l, r;
        if (i < 4 * RATE) {
            if (i % note == 0) {
                seed = seed * 1664525u + 1013904223u;
                left_hz = 200.0 + 1500.0 * (seed >> 8) / 16777216.0;
                seed = seed * 1664525u + 1013904223u;
                right_hz = 300.0 + 2000.0 * (seed >> 8) / 16777216.0;
            }
            double envelope = exp(-((double)(i % note) / RATE) / 0.12);
            l = envelope * (0.4 * sin(2 * PI * left_hz * t) + 0.2 * sin(4 * PI * left_hz * t));
            r = envelope * (0.3 * sin(2 * PI * left_hz * t) + 0.3 * sin(2 * PI * right_hz * t));
        } else {
            double s = t - 4.0; /* 0..2 s: 300 Hz + 1350 Hz/s */
            double phase = 2 * PI * (300.0 * s + 0.5 * 1350.0 * s * s);
            l = r = 0.5 * sin(phase);
        }
        pcm[2 * i] = (int16_t)lrint(l * 32767.0);
        pcm[2 * i + 1] = (int16_t)lrint(r * 32767.0);
    }
}

/* Feeds `pcm` in pieces whose sizes cycle through `pieces` (frames) and
 * returns the fingerprint, or NULL with the failure printed. */
static clickprint_fingerprint *fingerprint(const int16_t *pcm, const size_t *pieces, size_t n_pieces) {
    clickprint_audio *audio = NULL;
    if (clickprint_audio_start(RATE, CHANNELS, &audio) != CLICKPRINT_STATUS_OK) {
        printf("error start %s\n", clickprint_last_error());
        return NULL;
    }
    size_t done = 0;
    for (size_t k = 0; done < FRAMES; k++) {
        size_t frames = pieces[k % n_pieces];
        if (frames > FRAMES - done) frames = FRAMES - done;
        if (clickprint_audio_feed(audio, pcm + CHANNELS * done, frames) != CLICKPRINT_STATUS_OK) {
            printf("error feed %s\n", clickprint_last_error());
            clickprint_fingerprint *ignored = NULL;
            clickprint_audio_finish(audio, &ignored);
            clickprint_fingerprint_free(ignored);
            return NULL;
        }
        done += frames;
    }
    clickprint_fingerprint *fp = NULL;
    if (clickprint_audio_finish(audio, &fp) != CLICKPRINT_STATUS_OK) {
        printf("error finish %s\n", clickprint_last_error());
        return NULL;
    }
    return fp;
}

/* 1 when both fingerprints hold the same landmarks in the same order. */
static int same_landmarks(const clickprint_fingerprint *a, const clickprint_fingerprint *b) {
    size_t n = clickprint_fingerprint_landmark_count(a);
    if (n != clickprint_fingerprint_landmark_count(b)) return 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t ha, ta, hb, tb;
        if (clickprint_fingerprint_landmark(a, i, &ha, &ta) != CLICKPRINT_STATUS_OK) return 0;
        if (clickprint_fingerprint_landmark(b, i, &hb, &tb) != CLICKPRINT_STATUS_OK) return 0;
        if (ha != hb || ta != tb) return 0;
    }
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    int16_t *pcm = malloc(sizeof(int16_t) * CHANNELS * FRAMES);
    if (!pcm) return 2;
    generate(pcm);
    FILE *out = fopen(argv[1], "wb");
    if (!out || fwrite(pcm, sizeof(int16_t), CHANNELS * FRAMES, out) != CHANNELS * FRAMES) return 2;
    fclose(out);

    const size_t whole[] = {FRAMES};
    const size_t odd[] = {1, 997, 3, 4099, 101};
    clickprint_fingerprint *one = fingerprint(pcm, whole, 1);
    clickprint_fingerprint *pieces = fingerprint(pcm, odd, sizeof odd / sizeof odd[0]);
    if (!one || !pieces) return 1;
    printf("kind %d\n", clickprint_fingerprint_kind(pieces));
    printf("frames %zu\n", clickprint_fingerprint_frame_count(pieces));
    printf("duration_ms %llu\n", (unsigned long long)clickprint_fingerprint_duration_ms(pieces));
    size_t count = clickprint_fingerprint_landmark_count(pieces);
    printf("landmarks %zu\n", count);
    printf("pieces_equal_whole %d\n", same_landmarks(pieces, one));
    for (size_t i = 0; i < count; i++) {
        uint32_t hash, time_ms;
        if (clickprint_fingerprint_landmark(pieces, i, &hash, &time_ms) != CLICKPRINT_STATUS_OK) return 3;
        printf("landmark %u %u\n", hash, time_ms);
    }
    clickprint_fingerprint_free(one);
    clickprint_fingerprint_free(pieces);

    /* The caller's mistakes are refused, not dereferenced. */
    clickprint_audio *audio = (clickprint_audio *)pcm; /* must be overwritten */
    int32_t status = clickprint_audio_start(0, 2, &audio);
    printf("bad_rate_status %d null %d\n", status, audio == NULL);
    printf("bad_rate_error %s\n", clickprint_last_error());
    printf("bad_channels_status %d\n", clickprint_audio_start(RATE, 0, &audio));
    printf("null_feed_status %d\n", clickprint_audio_feed(NULL, pcm, 1));
    clickprint_fingerprint *fp = NULL;
    printf("null_finish_status %d\n", clickprint_audio_finish(NULL, &fp));
    free(pcm);
    return 0;
}
