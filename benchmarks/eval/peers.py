"""The picture peers' own hashes for clickprint-eval (benchmarks/eval).

Reads file paths, one per line, on standard input; prints one JSON line per
file: PDQ (pdqhash, Meta's reference algorithm, 256 bits), pHash and dHash
(imagehash, 64 bits), each as hex, and imagehash's crop-resistant hash (a
dHash per segment of the picture, as a comma-separated list of hex), with
the seconds each took (`decode` is reading the file, which every hash
needs). The matching (a linear scan, since the peers have no search) is
done by clickprint-eval.
"""

import json
import sys
import time

import imagehash
import numpy as np
import pdqhash
from PIL import Image


def hex_bits(bits):
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def timed(seconds, name, work):
    started = time.perf_counter()
    value = work()
    seconds[name] = time.perf_counter() - started
    return value


# Each method once on a made-up picture first, so that no file's time
# includes a lazy import (pHash loads scipy on its first call).
_warm = Image.fromarray(np.random.RandomState(0).randint(0, 255, (64, 64, 3), dtype=np.uint8))
pdqhash.compute(np.asarray(_warm))
imagehash.phash(_warm), imagehash.dhash(_warm), imagehash.crop_resistant_hash(_warm)

for line in sys.stdin:
    path = line.rstrip("\n")
    if not path:
        continue
    seconds = {}

    def decode():
        with Image.open(path) as image:
            return image.convert("RGB")

    rgb = timed(seconds, "decode", decode)
    pdq, _quality = timed(seconds, "PDQ", lambda: pdqhash.compute(np.asarray(rgb)))
    print(json.dumps({
        "path": path,
        "pdq": hex_bits(pdq),
        "phash": str(timed(seconds, "pHash", lambda: imagehash.phash(rgb))),
        "dhash": str(timed(seconds, "dHash", lambda: imagehash.dhash(rgb))),
        "crop_resistant": str(timed(seconds, "crop-resistant",
                                    lambda: imagehash.crop_resistant_hash(rgb))),
        "seconds": seconds,
    }), flush=True)
