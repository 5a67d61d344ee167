/* A C program using clickprint through its header: fingerprints the file
 * given as argv[1], hashes a generated picture in memory, and prints what
 * it found, one "key value" per line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clickprint.h"

static void print_hash(const char *label, const uint8_t hash[32]) {
    printf("%s ", label);
    for (int i = 0; i < 32; i++) printf("%02x", hash[i]);
    printf("\n");
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    printf("version %s\n", clickprint_version());

    clickprint_fingerprint *fp = NULL;
    int32_t status = clickprint_fingerprint_file(argv[1], &fp);
    if (status != CLICKPRINT_STATUS_OK) {
        printf("error %d %s\n", status, clickprint_last_error());
        return 1;
    }
    printf("kind %d\n", clickprint_fingerprint_kind(fp));
    printf("frames %zu\n", clickprint_fingerprint_frame_count(fp));
    uint32_t time_ms; uint8_t file_hash[32]; uint8_t quality;
    if (clickprint_fingerprint_frame(fp, 0, &time_ms, file_hash, &quality) != CLICKPRINT_STATUS_OK) return 3;
    print_hash("file_hash", file_hash);
    if (clickprint_fingerprint_frame(fp, 99, &time_ms, file_hash, &quality) != CLICKPRINT_STATUS_ERR_ARGUMENT) return 4;
    clickprint_fingerprint_free(fp);

    /* A 64x64 gradient with a bright square, hashed in memory. */
    uint8_t pixels[64 * 64];
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++)
            pixels[y * 64 + x] = (uint8_t)((x * 3 + y * 2) % 256) | ((x > 20 && x < 40 && y > 10 && y < 30) ? 200 : 0);
    uint8_t hash[32], flipped[32];
    if (clickprint_luma_hash(pixels, 64, 64, hash, flipped, &quality) != CLICKPRINT_STATUS_OK) return 5;
    print_hash("luma_hash", hash);
    printf("luma_quality %u\n", quality);
    printf("self_distance %u\n", clickprint_hash_distance(hash, hash));

    status = clickprint_fingerprint_file("/nonexistent/file.png", &fp);
    printf("missing_status %d null %d\n", status, fp == NULL);
    printf("missing_error %s\n", clickprint_last_error());
    return 0;
}
